"""Attachments: hostile files through the intake and resubmission views, storage that never leaves
half a write behind, and the serving view's headers and access checks."""

import io
from unittest import mock

import pytest
from django.urls import reverse
from django.utils.html import escape
from PIL import Image

from applications.attachments import NewFile
from applications.models import Application, ApplicationEvent, Attachment
from applications.services import ApplicationData, StaleApplication, application_intake, application_resubmit
from applications.uploads import UploadRejected, sanitize_upload
from tests import factories as f
from tests.malicious_files import (
    CAMERA_MARKER,
    CASES,
    COMMENT_MARKER,
    GPS_MARKER,
    HTML_PAYLOAD,
    XMP_MARKER,
    ZIP_MARKER,
    jpeg_with_exif_gps_orientation,
    real_pdf,
)

from .workspace import application_with_checks, intake_data, jpeg_upload, stored_files

INTAKE = reverse("applications:intake")
MARKERS = (GPS_MARKER, CAMERA_MARKER, COMMENT_MARKER, XMP_MARKER, HTML_PAYLOAD, ZIP_MARKER)


def _refusal_message(label: str) -> str:
    with pytest.raises(UploadRejected) as info:
        sanitize_upload(CASES[label].build())
    return info.value.message


def _assert_clean(attachment: Attachment) -> None:
    """What we stored carries none of the planted metadata or payloads, and images are plain JPEGs."""
    content = attachment.file.read()
    attachment.file.close()
    for marker in MARKERS:
        assert marker not in content
    assert "/" not in attachment.display_name and "\\" not in attachment.display_name
    if attachment.kind == "image":
        image = Image.open(io.BytesIO(content))
        assert image.format == "JPEG"
        assert not image.getexif() and "exif" not in image.info and "icc_profile" not in image.info


@pytest.fixture
def req(doc_type):
    return doc_type.requirements.order_by("order", "id").first()


@pytest.mark.django_db
@pytest.mark.parametrize("label", list(CASES))
def test_every_hostile_file_through_intake_is_refused_or_neutralised(
    label, client, officer, doc_type, req, desa_a, private_media
):
    case = CASES[label]
    client.force_login(officer)
    data = intake_data(doc_type, desa_a)
    data[f"files_{req.pk}"] = [case.build()]
    response = client.post(INTAKE, data)
    if case.expected == "refused":
        assert response.status_code == 400
        assert escape(_refusal_message(label)) in response.content.decode()
        assert not Application.objects.exists() and not Attachment.objects.exists()
        assert stored_files(private_media) == []
    else:
        assert response.status_code == 302
        attachment = Attachment.objects.get()
        assert attachment.requirement == req
        _assert_clean(attachment)
        expected_files = 2 if attachment.kind == "image" else 1  # file + thumbnail
        assert len(stored_files(private_media)) == expected_files


@pytest.fixture
def in_revision(doc_type, officer, desa_a, private_media):
    """An application waiting for corrections, with one file stored at intake."""
    app = application_with_checks(doc_type, assigned_to=officer, desa=desa_a, status="revision_required")
    first = doc_type.requirements.order_by("order", "id").first()
    from applications.attachments import FileWriteGuard, attachments_store

    with FileWriteGuard() as guard:
        attachments_store(
            application=app,
            files=[NewFile(requirement=first, clean=sanitize_upload(jpeg_upload()))],
            actor=officer,
            source="intake",
            guard=guard,
        )
    return app


@pytest.mark.django_db
@pytest.mark.parametrize("label", list(CASES))
def test_every_hostile_file_through_resubmission_is_refused_or_neutralised(
    label, client, officer, in_revision, req, private_media
):
    case = CASES[label]
    before = stored_files(private_media)
    client.force_login(officer)
    url = reverse("applications:resubmit", args=[in_revision.pk])
    response = client.post(url, {"version": in_revision.version, f"files_{req.pk}": [case.build()]})
    in_revision.refresh_from_db()
    if case.expected == "refused":
        assert response.status_code == 400
        assert escape(_refusal_message(label)) in response.content.decode()
        assert in_revision.status == "revision_required" and in_revision.version == 1
        assert in_revision.attachments.count() == 1
        assert in_revision.attachments.get().replaced_at is None
        assert stored_files(private_media) == before
    else:
        assert response.status_code == 302
        assert in_revision.status == "resubmitted"
        new = in_revision.attachments.get(source="resubmission")
        _assert_clean(new)
        old = in_revision.attachments.get(source="intake")
        assert old.replaced_at is not None  # kept, marked replaced


