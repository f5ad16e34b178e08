"""Sending one outbox message. (Minimal until the notifications work lands: console only.)"""

import logging

from django.utils import timezone

from .models import OutboxMessage

logger = logging.getLogger(__name__)


def outbox_send_one(*, message_id: int) -> None:
    claimed = OutboxMessage.objects.filter(pk=message_id, status=OutboxMessage.Status.PENDING).update(
        status=OutboxMessage.Status.SENT, sent_at=timezone.now(), attempts=1
    )
    if claimed:
        logger.info("outbox message %s sent (console)", message_id)
