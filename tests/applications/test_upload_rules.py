"""The safe-upload rules: what is refused (with a message in Bahasa Indonesia) and what is cleaned."""

import hashlib
import io
import re
import time
import warnings
import zipfile
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import ExifTags, Image, ImageFile
from weasyprint import HTML

from applications import uploads
from applications.uploads import (
    CleanFile,
    UploadRejected,
    check_file_count,
    sanitize_display_name,
    sanitize_upload,
)
from tests import malicious_files as mf
from tests.applications.workspace import jpeg_upload

JPEG_MAGIC = b"\xff\xd8\xff"
# Marker segments that would carry metadata: APP1 (EXIF, XMP), APP2 (ICC), COM. In entropy-coded
# data 0xFF is always followed by 0x00 or a restart marker, so these pairs cannot occur by chance.
METADATA_MARKERS = {"APP1": b"\xff\xe1", "APP2": b"\xff\xe2", "COM": b"\xff\xfe"}
WHAT_TO_DO = re.compile(r"\b(kirim|foto ulang|pilih ulang|cetak ulang|hubungi)\b", re.IGNORECASE)


@pytest.fixture(autouse=True)
def indonesian():
    with translation.override("id"):
        yield


def _rejected(upload) -> UploadRejected:
    with pytest.raises(UploadRejected) as caught:
        sanitize_upload(upload)
    return caught.value


def _assert_clean_jpeg(data: bytes) -> Image.Image:
    assert data.startswith(JPEG_MAGIC)
    for name, marker in METADATA_MARKERS.items():
        assert marker not in data, f"{name} segment survived"
    for planted in (mf.GPS_MARKER, mf.CAMERA_MARKER, mf.COMMENT_MARKER, mf.XMP_MARKER, b"Exif\x00\x00"):
        assert planted not in data
    image = Image.open(io.BytesIO(data))
    image.load()
    assert image.format == "JPEG"
    assert len(image.getexif()) == 0
    assert image.getexif().get_ifd(ExifTags.IFD.GPSInfo) == {}
    assert "icc_profile" not in image.info
    assert "comment" not in image.info
    return image


# --- the whole corpus ------------------------------------------------------------------------------


@pytest.mark.parametrize("label", list(mf.CASES))
def test_corpus_file_is_refused_with_indonesian_message_or_comes_out_clean(label):
    case = mf.CASES[label]
    upload = case.build()
    if case.expected == "refused":
        error = _rejected(upload)
        assert error.code == case.code
        assert str(error) == error.message
        display_name = sanitize_display_name(upload.name)
        assert f"'{display_name}'" in error.message or error.code == "too_many_files"
        assert WHAT_TO_DO.search(error.message), error.message
        return
    clean = sanitize_upload(upload)
    assert isinstance(clean, CleanFile)
    assert clean.size == len(clean.content)
    assert clean.sha256 == hashlib.sha256(clean.content).hexdigest()
    assert "/" not in clean.display_name and "\\" not in clean.display_name
    assert b"<script" not in clean.content.lower()
    if clean.kind == "image":
        image = _assert_clean_jpeg(clean.content)
        assert (image.width, image.height) == (clean.width, clean.height)
        thumbnail = _assert_clean_jpeg(clean.thumbnail)
        assert max(thumbnail.size) <= uploads.THUMBNAIL_SIDE
        if clean.screen is not None:
            assert max(_assert_clean_jpeg(clean.screen).size) == uploads.SCREEN_SIDE
    else:
        assert clean.content.startswith(b"%PDF-")
        assert clean.thumbnail is None and clean.screen is None
        assert clean.page_count >= 1


def test_a_large_photo_gets_a_screen_version_a_small_one_needs_none():
    """The viewer's version: long side SCREEN_SIDE, clean, far lighter than the stored photo; a photo
    already that small is shown as it is (no second copy)."""
    large = sanitize_upload(jpeg_upload("kk.jpg", size=(2000, 1500)))
    screen = _assert_clean_jpeg(large.screen)
    assert screen.size == (uploads.SCREEN_SIDE, 960)
    assert (large.width, large.height) == (2000, 1500)  # the stored file keeps its size
    assert len(large.screen) < len(large.content) / 1.5
    assert sanitize_upload(jpeg_upload("kk.jpg", size=(1280, 720))).screen is None
    assert sanitize_upload(jpeg_upload("kk.jpg", size=(900, 600))).screen is None


