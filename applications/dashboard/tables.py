"""The dashboard's figures as tables (one source for the HTML tables, the charts and the XLSX files).

Each table keeps raw values for the spreadsheet and formatted text for the page, so a download
always holds exactly the numbers on the screen.
"""

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from .rows import AGING_BUCKETS, Dashboard, TurnaroundRow

TEXT, INT, PCT, DAYS, DATE, DATETIME = "text", "int", "pct", "days", "date", "datetime"
NUMERIC = frozenset({INT, PCT, DAYS})
AGE_CSS = ["", "", "cell-warn", "cell-orange", "cell-danger"]


@dataclass
class Column:
    label: str
    kind: str = TEXT

    @property
    def numeric(self) -> bool:
        return self.kind in NUMERIC


@dataclass
class Cell:
    value: Any
    display: str
    css: str = ""
    href: str = ""
    numeric: bool = False  # set from its column by Table


@dataclass
class Table:
    key: str
    title: str
    columns: list[Column]
    rows: list[list[Cell]]
    footer: list[Cell] | None = None
    empty: str = ""
    note: str = ""
    more: tuple[str, str] | None = None  # (url, label): where the rows left out are listed
    long: bool = False  # many rows: the page folds it under its chart

    def __post_init__(self):
        for row in [*self.rows, *([self.footer] if self.footer else [])]:
            for column, c in zip(self.columns, row, strict=True):
                c.numeric = column.numeric

    def html(self) -> str:
        """The table as HTML, built in Python: a year of days is ~1,500 cells, and the template
        language would spend most of the page's time on them."""
        head = "".join(
            format_html(
                '<th scope="col"{}>{}</th>', mark_safe(' class="text-end"') if c.numeric else "", c.label
            )
            for c in self.columns
        )
        body = "".join(
            f"<tr>{''.join(_cell_html(c, i == 0) for i, c in enumerate(row))}</tr>" for row in self.rows
        )
        foot = ""
        if self.footer:
            cells = "".join(_cell_html(c, i == 0) for i, c in enumerate(self.footer))
            foot = f'<tfoot><tr class="fw-semibold">{cells}</tr></tfoot>'
        return mark_safe(  # noqa: S308 - every piece is escaped by format_html/escape above
            # a table wider than its card scrolls sideways: keyboard users reach it (tabindex) and screen
            # readers name the region
            f'<div class="table-responsive" tabindex="0" role="region" aria-label="{escape(self.title)}">'
            f'<table class="table table-sm table-hover align-middle dash-table mb-0" id="table-{escape(self.key)}"><caption class="visually-hidden">{escape(self.title)}</caption>'
            f'<thead class="table-light"><tr>{head}</tr></thead><tbody>{body}</tbody>{foot}</table></div>'
        )

    @property
    def sheet_title(self) -> str:
        # Excel: at most 31 characters, none of []:*?/\
        cleaned = "".join(" " if ch in "[]:*?/\\" else ch for ch in self.title)
        return cleaned[:31]


def _cell_html(c: Cell, row_header: bool) -> str:
    content = format_html('<a href="{}">{}</a>', c.href, c.display) if c.href else escape(c.display)
    if row_header:
        return format_html('<th scope="row" class="fw-normal {}">{}</th>', c.css, content)
    css = f"text-end tabular {c.css}" if c.numeric else c.css
    return format_html('<td class="{}">{}</td>', css, content)


def date_label(day: date, pattern: str) -> str:
    """formats.date_format, remembered: a year of days appears in two tables and two charts, and
    each call looks up the localized day and month names again."""
    return _date_label(day, pattern, get_language())


@lru_cache(maxsize=4096)
def _date_label(day: date, pattern: str, language: str) -> str:
    return formats.date_format(day, pattern)


@lru_cache(maxsize=4096)
def _int_label(value: int, language: str) -> str:
    # counts repeat a lot (0, 1, 2...): remember them like the dates
    return formats.number_format(value, 0, force_grouping=True)


def fmt(value: Any, kind: str) -> str:
    if value is None or value == "":
        return "–"
    if kind == INT:
        return _int_label(value, get_language())
    if kind == PCT:
        return formats.number_format(value * 100, 1) + "%"
    if kind == DAYS:
        return formats.number_format(value, 1)
    if kind == DATE:
        return date_label(value, "D, j M Y")
    if kind == DATETIME:
        return formats.date_format(timezone.localtime(value), "j M, H:i")
    return str(value)


