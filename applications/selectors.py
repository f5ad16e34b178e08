"""Read queries for pages. Access is decided here: what a user may not see does not exist (404)."""

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from dukcapil.accounts.models import User

from .models import Application

OPEN_Q = ~Q(status__in=Application.CLOSED_STATUSES)


def visible_applications(user: User) -> QuerySet[Application]:
    """Applications a user may see: the whole office for admin/head, the bidang for officers, none otherwise."""
    qs = Application.objects.all()
    if user.is_office_wide:
        return qs
    if user.role in (User.Role.PETUGAS, User.Role.KEPALA_BIDANG) and user.bidang:
        return qs.filter(bidang=user.bidang)
    return qs.none()


def get_application_for_user(user: User, pk: int) -> Application:
    try:
        return (
            visible_applications(user)
            .select_related("document_type", "desa__kecamatan", "assigned_to", "received_on")
            .get(pk=pk)
        )
    except Application.DoesNotExist:
        raise Http404 from None


def home_summary(*, user: User) -> dict:
    """A handful of counts for the role's home page, in one query whatever the data size."""
    now = timezone.now()
    if user.role == User.Role.PEMDES:
        from routing.models import BatchItem, DeliveryBatch

        return BatchItem.objects.filter(batch__desa_id=user.desa_id).aggregate(
            incoming=Count("batch", filter=Q(batch__status=DeliveryBatch.Status.DISPATCHED), distinct=True),
            waiting=Count(
                "id", filter=Q(status=BatchItem.Status.IN_BATCH, batch__status=DeliveryBatch.Status.RECEIVED)
            ),
            handed_over=Count("id", filter=Q(status=BatchItem.Status.HANDED_OVER)),
        )
    qs = visible_applications(user)
    if user.role == User.Role.PETUGAS:
        qs = qs.filter(assigned_to=user)
    return qs.filter(OPEN_Q).aggregate(
        open=Count("id"),
        overdue=Count("id", filter=Q(due_at__lt=now)),
        urgent=Count("id", filter=Q(is_urgent=True)),
        to_verify=Count(
            "id", filter=Q(status__in=[Application.Status.RECEIVED, Application.Status.RESUBMITTED])
        ),
        revision=Count("id", filter=Q(status=Application.Status.REVISION_REQUIRED)),
        ready=Count("id", filter=Q(status=Application.Status.READY)),
    )