def test_the_screen_version_of_a_turned_photo_is_upright_too():
    clean = sanitize_upload(SimpleUploadedFile("hp.jpg", mf.exif_jpeg_bytes((2000, 1500), orientation=6)))
    assert _assert_clean_jpeg(clean.screen).size == (960, uploads.SCREEN_SIDE)


def test_malicious_corpus_gives_fresh_files_for_every_case():
    first = mf.malicious_corpus()
    second = mf.malicious_corpus()
    assert [label for label, _, _ in first] == list(mf.CASES)
    assert {expected for _, _, expected in first} == {"refused", "neutralised"}
    for (_, a, _), (_, b, _) in zip(first, second, strict=True):
        assert isinstance(a, SimpleUploadedFile)
        assert a is not b


# --- images: metadata, orientation, appended payloads ------------------------------------------------


def test_exif_gps_is_removed_and_orientation_applied():
    upload = mf.jpeg_with_exif_gps_orientation()
    raw = upload.read()
    # The fixture really carries what we claim to remove.
    source = Image.open(io.BytesIO(raw))
    assert source.size == mf.EXIF_PHOTO_SIZE
    assert source.getexif()[ExifTags.Base.Orientation] == 6
    assert source.getexif().get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitudeRef] == "S"
    assert "icc_profile" in source.info
    assert all(marker in raw for marker in (mf.GPS_MARKER, mf.COMMENT_MARKER, mf.XMP_MARKER))

    clean = sanitize_upload(upload)

    image = _assert_clean_jpeg(clean.content)
    width, height = mf.EXIF_PHOTO_SIZE
    assert (clean.width, clean.height) == (height, width) == image.size
    # Orientation 6 turns the picture 90° clockwise: the red top-left mark ends up top-right.
    assert _is_red(image.getpixel((image.width - 10, 10)))
    assert not _is_red(image.getpixel((10, 10)))
    thumbnail = _assert_clean_jpeg(clean.thumbnail)
    assert thumbnail.width < thumbnail.height
    assert _is_red(thumbnail.getpixel((thumbnail.width - 3, 3)))


def _is_red(pixel: tuple[int, int, int]) -> bool:
    r, g, b = pixel
    return r > 170 and g < 80 and b < 80


def test_png_with_appended_html_passes_verify_but_comes_out_without_it():
    upload = mf.png_with_html_appended()
    raw = upload.read()
    Image.open(io.BytesIO(raw)).verify()  # the threat: Pillow's verify is happy
    assert raw.endswith(mf.HTML_PAYLOAD)

    clean = sanitize_upload(upload)

    assert b"<html" not in clean.content.lower() and b"<script" not in clean.content.lower()
    _assert_clean_jpeg(clean.content)


def test_jpeg_zip_polyglot_loses_the_archive():
    upload = mf.jpeg_with_zip_appended()
    assert zipfile.is_zipfile(io.BytesIO(upload.read()))

    clean = sanitize_upload(upload)

    assert not zipfile.is_zipfile(io.BytesIO(clean.content))
    assert b"PK\x03\x04" not in clean.content and mf.ZIP_MARKER not in clean.content


def test_png_transparency_is_flattened_on_white():
    clean = sanitize_upload(mf.png_with_alpha())

    image = Image.open(io.BytesIO(clean.content)).convert("RGB")
    assert all(channel > 240 for channel in image.getpixel((50, 150)))  # was transparent black
    r, g, b = image.getpixel((350, 150))
    assert b > 200 and r < 40 and g < 40


def test_sixteen_bit_greyscale_png_keeps_its_tones():
    out = io.BytesIO()
    Image.new("I;16", (300, 200), 30000).save(out, "PNG")  # 30000/65535: a mid grey

    clean = sanitize_upload(SimpleUploadedFile("scan16.png", out.getvalue()))

    grey = Image.open(io.BytesIO(clean.content)).convert("L").getpixel((150, 100))
    assert 100 < grey < 135


def test_large_photo_is_shrunk_to_the_long_side_limit_and_small_one_kept():
    big = SimpleUploadedFile("panorama.jpg", mf.plain_jpeg_bytes((3000, 1000)))
    small = SimpleUploadedFile("kecil.jpg", mf.plain_jpeg_bytes((800, 600)))

    assert (sanitize_upload(big).width, sanitize_upload(big).height) == (2000, 667)
    assert (sanitize_upload(small).width, sanitize_upload(small).height) == (800, 600)