@pytest.mark.django_db
def test_one_refused_file_among_good_ones_stores_none_of_them(
    client, officer, doc_type, req, desa_a, private_media
):
    client.force_login(officer)
    data = intake_data(doc_type, desa_a)
    data[f"files_{req.pk}"] = [jpeg_upload("a.jpg"), CASES["elf_named_jpg"].build(), jpeg_upload("b.jpg")]
    response = client.post(INTAKE, data)
    assert response.status_code == 400
    assert "foto_ktp.jpg" in response.content.decode()
    assert not Application.objects.exists() and stored_files(private_media) == []


@pytest.mark.django_db
def test_one_file_too_many_at_intake_is_refused(
    client, officer, doc_type, req, desa_a, private_media, settings
):
    settings.UPLOAD_MAX_FILES_PER_APPLICATION = 3
    client.force_login(officer)
    data = intake_data(doc_type, desa_a)
    data[f"files_{req.pk}"] = [jpeg_upload(f"{i}.jpg") for i in range(3)]
    data["files_other"] = [jpeg_upload("4.jpg")]
    response = client.post(INTAKE, data)
    assert response.status_code == 400
    assert "batasnya" in response.content.decode() or "batas 3" in response.content.decode()
    assert not Application.objects.exists() and stored_files(private_media) == []
    del data["files_other"]
    data[f"files_{req.pk}"] = [jpeg_upload(f"{i}.jpg") for i in range(3)]
    assert client.post(INTAKE, data).status_code == 302


@pytest.mark.django_db
def test_one_file_too_many_at_resubmission_is_refused(
    client, officer, in_revision, req, private_media, settings
):
    settings.UPLOAD_MAX_FILES_PER_APPLICATION = 2
    before = stored_files(private_media)
    client.force_login(officer)
    url = reverse("applications:resubmit", args=[in_revision.pk])
    response = client.post(
        url, {"version": 1, f"files_{req.pk}": [jpeg_upload("a.jpg"), jpeg_upload("b.jpg")]}
    )
    assert response.status_code == 400
    assert "hanya 1" in response.content.decode()
    assert stored_files(private_media) == before and in_revision.attachments.count() == 1


def _data(doc_type, desa) -> ApplicationData:
    return ApplicationData(
        applicant_name="Warga",
        nik=f.make_nik(serial=9),
        no_kk=f.make_no_kk(serial=9),
        whatsapp="+6281234567890",
        desa_id=desa.pk,
        document_type=doc_type,
    )


@pytest.mark.django_db
def test_database_error_after_files_were_written_removes_them(officer, doc_type, req, desa_a, private_media):
    files = [NewFile(requirement=req, clean=sanitize_upload(jpeg_upload(f"{i}.jpg"))) for i in range(3)]
    real_save = Attachment.save
    calls = []

    def failing_save(self, *args, **kwargs):
        calls.append(self)
        if len(calls) == 3:
            raise RuntimeError("disk full while writing the row")
        return real_save(self, *args, **kwargs)

    with mock.patch.object(Attachment, "save", failing_save), pytest.raises(RuntimeError):
        application_intake(actor=officer, data=_data(doc_type, desa_a), files=files)
    assert len(calls) == 3  # two rows and five files were written before the failure
    assert stored_files(private_media) == []
    assert not Application.objects.exists() and not Attachment.objects.exists()
    assert not ApplicationEvent.objects.exists()


