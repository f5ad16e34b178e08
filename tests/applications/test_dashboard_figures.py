"""Every dashboard figure against numbers worked out by hand from a small, deliberate data set.

The clock is fixed at Friday 20 March 2026, 10:00 WIB; the range is 1–20 March 2026. The comments
next to each application say which figures it feeds, so a failing number can be traced by hand.
"""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from applications.dashboard import (
    AGING_BUCKETS,
    AreaRow,
    DashboardFilters,
    dashboard_build,
    days_between,
    percentile_disc,
    top_with_rest,
)
from applications.models import Application, DocumentType, RequirementCheck
from dukcapil.accounts.models import User
from notifications.models import OutboxMessage
from reports.services import summaries_refresh
from routing.models import DeliveryBatch, RecordingBooking
from tests import factories as f

WIB = ZoneInfo("Asia/Jakarta")
NOW = datetime(2026, 3, 20, 10, 0, tzinfo=WIB)
RANGE = DashboardFilters(date_from=date(2026, 3, 1), date_to=date(2026, 3, 20))
S = Application.Status
V = RequirementCheck.Verdict


def at(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=WIB)


@pytest.fixture(params=["raw", "summaries"])
def world(request, db, settings):
    """The data set; with "summaries", every day before NOW's day is summarised first (reports), so
    each figure test runs twice: over the raw rows, and over the summaries plus today's raw rows."""
    data = _world(settings)
    if request.param == "summaries":
        assert summaries_refresh(today=NOW.date()) > 0
    return data