def test_good_files_get_server_decided_content_types():
    jpeg = sanitize_upload(SimpleUploadedFile("foto.jpg", mf.plain_jpeg_bytes(), "image/jpeg"))
    png = sanitize_upload(mf.png_normal())
    pdf_upload = mf.real_pdf()
    pdf_bytes = pdf_upload.read()
    pdf = sanitize_upload(pdf_upload)

    assert (jpeg.kind, jpeg.content_type, jpeg.extension) == ("image", "image/jpeg", ".jpg")
    # Every image is re-encoded as JPEG, PNG included (one format, no PNG text chunks can survive).
    assert (png.kind, png.content_type, png.extension) == ("image", "image/jpeg", ".jpg")
    assert (pdf.kind, pdf.content_type, pdf.extension) == ("pdf", "application/pdf", ".pdf")
    assert pdf.content == pdf_bytes  # PDFs are kept byte for byte
    assert pdf.sha256 == hashlib.sha256(pdf_bytes).hexdigest()
    assert (pdf.page_count, pdf.width, pdf.height, pdf.thumbnail) == (1, None, None, None)


def test_type_comes_from_content_not_from_name_or_browser_type():
    jpeg_called_pdf = sanitize_upload(mf.jpeg_named_pdf())
    pdf_called_jpg = sanitize_upload(mf.pdf_named_jpg())
    html_called_jpg = mf.html_renamed_jpg()

    assert jpeg_called_pdf.kind == "image" and jpeg_called_pdf.display_name == "surat_pengantar.pdf"
    assert pdf_called_jpg.kind == "pdf"
    assert html_called_jpg.content_type == "image/jpeg"
    assert _rejected(html_called_jpg).code == "file_type"


def test_heic_refusal_tells_how_to_send_a_jpeg():
    error = _rejected(mf.heic_photo())

    assert error.code == "heif"
    assert "JPEG" in error.message and "'IMG_0042.HEIC'" in error.message


# --- bombs and broken images ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "build",
    [mf.png_decompression_bomb, mf.png_bomb_below_pillow_default, mf.jpeg_declaring_huge_size],
    ids=["png-30000", "png-9000", "jpeg-60000"],
)
def test_decompression_bomb_is_refused_before_any_pixel_is_decoded(build, monkeypatch):
    decoded = []
    real_load = ImageFile.ImageFile.load
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda self: decoded.append(self) or real_load(self))

    error = _rejected(build())

    assert error.code == "too_many_pixels"
    assert decoded == []
    assert re.search(r"\d+ × \d+ piksel", error.message) and "× 0 " not in error.message


def test_pixel_limit_is_ours_not_pillows_global():
    filters_before = list(warnings.filters)
    pillow_limit = Image.MAX_IMAGE_PIXELS
    # 81 MP is under Pillow's default limit, so only our own check can refuse it.
    assert pillow_limit > 9000 * 9000

    assert _rejected(mf.png_bomb_below_pillow_default()).code == "too_many_pixels"
    sanitize_upload(mf.png_normal())

    assert pillow_limit == Image.MAX_IMAGE_PIXELS
    assert warnings.filters == filters_before


@pytest.mark.parametrize("build", [mf.truncated_jpeg, mf.truncated_png], ids=["jpeg", "png"])
def test_truncated_image_is_refused_even_where_weasyprint_tolerates_truncation(build, monkeypatch):
    # Importing WeasyPrint (this module does, as the app's PDF code will) sets this process-wide.
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)

    error = _rejected(build())

    assert error.code == "image_broken"
    assert "rusak atau tidak lengkap" in error.message
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True  # put back for WeasyPrint


def test_concurrent_uploads_leave_the_truncation_setting_as_they_found_it(monkeypatch):
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    builds = [mf.truncated_jpeg, mf.png_normal, mf.truncated_png, mf.jpeg_with_exif_gps_orientation] * 4

    def outcome(build):
        try:
            return sanitize_upload(build()).kind
        except UploadRejected as error:
            return error.code

    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(pool.map(outcome, builds))

    assert outcomes == ["image_broken", "image", "image_broken", "image"] * 4
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True


# --- size, emptiness, reading -----------------------------------------------------------------------


class CountingFile(io.BytesIO):
    """A file object that lies about (or hides) its size and counts what is read."""

    def __init__(self, data: bytes, *, name: str, size: int | None) -> None:
        super().__init__(data)
        self.name = name
        if size is not None:
            self.size = size
        self.bytes_read = 0

    def read(self, n: int | None = -1) -> bytes:
        chunk = super().read(n)
        self.bytes_read += len(chunk)
        return chunk


