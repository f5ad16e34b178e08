"""The dashboard's selectors against a naive recomputation over the raw rows, on random data.

The naive side reads every row into Python and follows the definitions literally (local calendar
dates instead of midnight bounds, sorted lists for the percentiles), so a shortcut in the SQL or in
the daily summaries (reports) that changes a number fails here. Each data set is compared without
summaries, with every past day summarised, and with the summaries 12 days behind. Runs on SQLite
and, with DATABASE_URL, on PostgreSQL.
"""

import random
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.utils import timezone

from applications.dashboard import (
    AGING_BUCKETS,
    MAX_BATCHES,
    OPEN_STATUSES,
    TOP_AREAS,
    TOP_REQUIREMENTS,
    DashboardFilters,
    dashboard_bidang,
    dashboard_build,
    quota_window,
)
from applications.models import Application, DocumentType, RequirementCheck
from dukcapil.accounts.models import User
from notifications.models import OutboxMessage
from reports.services import summaries_refresh
from routing.models import DeliveryBatch, RecordingBooking, RecordingDay
from tests import factories as f

WIB = ZoneInfo("Asia/Jakarta")
NOW = datetime(2026, 5, 13, 14, 37, tzinfo=WIB)
CLOSED = set(Application.CLOSED_STATUSES)
NOT_ACCEPTED = {"missing", "unreadable", "invalid"}


def random_world(seed: int) -> dict:
    rng = random.Random(seed)
    dafduk = f.ServiceCategoryFactory(code="dafduk")
    capil = f.ServiceCategoryFactory(code="capil")
    types = [
        f.DocumentTypeFactory(code=f"t{i}", name=f"Jenis {i}", category=cat, service_level_days=sla, order=i)
        for i, (cat, sla) in enumerate([(dafduk, 7), (dafduk, 14), (capil, 5), (capil, 10)])
    ]
    reqs = {
        t.pk: [f.RequirementFactory(document_type=t, name=f"Syarat {t.code}-{j}") for j in range(3)]
        for t in types
    }
    kecamatan = [f.KecamatanFactory(code=f"52.06.0{i}", name=f"Kec {i}") for i in range(1, 4)]
    desa = [f.DesaFactory(kecamatan=kecamatan[i % 3], name=f"Desa {i:02d}") for i in range(12)]
    officers = [
        f.OfficerFactory(username=f"r{seed}o{i}", first_name=f"Petugas {i}", bidang=b)
        for i, b in enumerate(["dafduk", "dafduk", "dafduk", "capil", "capil"])
    ]
    gone = f.OfficerFactory(username=f"r{seed}gone", first_name="Pensiun", bidang="dafduk", is_active=False)
    holders = [*officers, gone, None]
    statuses = [s.value for s in Application.Status]
    apps = []
    for n in range(150):
        doc_type = rng.choice(types)
        created = NOW - timedelta(minutes=rng.randint(0, 60 * 24 * 60))
        if n % 10 == 0:
            # exactly on an aging boundary (4, 8, 15, 31 days) or at local midnight
            created = rng.choice(
                [NOW - timedelta(days=d) for d in (4, 8, 15, 31)]
                + [
                    datetime.combine(
                        NOW.date() - timedelta(days=rng.randint(0, 40)), datetime.min.time(), WIB
                    )
                ]
            )
        status = rng.choice(statuses)
        ready = None
        if status in ("ready", "in_delivery", "at_desa", "handed_over") or rng.random() < 0.05:
            ready = min(NOW, created + timedelta(minutes=rng.randint(60, 60 * 24 * 20)))
        due = created + timedelta(days=doc_type.service_level_days + rng.choice([0, 0, -1, 2]))
        if ready and n % 7 == 0:
            ready = min(NOW, due)  # finished exactly at the deadline still counts as within
        closed = (
            min(NOW, (ready or created) + timedelta(hours=rng.randint(1, 100))) if status in CLOSED else None
        )
        apps.append(
            f.ApplicationFactory(
                document_type=doc_type,
                desa=rng.choice(desa),
                assigned_to=rng.choice(holders),
                created_at=created,
                status=status,
                ready_at=ready,
                closed_at=closed,
                revision_count=rng.choice([0, 0, 0, 1, 2]),
                urgency=rng.choice(["none"] * 5 + ["bpjs", "hospital"]),
                due_at=due,
            )
        )
    for app in apps:
        for req in reqs[app.document_type_id]:
            if rng.random() < 0.6:
                RequirementCheck.objects.create(
                    application=app,
                    requirement=req,
                    verdict=rng.choice(["pending", "ok", "ok", "missing", "unreadable", "invalid"]),
                )
    today = NOW.date()
    serial = 0
    for offset in range(-25, 12):
        day = today + timedelta(days=offset)
        if rng.random() < 0.3:
            RecordingDay.objects.create(date=day, cap=rng.choice([0, 2, 5, 20]))
        for _ in range(rng.randint(0, 4)):
            serial += 1
            f.RecordingBookingFactory(
                # one open booking per NIK (routing 0003): each booking its own NIK
                nik=f.make_nik(serial=serial),
                date=day,
                status=rng.choice([s.value for s in RecordingBooking.Status]),
                desa=desa[0],
                created_by=officers[0],
            )
    for i in range(10):
        status = rng.choice([s.value for s in DeliveryBatch.Status])
        batch = f.DeliveryBatchFactory(
            created_by=officers[0],
            desa=rng.choice(desa),
            status=status,
            dispatched_at=NOW - timedelta(hours=rng.randint(1, 24 * 9)) if status != "open" else None,
            item_count=rng.randint(0, 9),
        )
        # one item per batch at most, so the "one live item per application" rule holds
        if rng.random() < 0.8:
            f.BatchItemFactory(batch=batch, application=apps[i])
    for _ in range(40):
        message = f.OutboxMessageFactory(
            application=rng.choice([*apps[:60], None]),
            event=rng.choice(["received", "revision_required", "at_desa", "shift_reminder"]),
            status=rng.choice([s.value for s in OutboxMessage.Status]),
        )
        OutboxMessage.objects.filter(pk=message.pk).update(
            created_at=NOW - timedelta(hours=rng.randint(0, 24 * 50))
        )
    return {"types": types, "kecamatan": kecamatan, "desa": desa, "officers": officers}