def cell(value: Any, kind: str = TEXT, css: str = "", href: str = "") -> Cell:
    return Cell(value=value, display=fmt(value, kind), css=css, href=href)


def _url(name: str, *args, query: dict | None = None) -> str:
    """A link only when that page exists (pages are built by several people in parallel)."""
    try:
        url = reverse(name, args=args)
    except NoReverseMatch:
        return ""
    query = {k: v for k, v in (query or {}).items() if v not in (None, "")}
    return f"{url}?{urlencode(query)}" if query else url


def _queue_query(dash: Dashboard, **extra) -> dict:
    f = dash.filters
    return {
        "scope": "bidang",
        "bidang": dash.bidang,
        "document_type": f.document_type_id,
        "kecamatan": f.kecamatan_id,
        **extra,
    }


# --- the tables ---------------------------------------------------------------------------------


def dashboard_tables(dash: Dashboard) -> dict[str, Table]:
    tables = [
        backlog_table(dash),
        flow_table(dash),
        turnaround_table(dash),
        revisions_table(dash),
        missing_table(dash),
        officers_table(dash),
        kecamatan_table(dash),
        desa_table(dash),
    ]
    if dash.quota is not None:
        tables.append(quota_table(dash))
    tables += [batches_table(dash), failed_table(dash), failed_latest_table(dash)]
    return {t.key: t for t in tables}


def backlog_table(dash: Dashboard) -> Table:
    columns = [
        Column(_("Status")),
        Column(_("Terbuka"), INT),
        Column(_("Lewat batas waktu"), INT),
        Column(_("Mendesak"), INT),
        *(Column(str(b.label), INT) for b in AGING_BUCKETS),
    ]
    rows = []
    for r in dash.backlog:
        # older than a week is where documents get stuck: the same colours as the chart's buckets
        buckets = [cell(n, INT, css=AGE_CSS[i] if n else "") for i, n in enumerate(r.buckets)]
        rows.append(
            [
                cell(r.label, href=_url("applications:queue", query=_queue_query(dash, status=r.status))),
                cell(r.total, INT),
                cell(r.overdue, INT, css="cell-alert" if r.overdue else ""),
                cell(r.urgent, INT),
                *buckets,
            ]
        )
    footer = [
        cell(_("Jumlah")),
        cell(dash.open_total, INT),
        cell(dash.overdue_total, INT),
        cell(dash.urgent_total, INT),
        *(cell(n, INT) for n in dash.bucket_totals),
    ]
    return Table(
        key="backlog",
        title=_("Permohonan terbuka menurut status dan umur"),
        columns=columns,
        rows=rows,
        footer=footer,
        note=_(
            "Umur dihitung dalam hari penuh sejak permohonan diterima. Keadaan saat ini, tanpa rentang tanggal."
        ),
    )


def flow_table(dash: Dashboard) -> Table:
    rows = [[cell(d.day, DATE), cell(d.intake, INT), cell(d.finished, INT)] for d in dash.days]
    return Table(
        key="flow",
        title=_("Masuk dan selesai per hari"),
        columns=[Column(_("Tanggal"), DATE), Column(_("Masuk"), INT), Column(_("Selesai"), INT)],
        rows=rows,
        footer=[cell(_("Jumlah")), cell(dash.intake_total, INT), cell(dash.finished_total, INT)],
        note=_("Selesai: dokumen yang ditandai siap pada hari itu."),
        long=True,
    )


def _turnaround_cells(r: TurnaroundRow) -> list[Cell]:
    sla = r.service_level_days

    def late(value, css):
        return css if sla is not None and value is not None and value > sla else ""

    share = r.share_within
    return [
        cell(r.name),
        cell(sla, INT),
        cell(r.finished, INT),
        cell(r.median_days, INT, css=late(r.median_days, "cell-danger")),
        cell(r.p90_days, INT, css=late(r.p90_days, "cell-warn")),
        cell(r.within, INT),
        cell(share, PCT, css="cell-warn" if share is not None and share < 0.8 else ""),
    ]


