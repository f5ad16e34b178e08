"""The safe-upload core: every attachment (photos of KK, KTP, letters; PDFs) passes through here.

Pure functions, no models and no storage: callers (intake form, resubmission, WhatsApp inbound) hand
in a file object and get back a `CleanFile` to store, or an `UploadRejected` whose message tells the
citizen in Bahasa Indonesia what is wrong and what to do.

`sanitize_upload` steps:
1. Read at most UPLOAD_MAX_BYTES + 1 bytes (refusing at once when the declared size is already too
   big), refuse an empty file or one over the limit.
2. Decide the type from the first bytes only; the uploaded name and the browser's content type are
   never consulted. JPEG, PNG and PDF go on; HEIC/WebP/GIF/… get a "send a JPEG" message; anything
   else (HTML, SVG, executables, archives) is refused.
3. Images: open with Pillow restricted to the sniffed format, refuse more than MAX_*_PIXELS before
   any pixel is decoded, decode fully with `load()` (a truncated file fails here, even in a process
   where WeasyPrint has switched Pillow to tolerate truncated images), apply the EXIF
   orientation, convert to RGB (transparency flattened on white), shrink to MAX_IMAGE_SIDE and
   re-encode as a fresh JPEG without any metadata, plus a screen version (long side SCREEN_SIDE,
   for the viewer; only when the photo is larger) and a JPEG thumbnail. Every image comes out as
   JPEG, PNG included: one format for the viewer and no PNG text chunks can survive.
4. PDFs: open with pypdf (an unreadable or password-locked file is refused), count pages, walk every
   object for active content (JavaScript, launch/submit/import actions, embedded files, XFA) and
   keep the bytes unchanged.
"""

import contextlib
import hashlib
import io
import re
import threading
import unicodedata
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal, Protocol

from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image, ImageFile, ImageOps
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

# A JPEG is decoded by libjpeg at 1/2, 1/4 or 1/8 scale (`draft`), so even a 50 MP photo from a
# phone in full-resolution mode costs only a few MP of memory; 48/50 MP phone modes must pass.
MAX_JPEG_PIXELS = 50_000_000
# A PNG has no reduced decode: 40 MP RGBA is 160 MB of memory, the most one upload may cost.
MAX_PNG_PIXELS = 40_000_000
# Long side kept: enough to read a KK's smallest print when zoomed in the viewer.
MAX_IMAGE_SIDE = 2000
THUMBNAIL_SIDE = 320
# The viewer's version of a photo: a phone or laptop screen shows ~1280 px at most, and the
# application page then loads a quarter of the bytes; the full size is one click away.
SCREEN_SIDE = 1280
JPEG_QUALITY = 85
THUMBNAIL_QUALITY = 80
SCREEN_QUALITY = 80
MAX_PDF_PAGES = 30
# A tagged 30-page Word export holds up to ~10k objects, a scan a handful per page. Walking costs
# ~40 µs an object, so this bounds a PDF built to be slow to check at about a second.
MAX_PDF_OBJECTS = 30_000
DISPLAY_NAME_MAX_LENGTH = 100

Kind = Literal["image", "pdf"]


class UploadedFileLike(Protocol):
    name: str | None

    def read(self, size: int = -1, /) -> bytes: ...


