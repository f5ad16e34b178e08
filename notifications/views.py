"""Pages of the notifications area and the WhatsApp webhook."""

from __future__ import annotations

import json
import logging
from functools import wraps

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseForbidden,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from applications.validators import mask_phone
from dukcapil.accounts.models import User
from dukcapil.core.audit import audit_record

from .forms import AttachForm, TemplatePreviewForm
from .inbound import (
    InboxError,
    conversation_media_qs,
    inbound_attach,
    inbound_create_application,
    inbound_dismiss,
    webhook_process,
)
from .models import InboundMessage, OutboxMessage
from .selectors import (
    INBOX_ROLES,
    conversation_messages,
    get_inbound_for_user,
    get_inbound_media_for_user,
    get_message_for_user,
    inbox_conversations,
    outbox_counts,
    outbox_list,
)
from .sending import failure_explanation
from .services import message_resend, template_check, template_preview
from .webhook_security import verify_handshake, verify_signature

logger = logging.getLogger(__name__)


@csrf_exempt  # Meta cannot send our CSRF token; the HMAC signature authenticates the call instead
@require_http_methods(["GET", "POST"])
def webhook(request: HttpRequest) -> HttpResponse:
    """Meta's webhook: GET is the subscription handshake, POST carries statuses and messages.

    A POST without a valid X-Hub-Signature-256 gets 403 before its body is even parsed. A signed
    call always gets 200 once processed, so Meta does not redeliver what we have handled.
    """
    if request.method == "GET":
        challenge = verify_handshake(request.GET, settings.WHATSAPP_VERIFY_TOKEN)
        if challenge is None or len(challenge) > 200:
            return HttpResponseForbidden()
        return HttpResponse(challenge, content_type="text/plain")
    signature = request.headers.get("X-Hub-Signature-256")
    if not verify_signature(request.body, signature, settings.WHATSAPP_APP_SECRET):
        logger.warning("webhook call refused: missing or wrong signature")
        return HttpResponseForbidden()
    try:
        payload = json.loads(request.body)
    except ValueError:
        return HttpResponseBadRequest()
    result = webhook_process(payload)
    logger.info(
        "webhook: %d status(es), %d message(s), %d duplicate(s), %d to unknown numbers",
        result.statuses,
        result.messages,
        result.duplicates,
        result.unknown_number,
    )
    return HttpResponse("ok", content_type="text/plain")


# --- Role gates -------------------------------------------------------------------------------------