def _world(settings):
    settings.URGENT_RECORDING_DAILY_CAP = 20
    dafduk = f.ServiceCategoryFactory(code="dafduk")
    capil = f.ServiceCategoryFactory(code="capil")
    type_a = f.DocumentTypeFactory(
        code="kk-hilang", name="KK hilang", category=dafduk, service_level_days=7, order=1
    )
    type_b = f.DocumentTypeFactory(
        code="pindah", name="Surat pindah", category=dafduk, service_level_days=14, order=2
    )
    type_c = f.DocumentTypeFactory(
        code="akta-lahir", name="Akta kelahiran", category=capil, service_level_days=7
    )
    req_a1 = f.RequirementFactory(document_type=type_a, name="Surat kehilangan")
    req_a2 = f.RequirementFactory(document_type=type_a, name="KTP-el")
    req_b1 = f.RequirementFactory(document_type=type_b, name="Formulir F-1.03")
    req_c1 = f.RequirementFactory(document_type=type_c, name="Surat keterangan lahir")
    k1 = f.KecamatanFactory(code="52.06.01", name="Monta")
    k2 = f.KecamatanFactory(code="52.06.02", name="Parado")
    d1 = f.DesaFactory(kecamatan=k1, name="Tolotangga")
    d2 = f.DesaFactory(kecamatan=k1, name="Sondo")
    d3 = f.DesaFactory(kecamatan=k2, name="Parado Rato")
    o1 = f.OfficerFactory(username="o1", first_name="Rahmat", last_name="", bidang="dafduk")
    o2 = f.OfficerFactory(username="o2", first_name="Siti", last_name="", bidang="dafduk")
    o3 = f.OfficerFactory(username="o3", first_name="Fitri", last_name="", bidang="capil")
    o4 = f.OfficerFactory(username="o4", first_name="Ilham", last_name="", bidang="dafduk")  # idle

    def app(doc_type, desa, officer, created, status, **kw):
        return f.ApplicationFactory(
            document_type=doc_type, desa=desa, assigned_to=officer, created_at=created, status=status, **kw
        )

    apps = {
        # in range, finished 3.0 days (within), handed over
        "a1": app(type_a, d1, o1, at(3, 2, 9), S.HANDED_OVER, ready_at=at(3, 5, 9), closed_at=at(3, 6)),
        # in range, finished 10.0 days (late), still "ready": open, overdue (due 10 Mar), 17 days old
        "a2": app(type_a, d1, o1, at(3, 3, 9), S.READY, ready_at=at(3, 13, 9)),
        # in range, finished 2.5 days (within), at the desa: open, overdue (due 17 Mar), 10 days old, revised
        "a3": app(type_a, d2, o2, at(3, 10, 8), S.AT_DESA, ready_at=at(3, 12, 20), revision_count=1),
        # in range, verifying, 5.0 days old, due 29 Mar
        "a4": app(type_b, d3, o2, at(3, 15), S.VERIFYING),
        # before the range, unassigned, waiting for a revision: 47 days old, overdue, revised twice
        "a5": app(type_b, d3, None, at(2, 1), S.REVISION_REQUIRED, revision_count=2),
        # today, urgent, received: 0 days old
        "a6": app(type_a, d1, o1, at(3, 20, 8), S.RECEIVED, urgency="bpjs"),
        # the first minute of the range (00:30 WIB is still 28 Feb in UTC), rejected
        "a7": app(type_a, d2, o2, at(3, 1, 0, 30), S.REJECTED, closed_at=at(3, 2)),
        # before the range, processing: 28 days old, overdue
        "a8": app(type_a, d1, o1, at(2, 20), S.PROCESSING),
        # before the range, finished 1 March after 4.0 days (within 14), handed over
        "a9": app(type_b, d1, o1, at(2, 25), S.HANDED_OVER, ready_at=at(3, 1), closed_at=at(3, 2)),
        # capil: must not show on the Dafduk dashboard
        "a10": app(type_c, d1, o3, at(3, 5), S.RECEIVED),
        # exactly 8.0 days old (bucket 8–14), due 19 Mar 10:00: overdue
        "a11": app(type_a, d2, o2, at(3, 12), S.VERIFYING),
        # exactly 4.0 days old (bucket 4–7), due 23 Mar
        "a12": app(type_a, d3, o1, at(3, 16), S.RECEIVED),
    }
    for key, req, verdict in [
        ("a3", req_a1, V.MISSING),
        ("a3", req_a2, V.UNREADABLE),
        ("a2", req_a1, V.MISSING),
        ("a2", req_a2, V.OK),
        ("a4", req_b1, V.INVALID),
        ("a5", req_b1, V.MISSING),  # created before the range: not counted
        ("a10", req_c1, V.MISSING),  # capil
        ("a6", req_a1, V.PENDING),
    ]:
        RequirementCheck.objects.create(application=apps[key], requirement=req, verdict=verdict)

    # quota: Wednesday 18 March is full (cap 3: 2 booked + 1 attended), Monday 23 March has its own cap
    from routing.models import RecordingDay

    RecordingDay.objects.create(date=date(2026, 3, 18), cap=3, booked=3)
    RecordingDay.objects.create(date=date(2026, 3, 23), cap=5, booked=1)
    B = RecordingBooking.Status
    for day, status in [
        (date(2026, 3, 18), B.BOOKED),
        (date(2026, 3, 18), B.BOOKED),
        (date(2026, 3, 18), B.ATTENDED),
        (date(2026, 3, 18), B.PENDING_APPROVAL),
        (date(2026, 3, 18), B.DECLINED),
        (date(2026, 3, 23), B.BOOKED),
        (date(2026, 4, 2), B.BOOKED),  # after the window
    ]:
        f.RecordingBookingFactory(date=day, status=status, desa=d1, created_by=o1)

    # batches: b1 on the road 5 days with a Dafduk document; b2 only capil; b3 received; b4 open
    b1 = f.DeliveryBatchFactory(
        created_by=o1, desa=d1, status=DeliveryBatch.Status.DISPATCHED, dispatched_at=at(3, 15), item_count=1
    )
    f.BatchItemFactory(batch=b1, application=apps["a2"])
    b2 = f.DeliveryBatchFactory(
        created_by=o1,
        desa=d2,
        status=DeliveryBatch.Status.DISPATCHED,
        dispatched_at=at(3, 19, 12),
        item_count=1,
    )
    f.BatchItemFactory(batch=b2, application=apps["a10"])
    b3 = f.DeliveryBatchFactory(
        created_by=o1,
        desa=d2,
        status=DeliveryBatch.Status.RECEIVED,
        dispatched_at=at(3, 10),
        received_at=at(3, 11),
    )
    f.BatchItemFactory(batch=b3, application=apps["a3"])
    f.DeliveryBatchFactory(created_by=o1, desa=d3, status=DeliveryBatch.Status.OPEN)

    M = OutboxMessage.Status
    for app_key, event, status, created in [
        ("a2", "received", M.FAILED, at(3, 5)),
        ("a3", "at_desa", M.PERMANENT_FAILURE, at(3, 12)),
        ("a10", "received", M.PERMANENT_FAILURE, at(3, 6)),  # capil
        ("a1", "ready_pickup", M.SENT, at(3, 5)),  # sent: not a failure
        ("a5", "received", M.FAILED, at(2, 5)),  # before the range
        (None, "shift_reminder", M.FAILED, at(3, 10)),  # no application: office-wide only
    ]:
        message = f.OutboxMessageFactory(
            application=apps[app_key] if app_key else None, event=event, status=status
        )
        OutboxMessage.objects.filter(pk=message.pk).update(created_at=created)

    kabid = f.KabidFactory(username="kabid", bidang="dafduk")
    admin = f.AdminFactory(username="adm")
    return {
        "apps": apps,
        "types": {"a": type_a, "b": type_b, "c": type_c},
        "req": {"a1": req_a1, "a2": req_a2, "b1": req_b1},
        "desa": {"d1": d1, "d2": d2, "d3": d3},
        "kec": {"k1": k1, "k2": k2},
        "officers": {"o1": o1, "o2": o2, "o3": o3, "o4": o4},
        "batches": {"b1": b1, "b2": b2},
        "kabid": kabid,
        "admin": admin,
    }


