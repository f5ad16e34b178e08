"""Real hostile and ordinary files, built in memory, for every upload path's tests.

Each builder returns a fresh Django `SimpleUploadedFile` whose name and browser content type are
whatever an attacker or a careless phone would send; only the bytes tell the truth. Use
`malicious_corpus()` for (label, file, expected) tuples, or `CASES` for the refusal code too:

    @pytest.mark.parametrize("label", CASES)
    def test_whatsapp_inbound_refuses_or_cleans(label): ...

"refused" means `sanitize_upload` must raise `UploadRejected`; "neutralised" means it must accept
the file and what comes out is clean (metadata and appended payloads gone, name made safe).
"""

import functools
import io
import random
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image, ImageCms, ImageDraw
from pypdf import PdfWriter
from pypdf.actions import JavaScript

Expected = Literal["refused", "neutralised"]

# Strings planted in metadata so tests can prove by a byte search that nothing survived.
GPS_MARKER = b"GPS-MARKER-S8-27-30-E118-43-12"
CAMERA_MARKER = b"MARKER-CAMERA-MAKE"
COMMENT_MARKER = b"MARKER-JPEG-COMMENT"
XMP_MARKER = b"MARKER-XMP-GPS"
HTML_PAYLOAD = b"<html><body><script>alert(document.cookie)</script></body></html>"
ZIP_MARKER = b"MARKER-ZIP-PAYLOAD"
# Stored (pre-rotation) size of the EXIF photo; Orientation=6 means it shows as 480 x 640.
EXIF_PHOTO_SIZE = (640, 480)
RED = (220, 20, 20)


# --- images ------------------------------------------------------------------------------------


