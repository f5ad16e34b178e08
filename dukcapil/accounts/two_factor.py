"""Two-factor authentication (TOTP, django-otp) for the roles that hold the office's keys.

Who must use it: superusers and the roles in `settings.OTP_REQUIRED_ROLES` (admin, kepala bidang and
kepala dinas by default). Everyone else logs in with a password only.

A user has at most one confirmed TOTP device (an authenticator app). Until it is confirmed they are
sent to the enrolment page; once it is, every new session is sent to the verification page after
the password. Every attempt (right or wrong) writes an audit row; django-otp's throttling on the
device doubles the wait after each wrong code (1, 2, 4, 8 … seconds).
"""

import base64
from dataclasses import dataclass
from datetime import datetime

import segno
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login
from django_otp.models import VerifyNotAllowed
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from dukcapil.core.audit import audit_record
from dukcapil.core.models import AuditEntry

from .models import User

DEVICE_NAME = "Aplikasi autentikator"
ENROL_KEY_SESSION_KEY = "otp_enrol_key"


def user_requires_otp(user) -> bool:
    """Superusers and the roles listed in OTP_REQUIRED_ROLES must pass a second factor."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_superuser or getattr(user, "role", None) in settings.OTP_REQUIRED_ROLES)


def totp_device_confirmed(*, user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def totp_enrolment_device(*, request: HttpRequest) -> TOTPDevice:
    """The device being set up, not saved: its key waits in the session until the first code.

    Reloading shows the same secret, so an app that already scanned it keeps working, and showing
    the page writes no row (no state change on GET).
    """
    key = request.session.get(ENROL_KEY_SESSION_KEY)
    if not key:
        key = random_hex(20)
        request.session[ENROL_KEY_SESSION_KEY] = key
    return TOTPDevice(user=request.user, name=DEVICE_NAME, key=key, confirmed=False)


def totp_enrolment_save(*, request: HttpRequest, device: TOTPDevice) -> TOTPDevice:
    """Store the pending device at the first posted code, so that throttling has a row to count on.

    One pending device per user: one left by an earlier session (another secret) is removed.
    """
    TOTPDevice.objects.filter(user=request.user, confirmed=False).exclude(key=device.key).delete()
    saved, _ = TOTPDevice.objects.get_or_create(
        user=request.user, confirmed=False, key=device.key, defaults={"name": DEVICE_NAME}
    )
    return saved


def totp_secret_text(device: TOTPDevice) -> str:
    """The secret in base32, in groups of four, for typing into an app by hand."""
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def totp_qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// address as an inline SVG QR code, made on the server (no external service)."""
    return segno.make(device.config_url, error="m").svg_inline(scale=5, border=2, dark="#000", light="#fff")


@dataclass(frozen=True)
class TotpResult:
    ok: bool
    throttled_until: datetime | None = None

    @property
    def wait_seconds(self) -> int:
        if self.throttled_until is None:
            return 0
        return max(1, int((self.throttled_until - timezone.now()).total_seconds() + 0.999))


@transaction.atomic
def totp_check(*, request: HttpRequest, device_id: int, code: str, action: str) -> TotpResult:
    """Check one code against one of the request user's devices, then audit the attempt.

    Steps: lock the device row (two tabs cannot both spend the throttle budget); refuse without
    checking while django-otp's throttle is running; otherwise verify (a wrong code increments the
    throttle, a right one resets it and burns its time step so it cannot be replayed); on success,
    confirm the device if this is the enrolment, mark the session verified (django_otp.login) and
    give it a new id; write an audit row either way.
    """
    device = TOTPDevice.objects.select_for_update().get(pk=device_id, user=request.user)
    allowed, info = device.verify_is_allowed()
    if not allowed and info and info.get("reason") == VerifyNotAllowed.N_FAILED_ATTEMPTS:
        audit_record(
            request=request, action=action, obj=device, outcome=AuditEntry.Outcome.DENIED, detail="dibatasi"
        )
        return TotpResult(ok=False, throttled_until=info.get("locked_until"))
    if not device.verify_token(code.strip()):
        audit_record(
            request=request, action=action, obj=device, outcome=AuditEntry.Outcome.DENIED, detail="kode salah"
        )
        return TotpResult(ok=False)
    if not device.confirmed:
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        request.session.pop(ENROL_KEY_SESSION_KEY, None)
    otp_login(request, device)
    request.session.cycle_key()  # a session id seen before the second step is worth nothing after it
    audit_record(request=request, action=action, obj=device)
    return TotpResult(ok=True)


@transaction.atomic
def otp_devices_reset(*, request: HttpRequest, user: User) -> int:
    """Remove every 2FA device of a user (lost phone); they enrol again at their next login.

    Sessions verified with a removed device stop counting as verified at their next request
    (django-otp looks the device up each time).
    """
    deleted, _ = TOTPDevice.objects.filter(user=user).delete()
    audit_record(request=request, action="otp_reset", obj=user, detail=f"{deleted} perangkat dihapus")
    return deleted


def session_mark_verified(*, session, device: TOTPDevice) -> None:
    """What django_otp.login stores, for code that has a session but no request (tests, bench)."""
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def totp_device_ensure(*, user: User, key: str | None = None) -> TOTPDevice:
    """A confirmed device for the user (created with `key`, or a random key, when missing).

    Used by the demo seed (fixed keys) and by the test and bench logins.
    """
    device = totp_device_confirmed(user=user)
    if device is None:
        extra = {"key": key} if key else {}
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=True, **extra)
    elif key and device.key != key:
        device.key = key
        device.last_t = -1
        device.save(update_fields=["key", "last_t"])
    return device