# --- the naive side --------------------------------------------------------------------------------


def local_day(moment: datetime) -> date:
    return timezone.localtime(moment).date()


def naive_percentile(values: list[int], p: float) -> int | None:
    """percentile_disc: the value at rank ⌈p·n⌉ of the sorted values (p is 0.5 or 0.9 here: exact in tenths)."""
    if not values:
        return None
    rank = -(-len(values) * round(p * 10) // 10)
    return sorted(values)[max(rank, 1) - 1]


def naive(user: User, filters: DashboardFilters) -> dict:
    bidang = dashboard_bidang(user, filters)
    apps = [
        a
        for a in Application.objects.select_related("desa__kecamatan", "document_type")
        if (not bidang or a.bidang == bidang)
        and (not filters.document_type_id or a.document_type_id == filters.document_type_id)
        and (not filters.kecamatan_id or a.desa.kecamatan_id == filters.kecamatan_id)
    ]

    def in_range(moment):
        return moment is not None and filters.date_from <= local_day(moment) <= filters.date_to

    received = [a for a in apps if in_range(a.created_at)]
    finished = [a for a in apps if in_range(a.ready_at)]
    open_apps = [a for a in apps if a.status not in CLOSED]
    out: dict = {}
    out["intake"] = Counter(local_day(a.created_at) for a in received)
    out["finished"] = Counter(local_day(a.ready_at) for a in finished)

    def bucket(a):
        age = (local_day(NOW) - local_day(a.created_at)).days  # calendar days
        return next(
            i for i, b in enumerate(AGING_BUCKETS) if age >= b.low and (b.high is None or age <= b.high)
        )

    out["backlog"] = {
        s.value: (
            sum(1 for a in open_apps if a.status == s),
            sum(1 for a in open_apps if a.status == s and a.due_at < NOW),
            sum(1 for a in open_apps if a.status == s and a.urgency != "none"),
            [
                sum(1 for a in open_apps if a.status == s and bucket(a) == i)
                for i in range(len(AGING_BUCKETS))
            ],
        )
        for s in OPEN_STATUSES
    }

    def days(a):
        # whole days, rounded down
        return int((a.ready_at - a.created_at).total_seconds() // 86400)

    by_type = defaultdict(list)
    for a in finished:
        by_type[a.document_type_id].append(a)
    out["turnaround"] = {
        t: (
            len(rows),
            sum(1 for a in rows if a.ready_at <= a.due_at),
            naive_percentile([days(a) for a in rows], 0.5),
            naive_percentile([days(a) for a in rows], 0.9),
        )
        for t, rows in by_type.items()
    }
    out["turnaround_all"] = (
        len(finished),
        sum(1 for a in finished if a.ready_at <= a.due_at),
        naive_percentile([days(a) for a in finished], 0.5),
        naive_percentile([days(a) for a in finished], 0.9),
    )
    revisions = defaultdict(lambda: [0, 0])
    for a in received:
        revisions[a.document_type_id][0] += 1
        revisions[a.document_type_id][1] += a.revision_count > 0
    out["revisions"] = {t: tuple(v) for t, v in revisions.items()}

    received_ids = {a.pk for a in received}
    checks = [
        c
        for c in RequirementCheck.objects.select_related("requirement")
        if c.application_id in received_ids and c.verdict in NOT_ACCEPTED
    ]
    per_req = defaultdict(list)
    for c in checks:
        per_req[c.requirement_id].append(c)
    ranked = sorted(per_req.items(), key=lambda kv: (-len(kv[1]), kv[1][0].requirement.name, kv[0]))
    out["missing"] = [
        (
            rid,
            len(cs),
            sum(c.verdict == "missing" for c in cs),
            sum(c.verdict == "unreadable" for c in cs),
            sum(c.verdict == "invalid" for c in cs),
        )
        for rid, cs in ranked[:TOP_REQUIREMENTS]
    ]

    holders = {a.assigned_to_id for a in open_apps} | {a.assigned_to_id for a in finished}
    listed = {
        u.pk
        for u in User.objects.all()
        if (u.role == "petugas" and u.is_active and (not bidang or u.bidang == bidang)) or u.pk in holders
    }
    if None in holders:
        listed.add(None)
    out["officers"] = {
        pk: (
            sum(1 for a in open_apps if a.assigned_to_id == pk),
            sum(1 for a in open_apps if a.assigned_to_id == pk and a.due_at < NOW),
            sum(1 for a in finished if a.assigned_to_id == pk),
        )
        for pk in listed
    }

    def area_rows(key):
        rows = defaultdict(lambda: [0, 0, 0])
        for a in apps:
            k = key(a)
            rows[k][0] += in_range(a.created_at)
            rows[k][1] += a.status not in CLOSED
            rows[k][2] += a.status not in CLOSED and a.due_at < NOW
        # an area appears when it has an application received in the range or open now
        present = {k: v for k, v in rows.items() if v[0] or v[1]}
        ordered = sorted(present.items(), key=lambda kv: (-kv[1][0], -kv[1][1], kv[0][1], kv[0][0]))
        top = [(name, *v) for (_pk, name), v in ordered[:TOP_AREAS]]
        rest = [v for _k, v in ordered[TOP_AREAS:]]
        if rest:
            top.append(("lainnya", sum(v[0] for v in rest), sum(v[1] for v in rest), sum(v[2] for v in rest)))
        return top

    out["desa"] = area_rows(lambda a: (a.desa_id, a.desa.name))
    out["kecamatan"] = area_rows(lambda a: (a.desa.kecamatan_id, a.desa.kecamatan.name))

    if bidang in ("", "dafduk"):
        first, last = quota_window(filters, NOW.date())
        caps = {d.date: d.cap for d in RecordingDay.objects.all()}
        bookings = list(RecordingBooking.objects.all())
        quota = []
        day = first
        while day <= last:
            booked = sum(1 for b in bookings if b.date == day and b.status in ("booked", "attended"))
            pending = sum(1 for b in bookings if b.date == day and b.status == "pending")
            if day.weekday() < 5 or day in caps or booked or pending:
                cap = caps.get(day)
                quota.append(
                    (day, settings.URGENT_RECORDING_DAILY_CAP if cap is None else cap, booked, pending)
                )
            day += timedelta(days=1)
        out["quota"] = quota
    else:
        out["quota"] = None

    batches = [
        b
        for b in DeliveryBatch.objects.select_related("desa").prefetch_related("items__application")
        if b.status == "dispatched"
        and (not filters.kecamatan_id or b.desa.kecamatan_id == filters.kecamatan_id)
        and (not bidang or any(i.application.bidang == bidang for i in b.items.all()))
    ]
    batches.sort(key=lambda b: (b.dispatched_at, b.pk))
    out["batches"] = [(b.pk, int((NOW - b.dispatched_at).total_seconds() // 86400)) for b in batches][
        :MAX_BATCHES
    ]

    failed = [
        m
        for m in OutboxMessage.objects.select_related("application__desa")
        if m.status in ("failed", "permanent")
        and in_range(m.created_at)
        and (not bidang or (m.application and m.application.bidang == bidang))
        and (
            not filters.document_type_id
            or (m.application and m.application.document_type_id == filters.document_type_id)
        )
        and (
            not filters.kecamatan_id
            or (m.application and m.application.desa.kecamatan_id == filters.kecamatan_id)
        )
    ]
    out["failed"] = Counter((m.event, m.status) for m in failed)
    out["failed_latest"] = [
        m.pk for m in sorted(failed, key=lambda m: (m.created_at, m.pk), reverse=True)[:20]
    ]
    return out


def compare(dash, expected) -> None:
    assert {d.day: d.intake for d in dash.days if d.intake} == dict(expected["intake"])
    assert {d.day: d.finished for d in dash.days if d.finished} == dict(expected["finished"])
    assert {r.status: (r.total, r.overdue, r.urgent, r.buckets) for r in dash.backlog} == expected["backlog"]
    got = {r.document_type_id: r for r in dash.turnaround}
    assert set(got) == set(expected["turnaround"])
    for type_id, (n, within, median, p90) in expected["turnaround"].items():
        row = got[type_id]
        assert (row.finished, row.within) == (n, within)
        assert (row.median_days, row.p90_days) == (median, p90)
    n, within, median, p90 = expected["turnaround_all"]
    whole = dash.turnaround_all
    assert (whole.finished, whole.within) == (n, within)
    assert (whole.median_days, whole.p90_days) == (median, p90)
    assert {r.document_type_id: (r.intake, r.revised) for r in dash.revisions} == expected["revisions"]
    assert [
        (m.requirement_id, m.count, m.missing, m.unreadable, m.invalid) for m in dash.missing
    ] == expected["missing"]
    assert {r.user_id: (r.open, r.overdue, r.finished) for r in dash.officers} == expected["officers"]
    for key in ("desa", "kecamatan"):
        got_rows = [
            ("lainnya" if r.pk is None else r.name, r.intake, r.open, r.overdue) for r in getattr(dash, key)
        ]
        assert got_rows == expected[key], key
    if expected["quota"] is None:
        assert dash.quota is None
    else:
        assert [(r.day, r.cap, r.booked, r.pending) for r in dash.quota] == expected["quota"]
    assert [(b.pk, b.days_waiting) for b in dash.batches] == expected["batches"]
    assert Counter({(r.event, r.status): r.count for r in dash.failed_counts}) == expected["failed"]
    assert [m.pk for m in dash.failed_latest] == expected["failed_latest"]


# raw: no summaries; summaries: every day before NOW's summarised (only today raw); behind: the
# refresh job stopped 12 days ago (the days after it are read raw)
SUMMARY_MODES = {"raw": None, "summaries": 0, "behind": 12}


@pytest.mark.parametrize("mode", list(SUMMARY_MODES))
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_selectors_equal_a_naive_recomputation(db, settings, seed, mode):
    settings.URGENT_RECORDING_DAILY_CAP = 4
    world = random_world(seed)
    if SUMMARY_MODES[mode] is not None:
        assert summaries_refresh(today=NOW.date() - timedelta(days=SUMMARY_MODES[mode]))
    kabid = f.KabidFactory(username=f"kabid{seed}", bidang="dafduk")
    kabid_capil = f.KabidFactory(username=f"kabidc{seed}", bidang="capil")
    admin = f.AdminFactory(username=f"admin{seed}")
    types = list(DocumentType.objects.select_related("category"))
    today = NOW.date()
    month = DashboardFilters(date_from=today - timedelta(days=29), date_to=today)
    cases = [
        (kabid, month),
        (kabid_capil, month),
        (admin, month),
        (admin, DashboardFilters(date_from=today - timedelta(days=45), date_to=today - timedelta(days=20))),
        (admin, DashboardFilters(date_from=month.date_from, date_to=today, bidang="capil")),
        (
            kabid,
            DashboardFilters(date_from=month.date_from, date_to=today, kecamatan_id=world["kecamatan"][1].pk),
        ),
        (
            admin,
            DashboardFilters(date_from=month.date_from, date_to=today, document_type_id=world["types"][1].pk),
        ),
        # a kepala bidang asking for the other bidang still gets their own
        (kabid, DashboardFilters(date_from=month.date_from, date_to=today, bidang="capil")),
        # 60 days: the whole of April inside (summaries: its month rows), March and May in part
        (admin, DashboardFilters(date_from=today - timedelta(days=59), date_to=today)),
        (
            kabid,
            DashboardFilters(
                date_from=today - timedelta(days=59), date_to=today, document_type_id=world["types"][0].pk
            ),
        ),
    ]
    for user, filters in cases:
        dash = dashboard_build(user=user, filters=filters, document_types=types, now=NOW)
        compare(dash, naive(user, filters))
    # the data exercises every figure (else the comparison above proves little)
    office = dashboard_build(user=admin, filters=month, document_types=types, now=NOW)
    assert office.intake_total and office.finished_total and office.overdue_total
    assert all(office.bucket_totals) and office.missing and office.batches and office.failed_counts
    assert office.desa[-1].pk is None  # more than ten desa: a "lainnya" row
    assert any(r.booked for r in office.quota) and any(r.pending for r in office.quota)
    assert any(r.user_id is None for r in office.officers)
    assert any(not r.is_active for r in office.officers)
