"""The application page: masked NIK, viewer, checklist verdicts, actions from the transition table,
revision message, resubmission, timeline, and two officers saving the same application."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from applications.attachments import FileWriteGuard, NewFile, attachments_store
from applications.models import Application, ApplicationEvent, RequirementCheck
from applications.uploads import sanitize_upload
from applications.validators import mask_nik
from dukcapil.core.audit import nik_digest
from dukcapil.core.models import AuditEntry
from notifications.models import OutboxMessage
from tests import factories as f

from .workspace import application_with_checks, jpeg_upload, page_queries

V = RequirementCheck.Verdict


def detail(app):
    return reverse("applications:detail", args=[app.pk])


def action(app, name):
    return reverse("applications:action", args=[app.pk, name])


def checklist(app):
    return reverse("applications:checklist", args=[app.pk])


@pytest.fixture
def reqs(doc_type):
    # [surat kehilangan (group bukti), KK rusak (group bukti), KTP-el]
    reqs = list(doc_type.requirements.order_by("order", "id"))
    reqs[2].instruction = "Foto KTP-el asli, tegak, semua tulisan terbaca."
    reqs[2].save()
    return reqs


@pytest.fixture
def app(doc_type, reqs, officer, desa_a):
    return application_with_checks(
        doc_type, assigned_to=officer, desa=desa_a, nik=f.make_nik(female=True, serial=1)
    )


def _store(app, req, actor, name="foto.jpg"):
    with FileWriteGuard() as guard:
        return attachments_store(
            application=app,
            files=[NewFile(requirement=req, clean=sanitize_upload(jpeg_upload(name)))],
            actor=actor,
            source="intake",
            guard=guard,
        )[0]


def _set_status(app, status):
    Application.objects.filter(pk=app.pk).update(status=status)
    app.refresh_from_db()
    return app


# --- applicant data and NIK ----------------------------------------------------------------------


@pytest.mark.django_db
def test_officer_sees_nik_and_kk_masked_and_the_look_is_audited(client, officer, app):
    client.force_login(officer)
    html = client.get(detail(app)).content.decode()
    entry = AuditEntry.objects.get(action="view_application")
    assert (entry.actor, entry.application_id, entry.nik_digest) == (officer, app.pk, nik_digest(app.nik))
    assert app.nik not in html and app.no_kk not in html
    assert mask_nik(app.nik) in html and mask_nik(app.nik) == app.nik[:6] + "******" + app.nik[12:]
    assert "Tampilkan NIK lengkap" in html


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["kabid", "admin_user"])
def test_section_head_and_admin_see_the_full_nik(request, client, app, role):
    client.force_login(request.getfixturevalue(role))
    html = client.get(detail(app)).content.decode()
    assert app.nik in html and "Tampilkan NIK lengkap" not in html


@pytest.mark.django_db
def test_head_of_office_reads_with_nik_and_phone_masked_and_no_actions(client, app):
    kadis = f.UserFactory(username="kadis", role="kepala_dinas", bidang="")
    client.force_login(kadis)
    response = client.get(detail(app))
    html = response.content.decode()
    assert response.status_code == 200
    assert app.nik not in html and app.whatsapp not in html
    assert response.context["transitions"] == []


@pytest.mark.django_db
def test_officer_reveals_the_nik_once_and_it_is_audited(client, officer, app):
    client.force_login(officer)
    response = client.post(reverse("applications:nik_reveal", args=[app.pk]))
    assert response.status_code == 200 and app.nik in response.content.decode()
    entry = AuditEntry.objects.get(action="reveal_nik")
    assert (entry.actor, entry.application_id, entry.ip) == (officer, app.pk, "127.0.0.1")
    assert entry.nik_digest == nik_digest(app.nik) and app.nik not in entry.nik_digest + entry.detail
    # not remembered: the next visit is masked again
    assert app.nik not in client.get(detail(app)).content.decode()


# --- viewer, checklist ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_viewer_lists_every_file_with_its_requirement_and_marks_replaced_ones(client, officer, app, reqs):
    old = _store(app, reqs[2], officer, "ktp_lama.jpg")
    new = _store(app, reqs[2], officer, "ktp_baru.jpg")
    type(old).objects.filter(pk=old.pk).update(replaced_at=new.uploaded_at)
    client.force_login(officer)
    html = client.get(detail(app)).content.decode()
    assert reverse("applications:attachment", args=[app.pk, new.pk]) in html
    assert reverse("applications:attachment_thumb", args=[app.pk, old.pk]) in html
    strip = re.findall(r'class="viewer-thumb( is-replaced)?" data-viewer-item\s+data-id="(\d+)"', html)
    assert strip == [("", str(new.pk)), (" is-replaced", str(old.pk))]  # current first, replaced after
    assert "Pintasan" in html and "<kbd>J</kbd>" in html


@pytest.mark.django_db
def test_viewer_shows_a_large_photo_in_its_screen_version_with_the_full_size_at_hand(
    client, officer, app, reqs
):
    with FileWriteGuard() as guard:
        large, small = attachments_store(
            application=app,
            files=[
                NewFile(requirement=reqs[0], clean=sanitize_upload(jpeg_upload("kk.jpg", size=(2000, 1500)))),
                NewFile(requirement=reqs[2], clean=sanitize_upload(jpeg_upload("ktp.jpg"))),
            ],
            actor=officer,
            source="intake",
            guard=guard,
        )
    client.force_login(officer)
    html = client.get(detail(app)).content.decode()
    full = {a.pk: reverse("applications:attachment", args=[app.pk, a.pk]) for a in (large, small)}
    assert f'data-src="{full[large.pk]}?ukuran=layar" data-full="{full[large.pk]}"' in html
    assert f'data-src="{full[small.pk]}" data-full="{full[small.pk]}"' in html  # no screen version
    assert "Ukuran asli" in html


@pytest.mark.django_db
def test_verdicts_are_saved_with_an_event_and_a_new_version(client, officer, app, reqs):
    _set_status(app, "verifying")
    client.force_login(officer)
    response = client.post(
        checklist(app),
        {
            "version": 1,
            f"verdict_{reqs[0].pk}": V.OK,
            f"verdict_{reqs[1].pk}": V.PENDING,
            f"verdict_{reqs[2].pk}": V.UNREADABLE,
            f"reason_{reqs[2].pk}": "Foto buram",
        },
    )
    assert response.status_code == 302
    checks = {c.requirement_id: c for c in app.checks.all()}
    assert checks[reqs[0].pk].verdict == V.OK and checks[reqs[0].pk].checked_by == officer
    assert (checks[reqs[2].pk].verdict, checks[reqs[2].pk].reason) == (V.UNREADABLE, "Foto buram")
    app.refresh_from_db()
    assert app.version == 2
    event = ApplicationEvent.objects.get(application=app, action="checklist")
    assert "KTP-el: Tidak terbaca (Foto buram)" in event.note and event.actor == officer


@pytest.mark.django_db
def test_invalid_verdict_needs_a_reason_and_nothing_is_saved(client, officer, app, reqs):
    _set_status(app, "verifying")
    client.force_login(officer)
    response = client.post(checklist(app), {"version": 1, **{f"verdict_{r.pk}": V.INVALID for r in reqs}})
    assert response.status_code == 400
    assert "Tuliskan mengapa persyaratan ini tidak sah" in response.content.decode()
    assert set(app.checks.values_list("verdict", flat=True)) == {V.PENDING}
    assert not ApplicationEvent.objects.filter(action="checklist").exists()


@pytest.mark.django_db
def test_checklist_is_read_only_until_verification_starts(client, officer, app, reqs):
    client.force_login(officer)
    response = client.get(detail(app))
    assert response.context["checklist_form"] is None
    assert "Mulai verifikasi" in response.content.decode()
    refused = client.post(checklist(app), {"version": 1, **{f"verdict_{r.pk}": V.OK for r in reqs}})
    assert refused.status_code == 400
    assert set(app.checks.values_list("verdict", flat=True)) == {V.PENDING}


# --- actions from the transition table -------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("status", "delivery", "expected"),
    [
        ("received", "via_pemdes", ["start_verification", "reject", "cancel"]),
        ("verifying", "via_pemdes", ["request_revision", "verify", "reject", "cancel"]),
        ("revision_required", "via_pemdes", ["resubmit", "reject", "cancel"]),
        ("verified", "via_pemdes", ["start_processing", "reject", "cancel"]),
        ("processing", "via_pemdes", ["mark_ready", "reject", "cancel"]),
        ("ready", "via_pemdes", []),  # dispatch goes through a delivery batch
        ("ready", "pickup", ["hand_over_at_office"]),
        ("handed_over", "via_pemdes", []),
    ],
)
def test_page_offers_the_tables_actions_for_this_user(client, officer, app, status, delivery, expected):
    Application.objects.filter(pk=app.pk).update(status=status, delivery_method=delivery)
    client.force_login(officer)
    response = client.get(detail(app))
    assert [t.action for t, _form, _style in response.context["transitions"]] == expected
    html = response.content.decode()
    for name in expected:
        if name != "resubmit":
            assert action(app, name) in html


@pytest.mark.django_db
def test_batch_actions_cannot_be_posted_from_the_page(client, officer, app):
    _set_status(app, "ready")
    client.force_login(officer)
    response = client.post(action(app, "dispatch"), {"version": 1})
    assert response.status_code in (400, 403)
    app.refresh_from_db()
    assert app.status == "ready"


@pytest.mark.django_db
def test_revision_request_composes_the_list_and_sends_the_edited_text(client, officer, app, reqs):
    _set_status(app, "verifying")
    RequirementCheck.objects.filter(application=app, requirement=reqs[2]).update(
        verdict=V.INVALID, reason="Masa berlaku habis"
    )
    RequirementCheck.objects.filter(application=app, requirement=reqs[0]).update(verdict=V.MISSING)
    client.force_login(officer)
    page = client.get(detail(app))
    draft = page.context["transitions"][0][1]["note"].value()
    assert draft == (
        "- Surat kehilangan dari kepolisian: tidak ada. Foto dokumen asli, tegak, tulisan terbaca.\n"
        "- KTP-el: tidak sah (Masa berlaku habis). Foto KTP-el asli, tegak, semua tulisan terbaca."
    )
    preview = page.context["revision_preview"]
    assert preview[0].startswith(f"Yth. {app.applicant_name}") and "perlu perbaikan" in preview[0]
    assert "Mohon kirim ulang" in preview[1]
    edited = draft + "\n- Mohon sertakan juga foto KK."
    response = client.post(action(app, "request_revision"), {"version": 1, "note": edited})
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.status == "revision_required" and app.revision_count == 1
    message = OutboxMessage.objects.get(application=app, event="revision_required")
    assert "Masa berlaku habis" in message.body and "Mohon sertakan juga foto KK." in message.body
    assert ApplicationEvent.objects.get(application=app, action="request_revision").note == edited


@pytest.mark.django_db
def test_revision_request_without_text_is_refused(client, officer, app):
    _set_status(app, "verifying")
    client.force_login(officer)
    response = client.post(action(app, "request_revision"), {"version": 1, "note": "  "})
    assert response.status_code == 400
    app.refresh_from_db()
    assert app.status == "verifying"


@pytest.mark.django_db
def test_verify_needs_every_mandatory_requirement_or_one_of_its_group(client, officer, app, reqs):
    _set_status(app, "verifying")
    client.force_login(officer)
    RequirementCheck.objects.filter(application=app, requirement=reqs[2]).update(verdict=V.OK)
    refused = client.post(action(app, "verify"), {"version": 1})
    assert refused.status_code == 400
    assert "Surat kehilangan dari kepolisian atau KK yang rusak" in refused.content.decode()
    app.refresh_from_db()
    assert app.status == "verifying"
    # one member of the "bukti" group is enough
    RequirementCheck.objects.filter(application=app, requirement=reqs[1]).update(verdict=V.OK)
    assert client.post(action(app, "verify"), {"version": 1}).status_code == 302
    app.refresh_from_db()
    assert app.status == "verified"


@pytest.mark.django_db
def test_resubmission_keeps_old_files_marked_replaced_and_resets_their_verdict(
    client, officer, app, reqs, private_media
):
    _set_status(app, "revision_required")
    old = _store(app, reqs[2], officer, "ktp_buram.jpg")
    kept = _store(app, reqs[0], officer, "surat.jpg")
    RequirementCheck.objects.filter(application=app, requirement=reqs[2]).update(
        verdict=V.UNREADABLE, reason="buram"
    )
    RequirementCheck.objects.filter(application=app, requirement=reqs[0]).update(verdict=V.OK)
    client.force_login(officer)
    response = client.post(
        reverse("applications:resubmit", args=[app.pk]),
        {
            "version": 1,
            f"files_{reqs[2].pk}": [jpeg_upload("ktp_jelas.jpg")],
            "note": "Dikirim ulang lewat WA",
        },
    )
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.status == "resubmitted"
    old.refresh_from_db()
    kept.refresh_from_db()
    assert old.replaced_at is not None and kept.replaced_at is None
    new = app.attachments.get(display_name="ktp_jelas.jpg")
    assert new.source == "resubmission" and new.requirement == reqs[2] and new.replaced_at is None
    checks = {c.requirement_id: c for c in app.checks.all()}
    assert (checks[reqs[2].pk].verdict, checks[reqs[2].pk].reason) == (V.PENDING, "")
    assert checks[reqs[0].pk].verdict == V.OK
    event = ApplicationEvent.objects.get(application=app, action="resubmit")
    assert "Dikirim ulang lewat WA" in event.note and "KTP-el (1)" in event.note


@pytest.mark.django_db
def test_resubmission_needs_a_file_or_a_note(client, officer, app):
    _set_status(app, "revision_required")
    client.force_login(officer)
    response = client.post(reverse("applications:resubmit", args=[app.pk]), {"version": 1, "note": ""})
    assert response.status_code == 400
    app.refresh_from_db()
    assert app.status == "revision_required"


@pytest.mark.django_db
def test_mark_ready_asks_the_issued_document_number(client, officer, app):
    _set_status(app, "processing")
    client.force_login(officer)
    assert client.post(action(app, "mark_ready"), {"version": 1}).status_code == 400
    app.refresh_from_db()
    assert app.status == "processing"
    assert (
        client.post(
            action(app, "mark_ready"), {"version": 1, "issued_document_number": "5206-KK-7781"}
        ).status_code
        == 302
    )
    app.refresh_from_db()
    assert (app.status, app.issued_document_number) == ("ready", "5206-KK-7781")


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["reject", "cancel"])
def test_reject_and_cancel_ask_the_reason(client, officer, app, name):
    client.force_login(officer)
    page = client.get(detail(app)).content.decode()
    assert "Permohonan ganda" in page  # the usual reasons are offered
    assert client.post(action(app, name), {"version": 1, "note": ""}).status_code == 400
    assert client.post(action(app, name), {"version": 1, "note": "Permohonan ganda"}).status_code == 302
    app.refresh_from_db()
    assert app.status == {"reject": "rejected", "cancel": "cancelled"}[name]
    assert app.closing_reason == "Permohonan ganda"


@pytest.mark.django_db
def test_timeline_shows_who_when_what_and_note(client, officer, app):
    ApplicationEvent.objects.create(application=app, actor=officer, action="create", to_status="received")
    client.force_login(officer)
    client.post(action(app, "start_verification"), {"version": 1})
    html = client.get(detail(app)).content.decode()
    assert "Permohonan didaftarkan" in html and "Mulai verifikasi" in html
    assert "Diterima → Diverifikasi" in html and "Petugas Dafduk" in html


# --- two officers --------------------------------------------------------------------------------


@pytest.fixture
def colleague(db):
    return f.OfficerFactory(username="petugas.dua", first_name="Rina", last_name="Wahyuni", bidang="dafduk")


@pytest.mark.django_db
def test_second_officer_to_act_is_told_who_changed_it_and_nothing_is_overwritten(
    client, officer, colleague, app
):
    first, second = client, type(client)()
    first.force_login(officer)
    second.force_login(colleague)
    assert first.get(detail(app)).context["application"].version == 1
    assert second.get(detail(app)).context["application"].version == 1

    assert second.post(action(app, "start_verification"), {"version": 1}).status_code == 302
    response = first.post(action(app, "reject"), {"version": 1, "note": "Permohonan ganda"})

    assert response.status_code == 409
    html = response.content.decode()
    assert "Rina Wahyuni" in html and "Muat ulang" in html
    app.refresh_from_db()
    assert app.status == "verifying" and app.version == 2
    assert not ApplicationEvent.objects.filter(application=app, action="reject").exists()
    # what the first officer typed is still in the form, now carrying the fresh version
    kept = response.context["transitions"]
    reject_form = next(form for t, form, _s in kept if t.action == "reject")
    assert reject_form["note"].value() == "Permohonan ganda" and reject_form["version"].value() == "2"


@pytest.mark.django_db
def test_same_button_pressed_twice_by_two_officers(client, officer, colleague, app):
    other = type(client)()
    client.force_login(officer)
    other.force_login(colleague)
    assert client.post(action(app, "start_verification"), {"version": 1}).status_code == 302
    response = other.post(action(app, "start_verification"), {"version": 1})
    assert response.status_code == 409 and "Petugas Dafduk" in response.content.decode()
    assert ApplicationEvent.objects.filter(application=app, action="start_verification").count() == 1


@pytest.mark.django_db
def test_stale_checklist_keeps_the_first_officers_verdicts(client, officer, colleague, app, reqs):
    _set_status(app, "verifying")
    other = type(client)()
    client.force_login(officer)
    other.force_login(colleague)
    ok_all = {f"verdict_{r.pk}": V.OK for r in reqs}
    assert other.post(checklist(app), {"version": 1, **ok_all}).status_code == 302
    mine = {**{f"verdict_{r.pk}": V.MISSING for r in reqs}, "version": 1}
    response = client.post(checklist(app), mine)
    assert response.status_code == 409
    assert "Rina Wahyuni" in response.content.decode()
    assert set(app.checks.values_list("verdict", flat=True)) == {V.OK}
    # the stale input is shown again for a deliberate second try
    form = response.context["checklist_form"]
    assert form[f"verdict_{reqs[0].pk}"].value() == V.MISSING and form["version"].value() == "2"


@pytest.mark.django_db
def test_stale_resubmission_stores_nothing(client, officer, colleague, app, reqs, private_media):
    _set_status(app, "revision_required")
    Application.objects.filter(pk=app.pk).update(version=3)
    ApplicationEvent.objects.create(application=app, actor=colleague, action="request_revision")
    client.force_login(officer)
    response = client.post(
        reverse("applications:resubmit", args=[app.pk]),
        {"version": 1, f"files_{reqs[2].pk}": [jpeg_upload("ktp.jpg")]},
    )
    assert response.status_code == 409 and "Rina Wahyuni" in response.content.decode()
    assert not app.attachments.exists()
    assert [p for p in private_media.rglob("*") if p.is_file()] == []


# --- queries ---------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("files", [1, 8])
def test_page_queries_do_not_grow_with_files_or_events(client, officer, app, reqs, files):
    _set_status(app, "verifying")
    for i in range(files):
        _store(app, reqs[i % 3], officer, f"{i}.jpg")
        ApplicationEvent.objects.create(application=app, actor=officer, action="checklist", note=str(i))
    client.force_login(officer)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(detail(app))
    assert len(response.context["attachments"]) == files
    # user, the application (with type, desa, kecamatan, officer, number), the audit row (insert),
    # checks, attachments, events, the "perlu perbaikan" message template for the preview, and the
    # citizen's WhatsApp messages (notifications' message history block)
    assert len(page_queries(captured)) == 8


@pytest.mark.django_db
def test_page_shows_the_citizens_messages_with_a_permanent_failure(client, officer, app):
    from notifications.models import OutboxMessage

    OutboxMessage.objects.create(
        event="received",
        dedupe_key=f"page-test:{app.pk}",
        application=app,
        recipient=app.whatsapp,
        body="Yth. warga, permohonan diterima.",
        status=OutboxMessage.Status.PERMANENT_FAILURE,
        last_error="[131026] not on WhatsApp",
    )
    client.force_login(officer)
    body = client.get(detail(app)).content.decode()
    assert "Pesan WhatsApp ke pemohon" in body
    assert "Gagal permanen" in body
