from celery import shared_task


@shared_task(ignore_result=True)
def summaries_refresh_task() -> int:
    """Periodic (beat, hourly from just after midnight): summarise the days that are over, and fold
    the open-work tally's days that can no longer change a figure (applications/open_work.py)."""
    from applications.open_work import open_work_fold

    from .services import summaries_refresh

    days = summaries_refresh()
    open_work_fold()  # after the summaries: a failed fold (e.g. a deadlock) must not cost them
    return days
