"""Admin actions run the product's services row by row and say what they did and what they refused."""

import io
from datetime import date

import pytest
from django.urls import reverse
from pypdf import PdfReader

from applications.models import Application, ApplicationEvent, RequirementCheck
from dukcapil.core import admin_tools
from dukcapil.core.models import AuditEntry, BackgroundJob
from notifications.models import OutboxMessage
from routing.models import BatchItem, DeliveryBatch, Desa, Rota, ShiftAssignment
from tests import factories as f
from tests.admin import add_url, changelist_url, make_staff, messages_of, run_action
from tests.routing.delivery_helpers import batch_with, ready_app

S = Application.Status


def _app(doc_type, desa, status, **kwargs):
    return f.ApplicationFactory(document_type=doc_type, desa=desa, status=status, **kwargs)


@pytest.fixture
def staff_officer(client, officer):
    client.force_login(make_staff(officer))
    return officer


# --- start verification --------------------------------------------------------------------------


def test_start_verification_moves_what_it_may_and_names_what_it_refused(
    client, staff_officer, doc_type, desa_a
):
    fresh = [_app(doc_type, desa_a, S.RECEIVED), _app(doc_type, desa_a, S.RESUBMITTED)]
    ready = _app(doc_type, desa_a, S.READY)
    response = run_action(client, Application, "start_verification_action", [*fresh, ready])
    assert response.status_code == 302
    for app in fresh:
        app.refresh_from_db()
        assert app.status == S.VERIFYING
        event = ApplicationEvent.objects.get(application=app, action="start_verification")
        assert (event.actor, event.to_status) == (staff_officer, S.VERIFYING)
    ready.refresh_from_db()
    assert ready.status == S.READY
    text = " ".join(messages_of(response))
    assert "2 mulai diverifikasi" in text
    assert f"1 ditolak — {ready.number}" in text and "'Siap'" in text


def test_too_many_rows_are_refused_before_any_change(client, staff_officer, doc_type, desa_a, monkeypatch):
    monkeypatch.setattr(admin_tools, "MAX_ACTION_ROWS", 2)
    apps = [_app(doc_type, desa_a, S.RECEIVED) for _ in range(3)]
    response = run_action(client, Application, "start_verification_action", apps)
    assert "paling banyak 2" in " ".join(messages_of(response))
    assert not Application.objects.exclude(status=S.RECEIVED).exists()


# --- request revision (intermediate page, one note per application) ------------------------------


def test_request_revision_page_drafts_each_note_from_the_checklist(client, staff_officer, doc_type, desa_a):
    app = _app(doc_type, desa_a, S.VERIFYING)
    requirement = doc_type.requirements.get(name="KTP-el")
    f.RequirementCheckFactory(
        application=app, requirement=requirement, verdict=RequirementCheck.Verdict.UNREADABLE, reason="buram"
    )
    response = run_action(client, Application, "request_revision_action", [app])
    assert response.status_code == 200
    body = response.content.decode()
    assert "Minta perbaikan persyaratan" in body
    assert "- KTP-el: tidak terbaca (buram)" in body
    app.refresh_from_db()
    assert app.status == S.VERIFYING  # the first round only shows the page


def test_request_revision_sends_each_note_and_refuses_empty_ones(client, staff_officer, doc_type, desa_a):
    with_note, without_note = _app(doc_type, desa_a, S.VERIFYING), _app(doc_type, desa_a, S.VERIFYING)
    response = run_action(
        client,
        Application,
        "request_revision_action",
        [with_note, without_note],
        confirm="yes",
        **{
            f"note_{with_note.pk}": "- Foto KTP-el buram, kirim ulang",
            f"version_{with_note.pk}": str(with_note.version),
            f"note_{without_note.pk}": "",
            f"version_{without_note.pk}": str(without_note.version),
        },
    )
    assert response.status_code == 302
    with_note.refresh_from_db()
    without_note.refresh_from_db()
    assert (with_note.status, with_note.revision_count) == (S.REVISION_REQUIRED, 1)
    assert without_note.status == S.VERIFYING
    assert ApplicationEvent.objects.get(application=with_note, action="request_revision").note.startswith(
        "- Foto KTP-el buram"
    )
    message = OutboxMessage.objects.get(application=with_note, event="revision_required")
    assert "Foto KTP-el buram" in message.body
    assert "Alasan wajib diisi" in " ".join(messages_of(response))