def build(user, filters=RANGE):
    types = DocumentType.objects.select_related("category")
    return dashboard_build(user=user, filters=filters, document_types=types, now=NOW)


def test_intake_and_finished_per_day(world):
    dash = build(world["kabid"])
    intake = {d.day.day: d.intake for d in dash.days if d.intake}
    finished = {d.day.day: d.finished for d in dash.days if d.finished}
    assert len(dash.days) == 20
    # a7 (00:30 on the 1st, local time) belongs to 1 March; a10 is capil and absent
    assert intake == {1: 1, 2: 1, 3: 1, 10: 1, 12: 1, 15: 1, 16: 1, 20: 1}
    assert finished == {1: 1, 5: 1, 12: 1, 13: 1}
    assert (dash.intake_total, dash.finished_total) == (8, 4)


def test_backlog_by_status_with_overdue_urgent_and_aging(world):
    dash = build(world["kabid"])
    rows = {r.status: r for r in dash.backlog}
    assert [r.status for r in dash.backlog] == [
        "received",
        "verifying",
        "revision_required",
        "resubmitted",
        "verified",
        "processing",
        "ready",
        "in_delivery",
        "at_desa",
    ]
    assert {s: r.total for s, r in rows.items() if r.total} == {
        "received": 2,
        "verifying": 2,
        "revision_required": 1,
        "processing": 1,
        "ready": 1,
        "at_desa": 1,
    }
    assert {s: r.overdue for s, r in rows.items() if r.overdue} == {
        "verifying": 1,  # a11
        "revision_required": 1,  # a5
        "processing": 1,  # a8
        "ready": 1,  # a2
        "at_desa": 1,  # a3
    }
    assert (dash.open_total, dash.overdue_total, dash.urgent_total) == (8, 5, 1)
    assert rows["received"].urgent == 1
    # a6 0–3; a4, a12 (exactly 4.0 days) 4–7; a3, a11 (exactly 8.0) 8–14; a2, a8 15–30; a5 > 30
    assert dash.bucket_totals == [1, 2, 2, 2, 1]
    assert rows["received"].buckets == [1, 1, 0, 0, 0]
    assert rows["verifying"].buckets == [0, 1, 1, 0, 0]
    assert rows["revision_required"].buckets == [0, 0, 0, 0, 1]
    assert len(AGING_BUCKETS) == 5


def test_turnaround_median_p90_and_share_within_service_level(world):
    dash = build(world["kabid"])
    by_name = {r.name: r for r in dash.turnaround}
    kk = by_name["KK hilang"]
    # durations 2.5, 3.0, 10.0 days → whole days 2, 3, 10: median the 2nd (⌈0.5·3⌉), p90 the 3rd (⌈0.9·3⌉)
    assert (kk.finished, kk.within, kk.service_level_days) == (3, 2, 7)
    assert (kk.median_days, kk.p90_days) == (3, 10)
    assert kk.share_within == pytest.approx(2 / 3)
    pindah = by_name["Surat pindah"]
    assert (pindah.finished, pindah.within, pindah.median_days, pindah.p90_days) == (1, 1, 4, 4)
    whole = dash.turnaround_all
    # 2, 3, 4, 10: median the 2nd (⌈0.5·4⌉ = 2), p90 the 4th (⌈0.9·4⌉ = 4)
    assert (whole.finished, whole.within) == (4, 3)
    assert (whole.median_days, whole.p90_days) == (3, 10)
    assert "Akta kelahiran" not in by_name


