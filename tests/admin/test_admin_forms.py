"""Writes through admin change forms go through the services: the workflow, numbers, quota, users."""

from datetime import date

import pytest
from django.contrib.auth.models import Group

from applications.models import Application, ApplicationEvent
from dukcapil.accounts.models import User
from routing.models import OfficerNumber, RecordingDay
from tests import factories as f
from tests.admin import add_url, change_url, make_staff

S = Application.Status


@pytest.fixture
def app(doc_type, desa_a, officer):
    return f.ApplicationFactory(document_type=doc_type, desa=desa_a, assigned_to=officer)


def _post_change(client, obj, **data):
    return client.post(change_url(obj), data)


# --- the application change form ------------------------------------------------------------------


def test_status_moves_through_the_workflow_and_leaves_an_event(client, officer, app):
    client.force_login(make_staff(officer))
    page = client.get(change_url(app))
    assert 'name="transition"' in page.content.decode()
    response = _post_change(client, app, transition="start_verification", expected_version=str(app.version))
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.status == S.VERIFYING
    event = ApplicationEvent.objects.get(application=app, action="start_verification")
    assert (event.actor, event.from_status, event.to_status) == (officer, S.RECEIVED, S.VERIFYING)


def test_workflow_fields_cannot_be_written_through_the_form(client, officer, app, officer_capil):
    client.force_login(make_staff(officer))
    _post_change(
        client,
        app,
        status="handed_over",
        version="99",
        number="PALSU-1",
        assigned_to=str(officer_capil.pk),
        issued_document_number="X",
        applicant_name="Nama Lain",
        expected_version=str(app.version),
    )
    app.refresh_from_db()
    assert (app.status, app.version, app.assigned_to, app.applicant_name) == (
        S.RECEIVED,
        1,
        officer,
        app.applicant_name,
    )
    assert app.number != "PALSU-1" and app.issued_document_number == ""
    assert not ApplicationEvent.objects.filter(application=app).exists()


def test_a_refused_move_is_an_error_beside_the_field_and_changes_nothing(client, officer, app):
    client.force_login(make_staff(officer))
    Application.objects.filter(pk=app.pk).update(status=S.VERIFYING)
    response = _post_change(client, app, transition="request_revision", note="  ", expected_version="1")
    assert response.status_code == 200
    assert "Alasan wajib diisi" in " ".join(response.context["adminform"].form.non_field_errors())
    app.refresh_from_db()
    assert app.status == S.VERIFYING


def test_a_stale_form_is_refused(client, officer, kabid, app):
    client.force_login(make_staff(officer))
    loaded = app.version
    Application.objects.filter(pk=app.pk).update(version=loaded + 1)
    f.ApplicationEventFactory(application=app, actor=kabid, action="checklist")
    response = _post_change(client, app, transition="start_verification", expected_version=str(loaded))
    assert response.status_code == 200
    assert "baru saja diubah" in " ".join(response.context["adminform"].form.non_field_errors())
    app.refresh_from_db()
    assert app.status == S.RECEIVED


def test_mark_ready_from_the_form_needs_the_document_number(client, officer, app):
    client.force_login(make_staff(officer))
    Application.objects.filter(pk=app.pk).update(status=S.PROCESSING)
    refused = _post_change(client, app, transition="mark_ready", expected_version="1")
    assert refused.status_code == 200
    done = _post_change(
        client, app, transition="mark_ready", new_document_number="5206-LT-0001", expected_version="1"
    )
    assert done.status_code == 302
    app.refresh_from_db()
    assert (app.status, app.issued_document_number) == (S.READY, "5206-LT-0001")


def test_batch_moves_are_not_offered_on_the_form(client, officer, app):
    client.force_login(make_staff(officer))
    Application.objects.filter(pk=app.pk).update(status=S.READY)
    page = client.get(change_url(app))
    choices = dict(page.context["adminform"].form.fields["transition"].choices)
    assert "dispatch" not in choices
    response = _post_change(client, app, transition="dispatch", expected_version="1")
    assert response.status_code == 200  # not a valid choice
    app.refresh_from_db()
    assert app.status == S.READY


def test_nik_and_whatsapp_are_masked(client, admin_user, app):
    client.force_login(admin_user)
    body = client.get(change_url(app)).content.decode()
    assert app.nik not in body and app.whatsapp not in body
    assert app.nik[:6] + "******" + app.nik[12:] in body


# --- officer numbers through officer_number_create / update -------------------------------------


