"""Filling and keeping the daily summaries (see the package docstring)."""

from collections import defaultdict
from datetime import date, timedelta

from django.db import connection, transaction
from django.db.models import F, Min, Q, Sum
from django.utils import timezone

from applications.dashboard.history import created_groups, desa_groups, ready_groups, turnaround_groups
from applications.dashboard.rows import local_midnight
from applications.models import Application

from .models import DesaDay, OfficerDay, SummaryMarker, TurnaroundDay, TypeDay, month_last_day

TABLES = (TypeDay, TurnaroundDay, OfficerDay, DesaDay)
# the tables with month rows: their dimensions and their counts
ROLLUPS = {
    TurnaroundDay: (("bidang", "document_type_id", "days", "within"), ("n",)),
    OfficerDay: (("bidang", "document_type_id", "assigned_to_id"), ("finished",)),
    DesaDay: (("bidang", "desa_id"), ("intake",)),
}


def _marker_locked() -> SummaryMarker:
    """The marker row, locked until the end of the transaction (created on first use)."""
    marker = SummaryMarker.objects.select_for_update().order_by("pk").first()
    if marker is None:
        SummaryMarker.objects.create()
        marker = SummaryMarker.objects.select_for_update().order_by("pk").first()
    return marker


def summaries_refresh(*, today: date | None = None) -> int:
    """Summarise every day after the marker up to yesterday; returns the number of days summarised.

    Steps: find the first day (the day after the marker, or the first application's day); then per
    calendar month (up to yesterday), in one transaction with the marker row locked: delete any
    rows of those days (a crashed run may have left some), group the raw rows of the days
    (applications.dashboard.history) and store them; when the month is over, sum its day rows into
    month rows (`_roll_up_month`); move the marker to the last day done. On PostgreSQL, ANALYZE the
    tables afterwards (a first fill makes them large at once).
    """
    today = today or timezone.localdate()
    last = today - timedelta(days=1)
    done = 0
    while True:
        with transaction.atomic():
            marker = _marker_locked()
            first = marker.through + timedelta(days=1) if marker.through else _first_day()
            if first is None or first > last:
                if done and connection.vendor == "postgresql":
                    _analyze()
                return done
            end = min(last, month_last_day(first))
            _summarise(first, end)
            if end == month_last_day(end):
                _roll_up_month(end.replace(day=1))
            marker.through = end
            marker.refreshed_at = timezone.now()
            marker.save(update_fields=["through", "refreshed_at"])
            done += (end - first).days + 1


def _first_day() -> date | None:
    first = Application.objects.aggregate(first=Min("created_at"))["first"]
    return timezone.localdate(first) if first else None


def _summarise(first: date, last: date) -> None:
    """Day rows of the four tables for the days first..last (local), from the raw applications."""
    for model in TABLES:
        model.objects.filter(day__gte=first, day__lte=last).delete()
    start, end = local_midnight(first), local_midnight(last + timedelta(days=1))
    created = Application.objects.filter(created_at__gte=start, created_at__lt=end)
    ready = Application.objects.filter(ready_at__gte=start, ready_at__lt=end)

    types: dict[tuple, TypeDay] = {}

    def type_row(r: dict) -> TypeDay:
        key = (r["day"], r["document_type_id"])
        row = types.get(key)
        if row is None:
            row = types[key] = TypeDay(day=r["day"], bidang=r["bidang"], document_type_id=key[1])
        return row

    for r in created_groups(created):
        row = type_row(r)
        row.intake += r["intake"]
        row.revised += r["revised"]
    officers: dict[tuple, int] = defaultdict(int)
    for r in ready_groups(ready):
        type_row(r).finished += r["finished"]
        officers[(r["day"], r["bidang"], r["document_type_id"], r["assigned_to_id"])] += r["finished"]
    TypeDay.objects.bulk_create(types.values(), batch_size=5000)
    OfficerDay.objects.bulk_create(
        (
            OfficerDay(day=day, bidang=bidang, document_type_id=type_id, assigned_to_id=officer, finished=n)
            for (day, bidang, type_id, officer), n in officers.items()
        ),
        batch_size=5000,
    )
    TurnaroundDay.objects.bulk_create(
        (
            TurnaroundDay(day=day, document_type_id=type_id, bidang=bidang, days=days, within=within, n=n)
            for (day, type_id, bidang, days, within), n in turnaround_groups(ready).items()
        ),
        batch_size=5000,
    )
    DesaDay.objects.bulk_create(
        (
            DesaDay(day=r["day"], bidang=r["bidang"], desa_id=r["desa_id"], intake=r["intake"])
            for r in desa_groups(created)
        ),
        batch_size=5000,
    )


def _roll_up_month(first: date) -> None:
    """Month rows (day = the 1st, month=True) of a month that is over: the sums of its day rows."""
    last = month_last_day(first)
    for model, (dimensions, counts) in ROLLUPS.items():
        model.objects.filter(month=True, day=first).delete()
        rows = (
            model.objects.filter(month=False, day__gte=first, day__lte=last)
            .order_by()
            .values(*dimensions)
            .annotate(**{f"sum_{c}": Sum(c) for c in counts})
        )
        model.objects.bulk_create(
            (
                model(
                    day=first,
                    month=True,
                    **{d: r[d] for d in dimensions},
                    **{c: r[f"sum_{c}"] for c in counts},
                )
                for r in rows
            ),
            batch_size=5000,
        )


def _analyze() -> None:
    with connection.cursor() as cursor:
        tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in TABLES)
        cursor.execute(f"ANALYZE {tables}")  # noqa: S608 - model table names only


def _summarised(day: date) -> bool:
    """Locks the marker (a refresh running now waits for us, or we for it) and says whether `day`
    is in the summaries. Today is never summarised: no lock needed."""
    if day >= timezone.localdate():
        return False
    marker = _marker_locked()
    return marker.through is not None and day <= marker.through


def summary_revision_counted(application: Application) -> None:
    """An application was sent back for its first revision: count it on its intake day's summary.

    Call inside the transaction that raised revision_count from 0 to 1.
    """
    day = timezone.localdate(application.created_at)
    if _summarised(day):
        TypeDay.objects.filter(day=day, document_type_id=application.document_type_id).update(
            revised=F("revised") + 1
        )


def summary_officer_moved(application: Application, old_officer_id: int | None) -> None:
    """A ready (finished) application changed officer: move it on its ready day's per-officer summary.

    Call inside the transaction that changed assigned_to; `application.assigned_to_id` is the new one.
    """
    if application.ready_at is None or old_officer_id == application.assigned_to_id:
        return
    day = timezone.localdate(application.ready_at)
    if not _summarised(day):
        return
    rows = [(day, False)]
    if month_last_day(day) <= _marker_locked().through:
        rows.append((day.replace(day=1), True))  # its month is over and rolled up
    for row_day, month in rows:
        base = OfficerDay.objects.filter(
            day=row_day, month=month, document_type_id=application.document_type_id
        )
        base.filter(_officer_q(old_officer_id)).update(finished=F("finished") - 1)
        moved = base.filter(_officer_q(application.assigned_to_id)).update(finished=F("finished") + 1)
        if not moved:
            OfficerDay.objects.create(
                day=row_day,
                month=month,
                bidang=application.bidang,
                document_type_id=application.document_type_id,
                assigned_to_id=application.assigned_to_id,
                finished=1,
            )


def _officer_q(officer_id: int | None) -> Q:
    return Q(assigned_to__isnull=True) if officer_id is None else Q(assigned_to_id=officer_id)
