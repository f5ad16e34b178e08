"""Workload per officer and reassignment of one or many applications."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from applications.models import Application, ApplicationEvent
from routing import selectors, services
from routing.models import Rota
from tests import factories as f

WORKLOAD = reverse("routing:workload")
REASSIGN = reverse("routing:reassign")
S = Application.Status


@pytest.fixture
def officers(db):
    return {
        "andi": f.OfficerFactory(username="andi", first_name="Andi", bidang="dafduk"),
        "budi": f.OfficerFactory(username="budi", first_name="Budi", bidang="dafduk"),
        "citra": f.OfficerFactory(username="citra", first_name="Citra", bidang="dafduk"),
    }


def app(officer, doc_type, **kwargs):
    return f.ApplicationFactory(assigned_to=officer, document_type=doc_type, **kwargs)


# --- workload ----------------------------------------------------------------------------------


def test_workload_counts_open_overdue_and_finished_this_week(kabid, officers, doc_type):
    now = timezone.now()
    andi = officers["andi"]
    app(andi, doc_type)  # open
    app(andi, doc_type, status=S.VERIFYING, due_at=now - timedelta(days=1))  # open and overdue
    app(andi, doc_type, status=S.READY, ready_at=now)  # finished this week and still open (ready)
    app(andi, doc_type, status=S.HANDED_OVER, ready_at=now - timedelta(days=30), closed_at=now)  # old work
    app(andi, doc_type, status=S.REJECTED, closed_at=now)  # finished (rejected) this week
    app(
        andi, doc_type, status=S.HANDED_OVER, due_at=now - timedelta(days=3), closed_at=now
    )  # closed: not overdue
    f.LeaveFactory(officer=officers["budi"], start=timezone.localdate(), end=timezone.localdate())
    rows = {o.username: o for o in selectors.workload_rows(kabid, now=now)}
    a = rows["andi"]
    assert (a.open_count, a.overdue_count, a.finished_week) == (3, 1, 2)
    assert rows["budi"].on_leave and not rows["andi"].on_leave
    assert (rows["citra"].open_count, rows["citra"].finished_week) == (0, 0)


def test_workload_shows_who_is_in_the_office_today(kabid, officers):
    today = timezone.localdate()
    rota = f.RotaFactory(bidang="dafduk", status=Rota.Status.PUBLISHED, start=today, end=today)
    f.ShiftAssignmentFactory(rota=rota, officer=officers["citra"], date=today, place="office")
    rows = {o.username: o for o in selectors.workload_rows(kabid)}
    assert rows["citra"].in_office and not rows["andi"].in_office


def test_workload_page_is_one_query_whatever_the_rows(
    client, kabid, officers, doc_type, django_assert_num_queries
):
    app(officers["andi"], doc_type)
    client.force_login(kabid)
    # session, user, the session's 2FA device (kabid), count for the paginator, the officers with
    # their counts (one aggregate);
    # then the session save of every request (SAVEPOINT, UPDATE, RELEASE: the idle timeout)
    with django_assert_num_queries(8):
        response = client.get(WORKLOAD)
    assert "Andi" in response.content.decode()
    for i in range(10):
        extra = f.OfficerFactory(username=f"x{i}", bidang="dafduk")
        app(extra, doc_type)
        app(extra, doc_type, status=S.READY, ready_at=timezone.now())
    with django_assert_num_queries(8):
        client.get(WORKLOAD)


def test_workload_of_kabid_shows_only_own_bidang(client, kabid, officers, officer_capil):
    client.force_login(kabid)
    html = client.get(WORKLOAD).content.decode()
    assert "Andi" in html and "Petugas Capil" not in html


# --- reassignment ------------------------------------------------------------------------------


def test_reassign_one_leaves_an_event_row(kabid, officers, doc_type):
    application = app(officers["andi"], doc_type)
    services.application_reassign(
        actor=kabid, application=application, to_officer=officers["budi"], note="Andi cuti"
    )
    application.refresh_from_db()
    assert application.assigned_to == officers["budi"]
    event = ApplicationEvent.objects.get(application=application, action="reassign")
    assert event.actor == kabid
    assert "Andi" in event.note and "Budi" in event.note and "Andi cuti" in event.note
    assert (event.from_status, event.to_status) == ("", "")  # status statistics ignore this row


def test_reassign_many_to_one_officer(kabid, officers, doc_type):
    apps = [app(officers["andi"], doc_type) for _ in range(3)]
    already = app(officers["budi"], doc_type)
    services.applications_reassign(
        actor=kabid, application_ids=[a.pk for a in apps] + [already.pk], to_officer=officers["budi"]
    )
    assert Application.objects.filter(assigned_to=officers["budi"]).count() == 4
    assert ApplicationEvent.objects.filter(action="reassign").count() == 3  # not for the one already there


def test_reassign_many_spread_evenly_by_load(kabid, officers, doc_type):
    apps = [app(officers["andi"], doc_type) for _ in range(4)]
    app(officers["budi"], doc_type)
    services.applications_reassign(actor=kabid, application_ids=[a.pk for a in apps], to_officer=None)
    loads = {name: Application.objects.filter(assigned_to=o).count() for name, o in officers.items()}
    # loads 4/1/0; least loaded first, ties to the lower id: Citra, Budi, Citra, Budi
    assert loads == {"andi": 0, "budi": 3, "citra": 2}
    assert ApplicationEvent.objects.filter(action="reassign").count() == 4


def test_reassign_spread_skips_officers_on_leave(kabid, officers, doc_type):
    apps = [app(officers["andi"], doc_type) for _ in range(2)]
    f.LeaveFactory(
        officer=officers["citra"],
        start=timezone.localdate() - timedelta(days=1),
        end=timezone.localdate() + timedelta(days=10),
    )
    services.applications_reassign(actor=kabid, application_ids=[a.pk for a in apps], to_officer=None)
    assert Application.objects.filter(assigned_to=officers["budi"]).count() == 2


@pytest.mark.parametrize(
    "setup",
    ["closed", "other_bidang_target", "inactive_target", "kabid_target"],
)
def test_reassign_refusals_change_nothing(kabid, officers, officer_capil, doc_type, setup):
    application = app(officers["andi"], doc_type, status=S.HANDED_OVER if setup == "closed" else S.RECEIVED)
    target = {
        "closed": officers["budi"],
        "other_bidang_target": officer_capil,
        "inactive_target": f.OfficerFactory(username="gone", bidang="dafduk", is_active=False),
        "kabid_target": kabid,
    }[setup]
    good = app(officers["andi"], doc_type)
    with pytest.raises(services.RoutingError):
        services.applications_reassign(
            actor=kabid, application_ids=[good.pk, application.pk], to_officer=target
        )
    assert Application.objects.filter(assigned_to=officers["andi"]).count() == 2
    assert not ApplicationEvent.objects.filter(action="reassign").exists()


def test_petugas_and_other_bidang_kabid_cannot_reassign(officer, kabid_capil, officers, doc_type):
    application = app(officers["andi"], doc_type)
    for actor in (officer, kabid_capil):
        with pytest.raises(services.RoutingError):
            services.application_reassign(actor=actor, application=application, to_officer=officers["budi"])


# --- pages and access --------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("url", [WORKLOAD, REASSIGN])
def test_anonymous_goes_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


@pytest.mark.parametrize("role", ["officer", "pemdes_a"])
@pytest.mark.parametrize("url", [WORKLOAD, REASSIGN])
def test_wrong_role_gets_403(client, request, role, url):
    client.force_login(request.getfixturevalue(role))
    assert client.get(url).status_code == 403
    assert client.post(url).status_code == 403


def test_reassign_page_moves_selected_applications(client, kabid, officers, doc_type):
    apps = [app(officers["andi"], doc_type) for _ in range(2)]
    client.force_login(kabid)
    page = client.get(REASSIGN + f"?petugas={officers['andi'].pk}").content.decode()
    assert all(a.number in page for a in apps)
    response = client.post(
        REASSIGN, {"applications": [a.pk for a in apps], "target": officers["citra"].pk, "note": "Bagi beban"}
    )
    assert response.status_code == 302
    assert Application.objects.filter(assigned_to=officers["citra"]).count() == 2


def test_reassign_page_refuses_other_bidang_application(
    client, kabid_capil, officers, doc_type, officer_capil
):
    application = app(officers["andi"], doc_type)
    client.force_login(kabid_capil)
    page = client.get(REASSIGN).content.decode()
    assert application.number not in page
    response = client.post(REASSIGN, {"applications": [application.pk], "target": officer_capil.pk})
    assert response.status_code == 200
    assert "Pilih" in response.content.decode()  # not a valid choice for this kabid
    application.refresh_from_db()
    assert application.assigned_to == officers["andi"]


def test_reassign_page_without_selection_explains(client, kabid, officers):
    client.force_login(kabid)
    response = client.post(REASSIGN, {"target": "auto"})
    assert "Pilih minimal satu permohonan" in response.content.decode()


def test_reassign_page_query_count_is_constant(client, kabid, officers, doc_type, django_assert_num_queries):
    app(officers["andi"], doc_type)
    client.force_login(kabid)
    # session, user, the 2FA device (kabid), targets, count for the paginator, page of applications (with type, officer, desa);
    # then the session save of every request (SAVEPOINT, UPDATE, RELEASE: the idle timeout)
    with django_assert_num_queries(9):
        client.get(REASSIGN)
    for _ in range(15):
        app(officers["budi"], doc_type)
    with django_assert_num_queries(9):
        client.get(REASSIGN)
