"""Chart.js configs of the dashboard (drawn by static/js/dashboard.js), from the same figures as the tables."""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from .rows import AGING_BUCKETS, Dashboard
from .tables import date_label

# --- charts (Chart.js configs, rendered by static/js/dashboard.js) ---------------------------------


@dataclass
class Chart:
    key: str
    kind: str  # bar | line
    labels: list[str]
    datasets: list[dict] = field(default_factory=list)
    options: dict = field(default_factory=dict)

    def as_json(self) -> dict:
        return {"type": self.kind, "labels": self.labels, "datasets": self.datasets, "options": self.options}


def dashboard_charts(dash: Dashboard) -> dict[str, dict]:
    # the "lainnya" row would dwarf the named kecamatan; it stays in the table under the chart
    named_kecamatan = [r for r in dash.kecamatan if r.pk is not None]
    charts = [
        Chart(
            key="flow",
            kind="bar",
            labels=[date_label(d.day, "j M") for d in dash.days],
            datasets=[
                {"label": _("Masuk"), "data": [d.intake for d in dash.days], "color": "brand"},
                {
                    "label": _("Selesai"),
                    "data": [d.finished for d in dash.days],
                    "color": "ok",
                    "type": "line",
                },
            ],
        ),
        Chart(
            key="backlog",
            kind="bar",
            labels=[r.label for r in dash.backlog],
            datasets=[
                {
                    "label": str(b.label),
                    "data": [r.buckets[i] for r in dash.backlog],
                    "color": f"age{i}",
                    "stack": "age",
                }
                for i, b in enumerate(AGING_BUCKETS)
            ],
            options={"horizontal": True, "stacked": True},
        ),
        Chart(
            key="turnaround",
            kind="bar",
            labels=[r.name for r in dash.turnaround],
            datasets=[
                {"label": _("Median (hari)"), "data": [_round(r.median_days) for r in dash.turnaround]},
                {
                    "label": _("P90 (hari)"),
                    "data": [_round(r.p90_days) for r in dash.turnaround],
                    "color": "warn",
                },
                {
                    "label": _("Standar (hari)"),
                    "data": [r.service_level_days for r in dash.turnaround],
                    "color": "danger",
                    "type": "line",
                    "marker": True,
                },
            ],
            options={"horizontal": True},
        ),
        Chart(
            key="officers",
            kind="bar",
            labels=[r.name for r in dash.officers],
            datasets=[
                {
                    "label": _("Terbuka, masih dalam batas waktu"),
                    "data": [r.open - r.overdue for r in dash.officers],
                    "color": "brand",
                    "stack": "open",
                },
                {
                    "label": _("Lewat batas waktu"),
                    "data": [r.overdue for r in dash.officers],
                    "color": "danger",
                    "stack": "open",
                },
                {
                    "label": _("Selesai dalam periode"),
                    "data": [r.finished for r in dash.officers],
                    "color": "ok",
                    "stack": "done",
                },
            ],
            options={"horizontal": True, "stacked": True},
        ),
        Chart(
            key="kecamatan",
            kind="bar",
            labels=[r.name for r in named_kecamatan],
            datasets=[
                {"label": _("Diterima dalam periode"), "data": [r.intake for r in named_kecamatan]},
                {"label": _("Terbuka"), "data": [r.open for r in named_kecamatan], "color": "warn"},
            ],
            options={"horizontal": True},
        ),
    ]
    if dash.quota is not None:
        charts.append(
            Chart(
                key="quota",
                kind="bar",
                labels=[date_label(r.day, "D j M") for r in dash.quota],
                datasets=[
                    {"label": _("Terjadwal"), "data": [r.booked for r in dash.quota], "stack": "q"},
                    {
                        "label": _("Menunggu persetujuan"),
                        "data": [r.pending for r in dash.quota],
                        "color": "warn",
                        "stack": "q",
                    },
                    {
                        "label": _("Kuota"),
                        "data": [r.cap for r in dash.quota],
                        "color": "danger",
                        "type": "line",
                        "stepped": True,
                    },
                ],
                options={"stacked": True},
            )
        )
    return {c.key: c.as_json() for c in charts}


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
