"""Every model has an admin page in Bahasa Indonesia that opens for the admin role without errors."""

import pytest
from django.contrib import admin

from applications.models import Application
from notifications.models import InboundMedia, InboundMessage, MessageTemplate, OutboxMessage, WebhookReceipt
from tests import factories as f
from tests.admin import change_url, changelist_url

# owned by the notifications area (notifications/admin.py); checked here only when registered
NOT_OURS = {MessageTemplate, OutboxMessage, InboundMessage, InboundMedia, WebhookReceipt}


@pytest.fixture
def one_of_each(db, doc_type, desa_a, officer, kabid, admin_user):
    app = f.ApplicationFactory(document_type=doc_type, desa=desa_a, assigned_to=officer)
    check = f.RequirementCheckFactory(application=app, requirement=doc_type.requirements.first())
    batch = f.DeliveryBatchFactory(desa=desa_a, created_by=officer)
    rota = f.RotaFactory(created_by=kabid)
    objects = [
        app,
        check,
        f.ApplicationEventFactory(application=app, actor=officer),
        f.AttachmentFactory(application=app),
        doc_type,
        doc_type.category,
        doc_type.requirements.first(),
        desa_a,
        desa_a.kecamatan,
        f.OfficerNumberFactory(officer=officer),
        f.LeaveFactory(officer=officer),
        f.ClosedDayFactory(),
        rota,
        f.ShiftAssignmentFactory(rota=rota, officer=officer),
        f.RecordingDayFactory(),
        f.RecordingBookingFactory(desa=desa_a, created_by=officer),
        batch,
        f.BatchItemFactory(
            batch=batch, application=f.ApplicationFactory(document_type=doc_type, desa=desa_a)
        ),
        f.AuditEntryFactory(actor=officer, actor_username=officer.username),
        f.BackgroundJobFactory(created_by=admin_user),
        officer,
    ]
    from dukcapil.core.models import Counter

    objects.append(Counter.objects.create(name="application", year=2026, value=3))
    return objects


def test_every_model_of_the_project_is_registered():
    from django.apps import apps

    ours = {"applications", "routing", "accounts", "core"}
    missing = [
        m._meta.label
        for m in apps.get_models()
        if m._meta.app_label in ours and m not in admin.site._registry and m not in NOT_OURS
    ]
    assert missing == []


@pytest.mark.parametrize("who", ["admin_user", "superuser"])
def test_changelists_and_change_pages_open(client, one_of_each, admin_user, who):
    user = admin_user if who == "admin_user" else f.AdminFactory(username="root", is_superuser=True)
    client.force_login(user)
    seen = 0
    for obj in one_of_each:
        model_admin = admin.site._registry[type(obj)]
        response = client.get(changelist_url(type(obj)))
        if who == "admin_user" and not model_admin.has_view_permission(_request(user)):
            assert response.status_code == 403, type(obj)
            continue
        assert response.status_code == 200, (type(obj), response.status_code)
        response = client.get(change_url(obj))
        assert response.status_code == 200, (type(obj), response.status_code)
        seen += 1
    assert seen >= 15


def test_pages_speak_indonesian(client, one_of_each, admin_user):
    client.force_login(admin_user)
    app = one_of_each[0]
    body = client.get(change_url(app)).content.decode()
    for label in ("Pemohon", "Alur kerja", "Ubah status", "Riwayat permohonan", "Nomor registrasi"):
        assert label.lower() in body.lower(), label
    body = client.get(changelist_url(Application)).content.decode()
    assert "Nomor registrasi atau nama pemohon" in body


def _request(user):
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = user
    return request
