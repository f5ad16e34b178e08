"""Every model has an admin page in Bahasa Indonesia that opens for the admin role without errors."""

import pytest
from django.contrib import admin

from applications.models import Application
from notifications.models import InboundMedia, InboundMessage, MessageTemplate, OutboxMessage, WebhookReceipt
from tests import factories as f
from tests.admin import change_url, changelist_url

# owned by the notifications area (notifications/admin.py); checked here only when registered
NOT_OURS = {MessageTemplate, OutboxMessage, InboundMessage, InboundMedia, WebhookReceipt}


def build_one_of_each(n: int, *, admin_user) -> list:
    """One row of every model of ours (round `n` makes new, unrelated rows: new desa, types, people)."""
    from datetime import date, timedelta

    from dukcapil.core.models import Counter

    category = f.ServiceCategoryFactory(code="dafduk")
    doc_type = f.DocumentTypeFactory(category=category)
    requirement = f.RequirementFactory(document_type=doc_type)
    kecamatan = f.KecamatanFactory(code=f"52.06.{10 + n:02d}", name=f"Kecamatan {n}")
    desa = f.DesaFactory(kecamatan=kecamatan)
    officer = f.OfficerFactory(username=f"petugas.halaman{n}", first_name=f"Petugas {n}")
    kabid = f.KabidFactory(username=f"kabid.halaman{n}")
    app = f.ApplicationFactory(document_type=doc_type, desa=desa, assigned_to=officer)
    batch = f.DeliveryBatchFactory(desa=desa, created_by=officer, courier=officer)
    rota = f.RotaFactory(created_by=kabid)
    day = date(2026, 12, 1) + timedelta(days=n)
    return [
        app,
        f.RequirementCheckFactory(application=app, requirement=requirement, checked_by=officer),
        f.ApplicationEventFactory(application=app, actor=officer),
        f.AttachmentFactory(application=app, requirement=requirement),
        doc_type,
        category,
        requirement,
        desa,
        kecamatan,
        f.OfficerNumberFactory(officer=officer),
        f.LeaveFactory(officer=officer),
        f.ClosedDayFactory(date=day),
        rota,
        f.ShiftAssignmentFactory(rota=rota, officer=officer),
        f.RecordingDayFactory(date=day),
        f.RecordingBookingFactory(desa=desa, created_by=officer, decided_by=kabid),
        batch,
        f.BatchItemFactory(batch=batch, application=f.ApplicationFactory(document_type=doc_type, desa=desa)),
        f.AuditEntryFactory(actor=officer, actor_username=officer.username),
        f.BackgroundJobFactory(created_by=admin_user),
        officer,
        Counter.objects.create(name=f"batch:{n}", year=2026, value=3),
    ]


@pytest.fixture
def one_of_each(db, admin_user):
    return build_one_of_each(0, admin_user=admin_user)


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


def test_no_changelist_runs_a_query_per_row(client, admin_user):
    """Each changelist takes as many queries with three rows of every model as with one."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    root = f.AdminFactory(username="root", is_superuser=True)
    client.force_login(root)
    models = [type(obj) for obj in build_one_of_each(0, admin_user=admin_user)]

    def counts() -> dict:
        result = {}
        for model in models:
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(changelist_url(model)).status_code == 200, model
            result[model._meta.label] = len(ctx)
        return result

    before = counts()
    build_one_of_each(1, admin_user=admin_user)
    build_one_of_each(2, admin_user=admin_user)
    assert counts() == before


def test_audit_list_links_to_the_search_by_nik(client, admin_user):
    from django.urls import reverse

    from dukcapil.core.models import AuditEntry

    client.force_login(admin_user)
    body = client.get(changelist_url(AuditEntry)).content.decode()
    assert reverse("dukcapil_audit") in body
    assert "Tambah" not in body.split('id="content-main"')[1].split("</ul>")[0]  # append-only: no add