def test_revision_rate_and_requirements_most_often_missing(world):
    dash = build(world["kabid"])
    revisions = {r.name: (r.intake, r.revised) for r in dash.revisions}
    # a5 was revised but received before the range; a3 is the only revised one inside it
    assert revisions == {"KK hilang": (7, 1), "Surat pindah": (1, 0)}
    assert dash.revisions[0].rate == pytest.approx(1 / 7)
    assert [(m.name, m.count, m.missing, m.unreadable, m.invalid) for m in dash.missing] == [
        ("Surat kehilangan", 2, 2, 0, 0),  # a2, a3
        ("Formulir F-1.03", 1, 0, 0, 1),  # a4 (a5 is before the range)
        ("KTP-el", 1, 0, 1, 0),  # a3 (a2's is ok)
    ]


def test_officer_workload_and_throughput(world):
    dash = build(world["kabid"])
    rows = {r.name: (r.open, r.overdue, r.finished) for r in dash.officers}
    assert rows == {
        "Rahmat": (4, 2, 3),  # open a2 a6 a8 a12; overdue a2 a8; finished a1 a2 a9
        "Siti": (3, 2, 1),  # open a3 a4 a11; overdue a3 a11; finished a3
        "Ilham": (0, 0, 0),  # idle, still listed
        "Belum ditugaskan": (1, 1, 0),  # a5
    }
    assert dash.officers[-1].user_id is None


def test_counts_per_kecamatan_and_desa(world):
    dash = build(world["kabid"])
    assert [(r.name, r.intake, r.open, r.overdue) for r in dash.kecamatan] == [
        ("Monta", 6, 5, 4),
        ("Parado", 2, 3, 1),
    ]
    assert [(r.name, r.kecamatan, r.intake, r.open, r.overdue) for r in dash.desa] == [
        ("Tolotangga", "Monta", 3, 3, 2),
        ("Sondo", "Monta", 3, 2, 2),
        ("Parado Rato", "Parado", 2, 3, 1),
    ]


def test_top_areas_fold_the_rest_into_lainnya():
    rows = [AreaRow(pk=i, name=f"Desa {i:02d}", intake=i, open=1, overdue=i % 2) for i in range(1, 14)]
    top = top_with_rest(rows, n=10)
    assert [r.intake for r in top[:10]] == list(range(13, 3, -1))
    rest = top[10]
    assert rest.pk is None and "Lainnya (3 wilayah)" in rest.name
    assert (rest.intake, rest.open, rest.overdue) == (1 + 2 + 3, 3, 2)


def test_urgent_recording_quota_per_day(world):
    dash = build(world["kabid"])
    quota = {r.day: r for r in dash.quota}
    # the range and one week ahead (to 27 March), weekdays only: 20 days
    assert len(quota) == 20 and min(quota) == date(2026, 3, 2) and max(quota) == date(2026, 3, 27)
    assert date(2026, 3, 21) not in quota  # Saturday without bookings
    wed = quota[date(2026, 3, 18)]
    assert (wed.cap, wed.booked, wed.pending, wed.share) == (3, 3, 1, 1.0)
    mon = quota[date(2026, 3, 23)]
    assert (mon.cap, mon.booked, mon.pending) == (5, 1, 0)
    assert quota[date(2026, 3, 19)].cap == 20  # no row: the default cap


def test_quota_is_not_on_the_capil_dashboard(world):
    kabid_capil = f.KabidFactory(username="kabid.capil", bidang="capil")
    assert build(kabid_capil).quota is None


