"""Celery tasks of the outbox. Thin: load by id, call a service."""

from celery import shared_task


@shared_task(ignore_result=True)
def outbox_send(message_id: int) -> None:
    from .sending import outbox_send_one

    outbox_send_one(message_id=message_id)