def test_request_revision_on_a_page_gone_stale_is_refused(client, staff_officer, doc_type, desa_a, kabid):
    app = _app(doc_type, desa_a, S.VERIFYING)
    loaded_version = app.version
    Application.objects.filter(pk=app.pk).update(version=loaded_version + 1)  # somebody saved meanwhile
    f.ApplicationEventFactory(application=app, actor=kabid, action="checklist")
    response = run_action(
        client,
        Application,
        "request_revision_action",
        [app],
        confirm="yes",
        **{f"note_{app.pk}": "- KK", f"version_{app.pk}": str(loaded_version)},
    )
    app.refresh_from_db()
    assert app.status == S.VERIFYING
    assert "baru saja diubah" in " ".join(messages_of(response))


# --- reassign ------------------------------------------------------------------------------------


def test_kepala_bidang_reassigns_and_closed_ones_are_refused(client, kabid, officer, doc_type, desa_a):
    other = f.OfficerFactory(username="petugas.dua", bidang="dafduk", first_name="Dua")
    open_app = _app(doc_type, desa_a, S.VERIFYING, assigned_to=officer)
    closed = _app(doc_type, desa_a, S.HANDED_OVER, assigned_to=officer)
    client.force_login(make_staff(kabid))
    page = run_action(client, Application, "reassign_action", [open_app, closed])
    assert page.status_code == 200
    assert "Alihkan ke petugas lain" in page.content.decode()
    response = run_action(
        client,
        Application,
        "reassign_action",
        [open_app, closed],
        confirm="yes",
        target=str(other.pk),
        note="Petugas cuti",
    )
    open_app.refresh_from_db()
    closed.refresh_from_db()
    assert open_app.assigned_to == other
    assert closed.assigned_to == officer
    assert ApplicationEvent.objects.filter(application=open_app, action="reassign").exists()
    text = " ".join(messages_of(response))
    assert "1 dialihkan" in text and "tidak dapat dialihkan" in text


def test_petugas_is_not_offered_reassignment(client, staff_officer):
    response = client.get(changelist_url(Application))
    actions = dict(response.context["action_form"].fields["action"].choices)
    assert "reassign_action" not in actions
    assert "start_verification_action" in actions


# --- mark ready in bulk with document numbers ----------------------------------------------------


def test_mark_ready_takes_one_number_per_row(client, staff_officer, doc_type, desa_a):
    first, second = _app(doc_type, desa_a, S.PROCESSING), _app(doc_type, desa_a, S.PROCESSING)
    page = run_action(client, Application, "mark_ready_action", [first, second])
    assert page.status_code == 200
    assert page.content.decode().count('name="number_') == 2
    response = run_action(
        client,
        Application,
        "mark_ready_action",
        [first, second],
        confirm="yes",
        **{
            f"number_{first.pk}": "5206010101260001",
            f"version_{first.pk}": str(first.version),
            f"number_{second.pk}": "  ",
            f"version_{second.pk}": str(second.version),
        },
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.issued_document_number) == (S.READY, "5206010101260001")
    assert second.status == S.PROCESSING
    text = " ".join(messages_of(response))
    assert "1 ditandai siap" in text and "Nomor dokumen yang terbit wajib diisi" in text


# --- resend failed notifications -----------------------------------------------------------------


def test_resend_puts_failed_messages_back_in_the_queue(client, staff_officer, doc_type, desa_a):
    app = _app(doc_type, desa_a, S.RECEIVED)
    failed = f.OutboxMessageFactory(application=app, status=OutboxMessage.Status.FAILED, attempts=5)
    sent = f.OutboxMessageFactory(application=app, status=OutboxMessage.Status.SENT)
    response = run_action(client, Application, "resend_failed_messages_action", [app])
    failed.refresh_from_db()
    sent.refresh_from_db()
    assert (failed.status, failed.attempts) == (OutboxMessage.Status.PENDING, 0)
    assert sent.status == OutboxMessage.Status.SENT
    assert ApplicationEvent.objects.filter(application=app, action="message_resend").count() == 1
    assert "1 pesan dikirim ulang" in " ".join(messages_of(response))


