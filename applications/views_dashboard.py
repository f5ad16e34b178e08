"""The kepala bidang's dashboard (page and XLSX downloads) and the public tracking page."""

import io
from datetime import timedelta
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_safe

from dukcapil.accounts.models import Bidang
from dukcapil.core.audit import audit_record
from routing.models import Kecamatan

from .dashboard import AGING_BUCKETS, Dashboard, DashboardFilters, dashboard_allowed, dashboard_build
from .dashboard.charts import dashboard_charts
from .dashboard.tables import dashboard_tables
from .dashboard.xlsx import tables_xlsx
from .forms_dashboard import DashboardFilterForm, TrackingForm
from .models import DocumentType
from .tracking import (
    STEP_LABELS,
    tracking_client_ip,
    tracking_is_limited,
    tracking_lookup,
    tracking_record_failure,
)

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def dashboard_required(view):
    """Login first (anonymous → login page); then only section heads, the head of office and the admin."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not dashboard_allowed(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _load(request) -> tuple[DashboardFilterForm, Dashboard]:
    """Queries: document types, kecamatan (the filter choices), then the figures (see dashboard.py)."""
    user = request.user
    types = list(DocumentType.objects.select_related("category").order_by("category__code", "order", "name"))
    kecamatan = list(Kecamatan.objects.order_by("name").only("id", "name"))
    # the date fields always show the period the figures cover (the last 30 days unless chosen)
    data = request.GET.copy()
    default = DashboardFilters.default()
    if not data.get("date_from") and not data.get("date_to"):
        data["date_from"], data["date_to"] = default.date_from.isoformat(), default.date_to.isoformat()
    form = DashboardFilterForm(data, user=user, document_types=types, kecamatan=kecamatan)
    dash = dashboard_build(user=user, filters=form.filters(), document_types=types)
    return form, dash


def _scope_label(dash: Dashboard) -> str:
    if dash.bidang:
        return _("Bidang %(bidang)s") % {"bidang": Bidang(dash.bidang).label}
    return _("Seluruh kantor")


def _period_label(dash: Dashboard) -> str:
    f = dash.filters
    return _("%(start)s – %(end)s") % {
        "start": formats.date_format(f.date_from, "j M Y"),
        "end": formats.date_format(f.date_to, "j M Y"),
    }


@never_cache
@require_safe
@dashboard_required
def dashboard(request):
    """Queries: session, user, the filter choices (2), the figures (11–13, see dashboard.py)."""
    form, dash = _load(request)
    tables = dashboard_tables(dash)
    query = request.GET.urlencode()
    return render(
        request,
        "applications/dashboard/index.html",
        {
            "form": form,
            "dash": dash,
            "tables": tables,
            "charts": dashboard_charts(dash),
            "aging_buckets": AGING_BUCKETS,
            "scope_label": _scope_label(dash),
            "period_label": _period_label(dash),
            "query": query,
            "alerts": _alerts(dash),
            "kpis": _kpis(dash),
            "ranges": _quick_ranges(request, dash),
            "filter_summary": _filter_summary(form, dash),
        },
    )


def _kpis(dash: Dashboard) -> list[dict]:
    whole = dash.turnaround_all
    share = whole.share_within
    return [
        {"label": _("Terbuka"), "value": intcomma(dash.open_total), "href": "#sec-backlog"},
        {
            "label": _("Lewat batas waktu"),
            "value": intcomma(dash.overdue_total),
            "sub": _("dari yang terbuka"),
            "tone": "danger" if dash.overdue_total else "",
            "href": "#sec-backlog",
        },
        {"label": _("Mendesak, terbuka"), "value": intcomma(dash.urgent_total), "href": "#sec-backlog"},
        {
            "label": _("Masuk"),
            "value": intcomma(dash.intake_total),
            "sub": _("dalam periode"),
            "href": "#sec-flow",
        },
        {
            "label": _("Selesai"),
            "value": intcomma(dash.finished_total),
            "sub": _("dalam periode"),
            "href": "#sec-flow",
        },
        {
            "label": _("Tepat waktu"),
            "value": "–" if share is None else formats.number_format(share * 100, 0) + "%",
            "sub": _("median %(d)s hari") % {"d": whole.median_days}
            if whole.median_days is not None
            else _("belum ada yang selesai"),
            "tone": "warning" if share is not None and share < 0.8 else "",
            "href": "#sec-turnaround",
        },
    ]


QUICK_RANGES = [(7, _lazy("7 hari")), (30, _lazy("30 hari")), (90, _lazy("90 hari")), (365, _lazy("1 tahun"))]


def _quick_ranges(request, dash: Dashboard) -> list[tuple[str, str, bool]]:
    """Links for the last 7/30/90/365 days ending today, keeping the other filters."""
    today = timezone.localdate()
    f = dash.filters
    out = []
    for days, label in QUICK_RANGES:
        params = request.GET.copy()
        start = today - timedelta(days=days - 1)
        params["date_from"], params["date_to"] = start.isoformat(), today.isoformat()
        out.append((str(label), params.urlencode(), f.date_from == start and f.date_to == today))
    return out


def _filter_summary(form: DashboardFilterForm, dash: Dashboard) -> str:
    """The active filters in words, for the subtitle (and the printout)."""
    parts = []
    for name, value in (
        ("document_type", dash.filters.document_type_id),
        ("kecamatan", dash.filters.kecamatan_id),
    ):
        if value:
            parts.append(dict(form.fields[name].choices).get(value, ""))
    return " · ".join(p for p in parts if p)


def _alerts(dash: Dashboard) -> list[tuple[str, str, str]]:
    """What needs the head's attention first: (tone, text, anchor on the page)."""
    alerts = []
    if dash.overdue_total:
        alerts.append(
            (
                "danger",
                _("%(n)s permohonan terbuka sudah lewat batas waktu layanan.") % {"n": dash.overdue_total},
                "#sec-backlog",
            )
        )
    stuck = sum(dash.bucket_totals[3:])
    if stuck:
        alerts.append(
            (
                "warning",
                _("%(n)s permohonan terbuka sudah lebih dari 14 hari.") % {"n": stuck},
                "#sec-backlog",
            )
        )
    if dash.batches_late:
        alerts.append(
            (
                "warning",
                _("%(n)s batch belum dikonfirmasi desa lebih dari 2 hari setelah dikirim.")
                % {"n": dash.batches_late},
                "#sec-batches",
            )
        )
    if dash.failed_permanent:
        alerts.append(
            (
                "danger",
                _("%(n)s notifikasi WhatsApp gagal permanen: warga belum menerima kabar.")
                % {"n": dash.failed_permanent},
                "#sec-failed",
            )
        )
    if dash.quota:
        full = [r for r in dash.quota if r.cap and r.booked >= r.cap and r.day >= dash.now.date()]
        if full:
            alerts.append(
                (
                    "info",
                    _("Kuota perekaman mendesak penuh pada %(n)s hari ke depan.") % {"n": len(full)},
                    "#sec-quota",
                )
            )
    return alerts


