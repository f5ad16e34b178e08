"""Views of the officer workspace, one module per page: queue, intake, the application page, files."""

from .detail import (
    application_action,
    application_checklist,
    application_detail,
    application_resubmission,
    nik_reveal,
)
from .files import attachment_file, attachment_thumbnail
from .intake import intake, intake_duplicates
from .queue import queue, queue_nik

__all__ = [
    "application_action",
    "application_checklist",
    "application_detail",
    "application_resubmission",
    "attachment_file",
    "attachment_thumbnail",
    "intake",
    "intake_duplicates",
    "nik_reveal",
    "queue",
    "queue_nik",
]
