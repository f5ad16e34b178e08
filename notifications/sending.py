"""Sending one outbox message, safely under retries, duplicate tasks and a racing sweep.

`outbox_send_one` steps:
1. Claim the row with ONE conditional UPDATE: pending/failed rows whose `next_attempt_at` has come,
   or a `sending` row whose claim is older than the task hard time limit (its worker died), become
   `sending` with a fresh `claimed_at` and one more attempt. Zero rows changed means somebody else
   has it or it is done: stop. This is what makes a task that runs twice, or a sweep racing the
   task, send one message (the database decides; PostgreSQL re-checks the WHERE after a row lock).
2. Send through `get_sender()`, outside any transaction (no row lock held during HTTP).
3. Record the outcome with an UPDATE guarded by our own `claimed_at`, so a worker whose stale claim
   was taken over cannot overwrite the newer result:
   - success: `sent`, the provider's message id;
   - temporary error: `failed` with `next_attempt_at` after an exponential backoff with jitter that
     honours Retry-After, or `permanent` once the attempts are used up (fewer for timeouts: the
     provider may already have delivered, and a resend could duplicate the message);
   - permanent error: `permanent`, with the reason shown to the officer and the admin.

`last_error` starts with a bracketed code ("[131026] ...", "[temporary] ...", "[timeout] ...") that
`failure_explanation` turns into a sentence for the officer.
"""

from __future__ import annotations

import logging
import random
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import MessageTemplate, OutboxMessage
from .senders import OutgoingMessage, PermanentSendError, TemporarySendError, get_sender, scrub

logger = logging.getLogger(__name__)

S = OutboxMessage.Status
# statuses from which a message may still be (re)sent by a task or the sweep
RETRYABLE = (S.PENDING, S.FAILED)
LAST_ERROR_MAX = 255


@dataclass(frozen=True)
class SendOutcome:
    result: str  # "sent" | "retry" | "permanent" | "skipped"
    retry_in: float | None = None


def claim_stale_after() -> timedelta:
    """A `sending` claim older than this belongs to a dead worker (the hard time limit killed it)."""
    return timedelta(seconds=settings.OUTBOX_CLAIM_STALE_SECONDS)


def claimable_q(now: datetime) -> Q:
    return Q(status__in=RETRYABLE, next_attempt_at__lte=now) | Q(
        status=S.SENDING, claimed_at__lt=now - claim_stale_after()
    )


def outbox_claim(*, message_id: int, now: datetime) -> bool:
    """Step 1 of the module docstring: one conditional UPDATE; True when this caller owns the row."""
    claimed = OutboxMessage.objects.filter(claimable_q(now), pk=message_id).update(
        status=S.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    return claimed == 1


def outbox_send_one(*, message_id: int) -> SendOutcome:
    """Send one message if it is due and nobody else is sending it (see the module docstring)."""
    now = timezone.now()
    if not outbox_claim(message_id=message_id, now=now):
        return SendOutcome("skipped")
    message = OutboxMessage.objects.get(pk=message_id)
    mine = OutboxMessage.objects.filter(pk=message_id, claimed_at=now)
    try:
        outgoing = _outgoing(message)
        result = get_sender().send(outgoing)
    except PermanentSendError as exc:
        _record_permanent(mine, f"[{exc.code}] {exc.reason}")
        logger.warning("outbox message %s failed permanently: %s", message_id, exc)
        return SendOutcome("permanent")
    except TemporarySendError as exc:
        timed_out = isinstance(exc.__cause__, requests.Timeout)
        return _record_temporary(
            mine,
            message,
            code="timeout" if timed_out else "temporary",
            reason=exc.reason,
            retry_after=exc.retry_after,
            limit=settings.OUTBOX_MAX_TIMEOUT_ATTEMPTS if timed_out else settings.OUTBOX_MAX_ATTEMPTS,
        )
    except ImproperlyConfigured as exc:
        # The admin must fix the environment; keep the message and try again later.
        logger.error("outbox message %s not sent, sender misconfigured: %s", message_id, exc)
        return _record_temporary(
            mine,
            message,
            code="config",
            reason=str(exc),
            retry_after=None,
            limit=settings.OUTBOX_MAX_ATTEMPTS,
        )
    except Exception as exc:  # a bug must not leave the row claimed until the stale timeout
        logger.exception("outbox message %s: unexpected error while sending", message_id)
        return _record_temporary(
            mine,
            message,
            code="error",
            reason=type(exc).__name__,
            retry_after=None,
            limit=settings.OUTBOX_MAX_ATTEMPTS,
        )
    # A status webhook may already have moved the row on (delivered/read): keep that status.
    mine.update(
        status=Case(When(status=S.SENDING, then=Value(S.SENT)), default=F("status")),
        provider_message_id=result.provider_message_id[:128],
        sent_at=timezone.now(),
        next_attempt_at=None,
        last_error="",
    )
    logger.info("outbox message %s sent (attempt %s)", message_id, message.attempts)
    return SendOutcome("sent")


def _outgoing(message: OutboxMessage) -> OutgoingMessage:
    template = (
        MessageTemplate.objects.filter(event=message.event, is_active=True)
        .exclude(cloud_template_name="")
        .only("cloud_template_name")
        .first()
    )
    return OutgoingMessage(
        to=message.recipient,
        text=message.body,  # always the rendered text: senders without templates send it
        template_name=template.cloud_template_name if template else None,
        template_params=[str(p) for p in (message.template_params or [])],
        idempotency_key=f"outbox:{message.pk}",
    )


def _record_permanent(mine, error: str) -> None:
    mine.filter(status=S.SENDING).update(
        status=S.PERMANENT_FAILURE, last_error=_clip(error), next_attempt_at=None
    )


def _record_temporary(
    mine, message: OutboxMessage, *, code: str, reason: str, retry_after: float | None, limit: int
) -> SendOutcome:
    error = f"[{code}] {scrub(reason)}"
    if message.attempts >= limit:
        _record_permanent(mine, error)
        logger.warning("outbox message %s gave up after %s attempts: %s", message.pk, message.attempts, error)
        return SendOutcome("permanent")
    delay = retry_delay(attempts=message.attempts, retry_after=retry_after)
    mine.filter(status=S.SENDING).update(
        status=S.FAILED,
        last_error=_clip(error),
        next_attempt_at=timezone.now() + timedelta(seconds=delay),
    )
    logger.info("outbox message %s will be retried in %.0f s: %s", message.pk, delay, error)
    return SendOutcome("retry", retry_in=delay)


def retry_delay(*, attempts: int, retry_after: float | None = None) -> float:
    """Exponential backoff with "equal jitter": half the step fixed, half random.

    After attempt n the step is base * 2^(n-1), capped; the provider's Retry-After is a floor (a
    rate limit is not lifted by asking sooner). Jitter spreads a backlog so a recovered provider is
    not hit by every message in the same second.
    """
    step = min(
        settings.OUTBOX_RETRY_MAX_SECONDS, settings.OUTBOX_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0)
    )
    delay = step / 2 + random.uniform(0, step / 2)
    if retry_after:
        delay = max(delay, min(retry_after, 24 * 3600))
    return delay


