"""Urgent KTP-el recording: reasons, the daily cap and its overrides, staffing, approvals, the desk."""

from datetime import date, timedelta

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from notifications.models import OutboxMessage
from routing import services
from routing.models import RecordingBooking, RecordingDay, Rota, ShiftAssignment
from routing.rota import working_days
from tests import factories as f

TODAY = date(2026, 11, 2)  # a Monday
DAY = date(2026, 11, 4)  # Wednesday
SATURDAY = date(2026, 11, 7)


def staff_day(day, officer=None, *, status=Rota.Status.PUBLISHED, bidang="dafduk", place="office"):
    officer = officer or f.OfficerFactory(username=f"rekam-{bidang}-{day.isoformat()}", bidang=bidang)
    rota = f.RotaFactory(bidang=bidang, status=status, start=day, end=day)
    f.ShiftAssignmentFactory(rota=rota, officer=officer, date=day, place=place)
    return officer


def book(actor, desa, *, day=DAY, urgency="bpjs", justification="", nik=None, today=TODAY, name="Warga"):
    return services.recording_book(
        actor=actor,
        day=day,
        name=name,
        nik=nik or f.make_nik(),
        whatsapp="+6281234567891",
        desa=desa,
        urgency=urgency,
        justification=justification,
        today=today,
    )


@pytest.fixture
def staffed(db):
    return staff_day(DAY)


@pytest.fixture
def nik_serials():
    counter = iter(range(1, 9999))
    return lambda: f.make_nik(serial=next(counter))


# --- booking rules -----------------------------------------------------------------------------


def test_urgent_booking_takes_a_place_and_tells_the_citizen(officer, desa_a, staffed):
    booking = book(officer, desa_a, name="Siti Aminah")
    assert booking.status == RecordingBooking.Status.BOOKED
    assert RecordingDay.objects.get(date=DAY).booked == 1
    message = OutboxMessage.objects.get(event="recording_booked")
    assert message.recipient == "+6281234567891"
    assert "Siti Aminah" in message.body
    assert "4 November 2026" in message.body


@pytest.mark.parametrize("urgency", ["bpjs", "hospital", "tni_polri"])
def test_each_listed_urgent_reason_books_directly(officer, desa_a, staffed, urgency):
    assert book(officer, desa_a, urgency=urgency).status == RecordingBooking.Status.BOOKED


def test_non_urgent_reason_is_refused(officer, desa_a, staffed):
    with pytest.raises(services.RoutingError, match="mendesak"):
        book(officer, desa_a, urgency="none")
    assert not RecordingBooking.objects.exists()


def test_default_cap_holds(officer, desa_a, staffed, settings, nik_serials):
    settings.URGENT_RECORDING_DAILY_CAP = 3
    for _ in range(3):
        book(officer, desa_a, nik=nik_serials())
    with pytest.raises(services.RecordingQuotaFull, match="sudah penuh \\(3 orang\\)"):
        book(officer, desa_a, nik=nik_serials())
    assert RecordingBooking.objects.count() == 3
    assert OutboxMessage.objects.filter(event="recording_booked").count() == 3
    assert RecordingDay.objects.get(date=DAY).booked == 3


def test_per_day_override_raises_or_lowers_the_cap(kabid, officer, desa_a, staffed, settings, nik_serials):
    settings.URGENT_RECORDING_DAILY_CAP = 1
    services.recording_day_set_cap(actor=kabid, day=DAY, cap=2)
    book(officer, desa_a, nik=nik_serials())
    book(officer, desa_a, nik=nik_serials())
    with pytest.raises(services.RecordingQuotaFull):
        book(officer, desa_a, nik=nik_serials())
    services.recording_day_set_cap(actor=kabid, day=DAY, cap=0)
    with pytest.raises(services.RecordingQuotaFull):
        book(officer, desa_a, nik=nik_serials())
    services.recording_day_set_cap(actor=kabid, day=DAY, cap=None)  # back to the default of 1
    with pytest.raises(services.RecordingQuotaFull):
        book(officer, desa_a, nik=nik_serials())


def test_only_kabid_dafduk_or_admin_sets_the_cap(officer, kabid_capil, admin_user):
    for actor in (officer, kabid_capil):
        with pytest.raises(services.RoutingError):
            services.recording_day_set_cap(actor=actor, day=DAY, cap=5)
    assert services.recording_day_set_cap(actor=admin_user, day=DAY, cap=5).cap == 5