@never_cache
@require_safe
@dashboard_required
def dashboard_xlsx(request, table: str):
    """One table, or every table ("semua"), as an XLSX workbook for the same filters as the page."""
    _form, dash = _load(request)
    tables = dashboard_tables(dash)
    if table == "semua":
        chosen = list(tables.values())
    elif table in tables:
        chosen = [tables[table]]
    else:
        raise Http404
    heading = f"{_scope_label(dash)} · {_period_label(dash)}"
    stream = io.BytesIO()
    tables_xlsx(chosen, heading=heading, stream=stream)
    f = dash.filters
    name = f"dasbor-{dash.bidang or 'kantor'}-{f.date_from:%Y%m%d}-{f.date_to:%Y%m%d}-{table}.xlsx"
    # the workbook leaves the system: who took which figures, and when
    audit_record(request=request, action="export_dashboard", detail=name)
    response = HttpResponse(stream.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- public tracking ---------------------------------------------------------------------------


@never_cache
@sensitive_post_parameters("nik_last4")
@require_http_methods(["GET", "POST"])
def track(request):
    """Status by registration number + last four NIK digits, sent by POST (nothing in the URL).

    Queries on POST: at most one (the application by its unique number, with its desa).
    """
    context = {"steps": STEP_LABELS, "result": None, "mismatch": False, "limited": False}
    if request.method == "GET":
        context["form"] = TrackingForm()
        return render(request, "applications/track.html", context)
    form = TrackingForm(request.POST)
    ip = tracking_client_ip(request)
    raw_number = "".join((request.POST.get("number") or "").split()).upper()[:30]
    if tracking_is_limited(ip=ip, number=raw_number):
        context.update(form=TrackingForm(), limited=True)
        return render(request, "applications/track.html", context, status=429)
    if form.is_valid():
        number = form.cleaned_data["number"]
        result = tracking_lookup(number=number, nik_last4=form.cleaned_data["nik_last4"])
        if result is None:
            tracking_record_failure(ip=ip, number=number)
            # keep what was typed in the number, never the digits
            form = TrackingForm(initial={"number": number})
            context["mismatch"] = True
        else:
            form = TrackingForm()
        context["result"] = result
    context["form"] = form
    return render(request, "applications/track.html", context)
