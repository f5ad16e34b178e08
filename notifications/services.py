"""The outbox: messages are written in the caller's transaction and sent after it commits."""

import logging
from datetime import date

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import formats, timezone

from .defaults import DEFAULT_BODIES
from .models import MessageTemplate, OutboxMessage

logger = logging.getLogger(__name__)


class _SafeDict(dict):
    def __missing__(self, key):
        return "{" + key + "}"


def template_render(*, event: str, context: dict) -> str:
    template = MessageTemplate.objects.filter(event=event, is_active=True).only("body").first()
    body = template.body if template else DEFAULT_BODIES[event]
    return body.format_map(_SafeDict(context))


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
    *, event: str, dedupe_key: str, recipient: str, body: str, application=None, officer=None
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
                application=application,
                officer=officer,
                next_attempt_at=timezone.now(),
            )
    except IntegrityError:
        return None
    transaction.on_commit(lambda: _kick(message.pk))
    return message


def _kick(message_id: int) -> None:
    """Ask Celery to send now; if the broker is down the periodic sweep sends it later."""
    try:
        from .tasks import outbox_send

        outbox_send.delay(message_id)
    except Exception:  # noqa: BLE001 - any broker failure must not reach the officer
        logger.warning("broker unavailable; outbox message %s left for the sweep", message_id)


def outbox_enqueue_for_application(
    *, application, event: str, extra: dict | None = None, occurrence: int = 0
) -> OutboxMessage | None:
    body = template_render(event=event, context=application_message_context(application, extra))
    return outbox_enqueue(
        event=event,
        dedupe_key=f"app:{application.pk}:{event}:{occurrence}",
        recipient=application.whatsapp,
        body=body,
        application=application,
    )
