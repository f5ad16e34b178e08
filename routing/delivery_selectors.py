"""Read queries for the delivery pages. Access is decided here: what a user may not see is a 404."""

from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from applications.models import Application
from dukcapil.accounts.models import User
from dukcapil.core.models import BackgroundJob

from .delivery import ready_for_batch
from .models import BatchItem, DeliveryBatch, Desa

# who sees every batch: the office (kepala dinas reads, the others also act)
OFFICE_READERS = frozenset(
    {User.Role.PETUGAS, User.Role.KEPALA_BIDANG, User.Role.KEPALA_DINAS, User.Role.ADMIN}
)


def waiting_days_limit() -> int:
    """N in "waiting at the desa for more than N days" (setting DELIVERY_WAITING_DAYS, default 14)."""
    return int(getattr(settings, "DELIVERY_WAITING_DAYS", 14))


def is_office_reader(user: User) -> bool:
    return user.is_superuser or user.role in OFFICE_READERS


def visible_batches(user: User) -> QuerySet[DeliveryBatch]:
    """The office sees every batch; a Pemdes only its own desa's, once they have left the office."""
    qs = DeliveryBatch.objects.all()
    if is_office_reader(user):
        return qs
    if user.role == User.Role.PEMDES and user.desa_id:
        # an open batch is still being put together at the office: not the desa's business yet
        return qs.filter(desa_id=user.desa_id).exclude(status=DeliveryBatch.Status.OPEN)
    return qs.none()


def get_batch_for_user(user: User, pk: int) -> DeliveryBatch:
    try:
        return (
            visible_batches(user)
            .select_related("desa__kecamatan", "courier", "received_by", "created_by")
            .get(pk=pk)
        )
    except DeliveryBatch.DoesNotExist:
        raise Http404 from None


def get_batch_item_for_user(user: User, batch_pk: int, item_pk: int) -> BatchItem:
    """One item of a visible batch (the batch and its desa come along for the page)."""
    try:
        return (
            BatchItem.objects.filter(batch__in=visible_batches(user))
            .select_related(
                "batch__desa__kecamatan", "application__document_type", "application__desa", "recorded_by"
            )
            .get(pk=item_pk, batch_id=batch_pk)
        )
    except BatchItem.DoesNotExist:
        raise Http404 from None


def batch_items(batch: DeliveryBatch) -> QuerySet[BatchItem]:
    """Items in manifest order with what every row shows (one query)."""
    return (
        batch.items.select_related("application__document_type", "recorded_by")
        .only(
            "id",
            "batch_id",
            "position",
            "status",
            "received_by_name",
            "relation",
            "handed_over_on",
            "returned_reason",
            "updated_at",
            "recorded_by__first_name",
            "recorded_by__last_name",
            "recorded_by__username",
            "application__id",
            "application__number",
            "application__applicant_name",
            "application__nik",
            "application__status",
            "application__issued_document_number",
            "application__document_type__name",
        )
        .order_by("position", "pk")
    )


def _items_in_status(status: str) -> Coalesce:
    """COUNT of the row's items in `status`, as a correlated subquery.

    A subquery (not a JOIN ... GROUP BY) so the count runs only for the rows on the page, after
    the LIMIT, and so `Paginator.count` (which drops unused annotations) counts batches alone;
    the JOIN grouped every item of the office's history first (0.5-0.9 s at 1M applications).
    Index-only on batch_item_batch_status_idx (routing migration 0002).
    """
    n = (
        BatchItem.objects.filter(batch_id=OuterRef("pk"), status=status)
        .order_by()
        .values("batch_id")
        .annotate(n=Count("*"))
        .values("n")
    )
    return Coalesce(Subquery(n, output_field=IntegerField()), 0)


def _with_item_counts(qs: QuerySet[DeliveryBatch]) -> QuerySet[DeliveryBatch]:
    return qs.annotate(
        n_waiting=_items_in_status(BatchItem.Status.IN_BATCH),
        n_handed_over=_items_in_status(BatchItem.Status.HANDED_OVER),
        n_returned=_items_in_status(BatchItem.Status.RETURNED),
    )


def office_batch_list(*, status: str = "", q: str = "") -> QuerySet[DeliveryBatch]:
    """The officers' batch list: newest first, with desa, courier and per-status item counts."""
    qs = DeliveryBatch.objects.select_related("desa__kecamatan", "courier")
    if status:
        qs = qs.filter(status=status)
    if q:
        qs = qs.filter(
            Q(number__icontains=q) | Q(desa__name__icontains=q) | Q(desa__kecamatan__name__icontains=q)
        )
    return _with_item_counts(qs).order_by("-created_at", "-pk")


