"""What arrives through the WhatsApp Cloud API webhook: delivery statuses and citizens' messages.

The view has already checked the signature. `webhook_process` walks `entry[].changes[].value`:

- `statuses[]`: sent / delivered / read / failed for a message we sent. The outbox row is found by
  `provider_message_id`, or by the `biz_opaque_callback_data` ("outbox:<pk>") we sent along, which
  also covers a send whose reply was lost to a timeout: the provider telling us it went out stops
  the retries. A status only moves a row forward (sent < delivered < read); "failed" marks a row
  not yet delivered as a permanent failure with Meta's error code, shown to the officer.
- `messages[]`: a citizen's message to a published number. `metadata.display_phone_number` (the
  business number the citizen wrote to, digits only, e.g. "6281300000001") is matched to
  `routing.OfficerNumber.phone` ("+6281300000001"): register each officer's number with exactly the
  number printed on the banner. Photos and documents become `InboundMedia` rows fetched by a
  Celery task (ids only in the task) and cleaned by `applications.uploads.sanitize_upload`.

Every item is handled once: a `WebhookReceipt` row keyed by the provider's id (and the status for
status events) is written in the same savepoint as the effect, so Meta's redelivery of the same
call, or an attacker replaying a captured one, changes nothing the second time.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import requests
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import InboundMedia, InboundMessage, OutboxMessage, WebhookReceipt
from .senders import scrub

logger = logging.getLogger(__name__)

S = OutboxMessage.Status
STATUS_RANK = {S.SENT: 1, S.DELIVERED: 2, S.READ: 3}
MEDIA_TYPES = ("image", "document")
_CALLBACK_RE = re.compile(r"^outbox:(\d+)$")
_UNSUPPORTED_LABELS = {
    "audio": gettext_lazy("[Pesan suara: tidak dapat diproses. Minta warga mengirim foto atau PDF.]"),
    "video": gettext_lazy("[Video: tidak dapat diproses. Minta warga mengirim foto atau PDF.]"),
    "sticker": gettext_lazy("[Stiker]"),
    "location": gettext_lazy("[Lokasi]"),
    "contacts": gettext_lazy("[Kontak]"),
}


@dataclass
class WebhookResult:
    statuses: int = 0
    messages: int = 0
    duplicates: int = 0
    unknown_number: int = 0


def webhook_process(payload: dict[str, Any]) -> WebhookResult:
    """Apply one verified webhook call (see the module docstring)."""
    result = WebhookResult()
    if not isinstance(payload, dict):
        return result
    for entry in _list(payload.get("entry")):
        for change in _list(entry.get("changes") if isinstance(entry, dict) else None):
            value = change.get("value") if isinstance(change, dict) else None
            if not isinstance(value, dict):
                continue
            for status in _list(value.get("statuses")):
                if isinstance(status, dict):
                    _once(f"status:{status.get('id')}:{status.get('status')}", result, _apply_status, status)
            contacts = {
                str(c.get("wa_id")): ((c.get("profile") or {}).get("name") or "")
                for c in _list(value.get("contacts"))
                if isinstance(c, dict)
            }
            for message in _list(value.get("messages")):
                if isinstance(message, dict):
                    _once(
                        f"message:{message.get('id')}",
                        result,
                        _apply_message,
                        message,
                        value.get("metadata") or {},
                        contacts,
                    )
    return result


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _once(receipt_id: str, result: WebhookResult, apply, *args) -> None:
    """Record the receipt and apply the effect in one savepoint; a known receipt means: done before."""
    if receipt_id.endswith(":None") or ":None:" in receipt_id:
        return
    try:
        with transaction.atomic():
            WebhookReceipt.objects.create(provider_id=receipt_id[:160])
            apply(result, *args)
    except IntegrityError:
        result.duplicates += 1


def _timestamp(value: Any) -> datetime:
    try:
        return datetime.fromtimestamp(int(value), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return timezone.now()


def _apply_status(result: WebhookResult, status: dict[str, Any]) -> None:
    wamid = str(status.get("id") or "")
    new = str(status.get("status") or "")
    when = _timestamp(status.get("timestamp"))
    message = OutboxMessage.objects.filter(provider_message_id=wamid).first() if wamid else None
    if message is None:
        match = _CALLBACK_RE.match(str(status.get("biz_opaque_callback_data") or ""))
        message = OutboxMessage.objects.filter(pk=int(match[1])).first() if match else None
    if message is None:
        logger.info("status %s for a message we do not know", new)
        return
    result.statuses += 1
    updates: dict[str, Any] = {}
    if not message.provider_message_id and wamid:
        updates["provider_message_id"] = wamid[:128]
    current_rank = STATUS_RANK.get(message.status, 0)
    if new in STATUS_RANK:
        if STATUS_RANK[new] > current_rank:
            updates.update(status=new, next_attempt_at=None, last_error="")
        if message.sent_at is None:
            updates["sent_at"] = when
        if new in (S.DELIVERED, S.READ) and message.delivered_at is None:
            updates["delivered_at"] = when
        if new == S.READ and message.read_at is None:
            updates["read_at"] = when
    elif new == "failed" and current_rank < STATUS_RANK[S.DELIVERED]:
        error = (_list(status.get("errors")) or [{}])[0]
        error = error if isinstance(error, dict) else {}
        code = str(error.get("code") or "failed")
        detail = (
            (error.get("error_data") or {}).get("details")
            if isinstance(error.get("error_data"), dict)
            else ""
        )
        text = scrub(f"[{code}] {error.get('title') or error.get('message') or ''} {detail or ''}".strip())
        updates.update(status=S.PERMANENT_FAILURE, last_error=text[:255], next_attempt_at=None)
    if updates:
        OutboxMessage.objects.filter(pk=message.pk).update(**updates)


def officer_number_for(metadata: dict[str, Any]):
    """The published number a citizen wrote to: display_phone_number digits == OfficerNumber.phone digits."""
    from routing.models import OfficerNumber

    digits = "".join(ch for ch in str(metadata.get("display_phone_number") or "") if ch.isdigit())
    if not digits:
        return None
    return OfficerNumber.objects.filter(phone=f"+{digits}").select_related("officer").first()


def _apply_message(result: WebhookResult, message: dict[str, Any], metadata: dict, contacts: dict) -> None:
    number = officer_number_for(metadata)
    if number is None:
        result.unknown_number += 1
        logger.warning("inbound message to a number that is not an officer's published number; ignored")
        return
    kind = str(message.get("type") or "")
    sender_digits = "".join(ch for ch in str(message.get("from") or "") if ch.isdigit())
    body = message.get(kind) if isinstance(message.get(kind), dict) else {}
    if kind == "text":
        text = str(body.get("body") or "")
    elif kind in MEDIA_TYPES:
        text = str(body.get("caption") or "")
    else:
        text = str(_UNSUPPORTED_LABELS.get(kind, _("[Jenis pesan tidak didukung]")))
    inbound = InboundMessage.objects.create(
        provider_message_id=str(message["id"])[:160],
        officer_number=number,
        sender=f"+{sender_digits}"[:20],
        sender_name=str(contacts.get(sender_digits, ""))[:150],
        text=text,
        received_at=_timestamp(message.get("timestamp")),
    )
    result.messages += 1
    if kind in MEDIA_TYPES and body.get("id"):
        default_name = "foto-whatsapp.jpg" if kind == "image" else "dokumen-whatsapp"
        media = InboundMedia.objects.create(
            message=inbound,
            media_id=str(body["id"])[:160],
            mime_type=str(body.get("mime_type") or "")[:80],
            display_name=str(body.get("filename") or default_name)[:120],
        )
        transaction.on_commit(lambda: _kick_media(media.pk))


def _kick_media(media_pk: int) -> None:
    from .services import kick_task
    from .tasks import inbound_media_fetch

    kick_task(inbound_media_fetch, media_pk)


# --- Fetching media ------------------------------------------------------------------------------


class MediaTemporaryError(Exception):
    pass


class MediaPermanentError(Exception):
    pass


def media_download(media_id: str) -> tuple[bytes, str]:
    """Cloud API: GET /{media-id} for the short-lived URL, then GET the URL, both with the token.

    Reads at most UPLOAD_MAX_BYTES + 1 bytes (the upload check then refuses an oversized file with
    its usual message) and checks the sha256 Meta announced.
    """
    token = settings.WHATSAPP_CLOUD_TOKEN
    if not token:
        raise MediaTemporaryError("WHATSAPP_CLOUD_TOKEN is not set")
    headers = {"Authorization": f"Bearer {token}"}
    timeout = settings.WHATSAPP_TIMEOUT_SECONDS
    meta_url = f"{settings.WHATSAPP_CLOUD_API_URL.rstrip('/')}/{media_id}"
    try:
        meta = requests.get(meta_url, headers=headers, timeout=timeout)
        _raise_for(meta)
        info = meta.json()
        url = info["url"]
        with requests.get(url, headers=headers, timeout=timeout, stream=True) as download:
            _raise_for(download)
            limit = settings.UPLOAD_MAX_BYTES + 1
            chunks, size = [], 0
            for chunk in download.iter_content(64 * 1024):
                chunks.append(chunk)
                size += len(chunk)
                if size >= limit:
                    break
            content = b"".join(chunks)[:limit]
    except requests.RequestException as exc:
        raise MediaTemporaryError(type(exc).__name__) from exc
    except (ValueError, KeyError, TypeError) as exc:
        raise MediaTemporaryError("unreadable media metadata") from exc
    expected = str(info.get("sha256") or "")
    if expected and len(content) < limit and hashlib.sha256(content).hexdigest() != expected.lower():
        raise MediaTemporaryError("sha256 mismatch (incomplete download)")
    return content, str(info.get("mime_type") or "")


def _raise_for(response: requests.Response) -> None:
    if response.status_code == 429 or response.status_code >= 500:
        raise MediaTemporaryError(f"HTTP {response.status_code}")
    if response.status_code in (401, 403):
        raise MediaTemporaryError(f"HTTP {response.status_code} (check WHATSAPP_CLOUD_TOKEN)")
    if response.status_code >= 400:
        raise MediaPermanentError(f"HTTP {response.status_code}")


class _NamedBytes(io.BytesIO):
    def __init__(self, data: bytes, name: str) -> None:
        super().__init__(data)
        self.name = name
        self.size = len(data)


def inbound_media_fetch_one(*, media_pk: int) -> str:
    """Download, clean and store one inbound media file.

    Steps: claim the row by bumping `fetch_attempts` from the value read (a second task for the
    same row loses); download; run `sanitize_upload` (the upload path every attachment takes);
    store the cleaned bytes and thumbnail under server-made names. A refused file or a media id the
    provider no longer knows gets an `error` for the officer; a temporary failure is left for the
    sweep until INBOUND_MEDIA_MAX_ATTEMPTS.
    """
    from applications.uploads import UploadRejected, sanitize_upload

    media = InboundMedia.objects.filter(pk=media_pk, fetched=False, error="").first()
    if media is None or media.fetch_attempts >= settings.INBOUND_MEDIA_MAX_ATTEMPTS:
        return "skipped"
    claimed = InboundMedia.objects.filter(
        pk=media_pk, fetched=False, error="", fetch_attempts=media.fetch_attempts
    ).update(fetch_attempts=F("fetch_attempts") + 1)
    if claimed != 1:
        return "skipped"
    attempts = media.fetch_attempts + 1
    try:
        content, mime_type = media_download(media.media_id)
        clean = sanitize_upload(_NamedBytes(content, media.display_name or "berkas"))
    except MediaTemporaryError as exc:
        logger.warning("inbound media %s: fetch failed (attempt %s): %s", media_pk, attempts, exc)
        if attempts >= settings.INBOUND_MEDIA_MAX_ATTEMPTS:
            InboundMedia.objects.filter(pk=media_pk).update(
                error=_("Berkas tidak berhasil diambil dari WhatsApp. Minta warga mengirim ulang.")
            )
            return "failed"
        return "retry"
    except MediaPermanentError as exc:
        logger.warning("inbound media %s: provider refused: %s", media_pk, exc)
        InboundMedia.objects.filter(pk=media_pk).update(
            error=_("Berkas sudah tidak tersedia di WhatsApp (kedaluwarsa). Minta warga mengirim ulang.")
        )
        return "failed"
    except UploadRejected as exc:
        InboundMedia.objects.filter(pk=media_pk).update(error=exc.message[:400])
        return "rejected"
    stem = uuid.uuid4().hex
    media.file.save(f"{stem}{clean.extension}", ContentFile(clean.content), save=False)
    if clean.thumbnail:
        media.thumbnail.save(f"thumb-{stem}.jpg", ContentFile(clean.thumbnail), save=False)
    InboundMedia.objects.filter(pk=media_pk).update(
        file=media.file.name,
        thumbnail=media.thumbnail.name or "",
        mime_type=clean.content_type,
        display_name=clean.display_name[:120],
        fetched=True,
    )
    logger.info(
        "inbound media %s fetched (%s, %d bytes; provider said %s)",
        media_pk,
        clean.kind,
        clean.size,
        mime_type,
    )
    return "fetched"


def inbound_media_due_ids(*, limit: int = 200) -> list[int]:
    qs = InboundMedia.objects.filter(
        Q(fetched=False, error="", fetch_attempts__lt=settings.INBOUND_MEDIA_MAX_ATTEMPTS)
    ).order_by("pk")
    return list(qs.values_list("pk", flat=True)[:limit])


# --- The officer's actions in the WhatsApp inbox ---------------------------------------------------


class InboxError(Exception):
    """An inbox action refused; the message is for the officer (Bahasa Indonesia)."""


def inbound_create_application(*, actor, conversation: InboundMessage, data, media_ids: list[int]):
    """Register an application from a WhatsApp conversation and attach the chosen files to it.

    The application is created by `applications.services.application_create` (numbering, checklist,
    assignment with the number the citizen wrote to, the 'received' message), the files go through
    `_attach_media`, all in one transaction: if a file is refused, no application is left behind.
    """
    from applications.attachments import FileWriteGuard
    from applications.services import application_create

    with FileWriteGuard() as guard, transaction.atomic():
        application = application_create(actor=actor, data=data, received_on=conversation.officer_number)
        _attach_media(
            actor=actor, application=application, conversation=conversation, media_ids=media_ids, guard=guard
        )
    return application


def inbound_attach(
    *, actor, conversation: InboundMessage, application, media_ids: list[int], resubmitted: bool
):
    """Add the chosen files of a conversation to an existing application (optionally: the revision arrived)."""
    from applications.attachments import FileWriteGuard
    from applications.models import Application
    from applications.services import WorkflowError, application_transition, user_can_act_on

    if not user_can_act_on(actor, application):
        raise InboxError(_("Permohonan ini di luar wilayah kerja Anda."))
    if not application.is_open:
        raise InboxError(_("Permohonan ini sudah ditutup; berkas tidak dapat ditambahkan."))
    with FileWriteGuard() as guard, transaction.atomic():
        attachments = _attach_media(
            actor=actor, application=application, conversation=conversation, media_ids=media_ids, guard=guard
        )
        if resubmitted and application.status == Application.Status.REVISION_REQUIRED:
            try:
                application_transition(application=application, actor=actor, action="resubmit")
            except WorkflowError as exc:
                raise InboxError(str(exc)) from exc
    return attachments


def _attach_media(*, actor, application, conversation: InboundMessage, media_ids: list[int], guard):
    """Steps: claim the media rows (used=False → True in one UPDATE, so a double click or two officers
    cannot attach the same file twice); check the per-application file limit; pass every stored file
    through `sanitize_upload` again (the same safe path as a browser upload) and store it with
    `attachments_store`; mark the conversation's new messages as processed; write an event row."""
    from applications.attachments import NewFile, attachments_store
    from applications.models import ApplicationEvent, Attachment
    from applications.uploads import UploadRejected, check_file_count, sanitize_upload
    from dukcapil.core.audit import audit_record

    media = list(
        conversation_media_qs(conversation).filter(pk__in=media_ids, fetched=True, used=False).order_by("pk")
    )
    if not media or len(media) != len(set(media_ids)):
        raise InboxError(_("Pilih berkas yang sudah diterima dan belum dipakai."))
    claimed = InboundMedia.objects.filter(pk__in=[m.pk for m in media], used=False).update(used=True)
    if claimed != len(media):
        raise InboxError(_("Sebagian berkas baru saja dipakai oleh petugas lain. Muat ulang halaman."))
    try:
        check_file_count(application.attachments.filter(replaced_at__isnull=True).count(), len(media))
        files = []
        for item in media:
            with item.file.open("rb") as handle:
                files.append(
                    NewFile(
                        requirement=None, clean=sanitize_upload(_NamedBytes(handle.read(), item.display_name))
                    )
                )
    except UploadRejected as exc:
        raise InboxError(exc.message) from exc
    attachments = attachments_store(
        application=application, files=files, actor=actor, source=Attachment.Source.WHATSAPP, guard=guard
    )
    InboundMessage.objects.filter(
        Q(pk__in=[m.message_id for m in media])
        | Q(
            officer_number_id=conversation.officer_number_id,
            sender=conversation.sender,
            status=InboundMessage.Status.NEW,
        )
    ).update(status=InboundMessage.Status.USED, application=application)
    ApplicationEvent.objects.create(
        application=application,
        actor=actor,
        action="whatsapp_attach",
        note=_("%(n)d berkas ditambahkan dari WhatsApp masuk.") % {"n": len(attachments)},
    )
    audit_record(
        actor=actor, action="whatsapp_attach", application=application, detail=f"{len(attachments)} berkas"
    )
    return attachments


def conversation_media_qs(conversation: InboundMessage):
    return InboundMedia.objects.filter(
        message__officer_number_id=conversation.officer_number_id, message__sender=conversation.sender
    )


@transaction.atomic
def inbound_dismiss(*, conversation: InboundMessage, actor=None) -> int:
    """Mark the conversation's new messages as dismissed (spam, a question answered by phone).

    Steps: one UPDATE of the conversation's new messages; when any changed, one audit row naming
    the conversation's message (never the sender's number).
    """
    from dukcapil.core.audit import audit_record

    count = InboundMessage.objects.filter(
        officer_number_id=conversation.officer_number_id,
        sender=conversation.sender,
        status=InboundMessage.Status.NEW,
    ).update(status=InboundMessage.Status.DISMISSED)
    if count:
        audit_record(actor=actor, action="inbound:dismiss", obj=conversation, detail=f"{count} pesan")
    return count