@pytest.mark.django_db
def test_resubmission_failing_on_a_concurrent_change_removes_the_new_files(
    officer, in_revision, req, private_media
):
    """Somebody saves between our version check and our claim: the claim fails, the files go."""
    before = stored_files(private_media)
    files = [NewFile(requirement=req, clean=sanitize_upload(jpeg_upload()))]
    Application.objects.filter(pk=in_revision.pk).update(version=2)  # the other officer's save
    with pytest.raises(StaleApplication):
        application_resubmit(application=in_revision, actor=officer, files=files, expected_version=1, note="")
    assert stored_files(private_media) == before
    assert in_revision.attachments.count() == 1 and in_revision.attachments.get().replaced_at is None


# --- serving ---------------------------------------------------------------------------------


@pytest.fixture
def stored(officer, doc_type, req, desa_a):
    """Two applications of the same bidang, each with files: an EXIF photo and a PDF."""
    first = application_intake(
        actor=officer,
        data=_data(doc_type, desa_a),
        files=[
            NewFile(requirement=req, clean=sanitize_upload(jpeg_with_exif_gps_orientation())),
            NewFile(requirement=None, clean=sanitize_upload(real_pdf())),
        ],
    )
    second = application_intake(
        actor=officer,
        data=_data(doc_type, desa_a),
        files=[NewFile(requirement=req, clean=sanitize_upload(jpeg_upload()))],
    )
    return first, second


@pytest.mark.django_db
def test_attachment_is_streamed_with_protective_headers(client, officer, stored):
    app, _ = stored
    photo = app.attachments.get(kind="image")
    client.force_login(officer)
    response = client.get(reverse("applications:attachment", args=[app.pk, photo.pk]))
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert body == photo.file.open("rb").read()
    assert GPS_MARKER not in body
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"] == 'inline; filename="IMG_20260314_092653.jpg"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Security-Policy"].startswith("sandbox")
    # the stored photo was turned upright (EXIF orientation 6: 640x480 stored, 480x640 shown)
    assert Image.open(io.BytesIO(body)).size == (480, 640)


@pytest.mark.django_db
def test_download_and_thumbnail(client, officer, stored):
    app, _ = stored
    photo = app.attachments.get(kind="image")
    pdf = app.attachments.get(kind="pdf")
    client.force_login(officer)
    download = client.get(reverse("applications:attachment", args=[app.pk, pdf.pk]), {"unduh": "1"})
    assert download["Content-Disposition"] == 'attachment; filename="surat_pindah.pdf"'
    assert download["Content-Type"] == "application/pdf"
    thumb = client.get(reverse("applications:attachment_thumb", args=[app.pk, photo.pk]))
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/jpeg"
    assert max(Image.open(io.BytesIO(b"".join(thumb.streaming_content))).size) <= 320
    assert client.get(reverse("applications:attachment_thumb", args=[app.pk, pdf.pk])).status_code == 404


@pytest.mark.django_db
def test_attachment_of_one_application_cannot_be_fetched_through_another(client, officer, stored):
    first, second = stored
    client.force_login(officer)
    foreign = first.attachments.first()
    assert client.get(reverse("applications:attachment", args=[first.pk, foreign.pk])).status_code == 200
    assert client.get(reverse("applications:attachment", args=[second.pk, foreign.pk])).status_code == 404
    assert (
        client.get(reverse("applications:attachment_thumb", args=[second.pk, foreign.pk])).status_code == 404
    )


@pytest.mark.django_db
def test_there_is_no_public_url_for_stored_files(client, stored, settings):
    app, _ = stored
    path = app.attachments.first().file.name
    assert not settings.MEDIA_URL or settings.MEDIA_URL == "/"
    for url in (f"/{path}", f"/media/{path}", f"/private_media/{path}", f"/static/{path}"):
        assert client.get(url).status_code == 404


@pytest.mark.django_db
def test_opening_or_downloading_a_file_is_audited_thumbnails_are_not(client, officer, stored):
    from dukcapil.core.models import AuditEntry

    app, _ = stored
    photo = app.attachments.get(kind="image")
    client.force_login(officer)
    client.get(reverse("applications:attachment_thumb", args=[app.pk, photo.pk]))
    files = AuditEntry.objects.exclude(action="create")  # the intake's own row
    assert not files.exists()
    client.get(reverse("applications:attachment", args=[app.pk, photo.pk]))
    client.get(reverse("applications:attachment", args=[app.pk, photo.pk]), {"unduh": "1"})
    rows = list(files.order_by("id").values_list("action", "object_id", "application_id", "actor"))
    assert rows == [
        ("view_attachment", str(photo.pk), app.pk, officer.pk),
        ("download_attachment", str(photo.pk), app.pk, officer.pk),
    ]


