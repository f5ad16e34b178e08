from celery import shared_task


@shared_task(ignore_result=True)
def summaries_refresh_task() -> int:
    """Periodic (beat, just after midnight and again hourly): summarise the days that are over."""
    from .services import summaries_refresh

    return summaries_refresh()
