"""Rota pages and services: generate, edit, swap, publish, print; my schedule, iCal feed, reminders."""

import re
from collections import Counter, defaultdict
from datetime import date, timedelta

import pytest
from django.urls import reverse
from icalendar import Calendar

from notifications.models import OutboxMessage
from routing import services
from routing.models import Rota, ShiftAssignment
from routing.rota import working_days
from routing.tasks_staff import shift_reminders_send
from tests import factories as f

DEC_START, DEC_END = date(2026, 12, 1), date(2026, 12, 31)
NOV_START, NOV_END = date(2026, 11, 1), date(2026, 11, 30)


@pytest.fixture
def team(db):
    return [f.OfficerFactory(username=f"dk{i}", first_name=f"Dafduk{i}", bidang="dafduk") for i in range(6)]


def generate(kabid, *, start=DEC_START, end=DEC_END, max_in_office=3, min_per_bidang=2, max_share=None):
    return services.rota_generate(
        actor=kabid,
        bidang="dafduk",
        start=start,
        end=end,
        max_in_office=max_in_office,
        max_share=max_share,
        min_per_bidang=min_per_bidang,
    ).rota


def office_map(rota):
    office = defaultdict(set)
    for officer_id, day in rota.assignments.filter(place="office").values_list("officer_id", "date"):
        office[day].add(officer_id)
    return office


# --- generation --------------------------------------------------------------------------------


def test_generated_month_follows_every_rule(kabid, team):
    f.LeaveFactory(officer=team[0], start=date(2026, 12, 7), end=date(2026, 12, 11))
    f.ClosedDayFactory(date=date(2026, 12, 24), reason="Cuti bersama")
    rota = generate(kabid)
    assert rota.status == Rota.Status.DRAFT
    days = working_days(DEC_START, DEC_END, {date(2026, 12, 24)})
    assert date(2026, 12, 25) not in days  # Christmas
    rows = list(rota.assignments.all())
    assert {r.date for r in rows} == set(days)  # no weekends, holidays or closed days
    assert all(r.date.weekday() < 5 for r in rows)
    # each working day every officer not on leave has exactly one place
    per_day = Counter(r.date for r in rows)
    leave_days = {date(2026, 12, d) for d in range(7, 12)}
    for day in days:
        assert per_day[day] == (5 if day in leave_days else 6)
    assert not [r for r in rows if r.officer_id == team[0].pk and r.date in leave_days]
    office = office_map(rota)
    for day in days:
        assert 2 <= len(office[day]) <= 3
    # fair: office days within one of each other's share (equal availability -> differ by at most 1)
    counts = Counter(r.officer_id for r in rows if r.place == "office")
    full = [counts[o.pk] for o in team[1:]]
    assert max(full) - min(full) <= 1


def test_generation_is_fast_enough_for_a_page(kabid, db):
    """200 officers, a month: generated and stored well under a second (SQLite, this machine)."""
    import time

    for i in range(200):
        f.OfficerFactory(username=f"big{i}", bidang="dafduk")
    started = time.perf_counter()
    rota = generate(kabid, max_in_office=100, min_per_bidang=20)
    elapsed = time.perf_counter() - started
    assert rota.assignments.count() == 200 * len(working_days(DEC_START, DEC_END))
    assert elapsed < 1.0, elapsed


def test_groups_stay_stable_from_one_month_to_the_next(kabid, team):
    november = generate(kabid, start=NOV_START, end=NOV_END)
    december = generate(kabid)

    def cohorts(rota):
        office = office_map(rota)
        return {frozenset(ids) for ids in office.values()}

    # the same people come together in both months
    assert cohorts(november) == cohorts(december)


def test_generation_refuses_overlap_with_a_published_rota(kabid, team):
    rota = generate(kabid)
    services.rota_publish(actor=kabid, rota=rota)
    with pytest.raises(services.RoutingError, match="Sudah ada jadwal terbit"):
        generate(kabid, start=date(2026, 12, 14), end=date(2027, 1, 8))


