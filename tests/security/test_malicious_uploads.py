"""The malicious upload corpus (tests/malicious_files.py) against every way a file gets in:
intake, resubmission, and a photo sent to an officer's WhatsApp number.

Each file is refused (the page says why in Indonesian, no row and no file is left behind) or
neutralised (stored re-made: no metadata, no appended payload, a server-made name inside the
private folder).
"""

import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape

from applications.models import Application, Attachment
from applications.uploads import UploadRejected, sanitize_upload
from notifications.models import InboundMedia
from notifications.webhook_security import compute_signature
from tests import factories as f
from tests.applications.workspace import application_with_checks, intake_data, stored_files
from tests.fakes.whatsapp_payloads import incoming_message
from tests.malicious_files import (
    CAMERA_MARKER,
    CASES,
    COMMENT_MARKER,
    GPS_MARKER,
    HTML_PAYLOAD,
    XMP_MARKER,
    ZIP_MARKER,
)

pytestmark = [pytest.mark.security, pytest.mark.django_db]
pytest_plugins = ["tests.fakes.fake_media"]

MARKERS = (GPS_MARKER, CAMERA_MARKER, COMMENT_MARKER, XMP_MARKER, HTML_PAYLOAD, ZIP_MARKER)
BUSINESS = "6281300000001"
CITIZEN = "6281234567890"
SECRET = "test-app-secret"


def assert_clean_store(root: Path, expected: str, rows_before: int) -> None:
    """Refused: no file and no attachment row. Neutralised: one clean file per stored version."""
    files = stored_files(root)
    if expected == "refused":
        assert files == []
        assert Attachment.objects.count() == rows_before
        return
    assert files
    for path in files:
        assert path.resolve().is_relative_to(Path(root).resolve())
        content = path.read_bytes()
        for marker in MARKERS:
            assert marker not in content, f"{marker!r} survived in {path.name}"
    for attachment in Attachment.objects.all():
        assert ".." not in attachment.file.name and "\\" not in attachment.file.name


def _refusal_said_in_indonesian(response, label: str) -> None:
    """The page repeats the upload check's own Indonesian message for this file."""
    assert response.status_code in (200, 400)
    with pytest.raises(UploadRejected) as refused:
        sanitize_upload(CASES[label].build())
    assert escape(refused.value.message) in response.content.decode()


@pytest.mark.parametrize("label", CASES)
def test_intake(client, officer, doc_type, desa_a, private_media, label):
    case = CASES[label]
    requirement = doc_type.requirements.order_by("pk").first()
    data = intake_data(doc_type, desa_a, **{f"files_{requirement.pk}": [case.build()]})
    client.force_login(officer)
    response = client.post(reverse("applications:intake"), data)
    if case.expected == "refused":
        _refusal_said_in_indonesian(response, label)
        assert Application.objects.count() == 0
    else:
        assert response.status_code == 302, response.content.decode()[:500]
        assert Attachment.objects.count() == 1
    assert_clean_store(private_media, case.expected, rows_before=0)


@pytest.mark.parametrize("label", CASES)
def test_resubmission(client, officer, doc_type, desa_a, private_media, label):
    case = CASES[label]
    app = application_with_checks(doc_type, assigned_to=officer, desa=desa_a, status="revision_required")
    requirement = doc_type.requirements.order_by("pk").first()
    client.force_login(officer)
    response = client.post(
        reverse("applications:resubmit", args=[app.pk]),
        {"version": app.version, "note": "Dikirim ulang lewat WA", f"files_{requirement.pk}": [case.build()]},
    )
    app.refresh_from_db()
    if case.expected == "refused":
        _refusal_said_in_indonesian(response, label)
        assert app.status == "revision_required" and app.version == 1
    else:
        assert response.status_code == 302
        assert app.status != "revision_required"
    assert_clean_store(private_media, case.expected, rows_before=0)


@pytest.fixture
def media_server(fake_media, settings):
    fake_media.configure(settings)
    settings.WHATSAPP_TIMEOUT_SECONDS = 2
    settings.WHATSAPP_APP_SECRET = SECRET
    return fake_media


def _image_message(media_id: str, mime_type: str) -> dict:
    kind = "document" if mime_type == "application/pdf" else "image"
    content = {"id": media_id, "mime_type": mime_type, "sha256": "x", "filename": "kiriman"}
    return incoming_message(
        business=BUSINESS, sender=CITIZEN, wamid="wamid.SEC-UPLOAD", kind=kind, content=content
    )


@pytest.mark.parametrize("label", CASES)
def test_whatsapp_inbound(
    client, officer, doc_type, desa_a, media_server, private_media, django_capture_on_commit_callbacks, label
):
    case = CASES[label]
    upload = case.build()
    f.OfficerNumberFactory(officer=officer, phone=f"+{BUSINESS}", bidang="dafduk")
    content = upload.read()
    media_server.add("MEDIA-SEC", content, upload.content_type or "image/jpeg")
    body = json.dumps(_image_message("MEDIA-SEC", upload.content_type or "image/jpeg")).encode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("notifications:webhook"),
            data=body,
            content_type="application/json",
            HTTP_X_HUB_SIGNATURE_256=compute_signature(body, SECRET),
        )
    assert response.status_code == 200
    [media] = InboundMedia.objects.all()
    if case.expected == "refused":
        assert not media.fetched and not media.file and not media.thumbnail
        # the officer reads why, in the upload check's own Indonesian words, in the conversation
        with pytest.raises(UploadRejected) as refused:
            sanitize_upload(SimpleUploadedFile("kiriman", content))  # the name the message carried
        assert media.error == refused.value.message[:400]
        assert_clean_store(private_media, "refused", rows_before=0)
        return
    assert media.fetched and media.error == ""
    assert_clean_store(private_media, "neutralised", rows_before=0)
    # and attached to an application it stays clean
    app = application_with_checks(doc_type, assigned_to=officer, desa=desa_a, status="revision_required")
    client.force_login(officer)
    response = client.post(
        reverse("notifications:conversation_attach", args=[media.message_id]),
        {"number": app.number, "media": [media.pk], "resubmitted": "on"},
    )
    assert response.status_code == 302
    assert Attachment.objects.filter(application=app).count() == 1
    assert_clean_store(private_media, "neutralised", rows_before=0)
