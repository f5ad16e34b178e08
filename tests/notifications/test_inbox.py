"""The officer's WhatsApp inbox: conversations, files, and turning them into applications."""

import io

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from applications.models import Application, Attachment
from applications.uploads import sanitize_upload
from notifications.models import InboundMedia, InboundMessage, OutboxMessage
from tests import factories as f
from tests.malicious_files import exif_jpeg_bytes, plain_jpeg_bytes

INBOX = "/notifikasi/wa-masuk/"
CITIZEN = "+6281234567890"


@pytest.fixture
def number(officer):
    return f.OfficerNumberFactory(officer=officer, phone="+6281300000001", bidang="dafduk")


@pytest.fixture
def other_number(db):
    other = f.OfficerFactory(username="petugas.lain", bidang="dafduk")
    return f.OfficerNumberFactory(officer=other, phone="+6281300000002", bidang="dafduk")


def _message(number, text="Mau urus KK hilang", sender=CITIZEN, **kw):
    return f.InboundMessageFactory(officer_number=number, sender=sender, sender_name="Budi", text=text, **kw)


class _Named(io.BytesIO):
    name = "foto.jpg"


def _media(message, content=None, name="kk.jpg"):
    clean = sanitize_upload(_Named(content or plain_jpeg_bytes()))
    media = f.InboundMediaFactory(
        message=message, fetched=True, mime_type=clean.content_type, display_name=name
    )
    media.file.save(f"m{media.pk}.jpg", ContentFile(clean.content), save=False)
    media.thumbnail.save(f"t{media.pk}.jpg", ContentFile(clean.thumbnail), save=False)
    media.save()
    return media


# --- access ----------------------------------------------------------------------------------------


def test_inbox_needs_login(client, db):
    response = client.get(INBOX)
    assert response.status_code == 302 and "/akun/masuk/" in response["Location"]


