"""The public "sudah jadi?" page: status by registration number + last four NIK digits, rate-limited.

What it reveals on a match: the status in plain words and where to collect the document. Never the
name, the NIK, the document type or any note. A wrong combination gets one generic answer, whether
or not the number exists.

Guessing is limited with the cache: failed tries are counted per client IP and per registration
number in a fixed window (default 10 per 15 minutes); past the limit every try answers 429 until the
window ends, even with the right digits, so the limit cannot be probed. The counters live in the
`default` cache: LocMemCache is per process, so production with several workers should point
CACHES at Redis (`django.core.cache.backends.redis.RedisCache`) for one shared count.
"""

import hashlib
import hmac
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import Application

S = Application.Status

# the citizen's view of the workflow: five steps
STEP_LABELS = [
    gettext_lazy("Diterima"),
    gettext_lazy("Diperiksa"),
    gettext_lazy("Diproses"),
    gettext_lazy("Siap"),
    gettext_lazy("Diserahkan"),
]
STEP_OF = {
    S.RECEIVED: 1,
    S.VERIFYING: 2,
    S.REVISION_REQUIRED: 2,
    S.RESUBMITTED: 2,
    S.VERIFIED: 3,
    S.PROCESSING: 3,
    S.READY: 4,
    S.IN_DELIVERY: 4,
    S.AT_DESA: 4,
    S.HANDED_OVER: 5,
}


@dataclass(frozen=True)
class TrackingResult:
    number: str
    status: str
    headline: str
    detail: str
    place: str  # where to collect the document, "" when not (yet, or any more) relevant
    step: int  # 1-5 along STEP_LABELS; 0 for rejected/cancelled
    tone: str  # Bootstrap colour of the answer: info, warning, success, secondary, danger


def _desa_office(desa) -> str:
    if desa.kind == desa.Kind.KELURAHAN:
        return _("Kantor Kelurahan %(name)s") % {"name": desa.name}
    return _("Kantor Desa %(name)s") % {"name": desa.name}


def tracking_result(application: Application) -> TrackingResult:
    """The plain-Indonesian answer for one application (nothing personal in it)."""
    status = application.status
    office = settings.OFFICE_PICKUP_PLACE
    desa = _desa_office(application.desa)
    pickup = application.delivery_method == Application.Delivery.PICKUP
    place = ""
    tone = "info"
    if status == S.RECEIVED:
        headline = _("Permohonan sudah diterima")
        detail = _("Permohonan Anda sudah kami terima dan menunggu diperiksa petugas.")
    elif status == S.VERIFYING:
        headline = _("Persyaratan sedang diperiksa")
        detail = _("Petugas sedang memeriksa persyaratan yang Anda kirim.")
    elif status == S.REVISION_REQUIRED:
        headline = _("Persyaratan perlu diperbaiki")
        detail = _(
            "Ada persyaratan yang perlu diperbaiki. Rinciannya sudah dikirim petugas melalui WhatsApp; "
            "kirim perbaikannya ke nomor petugas yang sama."
        )
        tone = "warning"
    elif status == S.RESUBMITTED:
        headline = _("Perbaikan sedang diperiksa")
        detail = _("Perbaikan persyaratan sudah kami terima dan sedang diperiksa kembali.")
    elif status in (S.VERIFIED, S.PROCESSING):
        headline = _("Dokumen sedang diproses")
        detail = _("Persyaratan sudah lengkap. Dokumen Anda sedang diproses.")
    elif status == S.READY and pickup:
        headline = _("Dokumen sudah jadi")
        detail = _("Dokumen Anda sudah jadi dan dapat diambil. Tunjukkan nomor registrasi saat mengambil.")
        place = office
        tone = "success"
    elif status == S.READY:
        headline = _("Dokumen sudah jadi")
        detail = _(
            "Dokumen Anda sudah jadi dan akan diantar ke %(desa)s. Kami kabari melalui WhatsApp "
            "bila sudah sampai."
        ) % {"desa": desa}
        tone = "success"
    elif status == S.IN_DELIVERY:
        headline = _("Dokumen sedang diantar ke desa")
        detail = _("Dokumen Anda sedang dalam perjalanan ke %(desa)s.") % {"desa": desa}
    elif status == S.AT_DESA:
        headline = _("Dokumen siap diambil di desa")
        detail = _("Dokumen Anda sudah sampai dan dapat diambil pada jam kerja.")
        place = desa
        tone = "success"
    elif status == S.HANDED_OVER:
        headline = _("Dokumen sudah diserahkan")
        detail = _("Dokumen sudah diserahkan. Permohonan ini selesai.")
        tone = "secondary"
    elif status == S.REJECTED:
        headline = _("Permohonan tidak dapat diproses")
        detail = _(
            "Alasannya sudah dikirim melalui WhatsApp. Hubungi petugas di nomor yang sama bila ada pertanyaan."
        )
        tone = "danger"
    else:  # cancelled
        headline = _("Permohonan dibatalkan")
        detail = _("Permohonan ini sudah dibatalkan. Ajukan permohonan baru bila masih diperlukan.")
        tone = "secondary"
    return TrackingResult(
        number=application.number,
        status=status,
        headline=headline,
        detail=detail,
        place=place,
        step=STEP_OF.get(status, 0),
        tone=tone,
    )