def test_resend_with_nothing_failed_says_so(client, staff_officer, doc_type, desa_a):
    app = _app(doc_type, desa_a, S.RECEIVED)
    response = run_action(client, Application, "resend_failed_messages_action", [app])
    assert "Tidak ada pesan gagal" in " ".join(messages_of(response))


# --- rota: generate (the add page) and publish ---------------------------------------------------


@pytest.fixture
def rota_team(kabid, officer):
    for i in range(3):
        f.OfficerFactory(username=f"petugas.rota{i}", bidang="dafduk")
    return kabid


def test_adding_a_rota_generates_a_draft(client, rota_team):
    client.force_login(make_staff(rota_team))
    page = client.get(add_url(Rota))
    assert page.status_code == 200 and "Buat draf jadwal" in page.content.decode()
    response = client.post(
        add_url(Rota),
        {
            "period": "week",
            "week_of": "2026-12-07",
            "bidang": "dafduk",
            "max_share": "50",
            "min_per_bidang": "1",
        },
    )
    rota = Rota.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:routing_rota_change", args=[rota.pk])
    assert (rota.status, rota.start, rota.end) == (Rota.Status.DRAFT, date(2026, 12, 7), date(2026, 12, 11))
    assert ShiftAssignment.objects.filter(rota=rota).count() == 4 * 5


def test_publish_action_publishes_a_draft_and_refuses_a_second_time(client, rota_team):
    client.force_login(make_staff(rota_team))
    client.post(
        add_url(Rota),
        {
            "period": "week",
            "week_of": "2026-12-07",
            "bidang": "dafduk",
            "max_share": "50",
            "min_per_bidang": "1",
        },
    )
    rota = Rota.objects.get()
    response = run_action(client, Rota, "publish_action", [rota])
    rota.refresh_from_db()
    assert rota.status == Rota.Status.PUBLISHED
    assert "1 jadwal diterbitkan" in " ".join(messages_of(response))
    again = run_action(client, Rota, "publish_action", [rota])
    assert "sudah diterbitkan" in " ".join(messages_of(again))


def test_generate_next_period_keeps_the_rules(client, rota_team):
    client.force_login(make_staff(rota_team))
    client.post(
        add_url(Rota),
        {
            "period": "month",
            "month": "2026-11",
            "bidang": "dafduk",
            "max_in_office": "2",
            "min_per_bidang": "1",
        },
    )
    november = Rota.objects.get()
    run_action(client, Rota, "generate_next_action", [november])
    december = Rota.objects.exclude(pk=november.pk).get()
    assert (december.start, december.end) == (date(2026, 12, 1), date(2026, 12, 31))
    assert (december.max_in_office, december.status) == (2, Rota.Status.DRAFT)


def test_kepala_bidang_capil_cannot_publish_a_dafduk_rota(client, kabid_capil, kabid):
    rota = f.RotaFactory(created_by=kabid)
    client.force_login(make_staff(kabid_capil))
    # out of their bidang: the row is not even in their list, so the action has nothing to act on
    run_action(client, Rota, "publish_action", [rota])
    rota.refresh_from_db()
    assert rota.status == Rota.Status.DRAFT


# --- delivery: batches for selected desa, one PDF of manifests -----------------------------------


def test_create_batches_for_selected_desa(client, staff_officer, doc_type, desa_a, desa_b):
    apps = [ready_app(desa=desa_a, document_type=doc_type) for _ in range(2)]
    elsewhere = ready_app(desa=desa_b, document_type=doc_type)
    quiet = f.DesaFactory(name="Desa Sepi")
    response = run_action(client, Desa, "create_batches_action", [desa_a, quiet])
    batch = DeliveryBatch.objects.get(desa=desa_a)
    assert set(batch.items.values_list("application_id", flat=True)) == {a.pk for a in apps}
    assert not BatchItem.objects.filter(application=elsewhere).exists()
    text = " ".join(messages_of(response))
    assert "Tolotangga (2 dokumen ke" in text
    assert "Desa Sepi: tidak ada dokumen siap" in text