class UploadRejected(Exception):
    """An upload refused; `message` is for the citizen (Bahasa Indonesia), `code` for the code."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class CleanFile:
    kind: Kind
    content: bytes
    content_type: str
    extension: str
    thumbnail: bytes | None
    width: int | None
    height: int | None
    size: int
    sha256: str  # of `content`, the bytes we store
    display_name: str  # for showing only; storage names are made by the server
    page_count: int | None = None
    screen: bytes | None = None  # a photo larger than SCREEN_SIDE, made smaller for the viewer


def sanitize_upload(f: UploadedFileLike) -> CleanFile:
    """Check and clean one uploaded file; see the module docstring for the steps."""
    display_name = sanitize_display_name(getattr(f, "name", None))
    data = _read_capped(f, display_name)
    kind = _sniff(data)
    if kind == "jpeg":
        return _clean_image(data, "JPEG", display_name)
    if kind == "png":
        return _clean_image(data, "PNG", display_name)
    if kind == "pdf":
        return _clean_pdf(data, display_name)
    if kind == "heif":
        raise UploadRejected(
            _(
                "Berkas '%(name)s' berformat HEIC/HEIF (format foto iPhone) yang belum bisa kami terima. "
                "Kirim sebagai foto JPEG: lewat WhatsApp kirim sebagai foto (bukan dokumen), atau di iPhone "
                "pilih Pengaturan > Kamera > Format > Paling Kompatibel lalu foto ulang."
            )
            % {"name": display_name},
            code="heif",
        )
    if kind in ("webp", "gif", "bmp", "tiff"):
        raise UploadRejected(
            _("Berkas '%(name)s' adalah gambar %(format)s yang tidak kami terima. Kirim foto JPEG atau PNG.")
            % {"name": display_name, "format": kind.upper()},
            code="image_format",
        )
    raise UploadRejected(
        _(
            "Berkas '%(name)s' bukan gambar JPEG/PNG atau PDF yang sah. "
            "Kirim foto dokumen (JPEG atau PNG) atau PDF."
        )
        % {"name": display_name},
        code="file_type",
    )


def check_file_count(existing: int, adding: int) -> None:
    """Refuse adding files beyond UPLOAD_MAX_FILES_PER_APPLICATION for one application."""
    if existing < 0 or adding < 0:
        raise ValueError("file counts cannot be negative")
    limit = settings.UPLOAD_MAX_FILES_PER_APPLICATION
    if existing + adding <= limit:
        return
    room = max(limit - existing, 0)
    if room == 0:
        message = _(
            "Permohonan ini sudah berisi %(existing)d berkas, batasnya %(limit)d berkas. "
            "Berkas baru tidak bisa ditambahkan; hubungi petugas bila ada berkas yang perlu diganti."
        ) % {"existing": existing, "limit": limit}
    else:
        message = _(
            "Permohonan ini sudah berisi %(existing)d berkas dari batas %(limit)d, jadi hanya %(room)d "
            "berkas lagi yang bisa ditambahkan (Anda mengirim %(adding)d). Kirim berkas yang paling penting saja."
        ) % {"existing": existing, "limit": limit, "room": room, "adding": adding}
    raise UploadRejected(message, code="too_many_files")


_PATH_SEPARATORS = re.compile(r"[\\/]")
# Harmless in HTML (templates escape) but they break Content-Disposition headers and Windows saves.
_AWKWARD_CHARS = re.compile(r'[<>:"|?*]')


def sanitize_display_name(name: str | None) -> str:
    """A name fit to show: last path part, no control/format characters, bounded length.

    Format characters (category Cf) include the right-to-left override that makes "kk\u202egpj.exe"
    look like "kkexe.jpg", so every category C character goes.
    """
    text = unicodedata.normalize("NFC", str(name or ""))
    text = _PATH_SEPARATORS.split(text)[-1]
    text = "".join(ch for ch in text if not unicodedata.category(ch).startswith("C"))
    text = " ".join(text.split())
    text = _AWKWARD_CHARS.sub("_", text).strip(" .")
    if not text:
        return "berkas"
    if len(text) > DISPLAY_NAME_MAX_LENGTH:
        stem, dot, suffix = text.rpartition(".")
        if dot and stem and len(suffix) <= 10:
            text = f"{stem[: DISPLAY_NAME_MAX_LENGTH - len(suffix) - 1].rstrip(' .')}.{suffix}"
        else:
            text = text[:DISPLAY_NAME_MAX_LENGTH]
    return text


def _read_capped(f: UploadedFileLike, display_name: str) -> bytes:
    """Read the whole file but never more than the limit + 1 bytes (the size a client declares may lie)."""
    limit = settings.UPLOAD_MAX_BYTES
    too_large = UploadRejected(
        _(
            "Berkas '%(name)s' terlalu besar (lebih dari %(limit)s MB). "
            "Kirim foto dengan ukuran lebih kecil atau pindai dengan resolusi lebih rendah."
        )
        % {"name": display_name, "limit": _megabytes(limit)},
        code="too_large",
    )
    declared = getattr(f, "size", None)
    if isinstance(declared, int) and declared > limit:
        raise too_large
    seek = getattr(f, "seek", None)
    if seek is not None:
        with contextlib.suppress(OSError, ValueError):  # a stream: read from where it stands
            seek(0)
    chunks: list[bytes] = []
    remaining = limit + 1
    while remaining > 0:
        chunk = f.read(min(remaining, 1024 * 1024))
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    data = b"".join(chunks)
    if len(data) > limit:
        raise too_large
    if not data:
        raise UploadRejected(
            _("Berkas '%(name)s' kosong. Pilih ulang berkasnya lalu kirim lagi.") % {"name": display_name},
            code="empty",
        )
    return data


def _megabytes(n: int) -> str:
    value = n / (1024 * 1024)
    return f"{value:.0f}" if value == int(value) else f"{value:.1f}".replace(".", ",")


_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1", b"avif", b"avis"}


def _sniff(data: bytes) -> str:
    """The file's type from its magic bytes only."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS:
        return "heif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    # "BM" alone starts plenty of text files; the DIB header size makes it a bitmap.
    if data[:2] == b"BM" and int.from_bytes(data[14:18], "little") in (12, 40, 52, 56, 108, 124):
        return "bmp"
    return "unknown"


