"""Celery tasks of staff routing. Thin: work out the date, call a service; safe to run twice.

Not under `routing/tasks.py` (the delivery area's), so the worker must import this module: the
lead registers it with ``CELERY_IMPORTS = ["routing.tasks_staff"]`` and the beat entry

    "shift-reminders": {
        "task": "routing.tasks_staff.shift_reminders_send",
        "schedule": crontab(hour=17, minute=0),  # office time zone (CELERY_TIMEZONE)
        "options": {"expires": 6 * 3600},
    }
"""

import logging
from datetime import date, timedelta

from celery import shared_task
from django.utils import timezone

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def shift_reminders_send(day_iso: str | None = None) -> int:
    """Remind every officer in the office tomorrow (or on ``day_iso``) through the outbox.

    Runs every evening, weekends too: Sunday evening reminds Monday's officers. A second run for the
    same date sends nothing new (the outbox dedupe key is per officer and date).
    """
    from .services import shift_reminders_enqueue

    day = date.fromisoformat(day_iso) if day_iso else timezone.localdate() + timedelta(days=1)
    queued = shift_reminders_enqueue(day=day)
    logger.info("shift reminders for %s: %d queued", day.isoformat(), queued)
    return queued
