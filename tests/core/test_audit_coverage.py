"""The audit trail covers every state change, export and refused attempt (issue 8, part 2).

Each test makes one thing happen and checks the one audit row it leaves: who, which action, which
object, the IP of the request (REMOTE_ADDR), the outcome, and that no full NIK or phone is stored.
"""

from datetime import date

import pytest
from django.contrib.admin.sites import site as admin_site
from django.db import connection
from django.http import HttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from applications.services import ApplicationData, WorkflowError, application_create, application_transition
from dukcapil.accounts.models import User
from dukcapil.core.audit import audit_record
from dukcapil.core.middleware import AuditRequestMiddleware, current_request
from dukcapil.core.models import AuditEntry
from routing import delivery, services
from routing.models import RecordingBooking
from tests import factories as f
from tests.routing.delivery_helpers import batch_with, ready_app

pytestmark = pytest.mark.django_db

IP = "10.20.30.40"
NIK = "5206015708900002"
PHONE = "6281298765432"


def in_request(user, action, *, ip: str = IP):
    """Run `action()` the way a view would: inside AuditRequestMiddleware, for `user` at `ip`."""
    request = RequestFactory().post("/aksi", REMOTE_ADDR=ip)
    request.user = user
    result = {}

    def view(req):
        result["value"] = action()
        return HttpResponse()

    AuditRequestMiddleware(view)(request)
    return result.get("value")


def last_id() -> int:
    """The newest audit row's id: rows are append-only (PostgreSQL refuses DELETE), so a test
    that needs a clean slate after its setup reads only the rows after this id."""
    return AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def only_row(**filters) -> AuditEntry:
    rows = list(AuditEntry.objects.filter(**filters))
    assert len(rows) == 1, [(r.action, r.object_type, r.object_id) for r in AuditEntry.objects.all()]
    return rows[0]


def assert_row(entry: AuditEntry, *, actor, obj, ip=IP, outcome="allowed") -> None:
    assert (entry.actor_id, entry.actor_username) == (actor.pk, actor.username)
    assert (entry.object_type, entry.object_id) == (obj._meta.model_name, str(obj.pk))
    assert (entry.ip, entry.outcome) == (ip, outcome)


@pytest.fixture(autouse=True)
def no_personal_numbers_in_the_trail():
    """After every test: no audit field holds a full NIK or WhatsApp number."""
    yield
    for row in AuditEntry.objects.values():
        flat = " ".join(str(v) for v in row.values())
        assert NIK not in flat and PHONE not in flat, row


# --- the request in a context variable -------------------------------------------------------------


def test_audit_record_takes_actor_and_ip_from_the_current_request(officer):
    entry = in_request(officer, lambda: audit_record(action="x"))
    assert (entry.actor, entry.ip) == (officer, IP)
    assert current_request() is None  # reset once the request is answered


def test_outside_a_request_there_is_no_ip_and_the_given_actor_stays(officer):
    entry = audit_record(actor=officer, action="x")
    assert (entry.actor, entry.ip) == (officer, None)


def test_current_request_is_reset_when_the_view_fails(officer):
    def boom():
        raise RuntimeError("rusak")

    with pytest.raises(RuntimeError):
        in_request(officer, boom)
    assert current_request() is None


# --- state changes ------------------------------------------------------------------------------


def test_application_create_is_audited(officer, doc_type, desa_a):
    data = ApplicationData(
        applicant_name="Siti",
        nik=NIK,
        no_kk=f.make_no_kk(),
        whatsapp="+" + PHONE,
        desa_id=desa_a.pk,
        document_type=doc_type,
    )
    app = in_request(officer, lambda: application_create(actor=officer, data=data, assigned_to=officer))
    entry = only_row(action="create")
    assert_row(entry, actor=officer, obj=app)
    assert (entry.application_id, entry.desa_id) == (app.pk, desa_a.pk)
    assert entry.nik_digest  # "every access to this NIK" finds its creation


def test_each_status_change_is_audited_with_its_target(officer, doc_type, desa_a):
    app = f.ApplicationFactory(document_type=doc_type, desa=desa_a, nik=NIK)
    in_request(
        officer, lambda: application_transition(application=app, actor=officer, action="start_verification")
    )
    in_request(officer, lambda: application_transition(application=app, actor=officer, action="verify"))
    assert_row(only_row(action="status:verifying"), actor=officer, obj=app)
    entry = only_row(action="status:verified")
    assert_row(entry, actor=officer, obj=app)
    assert entry.detail == "verify"