def test_generation_needs_officers_and_a_manager(kabid, officer, kabid_capil, db):
    with pytest.raises(services.RoutingError):
        services.rota_generate(actor=officer, bidang="dafduk", start=DEC_START, end=DEC_END, max_in_office=2)
    with pytest.raises(services.RoutingError):
        services.rota_generate(
            actor=kabid_capil, bidang="dafduk", start=DEC_START, end=DEC_END, max_in_office=2
        )
    with pytest.raises(services.RoutingError, match="Belum ada petugas"):
        services.rota_generate(
            actor=kabid_capil, bidang="capil", start=DEC_START, end=DEC_END, max_in_office=2
        )


# --- edits, swaps, publication -----------------------------------------------------------------


def _home_and_office(rota, day):
    office = rota.assignments.filter(date=day, place="office").order_by("officer_id").first()
    home = rota.assignments.filter(date=day, place="home").order_by("officer_id").first()
    return office, home


def test_edit_that_breaks_the_cap_is_refused_and_nothing_changes(kabid, team):
    rota = generate(kabid)
    day = date(2026, 12, 2)
    while len(office_map(rota)[day]) < 3:  # find a day at the cap
        day += timedelta(days=1)
    _office, home = _home_and_office(rota, day)
    before = list(rota.assignments.values_list("officer_id", "date", "place").order_by("id"))
    with pytest.raises(services.RotaInvalid) as err:
        services.rota_update_day(actor=kabid, rota=rota, officer_id=home.officer_id, day=day, place="office")
    assert any("melebihi batas 3 orang" in m for m in err.value.messages)
    assert any("Dafduk" in m for m in err.value.messages)  # names, not "#12"
    assert list(rota.assignments.values_list("officer_id", "date", "place").order_by("id")) == before
    rota.refresh_from_db()
    assert rota.version == 1


def test_edit_that_breaks_the_minimum_is_refused(kabid, team):
    rota = generate(kabid, min_per_bidang=3)  # two groups of three: every day exactly at the minimum
    day = date(2026, 12, 2)
    office, _home = _home_and_office(rota, day)
    with pytest.raises(services.RotaInvalid) as err:
        services.rota_update_day(actor=kabid, rota=rota, officer_id=office.officer_id, day=day, place="home")
    assert any("minimal 3" in m for m in err.value.messages)
    office.refresh_from_db()
    assert office.place == "office"


def test_swap_between_two_officers_is_saved(kabid, team):
    rota = generate(kabid)
    office = office_map(rota)
    days = sorted(office)
    a = next(iter(office[days[0]] - office[days[1]]))
    b = next(iter(office[days[1]] - office[days[0]]))
    services.rota_swap(actor=kabid, rota=rota, officer_a=a, day_a=days[0], officer_b=b, day_b=days[1])
    after = office_map(rota)
    assert b in after[days[0]] and a not in after[days[0]]
    assert a in after[days[1]] and b not in after[days[1]]
    rota.refresh_from_db()
    assert rota.version == 2


def test_swap_with_wrong_days_is_refused(kabid, team):
    rota = generate(kabid)
    office = office_map(rota)
    days = sorted(office)
    a = next(iter(office[days[0]]))
    b = next(iter(office[days[0]] - {a}))
    with pytest.raises(services.RoutingError):
        services.rota_swap(actor=kabid, rota=rota, officer_a=a, day_a=days[0], officer_b=b, day_b=days[0])


def test_move_keeps_the_count_and_checks_the_daily_rules(kabid, team):
    rota = generate(kabid, max_in_office=4)  # three a day, room for one more
    office = office_map(rota)
    days = sorted(office)
    mover = next(iter(office[days[0]] - office[days[1]]))
    services.rota_move(actor=kabid, rota=rota, officer_id=mover, from_day=days[0], to_day=days[1])
    after = office_map(rota)
    assert mover in after[days[1]] and mover not in after[days[0]]
    assert sum(mover in ids for ids in after.values()) == sum(mover in ids for ids in office.values())
    # moving a second one off the same day would leave one person: below the minimum of 2
    second = next(iter(after[days[0]] - after[days[3]]))
    with pytest.raises(services.RotaInvalid) as err:
        services.rota_move(actor=kabid, rota=rota, officer_id=second, from_day=days[0], to_day=days[3])
    assert any("minimal 2" in m for m in err.value.messages)
    with pytest.raises(services.RoutingError, match="tidak dijadwalkan di kantor"):
        services.rota_move(actor=kabid, rota=rota, officer_id=second, from_day=days[3], to_day=days[2])


