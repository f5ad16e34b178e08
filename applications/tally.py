"""The status tally: per (bidang, officer, status) counts kept by database triggers (migration 0005).

Python never writes a count; it only reads them, and rebuilds the table after a restore or a
manual repair (`manage.py tally_rebuild`).
"""

from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Count, Sum
from django.db.models.functions import Coalesce

from .models import Application, ApplicationTally


@dataclass(frozen=True)
class TallyRepair:
    rows_before: int
    rows_after: int
    keys_wrong: int  # (bidang, officer, status) keys whose count differed from the applications


def tally_from_applications() -> dict[tuple[str, int, str], int]:
    """The true counts, by one GROUP BY over the applications table (slow at scale: for checks)."""
    rows = (
        Application.objects.order_by()
        .values("bidang", "status", assignee=Coalesce("assigned_to_id", 0))
        .annotate(n=Count("*"))
    )
    return {(r["bidang"], r["assignee"], r["status"]): r["n"] for r in rows}


def tally_stored() -> dict[tuple[str, int, str], int]:
    """The counts the triggers keep, without the keys that went back to zero."""
    rows = ApplicationTally.objects.filter(n__gt=0).values_list("bidang", "assignee", "status", "n")
    return {(bidang, assignee, status): n for bidang, assignee, status, n in rows}


def tally_rebuild() -> TallyRepair:
    """Recount the tally from the applications.

    Steps: in one transaction, block writes to applications (PostgreSQL SHARE lock; SQLite already
    serialises writers) so no trigger runs meanwhile; compare the stored counts with a fresh GROUP BY;
    empty the tally and fill it from the same GROUP BY.
    """
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {Application._meta.db_table} IN SHARE MODE")
        before = tally_stored()
        truth = tally_from_applications()
        wrong = sum(1 for key in before.keys() | truth.keys() if before.get(key, 0) != truth.get(key, 0))
        ApplicationTally.objects.all().delete()
        ApplicationTally.objects.bulk_create(
            ApplicationTally(bidang=bidang, assignee=assignee, status=status, n=n)
            for (bidang, assignee, status), n in truth.items()
        )
    return TallyRepair(rows_before=len(before), rows_after=len(truth), keys_wrong=wrong)


def tally_total() -> int:
    return ApplicationTally.objects.aggregate(n=Sum("n"))["n"] or 0
