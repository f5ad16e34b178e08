"""The dashboard's reads of the daily summaries: one grouped query per figure over a day range.

Each function takes the dashboard's scope (bidang, "" for every bidang) and filters and the
summarised days first..last; the dashboard adds the raw rows of the days after them.
"""

from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet, Sum

from .models import DesaDay, OfficerDay, SummaryMarker, TurnaroundDay, TypeDay, month_last_day

if TYPE_CHECKING:
    from applications.dashboard.rows import DashboardFilters


def summary_through() -> date | None:
    """The last summarised day (None: nothing summarised yet)."""
    return SummaryMarker.objects.order_by("pk").values_list("through", flat=True).first()


def _days(model, bidang: str, first: date, last: date) -> QuerySet:
    """Rows covering the days first..last once: day rows, except month rows for the calendar months
    wholly inside (those exist for every month that is over and summarised, and `last` is never
    after the marker). TypeDay has day rows only."""
    if not any(f.name == "month" for f in model._meta.fields):
        covering = Q(day__gte=first, day__lte=last)
    else:
        covering = Q()
        month_starts, day = [], first
        while day <= last:
            month_end = month_last_day(day)
            if day.day == 1 and month_end <= last:
                month_starts.append(day)
                day = month_end + timedelta(days=1)
                continue
            edge_end = min(month_end, last)
            covering |= Q(month=False, day__gte=day, day__lte=edge_end)
            day = edge_end + timedelta(days=1)
        if month_starts:
            covering |= Q(month=True, day__in=month_starts)
    qs = model.objects.filter(covering)
    return qs.filter(bidang=bidang) if bidang else qs


def _days_of_types(model, bidang: str, filters: "DashboardFilters", first: date, last: date) -> QuerySet:
    """`_days` of a summary kept per document type (no kecamatan: the caller reads raw rows then)."""
    assert not filters.kecamatan_id, f"{model.__name__} has no kecamatan"  # noqa: S101 - caller's contract
    qs = _days(model, bidang, first, last)
    if filters.document_type_id:
        qs = qs.filter(document_type_id=filters.document_type_id)
    return qs


def type_days(*, bidang: str, filters: "DashboardFilters", first: date, last: date) -> list[dict]:
    """Per day and document type: intake, revised, finished; not for a kecamatan filter."""
    qs = _days_of_types(TypeDay, bidang, filters, first, last)
    return list(
        qs.order_by()
        .values("day", "document_type_id")
        .annotate(intake=Sum("intake"), revised=Sum("revised"), finished=Sum("finished"))
    )


def turnaround_counts(*, bidang: str, filters: "DashboardFilters", first: date, last: date) -> list[tuple]:
    """(document type, whole days, within, count) over the days; not for a kecamatan filter."""
    qs = _days_of_types(TurnaroundDay, bidang, filters, first, last)
    return list(
        qs.order_by().values_list("document_type_id", "days", "within").annotate(n=Sum("n")).order_by()
    )


def officer_finished(*, bidang: str, filters: "DashboardFilters", first: date, last: date) -> dict:
    """Finished per officer (None: unassigned) over the days; not for a kecamatan filter."""
    qs = _days_of_types(OfficerDay, bidang, filters, first, last)
    return dict(qs.order_by().values_list("assigned_to_id").annotate(n=Sum("finished")).order_by())


def desa_intake(*, bidang: str, filters: "DashboardFilters", first: date, last: date) -> list[dict]:
    """Received per desa ({"desa_id", "n"}) over the days; not for a document type filter."""
    assert not filters.document_type_id, "DesaDay has no document type"  # noqa: S101 - caller's contract
    qs = _days(DesaDay, bidang, first, last)
    if filters.kecamatan_id:
        qs = qs.filter(desa__kecamatan_id=filters.kecamatan_id)
    return list(qs.order_by().values("desa_id").annotate(n=Sum("intake")))
