"""Assignment of a new application: the number's officer, else the least-loaded available colleague."""

from datetime import date

import pytest

from applications.models import Application
from applications.services import ApplicationData, application_create
from routing.assignment import assignment_choose_officer, assignment_day
from routing.models import Rota, ShiftAssignment
from tests import factories as f

MONDAY = date(2026, 11, 2)
SATURDAY = date(2026, 11, 7)
NEXT_MONDAY = date(2026, 11, 9)


@pytest.fixture
def team(db):
    """Three dafduk officers (created in id order) and one capil officer."""
    return {
        "andi": f.OfficerFactory(username="andi", bidang="dafduk"),
        "budi": f.OfficerFactory(username="budi", bidang="dafduk"),
        "citra": f.OfficerFactory(username="citra", bidang="dafduk"),
        "dewi": f.OfficerFactory(username="dewi", bidang="capil"),
    }


def _load(officer, n, doc_type, status=Application.Status.RECEIVED):
    for _ in range(n):
        f.ApplicationFactory(assigned_to=officer, document_type=doc_type, status=status)


def choose(number=None, today=MONDAY, bidang="dafduk"):
    return assignment_choose_officer(bidang=bidang, received_on=number, today=today)


def test_application_goes_to_the_number_officer(team, doc_type):
    _load(team["budi"], 5, doc_type)  # busier than the others, still under the cap
    number = f.OfficerNumberFactory(officer=team["budi"])
    assert choose(number) == team["budi"]


def test_officer_working_from_home_keeps_their_applications(team, doc_type):
    rota = f.RotaFactory(bidang="dafduk", status=Rota.Status.PUBLISHED, start=MONDAY, end=MONDAY)
    f.ShiftAssignmentFactory(rota=rota, officer=team["budi"], date=MONDAY, place=ShiftAssignment.Place.HOME)
    number = f.OfficerNumberFactory(officer=team["budi"])
    assert choose(number) == team["budi"]


def test_inactive_number_still_reaches_its_officer(team):
    number = f.OfficerNumberFactory(officer=team["budi"], is_active=False)
    assert choose(number) == team["budi"]


def test_deactivated_officer_falls_back_to_least_loaded(team, doc_type):
    _load(team["andi"], 2, doc_type)
    _load(team["citra"], 1, doc_type)
    team["budi"].is_active = False
    team["budi"].save()
    number = f.OfficerNumberFactory(officer=team["budi"])
    assert choose(number) == team["citra"]


def test_officer_on_leave_falls_back_and_is_not_chosen_as_least_loaded(team, doc_type):
    _load(team["andi"], 3, doc_type)
    _load(team["citra"], 2, doc_type)
    f.LeaveFactory(officer=team["budi"], start=MONDAY, end=MONDAY)  # budi has 0 open but is away
    number = f.OfficerNumberFactory(officer=team["budi"])
    assert choose(number) == team["citra"]
    assert choose(None) == team["citra"]


def test_weekend_intake_is_judged_by_the_next_working_day(team, doc_type):
    number = f.OfficerNumberFactory(officer=team["budi"])
    assert assignment_day(SATURDAY) == NEXT_MONDAY
    f.LeaveFactory(officer=team["budi"], start=NEXT_MONDAY, end=NEXT_MONDAY)
    assert choose(number, today=SATURDAY) == team["andi"]
    # leave on the Saturday itself does not matter: nobody works then
    other = f.OfficerNumberFactory(officer=team["citra"])
    f.LeaveFactory(officer=team["citra"], start=SATURDAY, end=SATURDAY)
    assert choose(other, today=SATURDAY) == team["citra"]


def test_office_closed_day_moves_the_judgement_day(team):
    f.ClosedDayFactory(date=MONDAY, reason="Cuti bersama")
    assert assignment_day(MONDAY) == date(2026, 11, 3)


def test_officer_at_the_cap_falls_back(team, doc_type, settings):
    settings.ASSIGNMENT_OPEN_CAP = 3
    _load(team["budi"], 3, doc_type)
    _load(team["andi"], 2, doc_type)
    _load(team["citra"], 2, doc_type)
    number = f.OfficerNumberFactory(officer=team["budi"])
    assert choose(number) == team["andi"]  # tie 2-2: lowest id


def test_closed_applications_do_not_count_towards_the_load(team, doc_type, settings):
    settings.ASSIGNMENT_OPEN_CAP = 3
    _load(team["budi"], 5, doc_type, status=Application.Status.HANDED_OVER)
    _load(team["budi"], 2, doc_type, status=Application.Status.REJECTED)
    _load(team["budi"], 2, doc_type)
    number = f.OfficerNumberFactory(officer=team["budi"])
    assert choose(number) == team["budi"]


def test_when_everyone_is_at_the_cap_the_least_loaded_still_gets_it(team, doc_type, settings):
    settings.ASSIGNMENT_OPEN_CAP = 1
    _load(team["andi"], 3, doc_type)
    _load(team["budi"], 2, doc_type)
    _load(team["citra"], 2, doc_type)
    assert choose(None) == team["budi"]


def test_number_of_the_other_bidang_does_not_pull_work_across(team, doc_type):
    number = f.OfficerNumberFactory(officer=team["dewi"])  # a capil number
    assert choose(number, bidang="dafduk") == team["andi"]


def test_nobody_available_leaves_it_unassigned(team):
    for name in ("andi", "budi", "citra"):
        f.LeaveFactory(officer=team[name], start=MONDAY, end=MONDAY)
    assert choose(None) is None


def test_kepala_bidang_is_not_given_applications(db, kabid):
    assert choose(None) is None


def test_tie_break_is_lowest_id_and_round_robin_follows(team, doc_type):
    picks = []
    for _ in range(6):
        officer = choose(None)
        picks.append(officer.username)
        f.ApplicationFactory(assigned_to=officer, document_type=doc_type)
    assert picks == ["andi", "budi", "citra", "andi", "budi", "citra"]


def test_query_count_does_not_grow_with_officers_or_applications(team, doc_type, django_assert_num_queries):
    number = f.OfficerNumberFactory(officer=team["budi"])
    number = type(number).objects.select_related("officer").get(pk=number.pk)
    # closed days, pool ids, lock (FOR UPDATE), loads + leave (one aggregate)
    with django_assert_num_queries(4):
        choose(number)
    for i in range(10):
        f.OfficerFactory(username=f"extra{i}", bidang="dafduk")
    _load(team["andi"], 20, doc_type)
    with django_assert_num_queries(4):
        choose(number)


def test_application_create_uses_the_assignment(team, doc_type, desa_a):
    _load(team["andi"], 1, doc_type)
    data = ApplicationData(
        applicant_name="Siti",
        nik=f.make_nik(),
        no_kk=f.make_no_kk(),
        whatsapp="+6281234567890",
        desa_id=desa_a.pk,
        document_type=doc_type,
    )
    number = f.OfficerNumberFactory(officer=team["andi"])
    first = application_create(actor=team["andi"], data=data, received_on=number)
    assert first.assigned_to == team["andi"]
    f.LeaveFactory(officer=team["andi"], start=date(2020, 1, 1), end=date(2099, 12, 31))
    second = application_create(actor=team["andi"], data=data, received_on=number)
    assert second.assigned_to == team["budi"]