def test_move_through_htmx(client, kabid, team):
    rota = generate(kabid, max_in_office=4)
    office = office_map(rota)
    days = sorted(office)
    mover = next(iter(office[days[0]] - office[days[1]]))
    client.force_login(kabid)
    response = client.post(
        reverse("routing:rota_move", args=[rota.pk]),
        {"officer": mover, "from_day": days[0].isoformat(), "to_day": days[1].isoformat()},
        HTTP_HX_REQUEST="true",
    )
    assert "Perubahan disimpan" in response.content.decode()
    assert rota.assignments.get(officer_id=mover, date=days[1]).place == "office"


def test_publish_refuses_violations_and_later_edit_can_fix_them(kabid, team):
    rota = generate(kabid)
    office = office_map(rota)
    day = sorted(office)[3]
    absent = sorted(office[day])[0]
    # leave entered after the rota was made: the rota now breaks "nobody on leave is scheduled"
    f.LeaveFactory(officer_id=absent, start=day, end=day)
    with pytest.raises(services.RotaInvalid) as err:
        services.rota_publish(actor=kabid, rota=rota)
    assert any("cuti" in m for m in err.value.messages)
    rota.refresh_from_db()
    assert rota.status == Rota.Status.DRAFT
    # an unrelated edit is not blocked by the old violation
    services.rota_update_day(actor=kabid, rota=rota, officer_id=absent, day=day, place="home")
    # then a colleague at home comes instead so the minimum still holds
    home = rota.assignments.filter(date=day, place="home").exclude(officer_id=absent).first()
    if len(office_map(rota)[day]) < 2:
        services.rota_update_day(actor=kabid, rota=rota, officer_id=home.officer_id, day=day, place="office")
    published = services.rota_publish(actor=kabid, rota=rota)
    assert published.status == Rota.Status.PUBLISHED and published.published_at


def test_published_rota_cannot_be_deleted_but_a_draft_can(kabid, team):
    rota = generate(kabid)
    draft = generate(kabid, start=NOV_START, end=NOV_END)
    services.rota_publish(actor=kabid, rota=rota)
    with pytest.raises(services.RoutingError):
        services.rota_delete(actor=kabid, rota=rota)
    services.rota_delete(actor=kabid, rota=draft)
    assert not Rota.objects.filter(pk=draft.pk).exists()


# --- pages and access --------------------------------------------------------------------------


@pytest.fixture
def rota(kabid, team):
    return generate(kabid)


MANAGER_PAGES = ["rota_list", "rota_generate"]
ROTA_PAGES = ["rota_detail", "rota_print"]
ROTA_POSTS = ["rota_day", "rota_swap", "rota_move", "rota_publish", "rota_delete"]


@pytest.mark.django_db
def test_anonymous_goes_to_login(client, rota):
    urls = [reverse(f"routing:{n}") for n in MANAGER_PAGES + ["my_schedule"]]
    urls += [reverse(f"routing:{n}", args=[rota.pk]) for n in ROTA_PAGES]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login")), url
    for name in ROTA_POSTS:
        response = client.post(reverse(f"routing:{name}", args=[rota.pk]))
        assert response.status_code == 302 and response.url.startswith(reverse("login"))


