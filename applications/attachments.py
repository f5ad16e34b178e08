"""Storing cleaned uploads as Attachment rows, and streaming them back to people allowed to see them.

Files are written under server-made names (see `applications.models.attachment_path`); the name a
phone or browser sent is kept for display only. Writing happens inside the caller's transaction,
and `FileWriteGuard` removes every file written so far when that transaction does not commit, so a
refusal, a stale version or a database error never leaves half an application on disk.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import FileResponse
from django.utils import timezone

from dukcapil.accounts.models import User

from .models import Application, Attachment, Requirement, attachment_path, screen_path, thumbnail_path
from .uploads import CleanFile

logger = logging.getLogger(__name__)

# The served document may not run scripts, reach other origins or be framed by another site;
# `sandbox` gives it a unique origin. An iframe `sandbox` attribute would do the same for the frame
# but Chromium then refuses to show PDFs at all, so the sandbox travels with the response instead.
ATTACHMENT_CSP = (
    "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'self'"
)


@dataclass(frozen=True)
class NewFile:
    """One cleaned upload and the requirement it was sent for (None: "lainnya")."""

    requirement: Requirement | None
    clean: CleanFile


class FileWriteGuard:
    """Remembers the files written during a unit of work and deletes them if it fails.

    Use it OUTSIDE the transaction so that an error raised by the commit itself is seen too:

        with FileWriteGuard() as guard, transaction.atomic():
            attachments_store(..., guard=guard)

    On a clean exit the files stay; on any exception they are removed (errors while removing are
    logged, never raised over the original error).
    """

    def __init__(self) -> None:
        self.names: list[str] = []

    def __enter__(self) -> FileWriteGuard:
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc_type is not None:
            self.discard()
        return False

    def save(self, name: str, content: bytes) -> str:
        stored = default_storage.save(name, ContentFile(content))
        self.names.append(stored)
        return stored

    def discard(self) -> None:
        for name in reversed(self.names):
            try:
                default_storage.delete(name)
            except OSError:
                logger.exception("could not remove attachment file %s after a failed save", name)
        self.names.clear()


def attachments_store(
    *,
    application: Application,
    files: Iterable[NewFile],
    actor: User,
    source: str,
    guard: FileWriteGuard,
) -> list[Attachment]:
    """Write each cleaned file (and its thumbnail and screen version) under server-made names and
    create its row.

    Must run inside a transaction wrapped by `guard` (see FileWriteGuard). The rows are created one
    by one after their files exist, so a row never points at a missing file.
    """
    stored: list[Attachment] = []
    for item in files:
        clean = item.clean
        attachment = Attachment(
            application=application,
            requirement=item.requirement,
            kind=clean.kind,
            extension=clean.extension,
            content_type=clean.content_type,
            size=clean.size,
            sha256=clean.sha256,
            display_name=clean.display_name[:120],
            source=source,
            uploaded_by=actor,
        )
        attachment.file.name = guard.save(attachment_path(attachment, ""), clean.content)
        if clean.thumbnail:
            attachment.thumbnail.name = guard.save(thumbnail_path(attachment, ""), clean.thumbnail)
        if clean.screen:
            attachment.screen.name = guard.save(screen_path(attachment, ""), clean.screen)
        attachment.save()
        stored.append(attachment)
    return stored


def attachments_mark_replaced(*, application: Application, requirement_ids: Iterable[int], now=None) -> int:
    """Mark the current files of these requirements as replaced (kept for the record, shown faded)."""
    ids = [pk for pk in requirement_ids if pk is not None]
    if not ids:
        return 0
    return Attachment.objects.filter(
        application=application, requirement_id__in=ids, replaced_at__isnull=True
    ).update(replaced_at=now or timezone.now())


def download_name(attachment: Attachment) -> str:
    """The uploaded name with the extension of what we actually store (a PNG is kept as JPEG)."""
    stem = PurePosixPath(attachment.display_name).stem or "lampiran"
    return f"{stem}{attachment.extension}"


class Variant:
    """Which stored version of an attachment to send."""

    FULL = "full"  # the cleaned file as stored
    SCREEN = "screen"  # the viewer's size; the full file when there is none (PDF, small or older photo)
    THUMBNAIL = "thumbnail"


def attachment_response(attachment: Attachment, *, variant: str = Variant.FULL, download: bool = False):
    """Stream the stored bytes through Django with headers that keep a browser from guessing or caching.

    The caller has already checked that the user may see the application.
    """
    field, content_type = attachment.file, attachment.content_type
    if variant == Variant.THUMBNAIL:
        field, content_type = attachment.thumbnail, "image/jpeg"
    elif variant == Variant.SCREEN and attachment.screen:
        field, content_type = attachment.screen, "image/jpeg"
    response = FileResponse(
        field.open("rb"),
        content_type=content_type,
        as_attachment=download,
        filename=download_name(attachment),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store, private"
    response["Content-Security-Policy"] = ATTACHMENT_CSP
    # the whole site is DENY; our own application page shows PDFs in a frame
    response["X-Frame-Options"] = "SAMEORIGIN"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response
