"""The open-work tally (applications/open_work.py): the triggers keep it equal to the open
applications counted in Python, the fold keeps every figure while shrinking the table, and the
figures read from it equal the raw scan at any later moment.

Runs on SQLite (row triggers) and, with DATABASE_URL, on PostgreSQL (statement triggers).
"""

import io
import random
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.sql import emit_post_migrate_signal
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from applications.dashboard import dashboard_build
from applications.dashboard.figures import _backlog
from applications.dashboard.rows import AGING_BUCKETS, DashboardFilters
from applications.models import (
    Application,
    DocumentType,
    MissingTally,
    OpenWorkClock,
    OpenWorkTally,
    RequirementCheck,
)
from applications.open_work import (
    NOT_ACCEPTED,
    clock_current,
    missing_from_checks,
    missing_stored,
    open_work_fold,
    open_work_from_applications,
    open_work_read,
    open_work_rebuild,
    open_work_stored,
)
from dukcapil.core.demo import seed_accounts, seed_demo_bulk
from tests import factories as f
from tests.applications.test_tally import random_step
from tests.applications.test_tally import world as tally_world  # noqa: F401 - a fixture

S = Application.Status
K = OpenWorkTally.Kind
WIB = ZoneInfo("Asia/Jakarta")
NOW = datetime(2026, 5, 13, 10, 30, tzinfo=WIB)


def naive(clock: OpenWorkClock) -> dict:
    """What the table must sum to, computed in Python from every application row."""
    zone = ZoneInfo(clock.time_zone)
    out: dict = defaultdict(lambda: [0, 0])
    for a in Application.objects.exclude(status__in=Application.CLOSED_STATUSES):
        created = max(a.created_at.astimezone(zone).date(), clock.age_floor)
        due = max(a.due_at.astimezone(zone).date(), clock.due_floor)
        out[(K.AGE, a.bidang, a.status, 0, created)][0] += 1
        out[(K.AGE, a.bidang, a.status, 0, created)][1] += a.urgency != "none"
        out[(K.DUE, a.bidang, a.status, 0, due)][0] += 1
        out[(K.OFFICER, a.bidang, "", a.assigned_to_id or 0, due)][0] += 1
        out[(K.DESA, a.bidang, "", a.desa_id, due)][0] += 1
    return {key: tuple(v) for key, v in out.items()}


@pytest.fixture
def world(tally_world):  # noqa: F811 - the fixture imported above
    """The status-tally tests' world, with two more desa to move applications between."""
    return {**tally_world, "more_desa": [f.DesaFactory(), f.DesaFactory()]}


def date_step(rng: random.Random, world: dict) -> None:
    """A change of the columns only this tally reads: intake time, deadline, urgency, desa."""
    app = Application.objects.order_by("?").first()
    if app is None:
        return
    moment = NOW - timedelta(minutes=rng.randint(0, 60 * 24 * 50))
    choice = rng.choice(["created", "due", "urgency", "desa", "bulk_due"])
    if choice == "created":
        Application.objects.filter(pk=app.pk).update(created_at=moment)
    elif choice == "due":
        Application.objects.filter(pk=app.pk).update(due_at=moment + timedelta(days=rng.randint(0, 20)))
    elif choice == "urgency":
        Application.objects.filter(pk=app.pk).update(urgency=rng.choice(["none", "bpjs", "hospital"]))
    elif choice == "desa":
        Application.objects.filter(pk=app.pk).update(desa=rng.choice([world["desa"], *world["more_desa"]]))
    else:
        Application.objects.all().update(due_at=F("due_at") - timedelta(days=1))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_tally_equals_the_open_applications_after_random_changes(world, seed):
    rng = random.Random(seed)
    clock = OpenWorkClock.objects.get()
    for _ in range(60):
        random_step(rng, world)
        date_step(rng, world)
        assert open_work_stored() == naive(clock)
    assert Application.objects.exclude(status__in=Application.CLOSED_STATUSES).exists()