def tracking_lookup(*, number: str, nik_last4: str) -> TrackingResult | None:
    """The answer when the number exists and its NIK ends with these digits; None otherwise.

    The digits are compared in constant time, also against a stand-in when the number does not
    exist, so the answer time says as little as the answer.
    """
    application = (
        Application.objects.select_related("desa")
        .only("id", "number", "status", "delivery_method", "nik", "desa__name", "desa__kind")
        .filter(number=number)
        .first()
    )
    expected = application.nik[-4:] if application else "\0\0\0\0"
    matches = hmac.compare_digest(expected.encode(), nik_last4.encode())
    if application is None or not matches:
        return None
    return tracking_result(application)


# --- rate limit -----------------------------------------------------------------------------------


def _limits() -> tuple[int, int]:
    return (
        getattr(settings, "TRACKING_MAX_FAILURES", 10),
        getattr(settings, "TRACKING_WINDOW_SECONDS", 15 * 60),
    )


def _keys(*, ip: str | None, number: str) -> list[str]:
    # hashed: the cache (and anyone reading it) gets no address or number in clear
    def digest(kind: str, value: str) -> str:
        return f"track:{kind}:{hashlib.sha256(f'{kind}:{value}'.encode()).hexdigest()[:32]}"

    keys = [digest("ip", ip or "unknown")]
    if number:
        keys.append(digest("no", number))
    return keys


def tracking_is_limited(*, ip: str | None, number: str) -> bool:
    """True when this client or this registration number has used up its failed tries."""
    limit, _window = _limits()
    counts = caches["default"].get_many(_keys(ip=ip, number=number))
    return any(n >= limit for n in counts.values())


def tracking_record_failure(*, ip: str | None, number: str) -> None:
    """Count one failed try for the client and the number; the window starts at the first failure."""
    _limit, window = _limits()
    cache = caches["default"]
    for key in _keys(ip=ip, number=number):
        if not cache.add(key, 1, timeout=window):
            try:
                cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.add(key, 1, timeout=window)


def tracking_client_ip(request) -> str | None:
    """The client address. Behind a reverse proxy, set TRACKING_CLIENT_IP_HEADER (e.g. HTTP_X_REAL_IP,
    filled by the proxy itself) or every citizen shares the proxy's address and its limit."""
    header = getattr(settings, "TRACKING_CLIENT_IP_HEADER", "")
    if header:
        value = request.META.get(header, "").split(",")[0].strip()
        if value:
            return value
    return request.META.get("REMOTE_ADDR") or None