def test_batches_dispatched_but_not_confirmed(world):
    dash = build(world["kabid"])
    # b2 carries only a capil document; b3 was received; b4 is still open
    assert [(b.number, b.days_waiting, b.desa) for b in dash.batches] == [
        (world["batches"]["b1"].number, 5, "Tolotangga")
    ]
    office = build(world["admin"])
    assert [(b.number, b.days_waiting) for b in office.batches] == [
        (world["batches"]["b1"].number, 5),
        (world["batches"]["b2"].number, 0),  # 22 hours
    ]
    assert office.batches_late == 1


def test_failed_notifications(world):
    dash = build(world["kabid"])
    assert [(r.event, r.status, r.count) for r in dash.failed_counts] == [
        ("at_desa", "permanent", 1),
        ("received", "failed", 1),
    ]
    assert (dash.failed_total, dash.failed_permanent) == (2, 1)
    assert {m.application.number for m in dash.failed_latest} == {
        world["apps"]["a2"].number,
        world["apps"]["a3"].number,
    }
    office = build(world["admin"])
    # plus a10's (capil) and the shift reminder without an application
    assert office.failed_total == 4


def test_kepala_bidang_sees_only_their_bidang_even_when_asking_for_another(world):
    asked = DashboardFilters(date_from=RANGE.date_from, date_to=RANGE.date_to, bidang="capil")
    dash = build(world["kabid"], asked)
    assert dash.bidang == "dafduk"
    assert dash.intake_total == 8
    assert "Fitri" not in {r.name for r in dash.officers}


def test_office_wide_and_bidang_filter(world):
    office = build(world["admin"])
    assert office.bidang == ""
    assert office.intake_total == 9  # plus a10
    assert office.open_total == 9
    capil = build(
        world["admin"], DashboardFilters(date_from=RANGE.date_from, date_to=RANGE.date_to, bidang="capil")
    )
    assert (capil.intake_total, capil.open_total, capil.finished_total) == (1, 1, 0)
    assert {r.name for r in capil.officers} == {"Fitri"}
    assert capil.quota is None


def test_document_type_and_kecamatan_filters(world):
    by_type = build(
        world["kabid"],
        DashboardFilters(
            date_from=RANGE.date_from, date_to=RANGE.date_to, document_type_id=world["types"]["b"].pk
        ),
    )
    assert (by_type.intake_total, by_type.open_total, by_type.finished_total) == (1, 2, 1)  # a4; a4 a5; a9
    by_kec = build(
        world["kabid"],
        DashboardFilters(
            date_from=RANGE.date_from, date_to=RANGE.date_to, kecamatan_id=world["kec"]["k2"].pk
        ),
    )
    assert (by_kec.intake_total, by_kec.open_total, by_kec.overdue_total) == (2, 3, 1)  # a4 a12; + a5
    assert [d.name for d in by_kec.desa] == ["Parado Rato"]
    assert by_kec.batches == []  # b1 goes to Monta
    assert by_kec.failed_total == 0


def test_percentile_matches_postgresql_percentile_disc():
    assert percentile_disc({}, 0.5) is None
    assert percentile_disc({7: 1}, 0.9) == 7
    assert percentile_disc({1: 1, 2: 1, 3: 1, 4: 1}, 0.5) == 2  # the 2nd of 4, no interpolation
    assert percentile_disc({10: 1, 1: 1, 2: 1}, 0.9) == 10  # ⌈2.7⌉ = 3rd
    # 0.9 × 10 is 9.000000000000002 in floating point: the rank is still the 9th
    assert percentile_disc(dict.fromkeys(range(1, 11), 1), 0.9) == 9
    assert percentile_disc({0: 5, 3: 4, 8: 1}, 0.5) == 0 and percentile_disc({0: 5, 3: 4, 8: 1}, 0.9) == 3


def test_days_between_counts_whole_days_and_never_negative():
    start = at(3, 1, 10)
    assert days_between(start, start + timedelta(hours=47)) == 1
    assert days_between(start, start + timedelta(days=2)) == 2
    assert days_between(start, start - timedelta(hours=1)) == 0


def test_nobody_but_heads_and_admin_may_build_it(world):
    from applications.dashboard import dashboard_allowed

    assert dashboard_allowed(world["kabid"]) and dashboard_allowed(world["admin"])
    assert dashboard_allowed(f.UserFactory(username="kadis", role=User.Role.KEPALA_DINAS, bidang=""))
    assert not dashboard_allowed(world["officers"]["o1"])
    assert not dashboard_allowed(f.PemdesFactory(username="pd"))
