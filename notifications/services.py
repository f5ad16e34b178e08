"""The outbox: messages are written in the caller's transaction and sent after it commits.

Request code never depends on the broker: `outbox_enqueue` only writes a row; after the commit a
best-effort "kick" queues the Celery task, and when Redis is down the kick is skipped (quickly, and
for a while after a failure) and the periodic sweep sends the row once the broker is back.
"""

from __future__ import annotations

import logging
import re
import string
import time
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from dukcapil.accounts.models import User
from dukcapil.core.audit import audit_record

from .defaults import DEFAULT_BODIES
from .models import MessageTemplate, OutboxMessage

logger = logging.getLogger(__name__)

# The placeholders a template may use (the admin's help text lists the same names).
PLACEHOLDERS = ("nama", "nomor", "jenis_dokumen", "kekurangan", "desa", "tempat_ambil", "tanggal", "alasan")
# Shown by the admin's preview: what a real message would look like.
SAMPLE_CONTEXT = {
    "nama": "Siti Aminah",
    "nomor": "BIMA-2026-0000123",
    "jenis_dokumen": "Akta kelahiran",
    "kekurangan": "- Surat keterangan kelahiran: foto buram, mohon foto ulang",
    "desa": "Tolotangga",
    "tempat_ambil": "Loket pengambilan Disdukcapil",
    "tanggal": "14 Juli 2026",
    "alasan": "data tidak sesuai dengan KK",
}


class _SafeDict(dict):
    def __missing__(self, key):
        return "{" + key + "}"


def template_body(*, event: str) -> str:
    template = MessageTemplate.objects.filter(event=event, is_active=True).only("body").first()
    return template.body if template else DEFAULT_BODIES[event]


def _fill(body: str, context: dict, *, event: str | None = None) -> str:
    """Fill placeholders; a body the form check would have refused falls back to the default text.

    The admin form refuses broken bodies, but a row edited another way must not break the
    officer's action that queues the message.
    """
    try:
        return body.format_map(_SafeDict(context))
    except (ValueError, IndexError, KeyError, AttributeError, TypeError):
        logger.error("message template for %s cannot be filled; using the default text", event)
        if event and event in DEFAULT_BODIES:
            return DEFAULT_BODIES[event].format_map(_SafeDict(context))
        return body


def template_render(*, event: str, context: dict) -> str:
    return _fill(template_body(event=event), context, event=event)


def template_fields(body: str) -> list[str]:
    """Placeholder names in order of appearance (raises ValueError on a broken brace)."""
    return [name for _text, name, _spec, _conv in string.Formatter().parse(body) if name is not None]


def template_check(*, body: str) -> list[str]:
    """Problems of a template body, as Indonesian sentences (empty list: fine)."""
    try:
        names = template_fields(body)
    except ValueError:
        return [
            _(
                "Kurung kurawal tidak berpasangan. Tulis tempat isian seperti {nama}; "
                "untuk kurung kurawal biasa tulis {{ atau }}."
            )
        ]
    unknown = sorted({n for n in names if n not in PLACEHOLDERS})
    if unknown:
        return [
            _("Tempat isian tidak dikenal: %(names)s. Yang tersedia: %(known)s.")
            % {
                "names": ", ".join("{" + n + "}" for n in unknown),
                "known": ", ".join("{" + n + "}" for n in PLACEHOLDERS),
            }
        ]
    try:
        body.format_map(SAMPLE_CONTEXT)
    except (ValueError, IndexError, KeyError, AttributeError, TypeError):
        return [_("Tulis tempat isian tanpa tambahan, misalnya {nama}, bukan {nama:...} atau {nama!r}.")]
    return []


def template_preview(*, body: str, context: dict | None = None) -> str:
    """The body filled with sample data (unknown placeholders stay visible as they are)."""
    try:
        return body.format_map(_SafeDict(context or SAMPLE_CONTEXT))
    except (ValueError, IndexError, KeyError, AttributeError, TypeError):
        return body


_META_PARAM_SPACES = re.compile(r"\s{4,}")


def template_params(*, body: str, context: dict) -> list[str]:
    """Values for a WhatsApp Cloud template, {{1}}..{{n}} = the placeholders in order of appearance.

    Meta refuses parameters with new lines, tabs or more than four spaces in a row, so those are
    folded (a list of missing requirements becomes "a; b").
    """
    try:
        names = template_fields(body)
    except ValueError:
        return []
    params = []
    for name in names:
        value = str(context.get(name, ""))
        value = "; ".join(line.strip(" -\t") for line in value.splitlines() if line.strip())
        params.append(_META_PARAM_SPACES.sub("   ", value.replace("\t", " ")) or "-")
    return params