def spread_world(world: dict, rng: random.Random, n: int = 80) -> None:
    """Open and closed applications created over 60 days before NOW, some on bucket edges."""
    for i in range(n):
        created = NOW - timedelta(minutes=rng.randint(0, 60 * 24 * 60))
        if i % 8 == 0:  # local midnight of a day on an aging-bucket edge
            day = NOW.date() - timedelta(days=rng.choice([3, 4, 7, 8, 14, 15, 30, 31, 32]))
            created = datetime.combine(day, datetime.min.time(), WIB)
        f.ApplicationFactory(
            document_type=rng.choice(world["types"]),
            desa=rng.choice([world["desa"], *world["more_desa"]]),
            assigned_to=rng.choice(world["officers"]),
            status=rng.choice(S.values),
            created_at=created,
            due_at=created + timedelta(days=rng.choice([3, 7, 14]), hours=rng.randint(-3, 3)),
            urgency=rng.choice(["none", "none", "bpjs"]),
        )


def figures(now: datetime, *, tally: bool) -> tuple:
    rows, officers, desa = _backlog(
        Application.objects.all(), now, bidang="", filters=DashboardFilters.default(), tally=tally
    )
    return (
        {r.status: (r.total, r.overdue, r.urgent, r.buckets) for r in rows if r.total},
        {k: list(v) for k, v in officers.items() if v[0]},
        {k: list(v) for k, v in desa.items() if v[0]},
    )


@pytest.mark.parametrize("seed", [4, 5])
def test_fold_shrinks_the_table_and_keeps_every_figure(world, seed):
    rng = random.Random(seed)
    spread_world(world, rng)
    rows_before = OpenWorkTally.objects.count()
    open_work_fold(today=NOW.date())
    clock = OpenWorkClock.objects.get()
    assert (clock.age_floor, clock.due_floor) == (
        NOW.date() - timedelta(days=31),
        NOW.date() - timedelta(days=1),
    )
    assert OpenWorkTally.objects.count() < rows_before
    assert not OpenWorkTally.objects.filter(kind=K.AGE, day__lt=clock.age_floor).exists()
    assert open_work_stored() == naive(clock) == open_work_from_applications(clock)
    # the figures at NOW and at later moments (hours before and after midnight, weeks on), with
    # changes after the fold (a new application, one moved back to an old deadline)
    f.ApplicationFactory(document_type=world["types"][0], desa=world["desa"], status=S.RECEIVED)
    Application.objects.filter(pk=Application.objects.order_by("pk").first().pk).update(
        due_at=NOW - timedelta(days=40), status=S.VERIFYING
    )
    for later in (
        timedelta(0),
        timedelta(hours=13, minutes=29),
        timedelta(hours=13, minutes=31),
        timedelta(days=9),
    ):
        assert figures(NOW + later, tally=True) == figures(NOW + later, tally=False), later
    assert figures(NOW, tally=True)[0]  # the data has open work to compare


def test_a_row_written_below_the_floor_still_counts_right(world):
    """A writer that read the clock before a fold may add a row below the new floor: the readers
    sum it on the right side (overdue; the oldest aging bucket), and the next fold takes it in.
    Here every floor row's count moves to a row five days below it."""
    rng = random.Random(9)
    spread_world(world, rng, n=60)
    open_work_fold(today=NOW.date())
    expected = figures(NOW, tally=True)
    clock = OpenWorkClock.objects.get()
    moved = 0
    for kind, floor in (
        (K.AGE, clock.age_floor),
        (K.DUE, clock.due_floor),
        (K.OFFICER, clock.due_floor),
        (K.DESA, clock.due_floor),
    ):
        for row in OpenWorkTally.objects.filter(kind=kind, day=floor).exclude(n=0):
            OpenWorkTally.objects.create(
                kind=kind,
                bidang=row.bidang,
                status=row.status,
                dim=row.dim,
                day=floor - timedelta(days=5),
                n=row.n,
                urgent=row.urgent,
            )
            OpenWorkTally.objects.filter(pk=row.pk).update(n=0, urgent=0)
            moved += 1
    assert moved >= 4  # every kind has open work on its floor day
    assert figures(NOW, tally=True) == expected
    open_work_fold(today=NOW.date())
    assert not OpenWorkTally.objects.filter(day__lt=clock.age_floor).exists()
    assert not OpenWorkTally.objects.filter(kind__gt=K.AGE, day__lt=clock.due_floor).exists()
    assert figures(NOW, tally=True) == expected