def test_no_booking_without_recording_staff_in_the_office(officer, desa_a):
    with pytest.raises(services.RoutingError, match="Tidak ada petugas perekaman"):
        book(officer, desa_a)
    staff_day(DAY, status=Rota.Status.DRAFT)  # a draft does not count
    staff_day(DAY, bidang="capil")  # nor a capil officer
    staff_day(DAY, place="home", officer=f.OfficerFactory(username="wfh", bidang="dafduk"))  # nor one at home
    with pytest.raises(services.RoutingError, match="Tidak ada petugas perekaman"):
        book(officer, desa_a)
    assert not RecordingDay.objects.filter(booked__gt=0).exists()


def test_recording_officer_on_leave_does_not_count(officer, desa_a):
    recorder = staff_day(DAY)
    f.LeaveFactory(officer=recorder, start=DAY, end=DAY)
    with pytest.raises(services.RoutingError, match="Tidak ada petugas perekaman"):
        book(officer, desa_a)


def test_past_and_non_working_days_are_refused(officer, desa_a):
    staff_day(SATURDAY)
    with pytest.raises(services.RoutingError, match="bukan hari kerja"):
        book(officer, desa_a, day=SATURDAY)
    staff_day(date(2026, 10, 30))
    with pytest.raises(services.RoutingError, match="sudah lewat"):
        book(officer, desa_a, day=date(2026, 10, 30))
    f.ClosedDayFactory(date=DAY, reason="Cuti bersama")
    staff_day(DAY)
    with pytest.raises(services.RoutingError, match="bukan hari kerja"):
        book(officer, desa_a)


def test_same_nik_cannot_hold_two_open_bookings(officer, desa_a, staffed):
    nik = f.make_nik(serial=77)
    book(officer, desa_a, nik=nik)
    with pytest.raises(services.RoutingError, match="sudah memiliki jadwal"):
        book(officer, desa_a, nik=nik)


def test_database_refuses_a_second_open_booking_of_one_nik(officer, desa_a, staffed):
    nik = f.make_nik(serial=78)
    first = book(officer, desa_a, nik=nik)
    fields = {"date": DAY, "name": "Warga", "whatsapp": "+6281234567891", "desa": desa_a, "urgency": "bpjs"}
    with pytest.raises(IntegrityError), transaction.atomic():
        RecordingBooking.objects.create(nik=nik, status="pending", created_by=officer, **fields)
    # closed bookings do not count: after a cancel the citizen can be booked again
    services.recording_cancel(actor=officer, booking=first, reason="Salah tanggal")
    RecordingBooking.objects.create(nik=nik, status="cancelled", created_by=officer, **fields)
    assert book(officer, desa_a, nik=nik).status == RecordingBooking.Status.BOOKED


def test_only_dafduk_staff_book(officer_capil, pemdes_a, desa_a, staffed):
    for actor in (officer_capil, pemdes_a):
        with pytest.raises(services.RoutingError):
            book(actor, desa_a)


# --- "other" reasons and approval --------------------------------------------------------------


def test_other_reason_needs_a_justification(officer, desa_a, staffed):
    with pytest.raises(services.RoutingError, match="penjelasan"):
        book(officer, desa_a, urgency="other")


def test_other_reason_waits_for_approval_without_taking_a_place(officer, kabid, desa_a, staffed):
    booking = book(officer, desa_a, urgency="other", justification="Syarat beasiswa, batas besok")
    assert booking.status == RecordingBooking.Status.PENDING_APPROVAL
    assert not RecordingDay.objects.filter(booked__gt=0).exists()
    assert not OutboxMessage.objects.exists()
    booking = services.recording_approve(actor=kabid, booking=booking, today=TODAY)
    assert booking.status == RecordingBooking.Status.BOOKED
    assert booking.decided_by == kabid
    assert RecordingDay.objects.get(date=DAY).booked == 1
    assert OutboxMessage.objects.filter(event="recording_booked").count() == 1


def test_cap_is_checked_at_approval_and_another_day_can_be_given(
    officer, kabid, desa_a, staffed, settings, nik_serials
):
    settings.URGENT_RECORDING_DAILY_CAP = 1
    pending = book(officer, desa_a, urgency="other", justification="Melamar kerja", nik=nik_serials())
    book(officer, desa_a, nik=nik_serials())  # takes the only place
    with pytest.raises(services.RecordingQuotaFull):
        services.recording_approve(actor=kabid, booking=pending, today=TODAY)
    pending.refresh_from_db()
    assert pending.status == RecordingBooking.Status.PENDING_APPROVAL
    other_day = date(2026, 11, 5)
    staff_day(other_day)
    approved = services.recording_approve(actor=kabid, booking=pending, day=other_day, today=TODAY)
    assert (approved.status, approved.date) == (RecordingBooking.Status.BOOKED, other_day)
    assert RecordingDay.objects.get(date=other_day).booked == 1