def test_a_refused_change_leaves_no_allowed_row(officer_capil, doc_type, desa_a):
    app = f.ApplicationFactory(document_type=doc_type, desa=desa_a, nik=NIK)
    with pytest.raises(WorkflowError):
        in_request(
            officer_capil,
            lambda: application_transition(application=app, actor=officer_capil, action="start_verification"),
        )
    assert not AuditEntry.objects.exists()


def test_reassignment_is_audited(kabid, officer, doc_type, desa_a):
    other = f.OfficerFactory(username="petugas.lain")
    app = f.ApplicationFactory(document_type=doc_type, desa=desa_a, nik=NIK, assigned_to=officer)
    in_request(kabid, lambda: services.application_reassign(actor=kabid, application=app, to_officer=other))
    entry = only_row(action="reassign")
    assert_row(entry, actor=kabid, obj=app)
    assert entry.detail == f"petugas #{other.pk}"


def test_batch_life_is_audited_create_dispatch_receive_hand_over_return(officer, pemdes_a, desa_a, doc_type):
    apps = [ready_app(desa=desa_a, document_type=doc_type, nik=NIK) for _ in range(2)]
    batch = in_request(officer, lambda: delivery.batch_add_item(actor=officer, application=apps[0]))
    in_request(officer, lambda: delivery.batch_add_item(actor=officer, application=apps[1]))
    assert_row(only_row(action="batch:create"), actor=officer, obj=batch)
    assert AuditEntry.objects.filter(action="batch:add", object_id=str(batch.pk)).count() == 2

    in_request(
        officer,
        lambda: delivery.batch_dispatch(
            actor=officer, batch=batch, courier=officer, dispatch_date=timezone.localdate()
        ),
    )
    entry = only_row(action="batch:dispatch")
    assert_row(entry, actor=officer, obj=batch)
    assert (entry.desa_id, entry.detail) == (desa_a.pk, "2 dokumen")
    # every document's own status change is in the trail too
    assert AuditEntry.objects.filter(action="status:in_delivery").count() == 2

    in_request(pemdes_a, lambda: delivery.batch_confirm_receipt(actor=pemdes_a, batch=batch), ip="10.0.0.9")
    assert_row(only_row(action="batch:receive"), actor=pemdes_a, obj=batch, ip="10.0.0.9")

    first, second = batch.items.order_by("position")
    in_request(
        pemdes_a,
        lambda: delivery.batch_hand_over_item(
            actor=pemdes_a,
            item=first,
            received_by_name=first.application.applicant_name,
            handed_over_on=timezone.localdate(),
        ),
    )
    entry = only_row(action="batch:hand_over")
    assert_row(entry, actor=pemdes_a, obj=batch)
    assert entry.application_id == first.application_id
    in_request(pemdes_a, lambda: delivery.batch_return_item(actor=pemdes_a, item=second, reason="Pindah"))
    entry = only_row(action="batch:return")
    assert_row(entry, actor=pemdes_a, obj=batch)
    assert entry.application_id == second.application_id
    assert_row(only_row(action="batch:close"), actor=pemdes_a, obj=batch)


def test_batch_remove_is_audited(officer, desa_a, doc_type):
    batch = batch_with(officer=officer, desa=desa_a, document_type=doc_type, n=2)
    item = batch.items.first()
    in_request(officer, lambda: delivery.batch_remove_item(actor=officer, item=item))
    entry = only_row(action="batch:remove")
    assert_row(entry, actor=officer, obj=batch)
    assert entry.application_id == item.application_id


BOOK_DAY = date(2026, 11, 4)
BOOK_TODAY = date(2026, 11, 2)


@pytest.fixture
def staffed(db):
    from tests.routing.test_recording_quota import staff_day

    return staff_day(BOOK_DAY)


def _book(actor, desa, **kwargs):
    return services.recording_book(
        actor=actor,
        day=BOOK_DAY,
        name="Warga",
        nik=kwargs.pop("nik", NIK),
        whatsapp="+" + PHONE,
        desa=desa,
        today=BOOK_TODAY,
        **kwargs,
    )