def test_readers_take_the_raw_rows_while_the_clock_is_in_another_zone(world, settings):
    """Between a change of TIME_ZONE and the fold's rebuild, the tally's days are the old zone's:
    the dashboard reads the raw rows, so nothing is counted twice."""
    spread_world(world, random.Random(11), n=40)
    app = Application.objects.exclude(status__in=Application.CLOSED_STATUSES).first()
    # due in the evening WIB of NOW's day, which is already the next day in WITA
    Application.objects.filter(pk=app.pk).update(
        due_at=datetime.combine(NOW.date(), datetime.min.time(), WIB) + timedelta(hours=23, minutes=30)
    )
    settings.TIME_ZONE = "Asia/Makassar"
    timezone.deactivate()
    assert not clock_current()
    later = NOW + timedelta(hours=13, minutes=45)  # past 23:30 WIB
    filters = DashboardFilters.default(today=later.date())
    types = list(DocumentType.objects.select_related("category"))

    def backlog(summaries: bool) -> tuple:
        dash = dashboard_build(
            user=world["admin"], filters=filters, document_types=types, now=later, summaries=summaries
        )
        return [(r.status, r.total, r.overdue, r.buckets) for r in dash.backlog], [
            (r.user_id, r.open, r.overdue) for r in dash.officers
        ]

    assert backlog(True) == backlog(False)
    assert sum(r[2] for r in backlog(True)[0])  # some are overdue, the one due at 23:30 WIB among them


def test_the_post_migrate_handler_waits_for_the_tallies_migrations():
    """A partial `migrate` (or one back to before 0009) sends post_migrate with a state that has no
    tally models: the handler must not touch their tables."""
    from applications.apps import _open_work_clock_ensure

    class Before0008:
        def get_model(self, app_label, name):
            raise LookupError(name)

    _open_work_clock_ensure(sender=None, apps=Before0008(), using="default")  # no database access


def test_read_takes_two_queries_whatever_the_data(world, django_assert_num_queries):
    spread_world(world, random.Random(3), n=20)
    with django_assert_num_queries(2):
        open_work_read(bidang="dafduk", now=NOW, buckets=AGING_BUCKETS)


def test_rebuild_repairs_a_broken_table_and_reports_it(world):
    spread_world(world, random.Random(6), n=30)
    OpenWorkTally.objects.filter(kind=K.DESA).update(n=F("n") + 5)
    OpenWorkTally.objects.create(kind=K.AGE, bidang="capil", status=S.READY, day=date(2026, 1, 1), n=7)
    repair = open_work_rebuild(today=NOW.date())
    assert repair.keys_wrong > 0
    clock = OpenWorkClock.objects.get()
    assert open_work_stored() == naive(clock)
    assert open_work_rebuild(today=NOW.date()).keys_wrong == 0