def test_petugas_and_capil_kabid_cannot_approve(officer, kabid_capil, desa_a, staffed):
    booking = book(officer, desa_a, urgency="other", justification="Alasan")
    for actor in (officer, kabid_capil):
        with pytest.raises(services.RoutingError):
            services.recording_approve(actor=actor, booking=booking, today=TODAY)


def test_decline_tells_the_citizen_why(officer, kabid, desa_a, staffed):
    booking = book(officer, desa_a, urgency="other", justification="Ingin cepat")
    with pytest.raises(services.RoutingError, match="wajib"):
        services.recording_decline(actor=kabid, booking=booking, reason=" ")
    services.recording_decline(actor=kabid, booking=booking, reason="Bukan keperluan mendesak")
    booking.refresh_from_db()
    assert booking.status == RecordingBooking.Status.DECLINED
    message = OutboxMessage.objects.get(event="recording_declined")
    assert "Bukan keperluan mendesak" in message.body


def test_cancel_frees_the_place_and_tells_the_citizen(officer, desa_a, staffed, settings, nik_serials):
    settings.URGENT_RECORDING_DAILY_CAP = 1
    booking = book(officer, desa_a, nik=nik_serials())
    services.recording_cancel(actor=officer, booking=booking, reason="Warga sudah sembuh")
    assert RecordingDay.objects.get(date=DAY).booked == 0
    assert OutboxMessage.objects.filter(event="recording_declined").count() == 1
    book(officer, desa_a, nik=nik_serials())  # the place is free again
    with pytest.raises(services.RoutingError):
        services.recording_cancel(actor=officer, booking=booking, reason="lagi")


def test_attend_marks_booked_only(officer, desa_a, staffed):
    booking = book(officer, desa_a)
    services.recording_attend(actor=officer, booking=booking)
    booking.refresh_from_db()
    assert booking.status == RecordingBooking.Status.ATTENDED
    with pytest.raises(services.RoutingError):
        services.recording_attend(actor=officer, booking=booking)


# --- pages -------------------------------------------------------------------------------------


def _future_working_day(offset=7):
    today = timezone.localdate()
    return working_days(today + timedelta(days=offset), today + timedelta(days=offset + 20))[0]


@pytest.fixture
def live_day(db):
    day = _future_working_day()
    staff_day(day)
    return day


@pytest.fixture
def pending_booking(officer, live_day, desa_a):
    return f.RecordingBookingFactory(
        date=live_day,
        status=RecordingBooking.Status.PENDING_APPROVAL,
        urgency="other",
        justification="Syarat kerja",
        created_by=officer,
        desa=desa_a,
    )


PAGES = ["recording_list", "recording_create", "recording_desk"]


