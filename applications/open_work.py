"""The open work, counted per day by database triggers (OpenWorkTally, migration 0008), and read back.

The dashboard's current-state figures (backlog by status with the overdue, urgent and aging counts;
open and overdue per officer and per desa) come from here in two small queries, however many
applications the office holds: the tally rows summed into aging buckets and past/today/later due
days, and the open applications due today (whether they are overdue depends on the hour). A row on
a floor day (`OpenWorkClock`) holds every earlier day too; `open_work_fold` (hourly, with the
summaries) moves the floors up and folds the rows below them, so the table stays small.

The clock's time zone is also the one MissingTally (migration 0009: checks not accepted per day of
intake) takes its days in, so the rebuild here rebuilds both.

Python never writes a count the triggers keep; it folds rows (sums them) and rebuilds the tables
after a restore, a manual repair or a change of TIME_ZONE (`manage.py tally_rebuild`).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.db.models import Case, Count, F, IntegerField, Q, Sum, Value, When
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from dukcapil.accounts.models import Bidang

from .models import Application, MissingTally, OpenWorkClock, OpenWorkTally, RequirementCheck

K = OpenWorkTally.Kind
AGE_FLOOR_DAYS = 31  # every day at least this far back is in the oldest aging bucket ("> 30 hari")
# due-day phases of a tally row, against today
OVERDUE, DUE_TODAY, DUE_LATER = -1, -2, -3
TALLY = OpenWorkTally._meta.db_table
KEY = "kind, bidang, status, dim"


@dataclass
class OpenWork:
    """Per open status: [total, overdue, urgent, per aging bucket...]; per officer (None: unassigned)
    and per desa: [open, overdue]. Only keys with open applications."""

    by_status: dict[str, dict] = field(default_factory=dict)
    per_officer: dict[int | None, list[int]] = field(default_factory=dict)
    per_desa: dict[int, list[int]] = field(default_factory=dict)


def _open_q() -> Q:
    return ~Q(status__in=Application.CLOSED_STATUSES)


def clock_current() -> bool:
    """Whether the tallies' days are in settings.TIME_ZONE (the readers' days): one query. Between a
    change of TIME_ZONE and the rebuild the next fold makes, the readers take the raw rows instead."""
    return OpenWorkClock.objects.filter(time_zone=settings.TIME_ZONE).exists()


def open_work_read(*, bidang: str, now: datetime, buckets) -> OpenWork:
    """The open work of one bidang ("" for all) at `now`: two queries (see the module docstring).
    The caller checks `clock_current()` first.

    `buckets` are the aging buckets (low/high whole calendar days, the last without a high): the age
    of an application is today minus its local day of intake.
    """
    if buckets[-1].high is not None or buckets[-1].low > AGE_FLOOR_DAYS:
        raise ValueError("the oldest aging bucket must hold every day below the age floor")
    today = timezone.localdate(now)
    midnight = timezone.make_aware(datetime.combine(today, time.min))
    phase = Case(
        *(
            When(kind=K.AGE, day__gte=today - timedelta(days=b.high), then=Value(i))
            for i, b in enumerate(buckets)
            if b.high is not None
        ),
        When(kind=K.AGE, then=Value(len(buckets) - 1)),
        When(day__lt=today, then=Value(OVERDUE)),
        When(day=today, then=Value(DUE_TODAY)),
        default=Value(DUE_LATER),
        output_field=IntegerField(),
    )
    rows = OpenWorkTally.objects.all()
    due_today = Application.objects.filter(_open_q(), due_at__gte=midnight, due_at__lt=now)
    # office-wide: both bidang named, so the partial (bidang, due_at) index is walked per bidang
    # rather than whole
    bidangs = [bidang] if bidang else list(Bidang.values)
    rows, due_today = rows.filter(bidang__in=bidangs), due_today.filter(bidang__in=bidangs)
    grouped = (
        rows.order_by()
        .annotate(phase=phase)
        .values("kind", "status", "dim", "phase")
        .annotate(total=Sum("n"), urgent_total=Sum("urgent"))
    )
    work = OpenWork()
    statuses: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0] + [0] * len(buckets))
    officers: dict[int | None, list[int]] = defaultdict(lambda: [0, 0])
    desa: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for r in grouped:
        n = r["total"]
        if r["kind"] == K.AGE:
            counts = statuses[r["status"]]
            counts[0] += n
            counts[2] += r["urgent_total"]
            counts[3 + r["phase"]] += n
            continue
        overdue = n if r["phase"] == OVERDUE else 0
        if r["kind"] == K.DUE:
            statuses[r["status"]][1] += overdue
            continue
        counts = officers[r["dim"] or None] if r["kind"] == K.OFFICER else desa[r["dim"]]
        counts[0] += n
        counts[1] += overdue
    for r in due_today.order_by().values("status", "assigned_to_id", "desa_id").annotate(n=Count("id")):
        statuses[r["status"]][1] += r["n"]
        officers[r["assigned_to_id"]][1] += r["n"]
        desa[r["desa_id"]][1] += r["n"]
    work.by_status = {s: c for s, c in statuses.items() if c[0]}
    work.per_officer = {k: c for k, c in officers.items() if c[0]}
    work.per_desa = {k: c for k, c in desa.items() if c[0]}
    return work


# --- keeping the table small and right --------------------------------------------------------------


def clock_wanted(today: date) -> dict:
    """The clock for settings.TIME_ZONE on `today`: floors 31 days back and yesterday."""
    minutes = int(timezone.now().astimezone(ZoneInfo(settings.TIME_ZONE)).utcoffset().total_seconds() // 60)
    return {
        "time_zone": settings.TIME_ZONE,
        "utc_offset": f"{minutes:+d} minutes",
        "age_floor": today - timedelta(days=AGE_FLOOR_DAYS),
        "due_floor": today - timedelta(days=1),
    }


def open_work_clock_ensure(*, using: str = "default") -> None:
    """Write the clock row when it is missing (after `manage.py flush`): floors that fold nothing
    over an empty table; over existing applications, recount both tallies under a fresh clock (the
    triggers counted nothing meanwhile)."""
    if OpenWorkClock.objects.using(using).exists():
        return
    if Application.objects.using(using).exists():
        open_work_rebuild(using=using)
        return
    clock = clock_wanted(timezone.localdate())
    OpenWorkClock.objects.using(using).create(
        **clock | {"age_floor": date(1900, 1, 1), "due_floor": date(1900, 1, 1)}
    )


def open_work_fold(*, today: date | None = None) -> int:
    """Move the floors up to `today` and fold the rows below them into the floor rows, then drop the
    rows that went back to zero. Returns the rows left. Rebuilds instead when settings.TIME_ZONE is
    no longer the clock's (the days were taken in another zone).

    Safe beside writers: a trigger that read the old floor adds a row below the new one, which the
    readers still count on the right side (every day below a floor is in the oldest bucket, or
    overdue) and the next fold takes in.
    """
    today = today or timezone.localdate()
    wanted = clock_wanted(today)
    for attempt in range(3):
        try:
            return _fold(today, wanted)
        except OperationalError:
            # a deadlock with a writer's trigger upsert (PostgreSQL chose the fold): try again
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _fold(today: date, wanted: dict) -> int:
    with transaction.atomic():
        clock = OpenWorkClock.objects.select_for_update().get()
        if clock.time_zone == wanted["time_zone"]:
            clock.age_floor = max(clock.age_floor, wanted["age_floor"])
            clock.due_floor = max(clock.due_floor, wanted["due_floor"])
            clock.save(update_fields=["age_floor", "due_floor"])
            for kinds, floor in (([K.AGE], clock.age_floor), ([K.DUE, K.OFFICER, K.DESA], clock.due_floor)):
                _fold_below(kinds, floor)
            OpenWorkTally.objects.filter(n=0, urgent=0).delete()
            return OpenWorkTally.objects.count()
    return open_work_rebuild(today=today).rows_after


def _fold_below(kinds: list[int], floor: date) -> None:
    marks = ", ".join(["%s"] * len(kinds))
    upsert = (
        f"ON CONFLICT ({KEY}, day) DO UPDATE SET "
        f"n = {TALLY}.n + EXCLUDED.n, urgent = {TALLY}.urgent + EXCLUDED.urgent"
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"""WITH moved AS (DELETE FROM {TALLY} WHERE kind IN ({marks}) AND day < %s
                        RETURNING {KEY}, n, urgent)
                    INSERT INTO {TALLY} ({KEY}, day, n, urgent)
                    SELECT {KEY}, %s, SUM(n), SUM(urgent) FROM moved GROUP BY {KEY} ORDER BY {KEY}
                    {upsert}""",  # noqa: S608 - constants only
                [*kinds, floor, floor],
            )
            return
        cursor.execute(
            f"""INSERT INTO {TALLY} ({KEY}, day, n, urgent)
                SELECT {KEY}, %s, SUM(n), SUM(urgent) FROM {TALLY} WHERE kind IN ({marks}) AND day < %s
                GROUP BY {KEY} {upsert}""",  # noqa: S608 - constants only
            [floor, *kinds, floor],
        )
        cursor.execute(f"DELETE FROM {TALLY} WHERE kind IN ({marks}) AND day < %s", [*kinds, floor])  # noqa: S608


@dataclass(frozen=True)
class OpenWorkRepair:
    rows_before: int
    rows_after: int
    keys_wrong: int  # keys whose summed count differed from the applications
    missing_rows: int = 0  # MissingTally rows after the rebuild
    missing_wrong: int = 0  # MissingTally keys that differed from the checks


TallyKey = tuple[int, str, str, int, date]


def open_work_stored() -> dict[TallyKey, tuple[int, int]]:
    """The summed (n, urgent) per key, without the keys that add up to zero."""
    rows = (
        OpenWorkTally.objects.order_by()
        .values("kind", "bidang", "status", "dim", "day")
        .annotate(total=Sum("n"), urgent_total=Sum("urgent"))
    )
    return {
        (r["kind"], r["bidang"], r["status"], r["dim"], r["day"]): (r["total"], r["urgent_total"])
        for r in rows
        if r["total"] or r["urgent_total"]
    }


def open_work_from_applications(clock: OpenWorkClock) -> dict[TallyKey, tuple[int, int]]:
    """What the table should hold under `clock`, by grouped queries over the open applications (ORM,
    independent of the triggers' SQL: slow at scale, for checks and rebuilds)."""
    zone = ZoneInfo(clock.time_zone)
    open_apps = Application.objects.filter(_open_q()).order_by()
    views = [
        (K.AGE, "created_at", clock.age_floor, {"status_key": F("status"), "dim_key": Value(0)}),
        (K.DUE, "due_at", clock.due_floor, {"status_key": F("status"), "dim_key": Value(0)}),
        (
            K.OFFICER,
            "due_at",
            clock.due_floor,
            {"status_key": Value(""), "dim_key": Coalesce("assigned_to_id", 0)},
        ),
        (K.DESA, "due_at", clock.due_floor, {"status_key": Value(""), "dim_key": F("desa_id")}),
    ]
    truth: dict[TallyKey, list[int]] = defaultdict(lambda: [0, 0])
    for kind, moment, floor, keys in views:
        rows = (
            open_apps.annotate(local_day=TruncDate(moment, tzinfo=zone), **keys)
            .values("bidang", "status_key", "dim_key", "local_day")
            .annotate(total=Count("id"), urgent_total=Count("id", filter=Q(is_urgent=True)))
        )
        for r in rows:
            entry = truth[(kind, r["bidang"], r["status_key"], r["dim_key"], max(r["local_day"], floor))]
            entry[0] += r["total"]
            entry[1] += r["urgent_total"] if kind == K.AGE else 0
    return {key: (n, urgent) for key, (n, urgent) in truth.items()}


def open_work_rebuild(*, today: date | None = None, using: str = "default") -> OpenWorkRepair:
    """Recount the open-work table from the applications under a fresh clock (settings.TIME_ZONE,
    today's floors), and MissingTally from the checks in that zone, with writes to applications
    and checks blocked meanwhile (PostgreSQL SHARE locks)."""
    today = today or timezone.localdate()
    if using != "default":
        raise NotImplementedError("the tallies live in the default database")
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                for model in (Application, RequirementCheck):
                    cursor.execute(f"LOCK TABLE {model._meta.db_table} IN SHARE MODE")
        clock = OpenWorkClock.objects.select_for_update().first() or OpenWorkClock(**clock_wanted(today))
        before = open_work_stored()
        truth = open_work_from_applications(clock)
        wrong = _keys_differing(before, truth)
        missing_truth = missing_from_checks(clock.time_zone)
        missing_wrong = _keys_differing(missing_stored(), missing_truth)
        old = (clock.time_zone, clock.age_floor, clock.due_floor)
        for name, value in clock_wanted(today).items():
            setattr(clock, name, value)
        clock.save()
        if clock.time_zone != old[0] or clock.age_floor < old[1] or clock.due_floor < old[2]:
            # other days: count again (writes stay blocked meanwhile)
            truth = open_work_from_applications(clock)
            missing_truth = missing_from_checks(clock.time_zone)
        else:
            truth = _raised_to_floors(truth, clock)
        OpenWorkTally.objects.all().delete()
        OpenWorkTally.objects.bulk_create(
            (
                OpenWorkTally(kind=kind, bidang=bidang, status=status, dim=dim, day=day, n=n, urgent=urgent)
                for (kind, bidang, status, dim, day), (n, urgent) in truth.items()
            ),
            batch_size=5000,
        )
        MissingTally.objects.all().delete()
        MissingTally.objects.bulk_create(
            (
                MissingTally(
                    bidang=bidang,
                    document_type_id=type_id,
                    requirement_id=req_id,
                    day=day,
                    verdict=verdict,
                    n=n,
                )
                for (bidang, type_id, req_id, day, verdict), n in missing_truth.items()
            ),
            batch_size=5000,
        )
    return OpenWorkRepair(
        rows_before=len(before),
        rows_after=len(truth),
        keys_wrong=wrong,
        missing_rows=len(missing_truth),
        missing_wrong=missing_wrong,
    )


def _keys_differing(stored: dict, truth: dict) -> int:
    return sum(1 for key in stored.keys() | truth.keys() if stored.get(key) != truth.get(key))


def _raised_to_floors(truth: dict[TallyKey, tuple[int, int]], clock: OpenWorkClock) -> dict:
    """The same counts with every day below the clock's floors moved onto them (what a fold does)."""
    raised: dict[TallyKey, list[int]] = defaultdict(lambda: [0, 0])
    for (kind, bidang, status, dim, day), (n, urgent) in truth.items():
        floor = clock.age_floor if kind == K.AGE else clock.due_floor
        entry = raised[(kind, bidang, status, dim, max(day, floor))]
        entry[0] += n
        entry[1] += urgent
    return {key: (n, urgent) for key, (n, urgent) in raised.items()}


# --- requirements not accepted, per day of intake (MissingTally) -------------------------------------

MissingKey = tuple[str, int, int, date, str]
NOT_ACCEPTED = (
    RequirementCheck.Verdict.MISSING,
    RequirementCheck.Verdict.UNREADABLE,
    RequirementCheck.Verdict.INVALID,
)


def missing_stored() -> dict[MissingKey, int]:
    rows = MissingTally.objects.exclude(n=0).values_list(
        "bidang", "document_type_id", "requirement_id", "day", "verdict", "n"
    )
    return {(b, t, r, d, v): n for b, t, r, d, v, n in rows}


def missing_from_checks(time_zone: str) -> dict[MissingKey, int]:
    """What MissingTally should hold, grouped from the checks by the ORM (for checks and rebuilds)."""
    rows = (
        RequirementCheck.objects.filter(verdict__in=NOT_ACCEPTED)
        .annotate(local_day=TruncDate("application__created_at", tzinfo=ZoneInfo(time_zone)))
        .order_by()
        .values_list(
            "application__bidang", "application__document_type_id", "requirement_id", "local_day", "verdict"
        )
        .annotate(total=Count("id"))
    )
    return {(b, t, r, d, v): n for b, t, r, d, v, n in rows}
