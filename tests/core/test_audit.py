"""The audit trail: no personal numbers stored, searchable by NIK and desa, append-only on PostgreSQL."""

from datetime import timedelta

import pytest
from django.db import DatabaseError, transaction
from django.test import RequestFactory
from django.utils import timezone

from dukcapil.core.audit import audit_record, audit_search, nik_digest
from dukcapil.core.models import AuditEntry
from tests import factories as f


@pytest.mark.django_db
def test_record_holds_no_full_nik_or_phone(officer, doc_type, desa_a):
    app = f.ApplicationFactory(
        document_type=doc_type, desa=desa_a, nik="5206015708900002", whatsapp="+6281298765432"
    )
    request = RequestFactory().get("/x", REMOTE_ADDR="10.1.2.3")
    request.user = officer
    entry = audit_record(request=request, action="view_application", application=app)
    row = AuditEntry.objects.filter(pk=entry.pk).values().get()
    flat = " ".join(str(v) for v in row.values())
    assert "5206015708900002" not in flat
    assert "6281298765432" not in flat
    assert row["nik_digest"] == nik_digest("5206015708900002")
    assert (row["actor_id"], row["ip"], row["desa_id"], row["application_id"]) == (
        officer.pk,
        "10.1.2.3",
        desa_a.pk,
        app.pk,
    )


@pytest.mark.django_db
def test_search_by_nik_and_desa_between_dates(officer, doc_type, desa_a, desa_b):
    mine = f.ApplicationFactory(document_type=doc_type, desa=desa_a, nik="5206015708900002")
    other = f.ApplicationFactory(document_type=doc_type, desa=desa_b, nik="5206011708900001")
    for app in (mine, other, mine):
        audit_record(actor=officer, action="view_application", application=app)
    audit_record(
        actor=officer, action="download_attachment", application=mine, outcome=AuditEntry.Outcome.DENIED
    )
    assert audit_search(nik="5206015708900002").count() == 3
    assert audit_search(desa_id=desa_b.pk).count() == 1
    now = timezone.now()
    assert (
        audit_search(
            nik="5206015708900002", start=now - timedelta(minutes=1), end=now + timedelta(minutes=1)
        ).count()
        == 3
    )
    assert audit_search(nik="5206015708900002", start=now + timedelta(minutes=1)).count() == 0


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgres_refuses_update_and_delete_of_audit_rows(officer):
    entry = audit_record(actor=officer, action="export", detail="xlsx")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(detail="changed")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()
    assert AuditEntry.objects.get(pk=entry.pk).detail == "xlsx"


@pytest.mark.django_db
class TestAuditPage:
    url = "/audit/"

    def test_anonymous_goes_to_login(self, client):
        assert client.get(self.url)["Location"].startswith("/akun/masuk/")

    @pytest.mark.parametrize("role_fixture", ["officer", "kabid", "pemdes_a"])
    def test_other_roles_refused_and_the_attempt_is_recorded(self, client, request, role_fixture):
        user = request.getfixturevalue(role_fixture)
        client.force_login(user)
        assert client.get(self.url).status_code == 403
        assert AuditEntry.objects.filter(actor=user, action="audit_search", outcome="denied").exists()

    def test_admin_finds_accesses_to_a_nik_posted_not_in_url(
        self, client, admin_user, officer, doc_type, desa_a
    ):
        app = f.ApplicationFactory(document_type=doc_type, desa=desa_a, nik="5206015708900002")
        audit_record(actor=officer, action="view_application", application=app)
        client.force_login(admin_user)
        response = client.post(self.url, {"nik": "5206015708900002"})
        assert response.status_code == 200
        body = response.content.decode()
        assert officer.username in body and "view_application" in body
        assert "5206015708900002" not in response.request["PATH_INFO"]

    def test_empty_search_is_refused_with_a_message(self, client, admin_user):
        client.force_login(admin_user)
        response = client.post(self.url, {})
        assert "Isi NIK atau pilih desa" in response.content.decode()