def _role_required(roles):
    """Login first (anonymous → login page), then the role (others → 403)."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.user.role not in roles and not request.user.is_superuser:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


inbox_required = _role_required(INBOX_ROLES)
admin_required = _role_required({User.Role.ADMIN})
# officers, their heads and the admin may resend; the kepala dinas only reads
resend_required = _role_required({User.Role.PETUGAS, User.Role.KEPALA_BIDANG, User.Role.ADMIN})
workspace_required = _role_required(
    {User.Role.PETUGAS, User.Role.KEPALA_BIDANG, User.Role.KEPALA_DINAS, User.Role.ADMIN}
)


# --- WhatsApp inbox -------------------------------------------------------------------------------------


@require_safe
@inbox_required
def inbox(request: HttpRequest) -> HttpResponse:
    """Conversations on the officer's numbers, newest first; 'baru' (default) or 'semua'.

    Queries: the paginator's count, the grouped page, the latest message of each row (with its
    number), plus the session and user: constant whatever the number of messages.
    """
    only_new = request.GET.get("tampil") != "semua"
    page = Paginator(inbox_conversations(user=request.user, only_new=only_new), 25).get_page(
        request.GET.get("halaman")
    )
    latest_ids = [row["latest_id"] for row in page.object_list]
    numbers = {
        m.pk: m
        for m in InboundMessage.objects.filter(pk__in=latest_ids).select_related("officer_number__officer")
    }
    rows = [{**row, "latest": numbers.get(row["latest_id"])} for row in page.object_list]
    return render(
        request,
        "notifications/inbox.html",
        {"page": page, "rows": rows, "only_new": only_new},
    )


def _conversation_context(request, conversation: InboundMessage, **forms_) -> dict:
    from applications.selectors import visible_applications

    messages_ = conversation_messages(conversation)
    media = [m for message in messages_ for m in message.media.all()]
    candidates = list(
        visible_applications(request.user)
        .filter(whatsapp=conversation.sender)
        .exclude(status__in=["handed_over", "rejected", "cancelled"])
        .select_related("document_type")
        .order_by("-created_at")[:20]
    )
    create_form = forms_.get("create_form") or _create_form(request, conversation, media)
    attach_form = forms_.get("attach_form") or AttachForm(media=media, candidates=candidates)
    return {
        "conversation": conversation,
        "thread": messages_,
        "media": media,
        "usable_media": [m for m in media if m.fetched and not m.used],
        "candidates": candidates,
        "create_form": create_form,
        "attach_form": attach_form,
        "open_tab": forms_.get("open_tab", "create" if not candidates else "attach"),
        "sender_masked": mask_phone(conversation.sender),
        # all usable files ticked at first: attaching everything the citizen sent is the usual case
        "selected_media": request.POST.getlist("media")
        if request.method == "POST"
        else [str(m.pk) for m in media if m.fetched and not m.used],
    }


def _create_form(request, conversation: InboundMessage, media, data=None):
    from applications.forms import IntakeForm

    form = IntakeForm(
        data,
        user=request.user,
        initial={
            "applicant_name": conversation.sender_name,
            "whatsapp": conversation.sender,
            "received_on": conversation.officer_number_id,
        },
    )
    # the conversation decides the number; the file checkboxes are ours
    form.fields.pop("received_on", None)
    form.fields["media"] = forms.MultipleChoiceField(
        label=_("Berkas dari WhatsApp yang dilampirkan"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        choices=[(m.pk, m.display_name or m.pk) for m in media if m.fetched and not m.used],
    )
    return form


@require_safe
@inbox_required
def conversation(request: HttpRequest, pk: int) -> HttpResponse:
    message = get_inbound_for_user(request.user, pk)
    return render(request, "notifications/conversation.html", _conversation_context(request, message))


@require_POST
@inbox_required
def conversation_create(request: HttpRequest, pk: int) -> HttpResponse:
    message = get_inbound_for_user(request.user, pk)
    if request.user.role not in (User.Role.PETUGAS, User.Role.KEPALA_BIDANG):
        raise PermissionDenied  # registering is the officers' job (the admin has no bidang)
    media = list(conversation_media_qs(message))
    form = _create_form(request, message, media, data=request.POST)
    if form.is_valid():
        from applications.services import WorkflowError

        try:
            application = inbound_create_application(
                actor=request.user,
                conversation=message,
                data=form.application_data(),
                media_ids=[int(x) for x in form.cleaned_data.get("media") or []],
            )
        except (InboxError, WorkflowError) as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("Permohonan %(number)s terdaftar dari WhatsApp masuk.") % {"number": application.number},
            )
            return redirect("applications:detail", pk=application.pk)
    context = _conversation_context(request, message, create_form=form, open_tab="create")
    return render(request, "notifications/conversation.html", context, status=200)


@require_POST
@inbox_required
def conversation_attach(request: HttpRequest, pk: int) -> HttpResponse:
    from applications.selectors import visible_applications

    message = get_inbound_for_user(request.user, pk)
    context = _conversation_context(request, message)
    form = AttachForm(request.POST, media=context["media"], candidates=context["candidates"])
    if form.is_valid():
        visible = visible_applications(request.user)
        if form.cleaned_data.get("application"):
            application = visible.filter(pk=form.cleaned_data["application"]).first()
        else:
            application = visible.filter(number__iexact=form.cleaned_data["number"].strip()).first()
        if application is None:
            form.add_error("number", _("Permohonan dengan nomor itu tidak ditemukan di bidang Anda."))
        else:
            try:
                attachments = inbound_attach(
                    actor=request.user,
                    conversation=message,
                    application=application,
                    media_ids=form.cleaned_data["media"],
                    resubmitted=form.cleaned_data["resubmitted"],
                )
            except InboxError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request,
                    _("%(n)d berkas ditambahkan ke permohonan %(number)s.")
                    % {"n": len(attachments), "number": application.number},
                )
                return redirect("applications:detail", pk=application.pk)
    context = _conversation_context(request, message, attach_form=form, open_tab="attach")
    return render(request, "notifications/conversation.html", context)


@require_POST
@inbox_required
def conversation_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    message = get_inbound_for_user(request.user, pk)
    count = inbound_dismiss(conversation=message, actor=request.user)
    messages.info(request, _("%(n)d pesan ditandai diabaikan.") % {"n": count})
    return redirect("notifications:inbox")


@require_safe
@inbox_required
def inbound_media_file(request: HttpRequest, pk: int) -> HttpResponse:
    """Stream a cleaned inbound file (or its thumbnail) to someone who may see the conversation."""
    media = get_inbound_media_for_user(request.user, pk)
    thumbnail = request.GET.get("kecil") == "1"
    field = media.thumbnail if thumbnail else media.file
    if not field:
        raise Http404
    content_type = "image/jpeg" if thumbnail else (media.mime_type or "application/octet-stream")
    if not thumbnail:  # the thumbnails come with the conversation page, the file is opened on purpose
        audit_record(request=request, action="view_inbound_media", obj=media)
    response = FileResponse(field.open("rb"), content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store, private"
    response["Content-Security-Policy"] = (
        "sandbox; default-src 'none'; img-src 'self'; frame-ancestors 'self'"
    )
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


# --- Outbox (admin), message history and resend ---------------------------------------------------------


@require_safe
@admin_required
def outbox(request: HttpRequest) -> HttpResponse:
    """Counts per status and the messages of one status (failures first by default).

    Queries: the counts (one aggregate), the paginator's count, the page with its applications,
    plus the session and user: constant whatever the number of messages.
    """
    status = request.GET.get("status") or "failures"
    if status not in ("failures", "all", *OutboxMessage.Status.values):
        status = "failures"
    page = Paginator(outbox_list(status=status), 50).get_page(request.GET.get("halaman"))
    rows = [{"message": m, "explanation": _explain(m)} for m in page.object_list]
    return render(
        request,
        "notifications/outbox.html",
        {
            "counts": outbox_counts(),
            "status": status,
            "page": page,
            "rows": rows,
            "statuses": OutboxMessage.Status.choices,
        },
    )


def _explain(message: OutboxMessage) -> str:
    if message.status in (OutboxMessage.Status.FAILED, OutboxMessage.Status.PERMANENT_FAILURE):
        return failure_explanation(message.last_error)
    return ""


@require_safe
@workspace_required
def application_messages_fragment(request: HttpRequest, pk: int) -> HttpResponse:
    """The application page's message history, for htmx to refresh in place."""
    from applications.selectors import get_application_for_user

    application = get_application_for_user(request.user, pk)
    return render(request, "applications/_messages.html", {"application": application})


@require_POST
@resend_required
def resend(request: HttpRequest, pk: int) -> HttpResponse:
    message = get_message_for_user(request.user, pk)
    try:
        message_resend(message=message, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Pesan dimasukkan lagi ke antrean kirim."))
    if request.htmx and message.application_id:
        response = render(request, "applications/_messages.html", {"application": message.application})
        return response
    target = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = ""
    if not target and message.application_id:
        target = reverse("applications:detail", args=[message.application_id])
    return redirect(target or "notifications:outbox")


# --- Template preview (admin) -----------------------------------------------------------------------------


@require_POST
@admin_required
def preview(request: HttpRequest) -> HttpResponse:
    """Fill a template body with sample data; used live by the template editor in the admin."""
    form = TemplatePreviewForm(request.POST)
    if not form.is_valid():
        return render(request, "notifications/_preview.html", {"problems": [_("Isi pesan kosong.")]})
    body = form.cleaned_data["body"]
    return render(
        request,
        "notifications/_preview.html",
        {"problems": template_check(body=body), "text": template_preview(body=body), "length": len(body)},
    )