def _clip(text: str) -> str:
    return text if len(text) <= LAST_ERROR_MAX else text[: LAST_ERROR_MAX - 1] + "…"


def outbox_due_ids(*, now: datetime | None = None, limit: int | None = None) -> list[int]:
    """Ids the sweep should (re)send: due retries, stale claims, and pending rows the kick missed.

    Pending rows get a short grace period first: normally the task queued at commit sends them, and
    the sweep should not pile a duplicate task on top of every fresh message.
    """
    now = now or timezone.now()
    grace = timedelta(seconds=settings.OUTBOX_SWEEP_PENDING_GRACE_SECONDS)
    due = (
        Q(status=S.PENDING, next_attempt_at__lte=now - grace)
        | Q(status=S.FAILED, next_attempt_at__lte=now)
        | Q(status=S.SENDING, claimed_at__lt=now - claim_stale_after())
    )
    qs = OutboxMessage.objects.filter(due).order_by("next_attempt_at", "pk").values_list("pk", flat=True)
    return list(qs[: limit or settings.OUTBOX_SWEEP_BATCH])


# --- Explanations for officers ---------------------------------------------------------------------

_CODE_RE = re.compile(r"^\[(?P<code>[\w.-]+)\]")
_INVALID_NUMBER_CODES = {"invalid_number", "131026", "131030", "100", "gateway_rejected"}
_CONFIG_CODES = {"config", "0", "3", "10", "190", "http_401", "http_403", "http_404"}


def error_code(last_error: str) -> str:
    match = _CODE_RE.match(last_error or "")
    return match["code"] if match else ""


def failure_explanation(last_error: str) -> str:
    """One sentence in Bahasa Indonesia saying what went wrong and what the officer can do."""
    code = error_code(last_error)
    if code in _INVALID_NUMBER_CODES:
        return _(
            "Nomor pemohon tidak valid atau tidak terdaftar di WhatsApp. Periksa dan perbaiki nomornya, "
            "lalu kirim ulang."
        )
    if code == "131047":
        return _(
            "WhatsApp menolak pesan di luar jendela 24 jam. Admin perlu memasang template WhatsApp yang "
            "disetujui untuk peristiwa ini."
        )
    if code in _CONFIG_CODES or code.startswith("2"):
        return _("Pengaturan WhatsApp kantor bermasalah (token atau izin). Hubungi admin.")
    if code == "timeout":
        return _(
            "Server WhatsApp tidak menjawab beberapa kali. Pesan mungkin sudah sampai; tanyakan ke pemohon "
            "sebelum mengirim ulang."
        )
    if code == "unreadable_response":
        return _(
            "Jawaban server WhatsApp tidak terbaca. Pesan mungkin sudah sampai; periksa sebelum mengirim ulang."
        )
    if code in ("temporary", "error"):
        return _("Server WhatsApp sedang bermasalah; sistem mencoba lagi otomatis.")
    return _("Pesan gagal dikirim. Periksa nomor pemohon lalu kirim ulang.")