def test_admin_adds_a_number_through_the_service(client, admin_user, officer, doc_type):
    client.force_login(admin_user)
    response = client.post(
        add_url(OfficerNumber),
        {
            "officer": str(officer.pk),
            "phone": "0812-3456-7890",
            "bidang": "dafduk",
            "services": [str(doc_type.pk)],
            "label": "KK dan KTP",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    number = OfficerNumber.objects.get()
    assert (number.phone, number.officer, list(number.services.all())) == (
        "+6281234567890",
        officer,
        [doc_type],
    )


def test_number_for_an_officer_of_the_other_bidang_is_refused(client, admin_user, officer_capil):
    client.force_login(admin_user)
    response = client.post(
        add_url(OfficerNumber),
        {"officer": str(officer_capil.pk), "phone": "081234567890", "bidang": "dafduk", "is_active": "on"},
    )
    assert response.status_code == 200
    assert "bidang yang sama" in " ".join(response.context["adminform"].form.non_field_errors())
    assert not OfficerNumber.objects.exists()


def test_editing_a_number_keeps_its_bidang(client, admin_user, officer):
    number = f.OfficerNumberFactory(officer=officer, phone="+6281300000001")
    client.force_login(admin_user)
    response = _post_change(
        client, number, officer=str(officer.pk), phone="+62 813 0000 0002", bidang="capil", label="Baru"
    )
    assert response.status_code == 302
    number.refresh_from_db()
    assert (number.phone, number.bidang, number.label, number.is_active) == (
        "+6281300000002",
        "dafduk",
        "Baru",
        False,
    )


# --- the recording quota through recording_day_set_cap ------------------------------------------


def test_recording_cap_is_set_through_the_service(client, kabid):
    client.force_login(make_staff(kabid))
    response = client.post(add_url(RecordingDay), {"date": "2026-12-02", "cap": "15"})
    assert response.status_code == 302
    day = RecordingDay.objects.get(date=date(2026, 12, 2))
    assert (day.cap, day.booked) == (15, 0)
    response = _post_change(client, day, cap="", booked="99")
    day.refresh_from_db()
    assert (day.cap, day.booked) == (None, 0)


def test_recording_cap_is_refused_to_the_other_bidang(client, kabid_capil):
    client.force_login(make_staff(kabid_capil))
    response = client.post(add_url(RecordingDay), {"date": "2026-12-02", "cap": "50"})
    assert response.status_code == 200
    assert not RecordingDay.objects.exists()


# --- users: role, groups, is_staff ----------------------------------------------------------------


def _user_data(**overrides):
    data = {
        "username": "petugas.baru",
        "usable_password": "true",
        "password1": "Jeruk-Mangga-Sawo-77!",
        "password2": "Jeruk-Mangga-Sawo-77!",
        "first_name": "Baru",
        "last_name": "",
        "role": "petugas",
        "bidang": "dafduk",
        "desa": "",
        "is_staff": "on",
    }
    data.update(overrides)
    return data


def test_new_user_gets_the_group_of_their_role(client, admin_user):
    client.force_login(admin_user)
    response = client.post(add_url(User), _user_data())
    assert response.status_code == 302, response.context["adminform"].form.errors
    user = User.objects.get(username="petugas.baru")
    assert list(user.groups.values_list("name", flat=True)) == ["Petugas"]


def test_changing_the_role_changes_the_group(client, admin_user, officer):
    client.force_login(admin_user)
    page = client.get(change_url(officer))
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k not in ("password", "groups")}
    data.update(
        role="kepala_bidang",
        bidang="dafduk",
        desa="",
        is_active="on",
        date_joined_0="2026-01-01",
        date_joined_1="08:00:00",
    )
    data.pop("user_permissions", None)
    data.pop("last_login", None)
    data.pop("date_joined", None)
    data.pop("is_superuser", None)
    data.pop("is_staff", None)
    response = client.post(change_url(officer), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    officer.refresh_from_db()
    assert officer.role == "kepala_bidang"
    assert list(officer.groups.values_list("name", flat=True)) == ["Kepala Bidang"]


def test_pemdes_cannot_be_given_the_admin(client, admin_user, desa_a):
    client.force_login(admin_user)
    response = client.post(
        add_url(User), _user_data(username="pemdes.baru", role="pemdes", bidang="", desa=str(desa_a.pk))
    )
    assert response.status_code == 200
    assert "is_staff" in response.context["adminform"].form.errors
    assert not User.objects.filter(username="pemdes.baru").exists()


def test_role_needs_its_bidang_or_desa(client, admin_user, desa_a):
    client.force_login(admin_user)
    no_bidang = client.post(add_url(User), _user_data(bidang=""))
    assert "bidang" in no_bidang.context["adminform"].form.errors
    desa_for_officer = client.post(add_url(User), _user_data(desa=str(desa_a.pk)))
    assert "desa" in desa_for_officer.context["adminform"].form.errors
    no_desa = client.post(add_url(User), _user_data(role="pemdes", bidang="", is_staff=""))
    assert "desa" in no_desa.context["adminform"].form.errors
    assert not User.objects.filter(username="petugas.baru").exists()


def test_admin_role_cannot_touch_a_superuser_or_make_one(client, admin_user, officer):
    root = f.AdminFactory(username="root", is_superuser=True)
    client.force_login(admin_user)
    assert client.post(change_url(root), {"username": "root2"}).status_code == 403
    page = client.get(change_url(officer))
    assert "is_superuser" not in page.context["adminform"].form.fields
    assert Group.objects.filter(name="Admin").exists()


def test_closed_application_offers_no_status_section(client, officer, app):
    client.force_login(make_staff(officer))
    Application.objects.filter(pk=app.pk).update(status=S.HANDED_OVER)
    body = client.get(change_url(app)).content.decode()
    assert "Ubah status" not in body and 'name="transition"' not in body


def test_search_for_a_whole_registration_number_is_an_exact_lookup(client, admin_user, doc_type, desa_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.admin import changelist_url

    wanted = f.ApplicationFactory(document_type=doc_type, desa=desa_a, number="BIMA-2026-0000123")
    f.ApplicationFactory(document_type=doc_type, desa=desa_a, number="BIMA-2026-0001234")
    client.force_login(admin_user)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(changelist_url(Application), {"q": "bima-2026-0000123"})
    assert list(response.context["cl"].result_list) == [wanted]
    assert not [q for q in ctx.captured_queries if "LIKE" in q["sql"].upper()]
    partial = client.get(changelist_url(Application), {"q": "0000123"})
    assert list(partial.context["cl"].result_list) == [wanted]