@pytest.mark.parametrize("who", ["pemdes_a"])
def test_inbox_refuses_roles_without_numbers(client, request, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(INBOX).status_code == 403


def test_officer_sees_only_conversations_on_own_numbers(client, officer, number, other_number):
    mine = _message(number)
    _message(other_number, text="Pesan untuk petugas lain", sender="+6281299999999")
    client.force_login(officer)
    response = client.get(INBOX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Mau urus KK hilang" in html
    assert "Pesan untuk petugas lain" not in html
    assert [r["latest_id"] for r in response.context["rows"]] == [mine.pk]
    assert CITIZEN not in html  # the sender is shown shortened


def test_other_officers_conversation_is_404(client, officer, other_number):
    theirs = _message(other_number)
    media = _media(theirs)
    client.force_login(officer)
    assert client.get(reverse("notifications:conversation", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("notifications:inbound_media", args=[media.pk])).status_code == 404
    assert client.post(reverse("notifications:conversation_dismiss", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == InboundMessage.Status.NEW


def test_kepala_bidang_covers_the_bidang_but_not_the_other(client, kabid, kabid_capil, number):
    message = _message(number)
    client.force_login(kabid)
    assert client.get(reverse("notifications:conversation", args=[message.pk])).status_code == 200
    client.force_login(kabid_capil)
    assert client.get(reverse("notifications:conversation", args=[message.pk])).status_code == 404


def test_conversations_group_messages_of_one_sender(client, officer, number):
    _message(number, text="pesan 1")
    _media(_message(number, text=""))
    last = _message(number, text="pesan 3")
    _message(number, text="dari orang lain", sender="+6281255555555")
    client.force_login(officer)
    rows = client.get(INBOX).context["rows"]
    assert len(rows) == 2
    row = next(r for r in rows if r["latest_id"] == last.pk)
    assert row["messages"] == 3 and row["files"] == 1


def test_inbox_query_count_does_not_grow(client, officer, number):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(officer)

    def load():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(INBOX).status_code == 200
        return [
            q["sql"]
            for q in ctx.captured_queries
            if "django_session" not in q["sql"] and not q["sql"].startswith(("SAVEPOINT", "RELEASE"))
        ]

    _message(number)
    few = load()
    for i in range(12):
        _media(_message(number, sender=f"+62812000000{i:02d}"))
    many = load()
    # user, paginator count, grouped page, latest messages with their numbers and officers
    assert len(few) == len(many) == 4, many


def test_empty_inbox_says_so(client, officer, number):
    client.force_login(officer)
    assert "Semua pesan sudah diproses" in client.get(INBOX).content.decode()


# --- media ------------------------------------------------------------------------------------------------


def test_media_is_streamed_privately_with_safe_headers(client, officer, number):
    media = _media(_message(number), content=exif_jpeg_bytes())
    client.force_login(officer)
    response = client.get(reverse("notifications:inbound_media", args=[media.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert "sandbox" in response["Content-Security-Policy"]
    thumb = client.get(reverse("notifications:inbound_media", args=[media.pk]), {"kecil": "1"})
    assert thumb.status_code == 200


def test_unfetched_media_is_404(client, officer, number):
    media = f.InboundMediaFactory(message=_message(number))
    client.force_login(officer)
    assert client.get(reverse("notifications:inbound_media", args=[media.pk])).status_code == 404


def test_conversation_shows_refused_files_with_the_reason(client, officer, number):
    message = _message(number)
    f.InboundMediaFactory(message=message, error="Berkas 'x' berformat HEIC/HEIF ...", display_name="x.heic")
    client.force_login(officer)
    html = client.get(reverse("notifications:conversation", args=[message.pk])).content.decode()
    assert "HEIC/HEIF" in html


# --- create an application from a conversation -------------------------------------------------------


def _intake_data(desa, doc_type, media_ids, **kw):
    data = {
        "applicant_name": "Budi Santoso",
        "nik": f.make_nik(serial=77),
        "no_kk": f.make_no_kk(serial=78),
        "whatsapp": CITIZEN,
        "desa": desa.pk,
        "document_type": doc_type.pk,
        "urgency": "none",
        "delivery_method": "via_pemdes",
        "media": [str(pk) for pk in media_ids],
    }
    data.update(kw)
    return data


def test_officer_creates_an_application_with_the_files(
    client, officer, number, desa_a, doc_type, django_capture_on_commit_callbacks, settings
):
    settings.WHATSAPP_SENDER = "console"
    message = _message(number)
    first, second = _media(message), _media(_message(number, text=""), name="ktp.jpg")
    client.force_login(officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("notifications:conversation_create", args=[message.pk]),
            _intake_data(desa_a, doc_type, [first.pk, second.pk]),
        )
    application = Application.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("applications:detail", args=[application.pk])
    assert application.received_on == number
    assert application.whatsapp == CITIZEN
    attachments = list(application.attachments.order_by("pk"))
    assert [a.source for a in attachments] == [Attachment.Source.WHATSAPP] * 2
    assert [a.display_name for a in attachments] == ["kk.jpg", "ktp.jpg"]
    assert all(a.file.name.startswith(f"attachments/{application.pk}/") for a in attachments)
    assert set(InboundMedia.objects.values_list("used", flat=True)) == {True}
    assert set(InboundMessage.objects.values_list("status", "application")) == {("used", application.pk)}
    # the citizen is told the registration number, once
    assert OutboxMessage.objects.filter(application=application, event="received").count() == 1
    assert application.events.filter(action="whatsapp_attach").exists()


def test_invalid_intake_data_changes_nothing(client, officer, number, desa_a, doc_type):
    message = _message(number)
    media = _media(message)
    client.force_login(officer)
    response = client.post(
        reverse("notifications:conversation_create", args=[message.pk]),
        _intake_data(desa_a, doc_type, [media.pk], nik="123"),
    )
    assert response.status_code == 200
    assert "NIK harus 16 digit" in response.content.decode()
    assert Application.objects.count() == 0
    media.refresh_from_db()
    assert not media.used


def test_media_already_used_cannot_be_attached_twice(client, officer, number, desa_a, doc_type):
    message = _message(number)
    media = _media(message)
    InboundMedia.objects.filter(pk=media.pk).update(used=True)
    client.force_login(officer)
    response = client.post(
        reverse("notifications:conversation_create", args=[message.pk]),
        _intake_data(desa_a, doc_type, [media.pk]),
    )
    assert response.status_code == 200
    assert Application.objects.count() == 0


def test_admin_cannot_register_from_the_inbox(client, admin_user, number, desa_a, doc_type):
    message = _message(number)
    client.force_login(admin_user)
    response = client.post(
        reverse("notifications:conversation_create", args=[message.pk]), _intake_data(desa_a, doc_type, [])
    )
    assert response.status_code == 403


# --- add files to an existing application ------------------------------------------------------------------


@pytest.fixture
def revision_application(officer, doc_type, desa_a):
    return f.ApplicationFactory(
        document_type=doc_type,
        desa=desa_a,
        whatsapp=CITIZEN,
        assigned_to=officer,
        status=Application.Status.REVISION_REQUIRED,
    )


def test_officer_adds_a_revision_to_the_citizens_application(client, officer, number, revision_application):
    message = _message(number, text="Ini KK yang jelas")
    media = _media(message)
    client.force_login(officer)
    page = client.get(reverse("notifications:conversation", args=[message.pk]))
    assert page.context["candidates"] == [revision_application]
    response = client.post(
        reverse("notifications:conversation_attach", args=[message.pk]),
        {"application": revision_application.pk, "media": [media.pk], "resubmitted": "on"},
    )
    assert response.status_code == 302
    revision_application.refresh_from_db()
    assert revision_application.status == Application.Status.RESUBMITTED
    [attachment] = revision_application.attachments.all()
    assert attachment.source == Attachment.Source.WHATSAPP and attachment.uploaded_by == officer


def test_attach_by_registration_number(client, officer, number, doc_type, desa_a):
    application = f.ApplicationFactory(document_type=doc_type, desa=desa_a, whatsapp="+6281277777777")
    message = _message(number)
    media = _media(message)
    client.force_login(officer)
    response = client.post(
        reverse("notifications:conversation_attach", args=[message.pk]),
        {"number": application.number.lower(), "media": [media.pk]},
    )
    assert response.status_code == 302
    assert application.attachments.count() == 1
    assert application.status == Application.Status.RECEIVED


def test_attach_to_another_bidangs_application_is_refused(client, officer, number, doc_type_capil, desa_a):
    application = f.ApplicationFactory(document_type=doc_type_capil, desa=desa_a)
    message = _message(number)
    media = _media(message)
    client.force_login(officer)
    response = client.post(
        reverse("notifications:conversation_attach", args=[message.pk]),
        {"number": application.number, "media": [media.pk]},
    )
    assert response.status_code == 200
    assert "tidak ditemukan" in response.content.decode()
    assert application.attachments.count() == 0


def test_attach_needs_a_file(client, officer, number, revision_application):
    message = _message(number)
    client.force_login(officer)
    response = client.post(
        reverse("notifications:conversation_attach", args=[message.pk]),
        {"application": revision_application.pk},
    )
    assert response.status_code == 200
    assert "Pilih minimal satu berkas" in response.content.decode()


def test_file_limit_applies_to_whatsapp_files(client, officer, number, revision_application, settings):
    settings.UPLOAD_MAX_FILES_PER_APPLICATION = 1
    message = _message(number)
    media = [_media(message), _media(_message(number, text=""))]
    client.force_login(officer)
    response = client.post(
        reverse("notifications:conversation_attach", args=[message.pk]),
        {"application": revision_application.pk, "media": [m.pk for m in media]},
    )
    assert response.status_code == 200
    assert revision_application.attachments.count() == 0
    assert not InboundMedia.objects.filter(used=True).exists()
    assert "batas" in response.content.decode()


def test_dismiss_marks_new_messages(client, officer, number):
    message = _message(number)
    client.force_login(officer)
    response = client.post(reverse("notifications:conversation_dismiss", args=[message.pk]))
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.status == InboundMessage.Status.DISMISSED
    assert client.get(reverse("notifications:conversation_dismiss", args=[message.pk])).status_code == 405