def test_oversized_file_is_refused_without_reading_it_when_its_size_is_known():
    upload = CountingFile(bytes(11 * 1024 * 1024), name="besar.jpg", size=11 * 1024 * 1024)

    error = _rejected(upload)

    assert error.code == "too_large"
    assert "10 MB" in error.message
    assert upload.bytes_read == 0


@pytest.mark.parametrize("claimed", [None, 1000], ids=["no-size", "lying-size"])
def test_oversized_file_reads_at_most_one_byte_past_the_limit(claimed, settings):
    limit = settings.UPLOAD_MAX_BYTES
    upload = CountingFile(mf.plain_jpeg_bytes() + bytes(limit * 2), name="besar.jpg", size=claimed)

    assert _rejected(upload).code == "too_large"
    assert upload.bytes_read == limit + 1


def test_size_limit_boundary_follows_settings(settings):
    settings.UPLOAD_MAX_BYTES = 4000
    tiny = mf.plain_jpeg_bytes((16, 16))
    assert len(tiny) < 4000

    exactly = sanitize_upload(SimpleUploadedFile("pas.jpg", tiny + bytes(4000 - len(tiny))))
    error = _rejected(SimpleUploadedFile("lebih.jpg", tiny + bytes(4001 - len(tiny))))

    assert exactly.kind == "image"
    assert error.code == "too_large"


def test_empty_file_is_refused():
    error = _rejected(mf.empty_file())

    assert error.code == "empty"
    assert error.message.startswith("Berkas 'kosong.jpg' kosong")


def test_file_already_read_by_a_form_is_read_again_from_the_start():
    upload = SimpleUploadedFile("kk.jpg", mf.plain_jpeg_bytes())
    upload.read()

    assert sanitize_upload(upload).kind == "image"


def test_plain_file_objects_and_content_files_work_too():
    stream = io.BytesIO(mf.real_pdf_bytes())
    stream.name = "dari_whatsapp.pdf"

    assert sanitize_upload(stream).display_name == "dari_whatsapp.pdf"
    assert sanitize_upload(ContentFile(mf.plain_jpeg_bytes(), name="wa-image.jpg")).kind == "image"


# --- names ------------------------------------------------------------------------------------------


def test_traversal_names_give_a_clean_display_name():
    traversal = mf.path_traversal_name()
    assert traversal.name == "../../x.jpg"  # the fixture bypasses Django's own basename

    assert sanitize_upload(traversal).display_name == "x.jpg"
    assert sanitize_upload(mf.backslash_traversal_name()).display_name == "x.jpg"


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("../../x.jpg", "x.jpg"),
        ("..\\..\\x.jpg", "x.jpg"),
        ("C:\\Users\\Budi\\Pictures\\KK Budi.jpg", "KK Budi.jpg"),
        ("/etc/passwd", "passwd"),
        ("foto\u202egpj.exe", "fotogpj.exe"),  # right-to-left override would show "fotoexe.jpg"
        ("kk\x00\x1b[31m.jpg", "kk[31m.jpg"),
        ("KTP\nbaru\t  2026.jpg", "KTPbaru 2026.jpg"),
        ('a<b>"c"|d?.jpg', "a_b__c__d_.jpg"),
        ("ktp.jpg. ", "ktp.jpg"),
        ("..", "berkas"),
        ("", "berkas"),
        (None, "berkas"),
        ("Akta Kelahiran Siti.pdf", "Akta Kelahiran Siti.pdf"),
    ],
)
def test_display_name_is_sanitised(raw, shown):
    assert sanitize_display_name(raw) == shown


def test_long_display_name_is_trimmed_but_keeps_its_extension():
    shown = sanitize_display_name("surat " * 60 + ".jpeg")

    assert len(shown) <= uploads.DISPLAY_NAME_MAX_LENGTH
    assert shown.endswith(".jpeg") and shown.startswith("surat surat")


# --- PDFs -------------------------------------------------------------------------------------------


def test_pdf_with_a_harmless_open_destination_is_accepted():
    upload = mf.real_pdf()
    assert b"/OpenAction [3 0 R /Fit]" in upload.read()  # what Word writes: open at page 1, fitted

    assert sanitize_upload(upload).kind == "pdf"