def test_a_new_time_zone_rebuilds_the_days_in_it(world, settings):
    """The triggers take days in the clock's zone: a fold after TIME_ZONE changed (Bima is WITA)
    recounts every day in the new one."""
    app = f.ApplicationFactory(
        document_type=world["types"][0],
        desa=world["desa"],
        status=S.RECEIVED,
        created_at=datetime(2026, 5, 10, 23, 30, tzinfo=WIB),  # 11 May 00:30 in WITA
        due_at=datetime(2026, 5, 17, 23, 30, tzinfo=WIB),
    )
    assert OpenWorkTally.objects.filter(kind=K.AGE, day=date(2026, 5, 10), n=1).exists()
    settings.TIME_ZONE = "Asia/Makassar"
    timezone.deactivate()
    open_work_fold(today=date(2026, 5, 13))
    clock = OpenWorkClock.objects.get()
    assert (clock.time_zone, clock.utc_offset) == ("Asia/Makassar", "+480 minutes")
    assert OpenWorkTally.objects.filter(kind=K.AGE, day=date(2026, 5, 11), n=1).exists()
    # and the triggers now take new rows' days in WITA too
    Application.objects.filter(pk=app.pk).update(created_at=datetime(2026, 5, 11, 23, 30, tzinfo=WIB))
    assert OpenWorkTally.objects.filter(kind=K.AGE, day=date(2026, 5, 12), n=1).exists()
    assert open_work_stored() == naive(clock)


# --- MissingTally: checks not accepted per day of intake ---------------------------------------------


def naive_missing(zone: str) -> dict:
    out: Counter = Counter()
    for c in RequirementCheck.objects.select_related("application"):
        if c.verdict in NOT_ACCEPTED:
            a = c.application
            day = a.created_at.astimezone(ZoneInfo(zone)).date()
            out[(a.bidang, a.document_type_id, c.requirement_id, day, c.verdict)] += 1
    return dict(out)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_missing_tally_equals_the_checks_after_random_changes(world, seed):
    rng = random.Random(seed)
    types = world["types"]
    requirements = {t.pk: [f.RequirementFactory(document_type=t) for _ in range(3)] for t in types}
    verdicts = [v.value for v in RequirementCheck.Verdict]
    for _ in range(50):
        apps = list(Application.objects.all())
        checks = list(RequirementCheck.objects.all())
        step = rng.choice(["app", "check", "check", "verdict", "verdict", "bulk", "drop", "moved", "gone"])
        if step == "app" or not apps:
            f.ApplicationFactory(
                document_type=rng.choice(types),
                desa=world["desa"],
                created_at=NOW - timedelta(minutes=rng.randint(0, 60 * 24 * 20)),
            )
        elif step == "check":
            app = rng.choice(apps)
            for req in requirements[app.document_type_id]:
                RequirementCheck.objects.get_or_create(
                    application=app, requirement=req, defaults={"verdict": rng.choice(verdicts)}
                )
        elif step == "verdict" and checks:
            check = rng.choice(checks)
            check.verdict = rng.choice(verdicts)
            check.save(update_fields=["verdict"])
        elif step == "bulk" and checks:
            RequirementCheck.objects.filter(pk__in=[c.pk for c in checks[::2]]).update(
                verdict=rng.choice(verdicts)
            )
        elif step == "drop" and checks:
            rng.choice(checks).delete()
        elif step == "moved":
            # the intake time across a local midnight, or the whole bidang's applications at once
            app = rng.choice(apps)
            Application.objects.filter(pk=app.pk).update(
                created_at=app.created_at - timedelta(hours=rng.randint(1, 30))
            )
            if rng.random() < 0.3:
                Application.objects.filter(bidang="capil").update(
                    created_at=F("created_at") + timedelta(hours=20)
                )
        elif step == "gone":
            rng.choice(apps).delete()  # its checks go first (Django's cascade)
        assert missing_stored() == naive_missing("Asia/Jakarta") == missing_from_checks("Asia/Jakarta")
    assert missing_stored()  # the sequence left some verdicts not accepted to compare


def test_missing_tally_follows_a_change_of_document_type(world):
    old_type, new_type = world["types"]
    app = f.ApplicationFactory(document_type=old_type, desa=world["desa"], created_at=NOW)
    RequirementCheck.objects.create(
        application=app, requirement=f.RequirementFactory(document_type=old_type), verdict="missing"
    )
    assert list(MissingTally.objects.filter(n__gt=0).values_list("bidang", "document_type_id", "n")) == [
        ("dafduk", old_type.pk, 1)
    ]
    Application.objects.filter(pk=app.pk).update(document_type=new_type, bidang="capil")
    assert list(MissingTally.objects.filter(n__gt=0).values_list("bidang", "document_type_id", "n")) == [
        ("capil", new_type.pk, 1)
    ]