def _clean_image(data: bytes, image_format: Literal["JPEG", "PNG"], display_name: str) -> CleanFile:
    try:
        image = _decode_image(data, image_format, display_name)
        image = _normalise_image(image)
        content = _encode_jpeg(image, JPEG_QUALITY)
        # the thumbnail is made from the screen version when there is one: fewer pixels to resample
        on_screen = _smaller(image, SCREEN_SIDE) if max(image.size) > SCREEN_SIDE else image
        screen = _encode_jpeg(on_screen, SCREEN_QUALITY) if on_screen is not image else None
        thumbnail = _encode_jpeg(_smaller(on_screen, THUMBNAIL_SIDE), THUMBNAIL_QUALITY)
    except UploadRejected:
        raise
    except Exception as exc:  # Pillow raises OSError, SyntaxError, ValueError, struct.error… on bad input
        raise UploadRejected(
            _("Gambar '%(name)s' rusak atau tidak lengkap. Foto ulang dokumennya lalu kirim lagi.")
            % {"name": display_name},
            code="image_broken",
        ) from exc
    return CleanFile(
        kind="image",
        content=content,
        content_type="image/jpeg",
        extension=".jpg",
        thumbnail=thumbnail,
        screen=screen,
        width=image.width,
        height=image.height,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        display_name=display_name,
    )


def _decode_image(data: bytes, image_format: Literal["JPEG", "PNG"], display_name: str) -> Image.Image:
    """Open with only the sniffed format's decoder, check the pixel count, then decode every pixel.

    The explicit pixel check is the real bomb guard: it runs before any pixel is decoded and, unlike
    lowering the global Image.MAX_IMAGE_PIXELS, changes nothing for other code. Pillow's own warning
    (far above our limit) is made an error too so it cannot slip by as a log line.
    """
    max_pixels = MAX_JPEG_PIXELS if image_format == "JPEG" else MAX_PNG_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=[image_format])
            width, height = image.size
            if width * height > max_pixels:
                raise _too_many_pixels(display_name, width, height, max_pixels)
            if image_format == "JPEG":
                # libjpeg decodes at the smallest 1/2, 1/4 or 1/8 scale still at least this big.
                image.draft("RGB", _fit((width, height), MAX_IMAGE_SIDE))
            with _truncated_images_refused():
                image.load()  # decodes to the end: a truncated file fails here, not in the viewer
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels(display_name, *_declared_size(data, image_format), max_pixels) from None
    return image


_truncation_lock = threading.Lock()
_truncation_users = 0
_truncation_saved = False


@contextlib.contextmanager
def _truncated_images_refused() -> Iterator[None]:
    """Make Pillow fail on a truncated image while we decode, whatever the process-wide setting.

    WeasyPrint sets ImageFile.LOAD_TRUNCATED_IMAGES = True when it is imported, and with it Pillow
    pads a cut-off photo with grey instead of failing. The flag is a module global, so it is set
    off for the decode and put back when the last of our concurrent decodes ends (counted under a
    lock, so two uploads in two threads cannot leave it wrong). Other code that decodes during those
    milliseconds is stricter for that moment, which WeasyPrint survives (it skips a broken image).
    """
    global _truncation_users, _truncation_saved
    with _truncation_lock:
        if _truncation_users == 0:
            _truncation_saved = ImageFile.LOAD_TRUNCATED_IMAGES
            ImageFile.LOAD_TRUNCATED_IMAGES = False
        _truncation_users += 1
    try:
        yield
    finally:
        with _truncation_lock:
            _truncation_users -= 1
            if _truncation_users == 0:
                ImageFile.LOAD_TRUNCATED_IMAGES = _truncation_saved