def test_real_world_pdf_with_links_is_accepted():
    document = HTML(
        string="<h1>Surat Keterangan</h1>"
        + "<p>Lihat <a href='https://dukcapil.kemendagri.go.id'>laman Dukcapil</a>.</p>" * 40
    ).write_pdf()

    clean = sanitize_upload(SimpleUploadedFile("surat.pdf", document))

    assert clean.kind == "pdf" and clean.page_count >= 1


def test_hidden_javascript_is_found_through_parsed_objects_not_only_raw_bytes():
    obfuscated = mf.pdf_openaction_javascript_obfuscated()
    in_object_stream = mf.pdf_javascript_in_object_stream()
    # Neither file shows the names in its raw bytes: a byte search alone would pass them.
    assert b"/JavaScript" not in obfuscated.read()
    raw = in_object_stream.read()
    assert b"/JavaScript" not in raw and b"/JS" not in raw
    assert sanitize_upload(mf.real_pdf_compressed()).kind == "pdf"  # the same layout, harmless

    assert _rejected(obfuscated).code == "pdf_active_content"
    assert _rejected(in_object_stream).code == "pdf_active_content"


def test_action_type_given_by_reference_is_resolved():
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R /OpenAction << /S 4 0 R /F (cmd.exe) >> >>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
        4: b"/Launch",
    }

    error = _rejected(SimpleUploadedFile("x.pdf", mf.pdf_document(objects)))

    assert error.code == "pdf_active_content"
    assert "Cetak ulang" in error.message


def test_pdf_locked_for_editing_only_is_accepted_but_password_locked_is_refused():
    accepted = sanitize_upload(mf.pdf_owner_password_only())
    error = _rejected(mf.pdf_password_protected())

    assert accepted.page_count == 1
    assert error.code == "pdf_encrypted"
    assert "kata sandi" in error.message


def test_pdf_page_limit():
    assert sanitize_upload(mf.pdf_too_many_pages(uploads.MAX_PDF_PAGES)).page_count == 30
    error = _rejected(mf.pdf_too_many_pages(uploads.MAX_PDF_PAGES + 1))

    assert error.code == "pdf_too_many_pages"
    assert "31 halaman" in error.message


def test_pdf_with_too_many_objects_is_refused(monkeypatch):
    monkeypatch.setattr(uploads, "MAX_PDF_OBJECTS", 10)
    objects = mf._letter_objects()
    objects.update(dict.fromkeys(range(6, 13), b"<< /Filler true >>"))  # 12 objects

    error = _rejected(SimpleUploadedFile("tebal.pdf", mf.pdf_document(objects)))

    assert error.code == "pdf_too_complex"


def test_fake_pdf_is_refused_although_it_starts_like_one():
    upload = mf.fake_pdf()
    assert upload.read().startswith(b"%PDF-")

    assert _rejected(upload).code == "pdf_broken"


# --- file count -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("existing", "adding"), [(0, 40), (39, 1), (40, 0), (0, 0)])
def test_file_count_within_limit_is_allowed(existing, adding):
    check_file_count(existing, adding)


def test_file_count_over_limit_says_how_many_are_left():
    with pytest.raises(UploadRejected) as caught:
        check_file_count(35, 10)

    assert caught.value.code == "too_many_files"
    assert "hanya 5 berkas lagi" in caught.value.message
    assert "batas 40" in caught.value.message


def test_file_count_when_full():
    with pytest.raises(UploadRejected) as caught:
        check_file_count(40, 1)

    assert "sudah berisi 40 berkas" in caught.value.message


def test_file_count_limit_follows_settings(settings):
    settings.UPLOAD_MAX_FILES_PER_APPLICATION = 3
    check_file_count(2, 1)

    with pytest.raises(UploadRejected):
        check_file_count(2, 2)


def test_negative_file_count_is_a_programming_error():
    with pytest.raises(ValueError):
        check_file_count(-1, 1)


# --- speed ------------------------------------------------------------------------------------------


def test_twelve_megapixel_phone_photo_takes_well_under_a_second():
    photo = mf.exif_jpeg_bytes((4032, 3024))
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        clean = sanitize_upload(SimpleUploadedFile("IMG_12MP.jpg", photo))
        timings.append(time.perf_counter() - started)

    assert (clean.width, clean.height) == (1500, 2000)
    # ~0.15–0.2 s measured on this 2-core machine; the bound leaves room for a busy CI box.
    assert min(timings) < 1.0, timings