def test_manifests_of_selected_batches_come_as_one_pdf_made_in_a_job(
    client, staff_officer, doc_type, desa_a, desa_b, django_capture_on_commit_callbacks
):
    """Rendering up to 25 manifests takes a while: the action starts a job, its page shows the
    progress and then offers the one merged PDF (private, audited)."""
    first = batch_with(officer=staff_officer, desa=desa_a, document_type=doc_type, n=2, status="dispatched")
    second = batch_with(officer=staff_officer, desa=desa_b, document_type=doc_type, n=3, status="dispatched")
    empty = f.DeliveryBatchFactory(desa=f.DesaFactory(), created_by=staff_officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = run_action(client, DeliveryBatch, "download_manifests_action", [first, second, empty])
    job = BackgroundJob.objects.get(kind="manifest_merge")
    assert response.status_code == 302 and response["Location"] == reverse("routing:batch_job", args=[job.pk])
    assert (job.status, job.done, job.total) == ("done", 3, 3)
    page = client.get(response["Location"]).content.decode()
    assert "2 manifest digabung dalam satu PDF." in page
    assert "batch masih kosong" in page
    download = client.get(reverse("routing:batch_job_file", args=[job.pk]))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["X-Content-Type-Options"] == "nosniff"
    assert {"private", "no-store"} <= {part.strip() for part in download["Cache-Control"].split(",")}
    merged = PdfReader(io.BytesIO(b"".join(download.streaming_content)))
    singles = []
    for batch in (first, second):
        batch.refresh_from_db()
        with batch.pdf.open("rb") as stored:
            singles.append(len(PdfReader(io.BytesIO(stored.read())).pages))
    assert len(merged.pages) == sum(singles)
    text = "".join(page.extract_text() for page in merged.pages)
    assert first.number in text and second.number in text
    audited = AuditEntry.objects.filter(action="manifest_pdf", actor=staff_officer)
    assert set(audited.values_list("object_id", flat=True)) == {str(first.pk), str(second.pk)}
    assert AuditEntry.objects.filter(action="manifest_merged_pdf", object_id=str(job.pk)).count() == 1
    # another officer can neither follow the job nor fetch its file
    other = make_staff(f.OfficerFactory(username="petugas.lain", bidang="dafduk"))
    client.force_login(other)
    assert client.get(reverse("routing:batch_job", args=[job.pk])).status_code == 404
    assert client.get(reverse("routing:batch_job_file", args=[job.pk])).status_code == 404


def test_manifest_job_file_is_not_there_before_the_job_is_done(client, staff_officer):
    job = f.BackgroundJobFactory(kind="manifest_merge", created_by=staff_officer, status="running")
    assert client.get(reverse("routing:batch_job_file", args=[job.pk])).status_code == 404
    page = client.get(reverse("routing:batch_job", args=[job.pk])).content.decode()
    assert "Menyiapkan manifest" in page and 'role="progressbar"' in page


def test_manifest_action_with_only_empty_batches_gives_a_message_not_a_file(client, staff_officer):
    empty = f.DeliveryBatchFactory(created_by=staff_officer)
    response = run_action(client, DeliveryBatch, "download_manifests_action", [empty])
    assert response.status_code == 302
    assert "batch masih kosong" in " ".join(messages_of(response))


def test_batches_are_read_only_in_the_admin(client, staff_officer, doc_type, desa_a):
    batch = batch_with(officer=staff_officer, desa=desa_a, document_type=doc_type, n=1)
    assert client.get(add_url(DeliveryBatch)).status_code == 403
    before = batch.version
    client.post(reverse("admin:routing_deliverybatch_change", args=[batch.pk]), {"status": "closed"})
    batch.refresh_from_db()
    # the batch page is the place to dispatch it: here nothing changes
    assert (batch.status, batch.version) == (DeliveryBatch.Status.OPEN, before)