def office_batch_counts() -> dict[str, int]:
    """Batches per status for the list's tabs, exact, in one query.

    Steps: count the batches of current work (open, dispatched, received: a few hundred at most)
    each on the status index, and all batches on the smallest index; the closed ones are the
    rest. A GROUP BY status read every batch of the office's history from the table (1.5 ms at
    12,500 batches, growing with every week of deliveries).
    """
    S = DeliveryBatch.Status
    live = [S.OPEN, S.DISPATCHED, S.RECEIVED]
    parts, params = [], []
    for qs in [*(DeliveryBatch.objects.filter(status=status) for status in live), DeliveryBatch.objects]:
        sql, part_params = qs.order_by().values("pk").query.sql_with_params()
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS part)")  # noqa: S608 - SQL compiled by the ORM
        params.extend(part_params)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        *live_counts, total = cursor.fetchone()
    counts = dict(zip(live, live_counts, strict=True))
    counts[S.CLOSED] = total - sum(live_counts)
    counts["all"] = total
    return counts


# the batch list counts waiting documents up to here; past it the page says "more than 1,000"
READY_COUNT_CAP = 1000


def ready_summary() -> dict[str, int | bool]:
    """How many ready via-Pemdes documents wait for a batch, and in how many desa (two queries).

    Steps: count the waiting documents up to READY_COUNT_CAP + 1 (a COUNT over a LIMITed
    subquery); count the desa that have at least one (one EXISTS per desa, which stops at its
    first waiting document). Counting every document was an anti-join over all of them on each
    visit (80 ms at 25,000 waiting); past a thousand the exact number does not change what the
    officer does, and the desa count stays exact.
    """
    documents = ready_for_batch().order_by().values("pk")[: READY_COUNT_CAP + 1].count()
    desa = Desa.objects.filter(Exists(ready_for_batch().filter(desa_id=OuterRef("pk")))).count()
    return {
        "documents": min(documents, READY_COUNT_CAP),
        "more": documents > READY_COUNT_CAP,
        "desa": desa,
    }


def ready_applications(*, q: str = "") -> QuerySet[Application]:
    """Documents that may be added to a batch, by desa then name."""
    qs = ready_for_batch().select_related("desa__kecamatan", "document_type")
    if q:
        qs = qs.filter(
            Q(number__icontains=q)
            | Q(applicant_name__icontains=q)
            | Q(desa__name__icontains=q)
            | Q(desa__kecamatan__name__icontains=q)
        )
    return qs.order_by("desa__kecamatan__name", "desa__name", "applicant_name", "pk")


def pemdes_portal(user: User) -> dict:
    """What the Pemdes home shows: incoming, at the desa, waiting too long, and the history.

    The batch rows load only the columns the page shows (the desa is the user's own, shown
    once in the header): whole joined user rows for each were a good part of the page's time.
    The home page shows the first rows of the last two (routing/views_pemdes.py).
    """
    batches = _pemdes_batches(user)
    return {
        "incoming": batches.filter(status=DeliveryBatch.Status.DISPATCHED),
        "at_desa": batches.filter(status=DeliveryBatch.Status.RECEIVED),
        "history": batches.filter(status=DeliveryBatch.Status.CLOSED),
        "overdue": pemdes_overdue_items(user),
        "waiting_days": waiting_days_limit(),
    }


def _pemdes_batches(user: User) -> QuerySet[DeliveryBatch]:
    return (
        _with_item_counts(visible_batches(user))
        .select_related("courier")
        .only(
            "id",
            "number",
            "desa_id",
            "status",
            "item_count",
            "dispatch_date",
            "dispatched_at",
            "received_at",
            "courier__first_name",
            "courier__last_name",
            "courier__username",
        )
        .order_by("-dispatched_at", "-pk")
    )


def pemdes_history(user: User) -> QuerySet[DeliveryBatch]:
    """The desa's finished batches, latest first (the portal's "Kiriman selesai")."""
    return _pemdes_batches(user).filter(status=DeliveryBatch.Status.CLOSED)


def pemdes_overdue_items(user: User) -> QuerySet[BatchItem]:
    """Documents waiting at the user's desa longer than DELIVERY_WAITING_DAYS, the oldest first."""
    cutoff = timezone.now() - timedelta(days=waiting_days_limit())
    return (
        BatchItem.objects.filter(
            batch__desa_id=user.desa_id,
            batch__status=DeliveryBatch.Status.RECEIVED,
            batch__received_at__lt=cutoff,
            status=BatchItem.Status.IN_BATCH,
        )
        .select_related("batch", "application__document_type")
        .only(
            "id",
            "batch__id",
            "batch__number",
            "batch__received_at",
            "application__number",
            "application__applicant_name",
            "application__document_type__name",
        )
        .order_by("batch__received_at", "position")
    )


def get_job_for_user(user: User, pk: int) -> BackgroundJob:
    """A delivery job (batches for every desa, merged manifests): its starter sees it, and so does
    anyone who sees the whole office."""
    qs = BackgroundJob.objects.filter(kind__in=[BATCH_JOB_KIND, MANIFEST_JOB_KIND])
    if not (user.is_superuser or user.role in (User.Role.ADMIN, User.Role.KEPALA_DINAS)):
        qs = qs.filter(created_by=user)
    try:
        return qs.get(pk=pk)
    except BackgroundJob.DoesNotExist:
        raise Http404 from None


BATCH_JOB_KIND = "batch_create_all"
# the admin action "one PDF of the selected manifests": rendered and merged in Celery
MANIFEST_JOB_KIND = "manifest_merge"