def application_message_context(application, extra: dict | None = None) -> dict:
    context = {
        "nama": application.applicant_name,
        "nomor": application.number,
        "jenis_dokumen": application.document_type.name,
        "desa": application.desa.name,
        "tempat_ambil": settings.OFFICE_PICKUP_PLACE,
        "tanggal": formats.date_format(timezone.localdate(), "j F Y"),
        "kekurangan": "",
        "alasan": "",
    }
    context.update(extra or {})
    if isinstance(context.get("tanggal"), date):
        context["tanggal"] = formats.date_format(context["tanggal"], "j F Y")
    return context


def outbox_enqueue(
    *,
    event: str,
    dedupe_key: str,
    recipient: str,
    body: str,
    application=None,
    officer=None,
    template_params: list[str] | None = None,
) -> OutboxMessage | None:
    """Write one outbox row (once per dedupe_key) and schedule its sending after commit.

    Must run inside the transaction of the change that causes it: if that rolls back, the row
    disappears with it and nothing is sent. A second call with the same key does nothing.
    """
    try:
        with transaction.atomic():
            message = OutboxMessage.objects.create(
                event=event,
                dedupe_key=dedupe_key,
                recipient=recipient,
                body=body,
                template_params=template_params or [],
                application=application,
                officer=officer,
                next_attempt_at=timezone.now(),
            )
    except IntegrityError:
        return None
    transaction.on_commit(lambda: _kick(message.pk))
    return message


# Process-local: after a failed kick, skip kicking for a while so that every officer action during
# a Redis outage does not wait for a connection attempt. The sweep sends those rows later.
_broker_down_until = 0.0


def _kick(message_id: int) -> None:
    """Ask Celery to send now; if the broker is down the periodic sweep sends it later."""
    from .tasks import outbox_send

    kick_task(outbox_send, message_id)


def kick_task(task, object_id: int) -> bool:
    """Queue `task(object_id)` if the broker answers; never raise (a sweep covers what is skipped)."""
    global _broker_down_until
    if time.monotonic() < _broker_down_until:
        return False
    try:
        task.apply_async((object_id,), retry=False)
    except Exception:  # noqa: BLE001 - any broker failure must not reach the officer
        _broker_down_until = time.monotonic() + settings.OUTBOX_BROKER_BACKOFF_SECONDS
        logger.warning("broker unavailable; %s for %s left for the sweep", task.name, object_id)
        return False
    return True


def outbox_enqueue_for_application(
    *, application, event: str, extra: dict | None = None, occurrence: int = 0
) -> OutboxMessage | None:
    context = application_message_context(application, extra)
    body_template = template_body(event=event)
    return outbox_enqueue(
        event=event,
        dedupe_key=f"app:{application.pk}:{event}:{occurrence}",
        recipient=application.whatsapp,
        body=_fill(body_template, context, event=event),
        template_params=template_params(body=body_template, context=context),
        application=application,
    )


# --- Resend ----------------------------------------------------------------------------------------

RESENDABLE = (OutboxMessage.Status.FAILED, OutboxMessage.Status.PERMANENT_FAILURE)


def user_can_resend(user: User, message: OutboxMessage) -> bool:
    """Admin everywhere; officers and kepala bidang for messages of their bidang's applications."""
    if user.role == User.Role.ADMIN or user.is_superuser:
        return True
    if message.application_id is None:
        return False
    if user.role in (User.Role.PETUGAS, User.Role.KEPALA_BIDANG):
        return message.application.bidang == user.bidang
    return False


def message_resend(*, message: OutboxMessage, actor: User) -> OutboxMessage:
    """Put a failed message back in the queue, to the application's current WhatsApp number.

    Steps: check the actor may; re-point the recipient at the application's number (the officer has
    usually just corrected it) and reset attempts, with ONE conditional UPDATE from failed/permanent
    to pending, so a double click queues one send; write an event row on the application; kick the
    task after commit.
    """
    from applications.models import ApplicationEvent

    if not user_can_resend(actor, message):
        raise ValidationError(_("Anda tidak berwenang mengirim ulang pesan ini."))
    with transaction.atomic():
        recipient = message.application.whatsapp if message.application_id else message.recipient
        changed = OutboxMessage.objects.filter(pk=message.pk, status__in=RESENDABLE).update(
            status=OutboxMessage.Status.PENDING,
            recipient=recipient,
            attempts=0,
            next_attempt_at=timezone.now(),
            claimed_at=None,
            last_error="",
        )
        if changed != 1:
            raise ValidationError(
                _("Pesan ini sedang dikirim atau sudah terkirim; tidak perlu dikirim ulang.")
            )
        if message.application_id:
            ApplicationEvent.objects.create(
                application_id=message.application_id,
                actor=actor,
                action="message_resend",
                note=_("Kirim ulang pesan WhatsApp: %(event)s") % {"event": message.get_event_display()},
            )
        audit_record(
            actor=actor,
            action="outbox:resend",
            obj=message,
            desa_id=message.application.desa_id if message.application_id else None,
        )
        transaction.on_commit(lambda: _kick(message.pk))
    message.refresh_from_db()
    return message