@pytest.mark.parametrize("role", ["officer", "pemdes_a"])
def test_wrong_role_gets_403(client, request, role, rota):
    client.force_login(request.getfixturevalue(role))
    for name in MANAGER_PAGES:
        assert client.get(reverse(f"routing:{name}")).status_code == 403
    for name in ROTA_PAGES:
        assert client.get(reverse(f"routing:{name}", args=[rota.pk])).status_code == 403
    for name in ROTA_POSTS:
        assert client.post(reverse(f"routing:{name}", args=[rota.pk])).status_code == 403


@pytest.mark.parametrize("role", ["pemdes_a", "admin_user"])
def test_my_schedule_is_for_officers(client, request, role):
    client.force_login(request.getfixturevalue(role))
    assert client.get(reverse("routing:my_schedule")).status_code == 403


def test_other_bidang_kabid_gets_404_and_nothing_changes(client, kabid_capil, rota):
    client.force_login(kabid_capil)
    for name in ROTA_PAGES:
        assert client.get(reverse(f"routing:{name}", args=[rota.pk])).status_code == 404
    for name in ROTA_POSTS:
        assert client.post(reverse(f"routing:{name}", args=[rota.pk])).status_code == 404
    rota.refresh_from_db()
    assert (rota.status, rota.version) == (Rota.Status.DRAFT, 1)
    assert (
        reverse("routing:rota_detail", args=[rota.pk])
        not in client.get(reverse("routing:rota_list")).content.decode()
    )


def test_generate_through_the_page(client, kabid, team):
    client.force_login(kabid)
    assert client.get(reverse("routing:rota_generate")).status_code == 200
    response = client.post(
        reverse("routing:rota_generate"),
        {
            "bidang": "dafduk",
            "period": "week",
            "week_of": "2026-12-09",
            "max_in_office": "3",
            "min_per_bidang": "2",
        },
    )
    rota = Rota.objects.get()
    assert response.status_code == 302 and response.url == reverse("routing:rota_detail", args=[rota.pk])
    assert (rota.start, rota.end) == (date(2026, 12, 7), date(2026, 12, 11))