def turnaround_table(dash: Dashboard) -> Table:
    return Table(
        key="turnaround",
        title=_("Waktu penyelesaian per jenis dokumen"),
        columns=[
            Column(_("Jenis dokumen")),
            Column(_("Standar (hari)"), INT),
            Column(_("Selesai"), INT),
            Column(_("Median (hari)"), INT),
            Column(_("P90 (hari)"), INT),
            Column(_("Tepat waktu"), INT),
            Column(_("Tepat waktu (%)"), PCT),
        ],
        rows=[_turnaround_cells(r) for r in dash.turnaround],
        footer=_turnaround_cells(dash.turnaround_all) if dash.turnaround else None,
        empty=_("Belum ada dokumen yang selesai dalam periode ini."),
        note=_(
            "Dari diterima sampai ditandai siap, dalam hari penuh (dibulatkan ke bawah). Median: separuh "
            "dokumen selesai dalam waktu ini atau lebih cepat; P90: 9 dari 10 dokumen. "
            "Tepat waktu: selesai sebelum batas waktu yang ditetapkan saat diterima."
        ),
    )


def revisions_table(dash: Dashboard) -> Table:
    rows = [
        [
            cell(r.name),
            cell(r.intake, INT),
            cell(r.revised, INT),
            cell(r.rate, PCT, css="cell-warn" if r.rate and r.rate >= 0.3 else ""),
        ]
        for r in dash.revisions
    ]
    total = dash.intake_total
    return Table(
        key="revisions",
        title=_("Permohonan yang perlu perbaikan, per jenis dokumen"),
        columns=[
            Column(_("Jenis dokumen")),
            Column(_("Diterima"), INT),
            Column(_("Pernah perlu perbaikan"), INT),
            Column(_("Tingkat perbaikan"), PCT),
        ],
        rows=rows,
        footer=[
            cell(_("Jumlah")),
            cell(total, INT),
            cell(dash.revised_total, INT),
            cell(dash.revised_total / total if total else None, PCT),
        ]
        if rows
        else None,
        empty=_("Tidak ada permohonan yang diterima dalam periode ini."),
        note=_("Permohonan yang diterima dalam periode ini."),
    )


def missing_table(dash: Dashboard) -> Table:
    rows = [
        [
            cell(r.name),
            cell(r.document_type),
            cell(r.count, INT),
            cell(r.missing, INT),
            cell(r.unreadable, INT),
            cell(r.invalid, INT),
        ]
        for r in dash.missing
    ]
    return Table(
        key="missing",
        title=_("Persyaratan yang paling sering belum sesuai"),
        columns=[
            Column(_("Persyaratan")),
            Column(_("Jenis dokumen")),
            Column(_("Jumlah"), INT),
            Column(_("Tidak ada"), INT),
            Column(_("Tidak terbaca"), INT),
            Column(_("Tidak sah"), INT),
        ],
        rows=rows,
        empty=_("Tidak ada persyaratan yang ditandai belum sesuai."),
        note=_("Hasil pemeriksaan terakhir pada permohonan yang diterima dalam periode ini."),
    )


def officers_table(dash: Dashboard) -> Table:
    rows = []
    for r in dash.officers:
        name = r.name if r.is_active else _("%(name)s (tidak aktif)") % {"name": r.name}
        rows.append(
            [
                cell(name),
                cell(r.open, INT),
                cell(r.overdue, INT, css="cell-alert" if r.overdue else ""),
                cell(r.finished, INT),
            ]
        )
    return Table(
        key="officers",
        title=_("Beban kerja dan hasil petugas"),
        columns=[
            Column(_("Petugas")),
            Column(_("Terbuka"), INT),
            Column(_("Lewat batas waktu"), INT),
            Column(_("Selesai dalam periode"), INT),
        ],
        rows=rows,
        footer=[
            cell(_("Jumlah")),
            cell(sum(r.open for r in dash.officers), INT),
            cell(sum(r.overdue for r in dash.officers), INT),
            cell(sum(r.finished for r in dash.officers), INT),
        ]
        if rows
        else None,
        empty=_("Belum ada petugas di bidang ini."),
    )


def kecamatan_table(dash: Dashboard) -> Table:
    return Table(
        key="kecamatan",
        title=_("Per kecamatan"),
        columns=[
            Column(_("Kecamatan")),
            Column(_("Diterima dalam periode"), INT),
            Column(_("Terbuka"), INT),
            Column(_("Lewat batas waktu"), INT),
        ],
        rows=[
            [cell(r.name), cell(r.intake, INT), cell(r.open, INT), cell(r.overdue, INT)]
            for r in dash.kecamatan
        ],
        empty=_("Belum ada permohonan."),
    )