def test_rebuild_repairs_the_missing_tally_too(world):
    t = world["types"][0]
    app = f.ApplicationFactory(document_type=t, desa=world["desa"], created_at=NOW)
    RequirementCheck.objects.create(
        application=app, requirement=f.RequirementFactory(document_type=t), verdict="invalid"
    )
    MissingTally.objects.update(n=F("n") + 3)
    repair = open_work_rebuild(today=NOW.date())
    assert (repair.missing_rows, repair.missing_wrong) == (1, 1)
    assert missing_stored() == naive_missing("Asia/Jakarta")


def test_bulk_seed_keeps_both_tallies_exact_and_leaves_what_is_missing(db):
    call_command("load_regions", verbosity=0, stdout=io.StringIO())
    call_command("load_catalogue", verbosity=0, stdout=io.StringIO())
    seed_accounts()
    seed_demo_bulk(n=400, chunk=150)
    clock = OpenWorkClock.objects.get()
    assert open_work_stored() == naive(clock)
    assert missing_stored() == naive_missing(clock.time_zone) != {}
    waiting = Application.objects.filter(status=S.REVISION_REQUIRED)
    assert waiting.exists()
    assert all(a.checks.filter(verdict__in=NOT_ACCEPTED).exists() for a in waiting)
    assert not RequirementCheck.objects.filter(application__status=S.RECEIVED).exists()


def test_a_missing_clock_is_written_again_after_flush(world):
    """`flush` empties every table, the clock row too, then sends post_migrate: the row comes back
    (without it the triggers would count nothing), and over existing rows both tallies are recounted."""
    OpenWorkClock.objects.all().delete()
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    assert OpenWorkClock.objects.get().age_floor == date(1900, 1, 1)
    app = f.ApplicationFactory(document_type=world["types"][0], desa=world["desa"], status=S.RECEIVED)
    OpenWorkClock.objects.all().delete()
    OpenWorkTally.objects.all().delete()
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    clock = OpenWorkClock.objects.get()
    assert open_work_stored() == naive(clock) != {}
    assert OpenWorkTally.objects.filter(kind=K.DESA, dim=app.desa_id).exists()


def test_superuser_reads_the_tallies_in_the_admin_and_nobody_edits_them(world, client):
    app = f.ApplicationFactory(document_type=world["types"][0], desa=world["desa"], status=S.RECEIVED)
    RequirementCheck.objects.create(
        application=app, requirement=f.RequirementFactory(document_type=world["types"][0]), verdict="missing"
    )
    client.force_login(world["admin"])
    for model in (OpenWorkTally, OpenWorkClock, MissingTally):
        url = reverse(f"admin:applications_{model._meta.model_name}_changelist")
        response = client.get(url)
        assert response.status_code == 200, model
        assert response.context["cl"].result_count >= 1, model
        obj = model.objects.first()
        change = client.get(reverse(f"admin:applications_{model._meta.model_name}_change", args=[obj.pk]))
        assert change.status_code == 200 and b'name="_save"' not in change.content


@pytest.mark.parametrize("seed", [11, 12])
def test_random_changes_and_folds_over_forty_days(world, seed):
    """Days go by with folds now and then and changes of every counted column between them: the
    table always sums to the rows, and the figures from it equal the raw scan at that moment."""
    rng = random.Random(seed)
    spread_world(world, rng, n=40)
    for day in range(40):
        now = NOW + timedelta(days=day, hours=rng.randint(-10, 10))
        if rng.random() < 0.5:
            open_work_fold(today=now.date())
        for _ in range(3):
            random_step(rng, world)
            date_step(rng, world)
        assert open_work_stored() == naive(OpenWorkClock.objects.get()), day
        assert figures(now, tally=True) == figures(now, tally=False), (day, now)
