"""Attachment files, streamed through Django to people who may see the application. No public URL exists."""

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_safe

from dukcapil.core.audit import audit_record

from ..attachments import Variant, attachment_response
from ..models import Attachment
from ..selectors import get_application_for_user
from .common import workspace_required


def _attachment_for(request, pk: int, attachment_pk: int) -> Attachment:
    # the application decides access; the file must belong to THAT application (no reaching
    # application A's file through application B's URL)
    application = get_application_for_user(request.user, pk)
    attachment = get_object_or_404(Attachment, pk=attachment_pk, application=application)
    attachment.application = application  # already loaded; saves a query for the audit row
    return attachment


@require_safe
@workspace_required
def attachment_file(request, pk: int, attachment_pk: int):
    """The file, or with ?ukuran=layar its screen version (what the viewer shows; a download is
    always the full file)."""
    attachment = _attachment_for(request, pk, attachment_pk)
    download = request.GET.get("unduh") == "1"
    variant = Variant.SCREEN if request.GET.get("ukuran") == "layar" and not download else Variant.FULL
    # thumbnails come with the page (audited there); a file opened or downloaded is its own access
    audit_record(
        request=request,
        action="download_attachment" if download else "view_attachment",
        obj=attachment,
        application=attachment.application,
    )
    return attachment_response(attachment, variant=variant, download=download)


@require_safe
@workspace_required
def attachment_thumbnail(request, pk: int, attachment_pk: int):
    attachment = _attachment_for(request, pk, attachment_pk)
    if not attachment.thumbnail:
        raise Http404
    return attachment_response(attachment, variant=Variant.THUMBNAIL)
