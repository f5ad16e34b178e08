"""Celery tasks of the outbox and the WhatsApp inbox. Thin: load by id, call a service.

Arguments are ids only: no phone number or message text ever sits in the broker or its logs.
Every task is safe to run twice (the outbox claim and the media `fetched` flag decide).
"""

import logging

from celery import shared_task
from django.conf import settings

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def outbox_send(message_id: int) -> str:
    from .sending import outbox_send_one

    outcome = outbox_send_one(message_id=message_id)
    if outcome.retry_in is not None and outcome.retry_in <= settings.OUTBOX_TASK_COUNTDOWN_MAX_SECONDS:
        # A short wait is scheduled right here; longer ones are left to the sweep (a countdown task
        # waits inside a worker, unacknowledged, and must stay well under the visibility timeout).
        _enqueue(outbox_send, message_id, countdown=outcome.retry_in)
    return outcome.result


@shared_task(ignore_result=True)
def outbox_sweep() -> int:
    """Periodic (beat): queue every due message; the claim in outbox_send keeps it to one send."""
    from .sending import outbox_due_ids

    ids = outbox_due_ids()
    for message_id in ids:
        outbox_send.delay(message_id)
    if ids:
        logger.info("outbox sweep queued %d message(s)", len(ids))
    return len(ids)


@shared_task(ignore_result=True)
def inbound_media_fetch(media_id: int) -> str:
    from .inbound import inbound_media_fetch_one

    return inbound_media_fetch_one(media_pk=media_id)


@shared_task(ignore_result=True)
def inbound_media_sweep() -> int:
    """Periodic (beat): fetch media the webhook's task did not get (broker down, provider error)."""
    from .inbound import inbound_media_due_ids

    ids = inbound_media_due_ids()
    for media_id in ids:
        inbound_media_fetch.delay(media_id)
    return len(ids)


def _enqueue(task, *args, countdown: float | None = None) -> None:
    try:
        task.apply_async(args, countdown=countdown, retry=False)
    except Exception:  # noqa: BLE001 - the sweep will pick the row up
        logger.warning("could not queue %s for %s; left for the sweep", task.name, args)