def test_recording_booking_changes_are_audited(officer, kabid, desa_a, staffed):
    pending = in_request(officer, lambda: _book(officer, desa_a, urgency="other", justification="Beasiswa"))
    entry = only_row(action="booking:create")
    assert_row(entry, actor=officer, obj=pending)
    assert (entry.desa_id, entry.detail) == (desa_a.pk, RecordingBooking.Status.PENDING_APPROVAL)
    assert entry.nik_digest

    booked = in_request(
        kabid, lambda: services.recording_approve(actor=kabid, booking=pending, today=BOOK_TODAY)
    )
    assert_row(only_row(action="booking:approve"), actor=kabid, obj=booked)
    in_request(officer, lambda: services.recording_attend(actor=officer, booking=booked))
    assert_row(only_row(action="booking:attend"), actor=officer, obj=booked)

    other = _book(officer, desa_a, urgency="other", justification="Kerja", nik=f.make_nik())
    in_request(kabid, lambda: services.recording_decline(actor=kabid, booking=other, reason="Tidak mendesak"))
    assert_row(only_row(action="booking:decline"), actor=kabid, obj=other)

    third = _book(officer, desa_a, urgency="bpjs", nik=f.make_nik())
    in_request(
        officer, lambda: services.recording_cancel(actor=officer, booking=third, reason="Salah tanggal")
    )
    assert_row(only_row(action="booking:cancel"), actor=officer, obj=third)


def test_user_deactivation_is_audited(admin_user, officer):
    model_admin = admin_site._registry[User]
    request = RequestFactory().post("/admin/", REMOTE_ADDR=IP)
    request.user = admin_user
    officer.is_active = False

    class Form:
        changed_data = ["is_active"]

    model_admin.save_model(request, officer, Form(), change=True)
    assert_row(only_row(action="user:deactivate"), actor=admin_user, obj=officer)
    Form.changed_data = ["first_name"]
    model_admin.save_model(request, officer, Form(), change=True)
    assert AuditEntry.objects.count() == 1  # other edits are not (de)activations


# --- exports -----------------------------------------------------------------------------------


def test_dashboard_xlsx_is_audited(client, kabid):
    client.force_login(kabid)
    response = client.get(reverse("applications:dashboard_xlsx", args=["semua"]), REMOTE_ADDR=IP)
    assert response.status_code == 200
    entry = only_row(action="export_dashboard")
    assert (entry.actor, entry.ip, entry.outcome) == (kabid, IP, "allowed")
    assert entry.detail.endswith("-semua.xlsx")


@pytest.mark.parametrize("name", ["batch_csv", "batch_xlsx"])
def test_manifest_downloads_are_audited(client, officer, desa_a, doc_type, name):
    batch = batch_with(officer=officer, desa=desa_a, document_type=doc_type, n=1)
    since = last_id()
    client.force_login(officer)
    response = client.get(reverse(f"routing:{name}", args=[batch.pk]), REMOTE_ADDR=IP)
    assert response.status_code == 200
    entry = only_row(action=name.replace("batch", "manifest"), pk__gt=since)
    assert_row(entry, actor=officer, obj=batch)


# --- refused attempts ----------------------------------------------------------------------------


def test_other_bidang_application_answers_404_and_is_audited_as_denied(
    client, officer_capil, doc_type, desa_a
):
    app = f.ApplicationFactory(document_type=doc_type, desa=desa_a, nik=NIK, whatsapp="+" + PHONE)
    client.force_login(officer_capil)
    response = client.get(reverse("applications:detail", args=[app.pk]), REMOTE_ADDR=IP)
    assert response.status_code == 404
    entry = only_row(outcome="denied")
    assert (entry.actor, entry.action, entry.object_id, entry.ip) == (
        officer_capil,
        "denied:applications:detail",
        str(app.pk),
        IP,
    )
    assert entry.detail == f"HTTP 404 GET pk={app.pk}"


def test_other_desa_batch_answers_404_and_is_audited(client, officer, pemdes_b, desa_a, doc_type):
    batch = batch_with(officer=officer, desa=desa_a, document_type=doc_type, n=1)
    since = last_id()
    client.force_login(pemdes_b)
    response = client.get(reverse("routing:batch_csv", args=[batch.pk]), REMOTE_ADDR=IP)
    assert response.status_code == 404
    entry = only_row(pk__gt=since)
    assert (entry.actor, entry.action, entry.object_id, entry.outcome) == (
        pemdes_b,
        "denied:routing:batch_csv",
        str(batch.pk),
        "denied",
    )