def desa_table(dash: Dashboard) -> Table:
    return Table(
        key="desa",
        title=_("Per desa/kelurahan"),
        columns=[
            Column(_("Desa/kelurahan")),
            Column(_("Kecamatan")),
            Column(_("Diterima dalam periode"), INT),
            Column(_("Terbuka"), INT),
            Column(_("Lewat batas waktu"), INT),
        ],
        rows=[
            [cell(r.name), cell(r.kecamatan), cell(r.intake, INT), cell(r.open, INT), cell(r.overdue, INT)]
            for r in dash.desa
        ],
        empty=_("Belum ada permohonan."),
    )


def quota_table(dash: Dashboard) -> Table:
    today = timezone.localdate(dash.now)
    rows = []
    for r in dash.quota or []:
        full = r.cap and r.booked >= r.cap
        rows.append(
            [
                cell(r.day, DATE, css="fw-semibold" if r.day == today else ""),
                cell(r.cap, INT),
                cell(r.booked, INT),
                cell(r.pending, INT),
                cell(r.share, PCT, css="cell-danger" if full else ""),
                cell(max(0, r.cap - r.booked), INT),
            ]
        )
    return Table(
        key="quota",
        title=_("Kuota perekaman KTP-el mendesak"),
        columns=[
            Column(_("Tanggal"), DATE),
            Column(_("Kuota"), INT),
            Column(_("Terjadwal"), INT),
            Column(_("Menunggu persetujuan"), INT),
            Column(_("Terpakai"), PCT),
            Column(_("Sisa"), INT),
        ],
        rows=rows,
        empty=_("Tidak ada hari perekaman dalam periode ini."),
        note=_("Periode yang dipilih, ditambah satu minggu ke depan bila periode sampai hari ini."),
        long=True,
    )


def batches_table(dash: Dashboard) -> Table:
    rows = [
        [
            cell(b.number, href=_url("routing:batch_detail", b.pk)),
            cell(b.desa),
            cell(b.kecamatan),
            cell(b.dispatched_at, DATETIME),
            cell(b.days_waiting, INT, css="cell-danger" if b.days_waiting > 2 else ""),
            cell(b.item_count, INT),
        ]
        for b in dash.batches
    ]
    return Table(
        key="batches",
        title=_("Batch dikirim, belum dikonfirmasi desa"),
        columns=[
            Column(_("Nomor batch")),
            Column(_("Desa")),
            Column(_("Kecamatan")),
            Column(_("Dikirim"), DATETIME),
            Column(_("Menunggu (hari)"), INT),
            Column(_("Isi (dokumen)"), INT),
        ],
        rows=rows,
        empty=_("Semua batch yang dikirim sudah dikonfirmasi desa."),
        note=_("Hanya %(n)s batch terlama yang ditampilkan.") % {"n": len(rows)} if dash.batches_more else "",
        more=(f"{reverse('routing:batch_list')}?status=dispatched", _("Semua batch yang sedang dikirim"))
        if dash.batches_more
        else None,
    )


def failed_table(dash: Dashboard) -> Table:
    return Table(
        key="failed",
        title=_("Notifikasi WhatsApp gagal"),
        columns=[Column(_("Peristiwa")), Column(_("Status")), Column(_("Jumlah"), INT)],
        rows=[
            [
                cell(r.event_label),
                cell(r.status_label, css="cell-danger" if r.status == "permanent" else ""),
                cell(r.count, INT),
            ]
            for r in dash.failed_counts
        ],
        footer=[cell(_("Jumlah")), cell(""), cell(dash.failed_total, INT)] if dash.failed_counts else None,
        empty=_("Tidak ada notifikasi yang gagal dalam periode ini."),
    )


def failed_latest_table(dash: Dashboard) -> Table:
    rows = []
    for m in dash.failed_latest:
        app = m.application
        rows.append(
            [
                cell(m.created_at, DATETIME),
                cell(app.number if app else "–", href=_url("applications:detail", app.pk) if app else ""),
                cell(m.get_event_display()),
                cell(m.get_status_display()),
                cell(m.attempts, INT),
            ]
        )
    return Table(
        key="failed_latest",
        title=_("Notifikasi gagal terbaru"),
        columns=[
            Column(_("Dibuat"), DATETIME),
            Column(_("Nomor registrasi")),
            Column(_("Peristiwa")),
            Column(_("Status")),
            Column(_("Percobaan"), INT),
        ],
        rows=rows,
        empty=_("Tidak ada notifikasi yang gagal dalam periode ini."),
    )