# --- the viewer's screen version ----------------------------------------------------------------


@pytest.fixture
def large_photo(officer, doc_type, req, desa_a):
    """An application with one phone-size photo (2000 × 1500) and one small one (900 × 600)."""
    app = application_intake(
        actor=officer,
        data=_data(doc_type, desa_a),
        files=[
            NewFile(requirement=req, clean=sanitize_upload(jpeg_upload("kk.jpg", size=(2000, 1500)))),
            NewFile(requirement=None, clean=sanitize_upload(jpeg_upload("kecil.jpg", size=(900, 600)))),
        ],
    )
    return app, app.attachments.get(display_name="kk.jpg"), app.attachments.get(display_name="kecil.jpg")


def _image(response) -> Image.Image:
    return Image.open(io.BytesIO(b"".join(response.streaming_content)))


@pytest.mark.django_db
def test_a_large_photo_is_stored_with_a_screen_version_beside_it(large_photo, private_media):
    app, photo, small = large_photo
    assert photo.screen.name.startswith(f"attachments/{app.pk}/screen-")
    assert not small.screen  # already screen-sized: shown as it is
    with photo.screen.open("rb") as f:
        assert max(Image.open(f).size) == 1280
    # file, thumbnail and screen version of the first; file and thumbnail of the second
    assert len(stored_files(private_media)) == 5


@pytest.mark.django_db
def test_viewer_gets_the_screen_version_and_the_full_size_stays_one_click_away(client, officer, large_photo):
    from dukcapil.core.models import AuditEntry

    app, photo, _ = large_photo
    url = reverse("applications:attachment", args=[app.pk, photo.pk])
    client.force_login(officer)
    screen = client.get(url, {"ukuran": "layar"})
    assert screen.status_code == 200 and screen["Content-Type"] == "image/jpeg"
    assert screen["Content-Security-Policy"].startswith("sandbox") and "no-store" in screen["Cache-Control"]
    assert _image(screen).size == (1280, 960)
    assert _image(client.get(url)).size == (2000, 1500)
    download = client.get(url, {"ukuran": "layar", "unduh": "1"})  # a download is always the full file
    assert download["Content-Disposition"].startswith("attachment;") and _image(download).size == (2000, 1500)
    # looking at the screen version is looking at the file: audited like the full size
    assert list(AuditEntry.objects.exclude(action="create").values_list("action", flat=True)) == [
        "view_attachment",
        "view_attachment",
        "download_attachment",
    ]


@pytest.mark.django_db
def test_without_a_screen_version_the_viewer_gets_the_full_file(client, officer, large_photo, stored):
    """Small photos, PDFs and photos stored before screen versions existed answer with the file."""
    app, photo, small = large_photo
    Attachment.objects.filter(pk=photo.pk).update(screen="")  # as an older upload
    other, _ = stored
    pdf = other.attachments.get(kind="pdf")
    client.force_login(officer)
    for application, attachment in ((app, photo), (app, small), (other, pdf)):
        response = client.get(
            reverse("applications:attachment", args=[application.pk, attachment.pk]), {"ukuran": "layar"}
        )
        assert response.status_code == 200
        assert response["Content-Type"] == attachment.content_type
        with attachment.file.open("rb") as f:
            assert b"".join(response.streaming_content) == f.read()


@pytest.mark.django_db
def test_screen_version_of_one_application_cannot_be_fetched_through_another(
    client, officer, large_photo, stored
):
    app, photo, _ = large_photo
    other, _ = stored
    client.force_login(officer)
    response = client.get(reverse("applications:attachment", args=[other.pk, photo.pk]), {"ukuran": "layar"})
    assert response.status_code == 404