def test_a_403_is_audited_as_denied(client, pemdes_a):
    client.force_login(pemdes_a)
    response = client.get(reverse("applications:queue"), REMOTE_ADDR=IP)
    assert response.status_code == 403
    entry = only_row()
    assert (entry.actor, entry.action, entry.object_id, entry.ip, entry.outcome) == (
        pemdes_a,
        "denied:applications:queue",
        "",
        IP,
        "denied",
    )


def test_a_view_that_audits_its_own_refusal_gets_no_second_row(client, officer):
    client.force_login(officer)
    assert client.get(reverse("dukcapil_audit")).status_code == 403
    assert only_row().action == "audit_search"


def test_no_row_for_a_mistyped_address_an_anonymous_visitor_or_a_page_served(
    client, officer, doc_type, desa_a
):
    app = f.ApplicationFactory(document_type=doc_type, desa=desa_a)
    assert client.get(reverse("applications:detail", args=[app.pk])).status_code == 302  # to login
    client.force_login(officer)
    assert client.get("/tidak-ada-halaman-ini/").status_code == 404
    assert client.get(reverse("applications:queue")).status_code == 200
    assert not AuditEntry.objects.exists()
    assert client.get(reverse("applications:detail", args=[app.pk + 1000])).status_code == 404
    assert only_row().object_id == str(app.pk + 1000)  # a missing id is still an attempt


def test_a_refusal_costs_one_insert(client, officer_capil, doc_type, desa_a):
    app = f.ApplicationFactory(document_type=doc_type, desa=desa_a)
    client.force_login(officer_capil)
    url = reverse("applications:detail", args=[app.pk])
    client.get(url)  # warm the session
    since = last_id()
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 404
    inserts = [q["sql"] for q in captured if "core_auditentry" in q["sql"]]
    assert len(inserts) == 1 and inserts[0].startswith("INSERT")
    assert only_row(pk__gt=since).action == "denied:applications:detail"


def test_opening_a_citizens_whatsapp_file_is_audited_but_not_its_thumbnail(client, officer):
    from tests.notifications.test_inbox import _media, _message

    number = f.OfficerNumberFactory(officer=officer, phone="+6281300000001", bidang="dafduk")
    media = _media(_message(number, sender="+" + PHONE))
    client.force_login(officer)
    url = reverse("notifications:inbound_media", args=[media.pk])
    assert client.get(url, {"kecil": "1"}, REMOTE_ADDR=IP).status_code == 200
    assert not AuditEntry.objects.exists()
    assert client.get(url, REMOTE_ADDR=IP).status_code == 200
    assert_row(only_row(action="view_inbound_media"), actor=officer, obj=media)


def test_a_refused_attachment_names_the_application_and_the_file(client, officer_capil, doc_type, desa_a):
    app = f.ApplicationFactory(document_type=doc_type, desa=desa_a, nik=NIK)
    client.force_login(officer_capil)
    url = reverse("applications:attachment", args=[app.pk, 987])
    assert client.get(url, {"unduh": "1"}, REMOTE_ADDR=IP).status_code == 404
    entry = only_row()
    assert (entry.action, entry.object_id, entry.detail, entry.outcome) == (
        "denied:applications:attachment",
        str(app.pk),
        f"HTTP 404 GET pk={app.pk} attachment_pk=987",
        "denied",
    )
    assert entry.application_id is None and entry.nik_digest == ""  # the row loads nothing to write


def test_attaching_a_whatsapp_file_to_an_application_is_audited(client, officer, doc_type, desa_a):
    from tests.notifications.test_inbox import _media, _message

    number = f.OfficerNumberFactory(officer=officer, phone="+6281300000001", bidang="dafduk")
    app = f.ApplicationFactory(document_type=doc_type, desa=desa_a, nik=NIK)
    message = _message(number, sender="+" + PHONE)
    media = _media(message)
    client.force_login(officer)
    response = client.post(
        reverse("notifications:conversation_attach", args=[message.pk]),
        {"number": app.number, "media": [media.pk]},
        REMOTE_ADDR=IP,
    )
    assert response.status_code == 302
    entry = only_row(action="whatsapp_attach")
    assert_row(entry, actor=officer, obj=app)
    assert entry.detail == "1 berkas"