def test_generate_page_explains_bad_input_and_creates_nothing(client, kabid, team):
    client.force_login(kabid)
    response = client.post(
        reverse("routing:rota_generate"),
        {"bidang": "dafduk", "period": "month", "month": "", "min_per_bidang": "1"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Pilih bulan" in html and "Isi batas maksimal" in html
    assert not Rota.objects.exists()


def test_kabid_cannot_generate_for_the_other_bidang_through_the_page(client, kabid, team):
    client.force_login(kabid)
    response = client.post(
        reverse("routing:rota_generate"),
        {
            "bidang": "capil",
            "period": "month",
            "month": "2026-12",
            "max_in_office": "3",
            "min_per_bidang": "1",
        },
    )
    assert response.status_code == 200  # "capil" is not a choice for a dafduk kabid
    assert not Rota.objects.exists()


def test_cell_edit_through_htmx_returns_the_editor_with_the_violation(client, kabid, rota):
    client.force_login(kabid)
    day = date(2026, 12, 2)
    while len(office_map(rota)[day]) < 3:
        day += timedelta(days=1)
    _office, home = _home_and_office(rota, day)
    response = client.post(
        reverse("routing:rota_day", args=[rota.pk]),
        {"cell": f"{home.officer_id}:{day.isoformat()}:office"},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="rota-editor"' in html and "<html" not in html
    assert "melebihi batas 3 orang" in html
    home.refresh_from_db()
    assert home.place == "home"


def test_cell_edit_without_htmx_redirects_with_a_message(client, kabid, team):
    rota = generate(kabid, max_in_office=4)  # three a day, room for a fourth
    client.force_login(kabid)
    day = date(2026, 12, 2)
    _office, home = _home_and_office(rota, day)
    response = client.post(
        reverse("routing:rota_day", args=[rota.pk]),
        {"cell": f"{home.officer_id}:{day.isoformat()}:office"},
        follow=True,
    )
    assert "Perubahan disimpan" in response.content.decode()
    home.refresh_from_db()
    assert home.place == "office"


def test_garbage_cell_is_refused(client, kabid, rota):
    client.force_login(kabid)
    response = client.post(reverse("routing:rota_day", args=[rota.pk]), {"cell": "x"}, follow=True)
    assert "Sel jadwal tidak dikenali" in response.content.decode()


def test_publish_through_the_page(client, kabid, rota):
    client.force_login(kabid)
    response = client.post(reverse("routing:rota_publish", args=[rota.pk]), follow=True)
    assert "Jadwal diterbitkan" in response.content.decode()
    rota.refresh_from_db()
    assert rota.status == Rota.Status.PUBLISHED
    assert client.get(reverse("routing:rota_publish", args=[rota.pk])).status_code == 405


def test_rota_detail_query_count_is_constant(client, kabid, team, django_assert_num_queries):
    rota = generate(kabid, start=date(2026, 12, 7), end=date(2026, 12, 11))
    client.force_login(kabid)
    url = reverse("routing:rota_detail", args=[rota.pk])
    # session, user, the session's 2FA device (kabid), rota, shift rows with officers, leave, closed days;
    # then the session save of every request (SAVEPOINT, UPDATE, RELEASE: the idle timeout)
    with django_assert_num_queries(10):
        assert client.get(url).status_code == 200
    big = generate(kabid, start=DEC_START, end=DEC_END)
    for i in range(10):
        f.LeaveFactory(officer=team[i % 6], start=date(2026, 12, 14 + i), end=date(2026, 12, 14 + i))
    with django_assert_num_queries(10):
        assert client.get(reverse("routing:rota_detail", args=[big.pk])).status_code == 200


def test_rota_list_query_count_is_constant(client, kabid, team, django_assert_num_queries):
    generate(kabid, start=date(2026, 12, 7), end=date(2026, 12, 11))
    client.force_login(kabid)
    # session, user, the 2FA device (kabid), count for the paginator, rotas with creator and counts;
    # then the session save of every request (SAVEPOINT, UPDATE, RELEASE: the idle timeout)
    with django_assert_num_queries(8):
        client.get(reverse("routing:rota_list"))
    generate(kabid, start=NOV_START, end=NOV_END)
    generate(kabid, start=date(2027, 1, 1), end=date(2027, 1, 31))
    with django_assert_num_queries(8):
        client.get(reverse("routing:rota_list"))


def test_print_lists_office_names_per_day(client, kabid, rota, team):
    client.force_login(kabid)
    html = client.get(reverse("routing:rota_print", args=[rota.pk])).content.decode()
    assert "Jadwal Masuk Kantor Bergantian" in html
    assert "DRAF" in html
    first_day = min(office_map(rota))
    names = [o.first_name for o in team if o.pk in office_map(rota)[first_day]]
    assert all(name in html for name in names)


# --- my schedule and the iCal feed -------------------------------------------------------------


def test_my_schedule_shows_only_published_office_days(client, kabid, team):
    me = team[1]
    draft = generate(kabid, start=NOV_START, end=NOV_END)
    published = generate(kabid)
    services.rota_publish(actor=kabid, rota=published)
    client.force_login(me)
    in_month_office = re.compile(r'class="state-office( is-today)?"')  # days of other months are "out-month"
    dec = client.get(reverse("routing:my_schedule") + "?bulan=2026-12").content.decode()
    office_days = published.assignments.filter(officer=me, place="office").count()
    assert len(in_month_office.findall(dec)) == office_days
    nov = client.get(reverse("routing:my_schedule") + "?bulan=2026-11").content.decode()
    assert draft.assignments.filter(officer=me, place="office").exists()
    assert not in_month_office.findall(nov)


def test_my_schedule_query_count(client, kabid, team, django_assert_num_queries):
    published = generate(kabid)
    services.rota_publish(actor=kabid, rota=published)
    client.force_login(team[2])
    # session, user, month's shifts, leave, closed days, upcoming shifts;
    # then the session save of every request (SAVEPOINT, UPDATE, RELEASE: the idle timeout)
    with django_assert_num_queries(9):
        client.get(reverse("routing:my_schedule") + "?bulan=2026-12")


def test_ical_feed_has_only_this_officers_published_office_days(client, kabid, team):
    me, other = team[1], team[2]
    draft = generate(kabid, start=NOV_START, end=NOV_END)
    published = generate(kabid)
    services.rota_publish(actor=kabid, rota=published)
    token = services.ical_token_reset(user=me)
    response = client.get(reverse("routing:ical", args=[token]))  # no login
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    feed = Calendar.from_ical(response.content)
    starts = sorted(e.decoded("dtstart") for e in feed.walk("VEVENT"))
    mine = sorted(published.assignments.filter(officer=me, place="office").values_list("date", flat=True))
    assert starts == mine
    theirs = set(published.assignments.filter(officer=other, place="office").values_list("date", flat=True))
    assert theirs - set(mine)  # the other officer's days are not in my feed
    assert not set(draft.assignments.values_list("date", flat=True)) & set(starts)


def test_ical_token_is_private_and_can_be_replaced(client, officer):
    assert client.get(reverse("routing:ical", args=["x" * 43])).status_code == 404
    assert client.get(reverse("routing:ical", args=["short"])).status_code == 404
    client.force_login(officer)
    client.post(reverse("routing:ical_token_reset"))
    officer.refresh_from_db()
    old = officer.ical_token
    assert len(old) >= 32
    client.logout()
    assert client.get(reverse("routing:ical", args=[old])).status_code == 200
    client.force_login(officer)
    client.post(reverse("routing:ical_token_reset"))
    client.logout()
    assert client.get(reverse("routing:ical", args=[old])).status_code == 404
    officer.is_active = False
    officer.refresh_from_db()
    officer.is_active = False
    officer.save()
    assert client.get(reverse("routing:ical", args=[officer.ical_token])).status_code == 404


def test_ical_token_reset_needs_post(client, officer):
    client.force_login(officer)
    assert client.get(reverse("routing:ical_token_reset")).status_code == 405
    officer.refresh_from_db()
    assert officer.ical_token == ""


# --- evening reminders -------------------------------------------------------------------------


def test_reminders_go_to_tomorrows_office_officers_once(kabid, team):
    published = generate(kabid)
    services.rota_publish(actor=kabid, rota=published)
    day = date(2026, 12, 2)
    in_office = sorted(office_map(published)[day])
    team_by_id = {o.pk: o for o in team}
    team_by_id[in_office[0]].phone = "+6281200000001"
    team_by_id[in_office[0]].save()
    f.OfficerNumberFactory(officer=team_by_id[in_office[1]], phone="+6281200000002")  # no personal phone
    on_leave = team_by_id[in_office[-1]] if len(in_office) > 2 else None
    if on_leave:
        on_leave.phone = "+6281200000003"
        on_leave.save()
        f.LeaveFactory(officer=on_leave, start=day, end=day)
    queued = shift_reminders_send(day.isoformat())
    messages = OutboxMessage.objects.filter(event="shift_reminder")
    assert queued == 2 == messages.count()
    assert {m.recipient for m in messages} == {"+6281200000001", "+6281200000002"}
    assert all("2 Desember 2026" in m.body for m in messages)
    # run twice: nothing new
    assert shift_reminders_send(day.isoformat()) == 0
    assert messages.count() == 2


def test_no_reminders_from_a_draft_or_for_home_days(kabid, team):
    draft = generate(kabid)
    for officer in team:
        officer.phone = f"+628120000{officer.pk:04d}"
        officer.save()
    assert shift_reminders_send("2026-12-02") == 0
    services.rota_publish(actor=kabid, rota=draft)
    assert shift_reminders_send("2026-12-02") == len(office_map(draft)[date(2026, 12, 2)])
    assert shift_reminders_send("2026-12-05") == 0  # Saturday
    home_only = {a.officer_id for a in ShiftAssignment.objects.filter(date=date(2026, 12, 2), place="home")}
    reminded = set(OutboxMessage.objects.values_list("officer_id", flat=True))
    assert not home_only & reminded