def _photo(size: tuple[int, int], *, seed: int = 1) -> Image.Image:
    """A noisy RGB picture (compresses like a photo, not like a flat colour) with a red top-left mark."""
    width, height = size
    rng = random.Random(seed)
    noise = Image.effect_noise(size, 40)
    gradient = Image.linear_gradient("L").resize(size)
    image = Image.merge("RGB", (noise, gradient, noise.transpose(Image.Transpose.FLIP_LEFT_RIGHT)))
    draw = ImageDraw.Draw(image)
    for _ in range(20):
        x, y = rng.randrange(width), rng.randrange(height)
        draw.rectangle((x, y, x + width // 10, y + height // 20), fill=(rng.randrange(256),) * 3)
    draw.rectangle((0, 0, width // 8, height // 8), fill=RED)
    return image


def _jpeg_bytes(image: Image.Image, **params: object) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, **params)
    return out.getvalue()


def _png_bytes(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _upload(name: str, content: bytes, content_type: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def exif_jpeg_bytes(size: tuple[int, int] = EXIF_PHOTO_SIZE, *, orientation: int = 6) -> bytes:
    """A camera-like JPEG: EXIF with GPS position and Orientation, a comment, XMP and an ICC profile."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = CAMERA_MARKER.decode()
    exif[ExifTags.Base.Model] = "Redmi Note 12"
    exif[ExifTags.Base.DateTime] = "2026:03:14 09:26:53"
    exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps.update(
        {
            ExifTags.GPS.GPSLatitudeRef: "S",
            ExifTags.GPS.GPSLatitude: (8.0, 27.0, 30.5),
            ExifTags.GPS.GPSLongitudeRef: "E",
            ExifTags.GPS.GPSLongitude: (118.0, 43.0, 12.0),
            ExifTags.GPS.GPSMapDatum: GPS_MARKER.decode(),
        }
    )
    xmp = (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><exif:GPSLatitude>'
        + XMP_MARKER
        + b"</exif:GPSLatitude></x:xmpmeta>"
    )
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    return _jpeg_bytes(_photo(size), exif=exif.tobytes(), comment=COMMENT_MARKER, xmp=xmp, icc_profile=icc)


def jpeg_with_exif_gps_orientation() -> SimpleUploadedFile:
    return _upload("IMG_20260314_092653.jpg", exif_jpeg_bytes(), "image/jpeg")


def plain_jpeg_bytes(size: tuple[int, int] = (800, 600)) -> bytes:
    return _jpeg_bytes(_photo(size, seed=2))


def png_normal() -> SimpleUploadedFile:
    return _upload("Screenshot_KK.png", _png_bytes(_photo((800, 600), seed=3)), "image/png")


def png_with_alpha() -> SimpleUploadedFile:
    """Left half fully transparent black, right half opaque blue: the left must come out white."""
    image = Image.new("RGBA", (400, 300), (0, 0, 0, 0))
    ImageDraw.Draw(image).rectangle((200, 0, 399, 299), fill=(0, 0, 255, 255))
    return _upload("tanda_tangan.png", _png_bytes(image), "image/png")


def _png_chunk(tag: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))


@functools.cache
def png_bomb_bytes(width: int, height: int) -> bytes:
    """A complete, valid 1-bit PNG of width x height, all black: ~100 KB on disk for 30000 x 30000.

    Decoded it would be width*height bytes of memory (900 MB for 30000 x 30000).
    """
    row = bytes(1 + (width + 7) // 8)  # filter byte 0 + packed bits
    compressor = zlib.compressobj(9)
    idat = bytearray()
    for _ in range(height):
        idat += compressor.compress(row)
    idat += compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", bytes(idat))
        + _png_chunk(b"IEND", b"")
    )


def png_decompression_bomb() -> SimpleUploadedFile:
    """30000 x 30000: above even Pillow's own hard limit."""
    return _upload("kk.png", png_bomb_bytes(30000, 30000), "image/png")


def png_bomb_below_pillow_default() -> SimpleUploadedFile:
    """9000 x 9000 = 81 MP: Pillow's default limit (89 MP) lets it through; ours must not."""
    return _upload("ktp.png", png_bomb_bytes(9000, 9000), "image/png")


def jpeg_declaring_huge_size() -> SimpleUploadedFile:
    """A real small JPEG whose frame header claims 60000 x 60000 pixels."""
    data = bytearray(plain_jpeg_bytes((64, 48)))
    sof = data.index(b"\xff\xc0")
    struct.pack_into(">HH", data, sof + 5, 60000, 60000)
    return _upload("foto.jpg", bytes(data), "image/jpeg")


def png_with_html_appended() -> SimpleUploadedFile:
    """Passes `Image.verify()`; a browser sniffing it could run the script."""
    content = _png_bytes(_photo((320, 240), seed=4)) + HTML_PAYLOAD
    return _upload("akta.png", content, "image/png")


def jpeg_with_zip_appended() -> SimpleUploadedFile:
    """A JPEG/ZIP polyglot: image viewers show the photo, unzip finds the payload."""
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("payload.txt", ZIP_MARKER)
    return _upload("surat.jpg", plain_jpeg_bytes() + archive.getvalue(), "image/jpeg")


def truncated_jpeg() -> SimpleUploadedFile:
    data = plain_jpeg_bytes((1200, 900))
    return _upload("kk_setengah.jpg", data[: len(data) * 6 // 10], "image/jpeg")


def truncated_png() -> SimpleUploadedFile:
    data = _png_bytes(_photo((600, 400), seed=5))
    return _upload("ktp_putus.png", data[: len(data) // 2], "image/png")


def jpeg_magic_then_html() -> SimpleUploadedFile:
    """Starts like a JPEG so a magic-bytes check alone would pass it."""
    return _upload("foto.jpg", b"\xff\xd8\xff\xe0" + HTML_PAYLOAD, "image/jpeg")


def jpeg_named_pdf() -> SimpleUploadedFile:
    return _upload("surat_pengantar.pdf", plain_jpeg_bytes(), "application/pdf")


def path_traversal_name() -> SimpleUploadedFile:
    """A real JPEG named ../../x.jpg.

    Django's UploadedFile already keeps only the basename when it is given a name; the WhatsApp
    inbound path does not go through it, so the raw name is forced here to test our own cleaning.
    """
    upload = _upload("x.jpg", plain_jpeg_bytes(), "image/jpeg")
    upload._name = "../../x.jpg"
    return upload


def backslash_traversal_name() -> SimpleUploadedFile:
    """Django keeps backslashes on Linux, so this name reaches us as is."""
    return _upload("..\\..\\Windows\\System32\\x.jpg", plain_jpeg_bytes(), "image/jpeg")


def heic_photo() -> SimpleUploadedFile:
    """The start of an iPhone HEIC file (ftyp box, brand heic) followed by a meta box."""
    ftyp = struct.pack(">I", 24) + b"ftypheic" + b"\x00\x00\x00\x00" + b"mif1heic"
    meta = struct.pack(">I", 40) + b"meta" + bytes(32)
    return _upload("IMG_0042.HEIC", ftyp + meta + bytes(2000), "image/heic")


def avif_photo() -> SimpleUploadedFile:
    out = io.BytesIO()
    _photo((64, 48)).save(out, "AVIF")
    return _upload("foto.avif", out.getvalue(), "image/avif")


def webp_image() -> SimpleUploadedFile:
    out = io.BytesIO()
    _photo((64, 48)).save(out, "WEBP")
    return _upload("stiker.jpg", out.getvalue(), "image/jpeg")


def gif_image() -> SimpleUploadedFile:
    out = io.BytesIO()
    _photo((64, 48)).save(out, "GIF")
    return _upload("animasi.gif", out.getvalue(), "image/gif")


# --- not images at all ---------------------------------------------------------------------------


def _elf_bytes() -> bytes:
    for candidate in (Path("/bin/true"), Path("/usr/bin/true")):
        if candidate.is_file():
            return candidate.read_bytes()
    # ELF64 header for an x86-64 executable, padded: enough for any sniffer.
    header = b"\x7fELF\x02\x01\x01" + bytes(9) + struct.pack("<HHI", 2, 0x3E, 1)
    return header + bytes(4096 - len(header))


def elf_renamed_jpg() -> SimpleUploadedFile:
    return _upload("foto_ktp.jpg", _elf_bytes(), "image/jpeg")


def pe_bytes() -> bytes:
    """DOS stub + PE header of a Windows x86-64 executable (headers only, never run)."""
    dos = bytearray(b"MZ" + bytes(0x3A) + struct.pack("<I", 0x80))
    dos += b"\x0e\x1f\xba\x0e\x00\xb4\x09\xcd\x21\xb8\x01\x4c\xcd\x21This program cannot be run in DOS mode.\r\r\n$"
    dos += bytes(0x80 - len(dos))
    coff = b"PE\x00\x00" + struct.pack("<HHIIIHH", 0x8664, 1, 0, 0, 0, 0xF0, 0x22)
    return bytes(dos) + coff + bytes(1024)


def pe_renamed_jpg() -> SimpleUploadedFile:
    return _upload("scan_kk.jpg", pe_bytes(), "image/jpeg")


def html_renamed_jpg() -> SimpleUploadedFile:
    return _upload("foto.jpg", b"<!DOCTYPE html>\n" + HTML_PAYLOAD, "image/jpeg")


def svg_with_script() -> SimpleUploadedFile:
    svg = (
        b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100">'
        b'<rect width="100" height="100" fill="red"/><script>alert(document.domain)</script></svg>'
    )
    return _upload("ktp.svg", svg, "image/svg+xml")


def zip_archive() -> SimpleUploadedFile:
    """An Office document is a ZIP too; this one carries a JPEG inside."""
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("kk.jpg", plain_jpeg_bytes((64, 48)))
    return _upload("berkas.zip", archive.getvalue(), "application/zip")


def empty_file() -> SimpleUploadedFile:
    return _upload("kosong.jpg", b"", "image/jpeg")


def oversized_file(limit: int = 10 * 1024 * 1024) -> SimpleUploadedFile:
    """A real JPEG padded (after its end marker, where decoders ignore it) to one byte over the limit."""
    head = plain_jpeg_bytes()
    return _upload("foto_besar.jpg", head + bytes(limit + 1 - len(head)), "image/jpeg")


# --- PDFs --------------------------------------------------------------------------------------


def pdf_document(objects: dict[int, bytes], *, root: int = 1, header: bytes = b"%PDF-1.4") -> bytes:
    """A PDF from numbered object bodies, with a correct classic xref table."""
    out = bytearray(header + b"\n%\xe2\xe3\xcf\xd3\n")
    offsets: dict[int, int] = {}
    for num in sorted(objects):
        offsets[num] = len(out)
        out += b"%d 0 obj\n" % num + objects[num] + b"\nendobj\n"
    size = max(objects) + 1
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for num in range(1, size):
        out += b"%010d 00000 n \n" % offsets[num] if num in offsets else b"0000000000 00000 f \n"
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, root, xref)
    return bytes(out)


def _stream(data: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s>>\nstream\n" % (len(data), extra) + data + b"\nendstream"


_TEXT = b"BT /F1 18 Tf 72 760 Td (SURAT KETERANGAN PINDAH) Tj 0 -28 Td (Desa Godo, Kec. Woha) Tj ET"


def _letter_objects(catalog_extra: bytes = b"") -> dict[int, bytes]:
    return {
        1: b"<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b">>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        4: _stream(_TEXT),
        5: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    }


def real_pdf_bytes() -> bytes:
    """A one-page letter with text. It opens at page 1 fitted, the harmless /OpenAction Word writes."""
    return pdf_document(_letter_objects(b"/OpenAction [3 0 R /Fit] "))


def real_pdf() -> SimpleUploadedFile:
    return _upload("surat_pindah.pdf", real_pdf_bytes(), "application/pdf")


def pdf_named_jpg() -> SimpleUploadedFile:
    return _upload("foto.jpg", real_pdf_bytes(), "image/jpeg")


def pdf_with_object_streams(objects: dict[int, bytes], compressed: set[int], *, root: int = 1) -> bytes:
    """A PDF 1.5 file: the `compressed` objects sit inside a Flate object stream, found through an
    xref stream. Names hidden there do not appear in the file's raw bytes."""
    out = bytearray(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    offsets: dict[int, int] = {}
    for num in sorted(set(objects) - compressed):
        offsets[num] = len(out)
        out += b"%d 0 obj\n" % num + objects[num] + b"\nendobj\n"
    stm_num = max(objects) + 1
    members = sorted(compressed)
    bodies, header_parts, position = [], [], 0
    for num in members:
        header_parts.append(b"%d %d" % (num, position))
        bodies.append(objects[num])
        position += len(objects[num]) + 1
    index = b" ".join(header_parts) + b"\n"
    packed = zlib.compress(index + b"\n".join(bodies) + b"\n")
    offsets[stm_num] = len(out)
    out += b"%d 0 obj\n" % stm_num
    out += _stream(
        packed, b"/Type /ObjStm /N %d /First %d /Filter /FlateDecode " % (len(members), len(index))
    )
    out += b"\nendobj\n"
    xref_num = stm_num + 1
    size = xref_num + 1
    xref_offset = len(out)
    offsets[xref_num] = xref_offset
    rows = bytearray(struct.pack(">BIH", 0, 0, 65535))
    for num in range(1, size):
        if num in compressed:
            rows += struct.pack(">BIH", 2, stm_num, members.index(num))
        else:
            rows += struct.pack(">BIH", 1, offsets[num], 0)
    out += b"%d 0 obj\n" % xref_num
    out += _stream(
        zlib.compress(bytes(rows)),
        b"/Type /XRef /Size %d /W [1 4 2] /Root %d 0 R /Filter /FlateDecode " % (size, root),
    )
    out += b"\nendobj\nstartxref\n%d\n%%%%EOF\n" % xref_offset
    return bytes(out)


def real_pdf_compressed() -> SimpleUploadedFile:
    """A harmless PDF 1.5 with object and xref streams, as modern producers write them."""
    content = pdf_with_object_streams(_letter_objects(), compressed={1, 2, 3, 5})
    return _upload("kk_scan.pdf", content, "application/pdf")


def fake_pdf() -> SimpleUploadedFile:
    garbage = random.Random(7).randbytes(4000)
    content = b"%PDF-1.7\n" + garbage + b"\ntrailer\n<< /Root 1 0 R >>\nstartxref\n9\n%%EOF\n"
    return _upload("akta.pdf", content, "application/pdf")


def pdf_with_javascript() -> SimpleUploadedFile:
    """pypdf's own document-level JavaScript (run when the file is opened)."""
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.add_open_action(JavaScript("app.alert('Dokumen Anda kedaluwarsa, klik tautan ini');"))
    return _upload("formulir.pdf", _written(writer), "application/pdf")


def pdf_openaction_javascript_obfuscated() -> SimpleUploadedFile:
    """/OpenAction << /S /JavaScript /JS … >> with the names hex-escaped (#61 = a, #53 = S)."""
    action = b"/OpenAction << /S /J#61v#61Script /J#53 (app.launchURL\\('http://example.invalid'\\)) >> "
    return _upload("surat.pdf", pdf_document(_letter_objects(action)), "application/pdf")


def pdf_javascript_in_object_stream() -> SimpleUploadedFile:
    """The JavaScript action sits in a compressed object stream: no /JavaScript in the raw bytes."""
    objects = _letter_objects(b"/OpenAction 6 0 R ")
    objects[6] = b"<< /Type /Action /S /JavaScript /JS (app.alert\\(1\\)) >>"
    content = pdf_with_object_streams(objects, compressed={1, 2, 3, 5, 6})
    return _upload("pengantar.pdf", content, "application/pdf")


def pdf_launch_action() -> SimpleUploadedFile:
    """A page link whose action starts a program."""
    objects = _letter_objects()
    objects[3] = objects[3][:-2] + b"/Annots [6 0 R] >>"
    objects[6] = (
        b"<< /Type /Annot /Subtype /Link /Rect [72 700 300 730] "
        b"/A << /S /Launch /Win << /F (cmd.exe) /P (/c calc.exe) >> >> >>"
    )
    return _upload("undangan.pdf", pdf_document(objects), "application/pdf")


def pdf_with_embedded_file() -> SimpleUploadedFile:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.add_attachment("pembaruan.exe", pe_bytes())
    return _upload("lampiran.pdf", _written(writer), "application/pdf")


def pdf_password_protected() -> SimpleUploadedFile:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.encrypt(user_password="rahasia", owner_password="rahasia", algorithm="RC4-128")
    return _upload("ktp_terkunci.pdf", _written(writer), "application/pdf")


def pdf_owner_password_only() -> SimpleUploadedFile:
    """Locked against editing only (empty open password): every viewer opens it, so do we."""
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.encrypt(user_password="", owner_password="pemilik", algorithm="RC4-128")
    return _upload("akta_resmi.pdf", _written(writer), "application/pdf")


def pdf_too_many_pages(pages: int = 31) -> SimpleUploadedFile:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    return _upload("semua_dokumen.pdf", _written(writer), "application/pdf")


def pdf_without_pages() -> SimpleUploadedFile:
    objects = {1: b"<< /Type /Catalog /Pages 2 0 R >>", 2: b"<< /Type /Pages /Kids [] /Count 0 >>"}
    return _upload("kosong.pdf", pdf_document(objects), "application/pdf")


def _written(writer: PdfWriter) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# --- the corpus --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    build: Callable[[], SimpleUploadedFile]
    expected: Expected
    code: str | None = None  # UploadRejected.code for refused files


CASES: dict[str, Case] = {
    # images that must come through clean
    "jpeg_exif_gps_orientation": Case(jpeg_with_exif_gps_orientation, "neutralised"),
    "png_normal": Case(png_normal, "neutralised"),
    "png_alpha": Case(png_with_alpha, "neutralised"),
    "png_html_appended": Case(png_with_html_appended, "neutralised"),
    "jpeg_zip_appended": Case(jpeg_with_zip_appended, "neutralised"),
    "jpeg_named_pdf": Case(jpeg_named_pdf, "neutralised"),
    "path_traversal_name": Case(path_traversal_name, "neutralised"),
    "backslash_traversal_name": Case(backslash_traversal_name, "neutralised"),
    # images that must be refused
    "png_bomb_30000": Case(png_decompression_bomb, "refused", "too_many_pixels"),
    "png_bomb_9000": Case(png_bomb_below_pillow_default, "refused", "too_many_pixels"),
    "jpeg_declaring_60000": Case(jpeg_declaring_huge_size, "refused", "too_many_pixels"),
    "truncated_jpeg": Case(truncated_jpeg, "refused", "image_broken"),
    "truncated_png": Case(truncated_png, "refused", "image_broken"),
    "jpeg_magic_then_html": Case(jpeg_magic_then_html, "refused", "image_broken"),
    "heic": Case(heic_photo, "refused", "heif"),
    "avif": Case(avif_photo, "refused", "heif"),
    "webp_named_jpg": Case(webp_image, "refused", "image_format"),
    "gif": Case(gif_image, "refused", "image_format"),
    # not images
    "elf_named_jpg": Case(elf_renamed_jpg, "refused", "file_type"),
    "pe_named_jpg": Case(pe_renamed_jpg, "refused", "file_type"),
    "html_named_jpg": Case(html_renamed_jpg, "refused", "file_type"),
    "svg_with_script": Case(svg_with_script, "refused", "file_type"),
    "zip_archive": Case(zip_archive, "refused", "file_type"),
    "empty": Case(empty_file, "refused", "empty"),
    "oversized": Case(oversized_file, "refused", "too_large"),
    # PDFs
    "real_pdf": Case(real_pdf, "neutralised"),
    "real_pdf_compressed": Case(real_pdf_compressed, "neutralised"),
    "pdf_named_jpg": Case(pdf_named_jpg, "neutralised"),
    "pdf_owner_password_only": Case(pdf_owner_password_only, "neutralised"),
    "fake_pdf": Case(fake_pdf, "refused", "pdf_broken"),
    "pdf_javascript": Case(pdf_with_javascript, "refused", "pdf_active_content"),
    "pdf_openaction_js_obfuscated": Case(
        pdf_openaction_javascript_obfuscated, "refused", "pdf_active_content"
    ),
    "pdf_js_in_object_stream": Case(pdf_javascript_in_object_stream, "refused", "pdf_active_content"),
    "pdf_launch_action": Case(pdf_launch_action, "refused", "pdf_active_content"),
    "pdf_embedded_file": Case(pdf_with_embedded_file, "refused", "pdf_active_content"),
    "pdf_password": Case(pdf_password_protected, "refused", "pdf_encrypted"),
    "pdf_31_pages": Case(pdf_too_many_pages, "refused", "pdf_too_many_pages"),
    "pdf_without_pages": Case(pdf_without_pages, "refused", "pdf_empty"),
}


def malicious_corpus() -> list[tuple[str, SimpleUploadedFile, Expected]]:
    """Every case as (label, fresh file, "refused" | "neutralised")."""
    return [(label, case.build(), case.expected) for label, case in CASES.items()]
