"""Template helpers of the notifications area (the application page's message history)."""

from django import template

from dukcapil.accounts.models import User
from notifications.models import OutboxMessage
from notifications.selectors import application_messages
from notifications.sending import failure_explanation
from notifications.services import RESENDABLE

register = template.Library()

STATUS_CLASSES = {
    OutboxMessage.Status.PENDING: "text-bg-secondary",
    OutboxMessage.Status.SENDING: "text-bg-info",
    OutboxMessage.Status.SENT: "text-bg-primary",
    OutboxMessage.Status.DELIVERED: "text-bg-success",
    OutboxMessage.Status.READ: "text-bg-success",
    OutboxMessage.Status.FAILED: "text-bg-warning",
    OutboxMessage.Status.PERMANENT_FAILURE: "text-bg-danger",
}


@register.simple_tag(takes_context=True)
def application_message_rows(context, application) -> dict:
    """Rows for `applications/_messages.html`: one query for the application's messages."""
    request = context.get("request")
    user = getattr(request, "user", None)
    may_resend = bool(
        user
        and user.is_authenticated
        and (
            user.role == User.Role.ADMIN
            or user.is_superuser
            or (
                user.role in (User.Role.PETUGAS, User.Role.KEPALA_BIDANG)
                and user.bidang == application.bidang
            )
        )
    )
    rows = []
    for message in application_messages(application):
        failed = message.status in RESENDABLE
        rows.append(
            {
                "message": message,
                "badge": STATUS_CLASSES.get(message.status, "text-bg-secondary"),
                "explanation": failure_explanation(message.last_error) if failed else "",
                "can_resend": failed and may_resend,
            }
        )
    return {
        "rows": rows,
        "permanent": [r for r in rows if r["message"].status == OutboxMessage.Status.PERMANENT_FAILURE],
    }


@register.filter
def outbox_badge(status: str) -> str:
    return STATUS_CLASSES.get(status, "text-bg-secondary")