@pytest.mark.django_db
@pytest.mark.parametrize("name", PAGES)
def test_pages_send_anonymous_to_login(client, name):
    response = client.get(reverse(f"routing:{name}"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


@pytest.mark.parametrize("role", ["officer_capil", "kabid_capil", "pemdes_a"])
@pytest.mark.parametrize("name", PAGES)
def test_pages_refuse_other_bidang_and_pemdes(client, request, role, name):
    client.force_login(request.getfixturevalue(role))
    assert client.get(reverse(f"routing:{name}")).status_code == 403


@pytest.mark.parametrize("role", ["officer", "kabid", "admin_user"])
@pytest.mark.parametrize("name", PAGES)
def test_pages_open_for_dafduk_staff_and_admin(client, request, role, name):
    client.force_login(request.getfixturevalue(role))
    assert client.get(reverse(f"routing:{name}")).status_code == 200


@pytest.mark.parametrize("role", ["officer_capil", "kabid_capil", "pemdes_a"])
def test_booking_of_dafduk_is_404_for_others(client, request, role, pending_booking):
    client.force_login(request.getfixturevalue(role))
    for name in ("recording_detail",):
        assert client.get(reverse(f"routing:{name}", args=[pending_booking.pk])).status_code == 404
    for name in ("recording_approve", "recording_decline", "recording_cancel", "recording_attend"):
        assert (
            client.post(reverse(f"routing:{name}", args=[pending_booking.pk]), {"reason": "x"}).status_code
            == 404
        )
    pending_booking.refresh_from_db()
    assert pending_booking.status == RecordingBooking.Status.PENDING_APPROVAL


def test_petugas_cannot_approve_through_the_page(client, officer, pending_booking):
    client.force_login(officer)
    url = reverse("routing:recording_approve", args=[pending_booking.pk])
    assert client.post(url, {"day": pending_booking.date.isoformat()}).status_code == 403
    pending_booking.refresh_from_db()
    assert pending_booking.status == RecordingBooking.Status.PENDING_APPROVAL


def test_kabid_approves_through_the_page(client, kabid, pending_booking):
    client.force_login(kabid)
    detail = client.get(reverse("routing:recording_detail", args=[pending_booking.pk])).content.decode()
    assert "Setujui dan kabari warga" in detail
    response = client.post(
        reverse("routing:recording_approve", args=[pending_booking.pk]),
        {"day": pending_booking.date.isoformat()},
    )
    assert response.status_code == 302
    pending_booking.refresh_from_db()
    assert pending_booking.status == RecordingBooking.Status.BOOKED


def test_booking_through_the_page_and_full_day_explained(client, officer, live_day, desa_a, settings):
    settings.URGENT_RECORDING_DAILY_CAP = 1
    client.force_login(officer)
    data = {
        "day": live_day.isoformat(),
        "name": "Budi Santoso",
        "nik": f.make_nik(serial=11),
        "whatsapp": "0812-9999-0000",
        "desa": desa_a.pk,
        "urgency": "hospital",
    }
    response = client.post(reverse("routing:recording_create"), data)
    assert response.status_code == 302
    booking = RecordingBooking.objects.get()
    assert (booking.whatsapp, booking.status) == ("+6281299990000", "booked")
    next_day = working_days(live_day + timedelta(days=1), live_day + timedelta(days=10))[0]
    staff_day(next_day)
    response = client.post(reverse("routing:recording_create"), data | {"nik": f.make_nik(serial=12)})
    html = response.content.decode()
    assert response.status_code == 200
    assert "sudah penuh" in html
    assert "Tanggal yang masih ada tempat" in html  # the next staffed day with room is offered
    assert RecordingBooking.objects.count() == 1


def test_bad_nik_in_the_form_is_explained(client, officer, live_day, desa_a):
    client.force_login(officer)
    data = {
        "day": live_day.isoformat(),
        "name": "X",
        "nik": "123",
        "whatsapp": "0812-9999-0000",
        "desa": desa_a.pk,
        "urgency": "bpjs",
    }
    html = client.post(reverse("routing:recording_create"), data).content.decode()
    assert "NIK harus 16 digit" in html
    assert not RecordingBooking.objects.exists()


def test_desk_list_masks_nik_and_keeps_a_constant_query_count(
    client, officer, live_day, desa_a, django_assert_num_queries
):
    nik = f.make_nik(serial=4321)
    f.RecordingBookingFactory(date=live_day, nik=nik, desa=desa_a, created_by=officer)
    client.force_login(officer)
    url = reverse("routing:recording_desk") + f"?tanggal={live_day.isoformat()}"
    html = client.get(url).content.decode()
    assert nik not in html
    assert nik[:6] + "******" + nik[12:] in html
    # session, user, bookings with desa and kecamatan, then the day's quota: recording days,
    # pending counts, closed days, staffed days;
    # then the session save of every request (SAVEPOINT, UPDATE, RELEASE: the idle timeout)
    with django_assert_num_queries(10):
        client.get(url)
    for i in range(10):
        f.RecordingBookingFactory(
            date=live_day, desa=desa_a, created_by=officer, nik=f.make_nik(serial=i + 1)
        )
    with django_assert_num_queries(10):
        client.get(url)


def test_recording_list_query_count_is_constant(
    client, kabid, live_day, desa_a, officer, django_assert_num_queries
):
    f.RecordingBookingFactory(date=live_day, desa=desa_a, created_by=officer)
    client.force_login(kabid)
    url = reverse("routing:recording_list")
    # session, user, the session's 2FA device (kabid), calendar (closed days, recording days, pending counts, staffed days),
    # bookings count + page, pending list;
    # then the session save of every request (SAVEPOINT, UPDATE, RELEASE: the idle timeout)
    with django_assert_num_queries(13):
        client.get(url)
    for i in range(10):
        f.RecordingBookingFactory(
            date=live_day, desa=desa_a, created_by=officer, nik=f.make_nik(serial=i + 1)
        )
        f.RecordingBookingFactory(
            date=live_day,
            desa=desa_a,
            created_by=officer,
            status="pending",
            urgency="other",
            justification="x",
        )
    with django_assert_num_queries(13):
        client.get(url)


def test_shift_assignment_factory_is_dafduk_office(staffed):
    # guards the helper the tests above rely on
    assert ShiftAssignment.objects.filter(date=DAY, place="office", rota__status="published").exists()


# --- the cap under concurrency (PostgreSQL, real threads) --------------------------------------

SIMULTANEOUS = 200


def _naive_book(*, actor, day, name, nik, whatsapp, desa, urgency, justification="", today=None):
    """The bug the conditional UPDATE prevents: count the day's bookings, then insert.

    Kept here to prove the concurrency test can fail: between the count and the insert other
    transactions insert too, and all of them see room.
    """
    from django.conf import settings
    from django.db import transaction

    with transaction.atomic():
        taken = RecordingBooking.objects.filter(date=day, status=RecordingBooking.Status.BOOKED).count()
        if taken >= settings.URGENT_RECORDING_DAILY_CAP:
            raise services.RecordingQuotaFull("Kuota perekaman sudah penuh.")
        return RecordingBooking.objects.create(
            date=day,
            name=name,
            nik=nik,
            whatsapp=whatsapp,
            desa=desa,
            urgency=urgency,
            justification=justification,
            status=RecordingBooking.Status.BOOKED,
            created_by=actor,
        )


def _simultaneous_bookings(book_fn, actor, desa):
    from tests.routing.concurrency import run_concurrently

    def work(i):
        return book_fn(
            actor=actor,
            day=DAY,
            name=f"Warga {i}",
            nik=f.make_nik(serial=i + 1),
            whatsapp="+6281234567891",
            desa=desa,
            urgency="bpjs",
            today=TODAY,
        )

    results = run_concurrently(work, SIMULTANEOUS)
    accepted = [r for r in results if isinstance(r, RecordingBooking)]
    refused = [r for r in results if isinstance(r, services.RecordingQuotaFull)]
    others = [r for r in results if not isinstance(r, RecordingBooking | services.RecordingQuotaFull)]
    return accepted, refused, others


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_hundred_simultaneous_bookings_accept_exactly_the_cap(officer, desa_a, settings):
    settings.URGENT_RECORDING_DAILY_CAP = 20
    staff_day(DAY)
    accepted, refused, others = _simultaneous_bookings(services.recording_book, officer, desa_a)
    assert not others, others[:3]
    assert len(accepted) == 20
    assert len(refused) == 180
    assert all("sudah penuh (20 orang)" in str(r) for r in refused)
    assert RecordingBooking.objects.filter(date=DAY, status="booked").count() == 20
    assert RecordingDay.objects.get(date=DAY).booked == 20
    assert OutboxMessage.objects.filter(event="recording_booked").count() == 20


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_harness_catches_a_naive_check_then_insert(officer, desa_a, settings):
    settings.URGENT_RECORDING_DAILY_CAP = 20
    staff_day(DAY)
    accepted, _refused, others = _simultaneous_bookings(_naive_book, officer, desa_a)
    assert not others, others[:3]
    print(f"naive check-then-insert accepted {len(accepted)} of {SIMULTANEOUS} with a cap of 20")
    assert len(accepted) > 20, "the naive version held the cap: the harness would not catch the race"
    assert RecordingBooking.objects.filter(date=DAY).count() == len(accepted)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_bookings_of_one_nik_keep_one_and_explain_the_rest(officer, desa_a, settings):
    """Two desks booking the same citizen at once: the pre-check passes for all of them, the
    partial unique index keeps one, the others get the Indonesian message and free their place."""
    settings.URGENT_RECORDING_DAILY_CAP = 20
    staff_day(DAY)
    nik = f.make_nik(serial=4242)
    from tests.routing.concurrency import run_concurrently

    results = run_concurrently(lambda i: book(officer, desa_a, nik=nik, name=f"Warga {i}"), 16, threads=16)

    accepted = [r for r in results if isinstance(r, RecordingBooking)]
    refused = [r for r in results if isinstance(r, services.RoutingError)]
    assert len(accepted) == 1 and len(refused) == 15, [r for r in results if r not in accepted][:3]
    assert all("sudah memiliki jadwal perekaman" in str(r) for r in refused)
    assert RecordingBooking.objects.filter(nik=nik).count() == 1
    assert RecordingDay.objects.get(date=DAY).booked == 1
    assert OutboxMessage.objects.filter(event="recording_booked").count() == 1