def _normalise_image(image: Image.Image) -> Image.Image:
    """Upright, RGB, at most MAX_IMAGE_SIDE, with no metadata left to write."""
    with contextlib.suppress(Exception):  # a broken EXIF block must not cost a readable photo
        image = ImageOps.exif_transpose(image)
    image = _to_rgb(image)
    image.thumbnail((MAX_IMAGE_SIDE, MAX_IMAGE_SIDE), Image.Resampling.LANCZOS, reducing_gap=3.0)
    # `convert` copies info, and the JPEG writer reuses info["comment"]: start the new file empty.
    image.info = {}
    return image


def _too_many_pixels(display_name: str, width: int, height: int, max_pixels: int) -> UploadRejected:
    return UploadRejected(
        _(
            "Resolusi gambar '%(name)s' terlalu besar (%(width)d × %(height)d piksel). "
            "Kirim foto dengan resolusi lebih kecil, paling banyak %(megapixels)d megapiksel."
        )
        % {"name": display_name, "width": width, "height": height, "megapixels": max_pixels // 1_000_000},
        code="too_many_pixels",
    )


def _declared_size(data: bytes, image_format: str) -> tuple[int, int]:
    """Width and height from the file's header, for the message when Pillow itself stopped the open."""
    if image_format == "PNG":
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    # JPEG: walk the segments to the frame header (a regex could hit the EXIF thumbnail's instead).
    pos = 2
    while pos + 9 <= len(data) and data[pos] == 0xFF:
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            return int.from_bytes(data[pos + 7 : pos + 9], "big"), int.from_bytes(
                data[pos + 5 : pos + 7], "big"
            )
        pos += 2 + int.from_bytes(data[pos + 2 : pos + 4], "big")
    return 0, 0


def _fit(size: tuple[int, int], side: int) -> tuple[int, int]:
    width, height = size
    scale = min(1.0, side / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def _to_rgb(image: Image.Image) -> Image.Image:
    """RGB, with transparent parts shown on white paper (plain `convert` would show them black)."""
    if image.mode.startswith("I;16") or image.mode == "I":
        # 16-bit scans: a plain convert clips everything above 255 to white.
        image = image.convert("I").point(lambda v: v / 256).convert("L")
    has_alpha = image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info
    if not has_alpha:
        return image if image.mode == "RGB" else image.convert("RGB")
    rgba = image.convert("RGBA")
    flat = Image.new("RGB", rgba.size, (255, 255, 255))
    flat.paste(rgba, mask=rgba.getchannel("A"))
    return flat


def _smaller(image: Image.Image, side: int) -> Image.Image:
    """A copy with a long side of at most ``side`` px (the screen version, the thumbnail)."""
    smaller = image.copy()
    smaller.thumbnail((side, side), Image.Resampling.LANCZOS, reducing_gap=2.0)
    return smaller


def _encode_jpeg(image: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, optimize=True)
    return out.getvalue()


# Keys whose mere presence means scripts, hidden files or scriptable forms.
_PDF_ACTIVE_KEYS = {"/JS", "/JavaScript", "/EmbeddedFiles", "/XFA"}
# Action types (/S) that run code, open other files or send data out.
_PDF_ACTIVE_ACTIONS = {
    "/JavaScript",
    "/Launch",
    "/ImportData",
    "/SubmitForm",
    "/GoToR",
    "/GoToE",
    "/Rendition",
    "/RichMediaExecute",
}
_PDF_ACTIVE_TYPES = {"/EmbeddedFile", "/FileAttachment", "/RichMedia"}
# Cheap second look at the raw bytes in case pypdf and a viewer disagree about which objects exist.
_PDF_ACTIVE_RAW = re.compile(rb"/(?:JavaScript|Launch)(?![A-Za-z0-9])")


def _clean_pdf(data: bytes, display_name: str) -> CleanFile:
    broken = UploadRejected(
        _(
            "PDF '%(name)s' rusak atau tidak bisa dibaca. "
            "Simpan ulang atau pindai ulang dokumennya menjadi PDF, lalu kirim lagi."
        )
        % {"name": display_name},
        code="pdf_broken",
    )
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not _pdf_opens_without_password(reader):
            raise UploadRejected(
                _(
                    "PDF '%(name)s' dikunci dengan kata sandi atau enkripsi sehingga tidak bisa kami periksa. "
                    "Kirim PDF tanpa kata sandi."
                )
                % {"name": display_name},
                code="pdf_encrypted",
            )
        page_count = len(reader.pages)
        if page_count == 0:
            raise UploadRejected(
                _("PDF '%(name)s' tidak berisi halaman. Periksa berkasnya lalu kirim lagi.")
                % {"name": display_name},
                code="pdf_empty",
            )
        if page_count > MAX_PDF_PAGES:
            raise UploadRejected(
                _(
                    "PDF '%(name)s' berisi %(pages)d halaman; paling banyak %(limit)d halaman per berkas. "
                    "Kirim hanya halaman yang diminta, atau bagi menjadi beberapa berkas."
                )
                % {"name": display_name, "pages": page_count, "limit": MAX_PDF_PAGES},
                code="pdf_too_many_pages",
            )
        active = _pdf_has_active_content(reader, display_name) or _PDF_ACTIVE_RAW.search(data) is not None
    except UploadRejected:
        raise
    except Exception as exc:  # pypdf raises PdfReadError, but also KeyError, RecursionError… on bad input
        raise broken from exc
    if active:
        raise UploadRejected(
            _(
                "PDF '%(name)s' berisi skrip, lampiran tersembunyi atau tindakan otomatis yang tidak diizinkan. "
                "Cetak ulang dokumennya ke PDF biasa (menu Cetak > Simpan sebagai PDF) atau kirim fotonya."
            )
            % {"name": display_name},
            code="pdf_active_content",
        )
    return CleanFile(
        kind="pdf",
        content=data,
        content_type="application/pdf",
        extension=".pdf",
        thumbnail=None,
        width=None,
        height=None,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        display_name=display_name,
        page_count=page_count,
    )


def _pdf_opens_without_password(reader: PdfReader) -> bool:
    """True for PDFs locked only against editing/printing (empty user password), which viewers open."""
    try:
        return bool(reader.decrypt(""))
    except Exception:  # e.g. AES without the `cryptography` package: we cannot look inside
        return False


def _pdf_has_active_content(reader: PdfReader, display_name: str) -> bool:
    """Walk every object in the cross-reference table (object streams included) and the trailer.

    pypdf decodes `#xx` escapes in names, so `/J#61vaScript` is seen as `/JavaScript`. Indirect
    references are not followed during a walk (each object is walked on its own), which keeps cycles
    such as /Parent ↔ /Kids harmless; a reference used as an /S or /Type value is resolved once.
    """
    ids = [(num, gen) for gen, table in reader.xref.items() for num in table]
    ids += [(num, 0) for num in reader.xref_objStm]
    if len(ids) > MAX_PDF_OBJECTS:
        raise UploadRejected(
            _(
                "PDF '%(name)s' terlalu rumit untuk kami periksa. "
                "Cetak ulang dokumennya ke PDF biasa (menu Cetak > Simpan sebagai PDF) atau kirim fotonya."
            )
            % {"name": display_name},
            code="pdf_too_complex",
        )
    roots: list[object] = [reader.trailer]
    for num, gen in ids:
        roots.append(reader.get_object(IndirectObject(num, gen, reader)))
    stack = roots
    while stack:
        obj = stack.pop()
        if isinstance(obj, DictionaryObject):
            for key, value in dict.items(obj):
                if key in _PDF_ACTIVE_KEYS:
                    return True
                if key in ("/S", "/Type", "/Subtype"):
                    name = value.get_object() if isinstance(value, IndirectObject) else value
                    if isinstance(name, str) and name in (
                        _PDF_ACTIVE_ACTIONS if key == "/S" else _PDF_ACTIVE_TYPES
                    ):
                        return True
                if isinstance(value, (DictionaryObject, ArrayObject)):
                    stack.append(value)
        elif isinstance(obj, ArrayObject):
            stack.extend(item for item in obj if isinstance(item, (DictionaryObject, ArrayObject)))
    return False
