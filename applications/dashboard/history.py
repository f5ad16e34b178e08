"""The history figures grouped from the raw rows, with every dimension the summaries keep.

One source for three users: the dashboard's live part (the days after the summaries' marker),
`reports.services.summaries_refresh` (which stores these groups per day) and the dashboard's
fall-back when a filter is not carried by a summary table. Every function takes an
`Application` queryset already narrowed to a time window and returns plain grouped rows.

Definitions: a day is the local calendar day (settings.TIME_ZONE, what TruncDate uses); turnaround
is in whole days, floor((ready_at − created_at) / 1 day); "within": ready_at <= due_at.
"""

from collections import Counter
from datetime import timedelta

from django.db import connection
from django.db.models import BooleanField, Count, ExpressionWrapper, F, Func, IntegerField, Q, QuerySet
from django.db.models.functions import TruncDate

from ..models import Application

WITHIN_Q = Q(ready_at__lte=F("due_at"))


def created_groups(qs: QuerySet[Application]) -> list[dict]:
    """Received per (created day, document type, bidang, kecamatan): intake, and revised (revision_count > 0)."""
    return list(
        qs.annotate(day=TruncDate("created_at"))
        .order_by()
        .values("day", "document_type_id", "bidang", "desa__kecamatan_id")
        .annotate(intake=Count("id"), revised=Count("id", filter=Q(revision_count__gt=0)))
    )


def ready_groups(qs: QuerySet[Application]) -> list[dict]:
    """Finished per (ready day, document type, bidang, kecamatan, officer)."""
    return list(
        qs.annotate(day=TruncDate("ready_at"))
        .order_by()
        .values("day", "document_type_id", "bidang", "desa__kecamatan_id", "assigned_to_id")
        .annotate(finished=Count("id"))
    )


def desa_groups(qs: QuerySet[Application]) -> list[dict]:
    """Received per (created day, bidang, desa)."""
    return list(
        qs.annotate(day=TruncDate("created_at"))
        .order_by()
        .values("day", "bidang", "desa_id")
        .annotate(intake=Count("id"))
    )


class _WholeDays(Func):
    # PostgreSQL: EXTRACT(EPOCH FROM interval) is numeric (exact), so floor() has no rounding edge
    template = "FLOOR(EXTRACT(EPOCH FROM (%(expressions)s)) / 86400)"
    output_field = IntegerField()


def turnaround_groups(qs: QuerySet[Application]) -> Counter:
    """Finished per (ready day, document type, bidang, whole days, within the service level) → count.

    PostgreSQL groups in SQL; SQLite (development) has no exact interval arithmetic, so the rows are
    read and the whole days computed here with the same definition.
    """
    qs = qs.annotate(day=TruncDate("ready_at")).order_by()
    within = ExpressionWrapper(WITHIN_Q, output_field=BooleanField())
    if connection.vendor == "postgresql":
        rows = (
            qs.annotate(days=_WholeDays(F("ready_at") - F("created_at")), within=within)
            .values_list("day", "document_type_id", "bidang", "days", "within")
            .annotate(n=Count("id"))
        )
        return Counter(
            {(day, type_id, bidang, int(days), within): n for day, type_id, bidang, days, within, n in rows}
        )
    counts: Counter = Counter()
    for day, type_id, bidang, created, ready, due in qs.values_list(
        "day", "document_type_id", "bidang", "created_at", "ready_at", "due_at"
    ):
        counts[(day, type_id, bidang, (ready - created) // timedelta(days=1), ready <= due)] += 1
    return counts
