"""Read queries of the notification pages. Access is decided here: what a user may not see is a 404."""

from __future__ import annotations

from django.db.models import Count, Max, Q, QuerySet
from django.http import Http404

from dukcapil.accounts.models import User

from .models import InboundMedia, InboundMessage, OutboxMessage

INBOX_ROLES = frozenset({User.Role.PETUGAS, User.Role.KEPALA_BIDANG, User.Role.ADMIN})


def visible_inbound(user: User) -> QuerySet[InboundMessage]:
    """Messages to the user's own numbers; a kepala bidang covers the bidang's numbers, admin all."""
    qs = InboundMessage.objects.all()
    if user.role == User.Role.ADMIN or user.is_superuser:
        return qs
    if user.role == User.Role.KEPALA_BIDANG and user.bidang:
        return qs.filter(officer_number__bidang=user.bidang)
    if user.role == User.Role.PETUGAS:
        return qs.filter(officer_number__officer=user)
    return qs.none()


def get_inbound_for_user(user: User, pk: int) -> InboundMessage:
    try:
        return visible_inbound(user).select_related("officer_number__officer").get(pk=pk)
    except InboundMessage.DoesNotExist:
        raise Http404 from None


def inbox_conversations(*, user: User, only_new: bool) -> QuerySet:
    """One row per (number, sender): counts and the latest message id, newest first.

    One grouped query; the page then loads the latest message of each row in one more query.
    """
    qs = visible_inbound(user)
    if only_new:
        qs = qs.filter(status=InboundMessage.Status.NEW)
    return (
        qs.values("officer_number_id", "sender")
        .annotate(
            last_at=Max("received_at"),
            latest_id=Max("id"),
            messages=Count("id", distinct=True),
            files=Count("media", distinct=True),
        )
        .order_by("-last_at", "-latest_id")
    )


def conversation_messages(message: InboundMessage, *, limit: int = 100) -> list[InboundMessage]:
    """The sender's messages to the same number, oldest first, with their media (two queries)."""
    rows = (
        InboundMessage.objects.filter(officer_number_id=message.officer_number_id, sender=message.sender)
        .select_related("application")
        .prefetch_related("media")
        .order_by("-received_at", "-id")[:limit]
    )
    return list(reversed(rows))


def conversation_media(message: InboundMessage) -> QuerySet[InboundMedia]:
    return InboundMedia.objects.filter(
        message__officer_number_id=message.officer_number_id, message__sender=message.sender
    )


def get_inbound_media_for_user(user: User, pk: int) -> InboundMedia:
    try:
        return InboundMedia.objects.select_related("message").get(
            pk=pk, message__in=visible_inbound(user), fetched=True
        )
    except InboundMedia.DoesNotExist:
        raise Http404 from None


# --- outbox -------------------------------------------------------------------------------------

FAILURE_STATUSES = (OutboxMessage.Status.FAILED, OutboxMessage.Status.PERMANENT_FAILURE)


def outbox_counts() -> dict[str, int]:
    """Messages per status, in one query (the admin outbox page's tiles)."""
    S = OutboxMessage.Status
    return OutboxMessage.objects.aggregate(
        total=Count("id"),
        **{status.value: Count("id", filter=Q(status=status)) for status in S},
    )


def outbox_list(*, status: str | None) -> QuerySet[OutboxMessage]:
    qs = OutboxMessage.objects.select_related("application", "officer").order_by("-created_at", "-id")
    if status == "failures":
        return qs.filter(status__in=FAILURE_STATUSES)
    if status in OutboxMessage.Status.values:
        return qs.filter(status=status)
    return qs


def application_messages(application) -> list[OutboxMessage]:
    """The application page's message history, oldest first (one query)."""
    return list(OutboxMessage.objects.filter(application=application).order_by("created_at", "id"))


def get_message_for_user(user: User, pk: int) -> OutboxMessage:
    """Admin: any message; officers and kepala bidang: messages of applications of their bidang."""
    qs = OutboxMessage.objects.select_related("application")
    if not (user.role == User.Role.ADMIN or user.is_superuser):
        if user.role in (User.Role.PETUGAS, User.Role.KEPALA_BIDANG) and user.bidang:
            qs = qs.filter(application__bidang=user.bidang)
        else:
            qs = qs.none()
    try:
        return qs.get(pk=pk)
    except OutboxMessage.DoesNotExist:
        raise Http404 from None
