"""Delivery to the desa: state changes of batches and their items.

A batch is filled while it is open (one open batch per desa), dispatched by an officer with a
courier and a date, confirmed by the Pemdes on arrival, and closed when every item has been handed
over to its resident or returned to the office. Every application status change goes through
`application_transition(..., batch_context=True)`, which writes the event row and queues the
citizen's message in the same transaction. Everything that changes a batch bumps its `version`;
the stored manifest PDF belongs to one version and is made again for a newer one.
"""

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Exists, F, Max, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.models import Application, ApplicationEvent
from applications.services import StaleApplication, WorkflowError, application_transition
from dukcapil.accounts.models import User
from dukcapil.core.audit import audit_record
from dukcapil.core.models import BackgroundJob, Counter

from .models import BatchItem, DeliveryBatch, Desa

logger = logging.getLogger(__name__)

# who builds and dispatches batches: delivery is office work, for officers of either bidang
BATCH_BUILDER_ROLES = frozenset({User.Role.PETUGAS, User.Role.KEPALA_BIDANG, User.Role.ADMIN})
# who may carry a batch to the desa
COURIER_ROLES = BATCH_BUILDER_ROLES


class StaleBatch(StaleApplication):
    """The batch changed since the user loaded the page."""


@dataclass
class BatchCreationResult:
    batches_created: list[str] = field(default_factory=list)
    batches_extended: list[str] = field(default_factory=list)
    items_added: int = 0
    desa_count: int = 0

    def as_dict(self) -> dict:
        return {
            "batches_created": self.batches_created,
            "batches_extended": self.batches_extended,
            "items_added": self.items_added,
            "desa_count": self.desa_count,
        }


# --- helpers -------------------------------------------------------------------------------


def live_item_exists() -> Exists:
    """True for an application that already travels in a batch (open, on the road or at the desa)."""
    return Exists(
        BatchItem.objects.filter(application=OuterRef("pk")).exclude(status=BatchItem.Status.RETURNED)
    )


def ready_for_batch() -> QuerySet[Application]:
    """Ready documents going via Pemdes that are in no live batch item (uses app_ready_pemdes_idx)."""
    return Application.objects.filter(
        status=Application.Status.READY, delivery_method=Application.Delivery.VIA_PEMDES
    ).filter(~live_item_exists())


def batch_number_format(*, desa: Desa, year: int, serial: int) -> str:
    return f"KRM-{year}-{desa.code.replace('.', '')}-{serial:03d}"


def _batch_number_next(*, desa: Desa, year: int) -> str:
    """Reserve the next batch number of this desa and year (the counter row stays locked until commit)."""
    counter, _created = Counter.objects.select_for_update().get_or_create(
        name=f"batch:{desa.code}", year=year
    )
    Counter.objects.filter(pk=counter.pk).update(value=F("value") + 1)
    return batch_number_format(desa=desa, year=year, serial=counter.value + 1)


def _require_builder(actor: User) -> None:
    if actor.role not in BATCH_BUILDER_ROLES and not actor.is_superuser:
        raise WorkflowError(_("Hanya petugas, kepala bidang atau admin yang dapat menyiapkan pengiriman."))


def _require_desa_side(actor: User, batch: DeliveryBatch) -> None:
    """Receipt and hand-over are done by the Pemdes of that desa (or an admin on their behalf)."""
    if actor.role == User.Role.ADMIN or actor.is_superuser:
        return
    if actor.role == User.Role.PEMDES and actor.desa_id == batch.desa_id:
        return
    raise WorkflowError(_("Hanya operator Pemdes desa tujuan yang dapat melakukan aksi ini."))


def _lock_batch(pk: int) -> DeliveryBatch:
    return DeliveryBatch.objects.select_for_update().select_related("desa").get(pk=pk)


def _check_version(batch: DeliveryBatch, expected_version: int | None) -> None:
    if expected_version is not None and batch.version != expected_version:
        raise StaleBatch(
            _(
                "Batch %(number)s baru saja diubah oleh pengguna lain. Muat ulang halaman untuk melihat "
                "isinya yang terbaru; aksi Anda belum dijalankan."
            )
            % {"number": batch.number}
        )


def _batch_touch(batch: DeliveryBatch, **updates) -> DeliveryBatch:
    """Save `updates` and bump the version in one UPDATE; the caller holds the row lock."""
    DeliveryBatch.objects.filter(pk=batch.pk).update(version=F("version") + 1, **updates)
    batch.refresh_from_db()
    return batch


def _audit_batch(
    *,
    actor: User,
    action: str,
    batch: DeliveryBatch,
    application: Application | None = None,
    detail: str = "",
) -> None:
    """One audit row 'batch:<action>' on the batch (and the application an item change concerns)."""
    audit_record(
        actor=actor,
        action=f"batch:{action}",
        obj=batch,
        application=application,
        desa_id=batch.desa_id,
        detail=detail,
    )


def _schedule_pdf(batch_id: int) -> None:
    """Render the manifest after commit so the Pemdes finds it ready; a later download renders it otherwise."""

    def kick() -> None:
        try:
            from .tasks import batch_render_pdf

            batch_render_pdf.delay(batch_id)
        except Exception:  # noqa: BLE001 - a broker outage must not undo the dispatch; download renders it
            logger.warning("could not queue the manifest PDF of batch %s", batch_id, exc_info=True)

    transaction.on_commit(kick)


def _open_batch_for_desa(*, actor: User, desa: Desa) -> tuple[DeliveryBatch, bool]:
    """The open batch of `desa`, locked; created when there is none. Returns (batch, created)."""
    batch = (
        DeliveryBatch.objects.select_for_update().filter(desa=desa, status=DeliveryBatch.Status.OPEN).first()
    )
    if batch is not None:
        return batch, False
    try:
        with transaction.atomic():  # savepoint: a concurrent creator wins the one-open-batch constraint
            year = timezone.localdate().year
            batch = DeliveryBatch.objects.create(
                number=_batch_number_next(desa=desa, year=year), desa=desa, created_by=actor
            )
            _audit_batch(actor=actor, action="create", batch=batch)
            return batch, True
    except IntegrityError:
        return _lock_batch(DeliveryBatch.objects.get(desa=desa, status=DeliveryBatch.Status.OPEN).pk), False


def _add_to_open_batch(
    *, actor: User, desa: Desa, application_ids: Iterable[int]
) -> tuple[DeliveryBatch, bool, int]:
    """Put the still-eligible applications among `application_ids` into the desa's open batch.

    Steps: lock (or create) the open batch; re-read which applications are still ready, via
    Pemdes, of this desa and in no live item (the list the caller saw may be old); append them
    after the last position; write one event row per application; bump the batch version.
    """
    batch, created = _open_batch_for_desa(actor=actor, desa=desa)
    eligible = list(
        ready_for_batch()
        .filter(pk__in=list(application_ids), desa=desa)
        .order_by("document_type__name", "applicant_name", "pk")
        .values_list("pk", flat=True)
    )
    if not eligible:
        return batch, created, 0
    last = batch.items.aggregate(m=Max("position"))["m"] or 0
    BatchItem.objects.bulk_create(
        BatchItem(batch=batch, application_id=app_id, position=last + i)
        for i, app_id in enumerate(eligible, 1)
    )
    ApplicationEvent.objects.bulk_create(
        ApplicationEvent(
            application_id=app_id,
            actor=actor,
            action="batch_add",
            from_status=Application.Status.READY,
            to_status=Application.Status.READY,
            note=_("Masuk batch pengiriman %(number)s") % {"number": batch.number},
        )
        for app_id in eligible
    )
    _batch_touch(batch, item_count=F("item_count") + len(eligible))
    _audit_batch(actor=actor, action="add", batch=batch, detail=f"{len(eligible)} dokumen")
    return batch, created, len(eligible)


# --- services ------------------------------------------------------------------------------


def batch_create_for_all_desa(*, actor: User, job: BackgroundJob | None = None) -> BatchCreationResult:
    """Gather every ready via-Pemdes document into its desa's open batch, in one action.

    Steps: list the desa with documents waiting for a batch; record that count as the job's
    total; then per desa, in its own transaction, lock or create the open batch and add that
    desa's documents (see `_add_to_open_batch`), and advance the job's progress. One transaction
    per desa keeps the locks short and lets the page show progress; a failure in one desa leaves
    the others done and marks the job failed with the reason.
    """
    _require_builder(actor)
    waiting: dict[int, list[int]] = defaultdict(list)
    for app_id, desa_id in ready_for_batch().order_by("desa_id", "pk").values_list("pk", "desa_id"):
        waiting[desa_id].append(app_id)
    desa_by_id = Desa.objects.in_bulk(list(waiting))
    result = BatchCreationResult(desa_count=len(waiting))
    if job is not None:
        BackgroundJob.objects.filter(pk=job.pk).update(
            status=BackgroundJob.Status.RUNNING, total=len(waiting), done=0
        )
    try:
        for desa_id, app_ids in waiting.items():
            with transaction.atomic():
                batch, created, added = _add_to_open_batch(
                    actor=actor, desa=desa_by_id[desa_id], application_ids=app_ids
                )
                if added:
                    (result.batches_created if created else result.batches_extended).append(batch.number)
                    result.items_added += added
            if job is not None:
                BackgroundJob.objects.filter(pk=job.pk).update(done=F("done") + 1)
    except Exception as exc:
        if job is not None:
            BackgroundJob.objects.filter(pk=job.pk).update(
                status=BackgroundJob.Status.FAILED, result=result.as_dict(), error=str(exc)[:500]
            )
        raise
    if job is not None:
        BackgroundJob.objects.filter(pk=job.pk).update(
            status=BackgroundJob.Status.DONE, result=result.as_dict()
        )
    return result


@transaction.atomic
def batch_add_item(*, actor: User, application: Application) -> DeliveryBatch:
    """Add one ready via-Pemdes document to its desa's open batch (created when there is none)."""
    _require_builder(actor)
    if application.delivery_method != Application.Delivery.VIA_PEMDES:
        raise WorkflowError(_("Dokumen ini diambil di kantor, tidak dikirim ke desa."))
    if application.status != Application.Status.READY:
        raise WorkflowError(
            _("Hanya dokumen berstatus 'Siap' yang dapat dimasukkan ke batch (status sekarang: %(status)s).")
            % {"status": application.get_status_display()}
        )
    batch, _created, added = _add_to_open_batch(
        actor=actor, desa=application.desa, application_ids=[application.pk]
    )
    if not added:
        raise WorkflowError(
            _("Permohonan %(number)s sudah ada di batch pengiriman.") % {"number": application.number}
        )
    return batch


@transaction.atomic
def batch_remove_item(*, actor: User, item: BatchItem) -> DeliveryBatch:
    """Take a document out of a batch that has not left yet; it waits for the next batch."""
    _require_builder(actor)
    batch = _lock_batch(item.batch_id)
    if batch.status != DeliveryBatch.Status.OPEN:
        raise WorkflowError(_("Batch yang sudah dikirim tidak dapat diubah isinya."))
    deleted, _detail = BatchItem.objects.filter(pk=item.pk, batch=batch).delete()
    if not deleted:
        raise StaleBatch(_("Dokumen ini sudah tidak ada di batch. Muat ulang halaman."))
    ApplicationEvent.objects.create(
        application_id=item.application_id,
        actor=actor,
        action="batch_remove",
        from_status=Application.Status.READY,
        to_status=Application.Status.READY,
        note=_("Dikeluarkan dari batch pengiriman %(number)s") % {"number": batch.number},
    )
    _audit_batch(actor=actor, action="remove", batch=batch, application=item.application)
    return _batch_touch(batch, item_count=F("item_count") - 1)


@transaction.atomic
def batch_dispatch(
    *,
    actor: User,
    batch: DeliveryBatch,
    courier: User,
    dispatch_date: date,
    expected_version: int | None = None,
) -> DeliveryBatch:
    """Send an open batch: every item ready → in delivery, courier and date recorded, batch dispatched."""
    _require_builder(actor)
    batch = _lock_batch(batch.pk)
    _check_version(batch, expected_version)
    if batch.status != DeliveryBatch.Status.OPEN:
        raise WorkflowError(_("Batch %(number)s sudah dikirim.") % {"number": batch.number})
    if courier.role not in COURIER_ROLES or not courier.is_active:
        raise WorkflowError(_("Kurir harus petugas kantor yang aktif."))
    if dispatch_date > timezone.localdate():
        raise WorkflowError(_("Tanggal kirim tidak boleh di masa depan."))
    items = list(
        batch.items.filter(status=BatchItem.Status.IN_BATCH)
        .select_related("application__document_type", "application__desa")
        .order_by("position")
    )
    if not items:
        raise WorkflowError(_("Batch ini masih kosong: tambahkan dokumen sebelum mengirim."))
    note = _("Dikirim dalam batch %(number)s") % {"number": batch.number}
    for item in items:
        # the citizen's message names the dispatch date, which may be earlier than today
        _transition_item(
            item, actor=actor, action="dispatch", note=note, message_extra={"tanggal": dispatch_date}
        )
    batch = _batch_touch(
        batch,
        status=DeliveryBatch.Status.DISPATCHED,
        courier=courier,
        dispatch_date=dispatch_date,
        dispatched_at=timezone.now(),
    )
    _audit_batch(actor=actor, action="dispatch", batch=batch, detail=f"{len(items)} dokumen")
    _schedule_pdf(batch.pk)
    return batch


@transaction.atomic
def batch_confirm_receipt(
    *, actor: User, batch: DeliveryBatch, expected_version: int | None = None
) -> DeliveryBatch:
    """The Pemdes confirms the batch arrived: every item still travelling → at desa (residents are told)."""
    batch = _lock_batch(batch.pk)
    _require_desa_side(actor, batch)
    _check_version(batch, expected_version)
    if batch.status != DeliveryBatch.Status.DISPATCHED:
        raise WorkflowError(_("Hanya batch yang sedang dikirim yang dapat dikonfirmasi diterima."))
    items = batch.items.filter(status=BatchItem.Status.IN_BATCH).select_related(
        "application__document_type", "application__desa"
    )
    note = _("Diterima desa dalam batch %(number)s") % {"number": batch.number}
    for item in items.order_by("position"):
        _transition_item(item, actor=actor, action="confirm_receipt", note=note)
    batch = _batch_touch(
        batch, status=DeliveryBatch.Status.RECEIVED, received_by=actor, received_at=timezone.now()
    )
    _audit_batch(actor=actor, action="receive", batch=batch)
    return _close_if_finished(batch, actor=actor)


def _same_person(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


@transaction.atomic
def batch_hand_over_item(
    *,
    actor: User,
    item: BatchItem,
    received_by_name: str,
    handed_over_on: date,
    relation: str = "",
) -> BatchItem:
    """Record that a resident (or someone for them) took the document at the desa office."""
    batch = _lock_batch(item.batch_id)
    _require_desa_side(actor, batch)
    item = _fresh_item(item, batch)
    if batch.status != DeliveryBatch.Status.RECEIVED:
        raise WorkflowError(_("Konfirmasi dulu bahwa batch ini sudah diterima di desa."))
    received_by_name = " ".join(received_by_name.split())
    relation = " ".join(relation.split())
    if not received_by_name:
        raise WorkflowError(_("Nama penerima wajib diisi."))
    if not _same_person(received_by_name, item.application.applicant_name) and not relation:
        raise WorkflowError(_("Penerima bukan pemohon: isi hubungan penerima dengan pemohon."))
    if handed_over_on > timezone.localdate():
        raise WorkflowError(_("Tanggal serah tidak boleh di masa depan."))
    if batch.received_at and handed_over_on < timezone.localdate(batch.received_at):
        raise WorkflowError(_("Tanggal serah tidak boleh sebelum dokumen diterima di desa."))
    note = _("Diserahkan kepada %(name)s") % {"name": received_by_name}
    if relation:
        note += f" ({relation})"
    _transition_item(item, actor=actor, action="hand_over", note=note)
    BatchItem.objects.filter(pk=item.pk).update(
        status=BatchItem.Status.HANDED_OVER,
        received_by_name=received_by_name[:150],
        relation=relation[:60],
        handed_over_on=handed_over_on,
        recorded_by=actor,
        updated_at=timezone.now(),
    )
    _audit_batch(actor=actor, action="hand_over", batch=batch, application=item.application)
    _close_if_finished(_batch_touch(batch), actor=actor)
    item.refresh_from_db()
    return item


@transaction.atomic
def batch_return_item(*, actor: User, item: BatchItem, reason: str) -> BatchItem:
    """Send a document back to the office (wrong desa, resident moved…); it becomes ready for a new batch."""
    batch = _lock_batch(item.batch_id)
    if actor.role == User.Role.PEMDES:
        _require_desa_side(actor, batch)
        if batch.status != DeliveryBatch.Status.RECEIVED:
            raise WorkflowError(_("Konfirmasi dulu bahwa batch ini sudah diterima di desa."))
    else:
        _require_builder(actor)
        if batch.status not in (DeliveryBatch.Status.DISPATCHED, DeliveryBatch.Status.RECEIVED):
            raise WorkflowError(
                _("Dokumen di batch yang belum dikirim dikeluarkan dari batch, bukan dikembalikan.")
            )
    item = _fresh_item(item, batch)
    reason = " ".join(reason.split())
    if not reason:
        raise WorkflowError(_("Alasan pengembalian wajib diisi."))
    _transition_item(item, actor=actor, action="return_to_office", note=reason)
    BatchItem.objects.filter(pk=item.pk).update(
        status=BatchItem.Status.RETURNED,
        returned_reason=reason[:255],
        recorded_by=actor,
        updated_at=timezone.now(),
    )
    _audit_batch(actor=actor, action="return", batch=batch, application=item.application)
    _close_if_finished(_batch_touch(batch), actor=actor)
    item.refresh_from_db()
    return item


def _fresh_item(item: BatchItem, batch: DeliveryBatch) -> BatchItem:
    """Re-read the item under the batch lock; it must still be waiting in this batch."""
    fresh = (
        BatchItem.objects.select_related("application__document_type", "application__desa")
        .filter(pk=item.pk, batch=batch)
        .first()
    )
    if fresh is None or fresh.status != BatchItem.Status.IN_BATCH:
        raise StaleBatch(
            _("Dokumen ini sudah dicatat (diserahkan atau dikembalikan). Muat ulang halaman batch.")
        )
    return fresh


def _transition_item(
    item: BatchItem, *, actor: User, action: str, note: str, message_extra: dict | None = None
) -> None:
    application_transition(
        application=item.application,
        actor=actor,
        action=action,
        note=note,
        batch_context=True,
        message_extra=message_extra,
    )


def _close_if_finished(batch: DeliveryBatch, *, actor: User) -> DeliveryBatch:
    """A received batch with nothing left waiting at the desa is closed."""
    if batch.status != DeliveryBatch.Status.RECEIVED:
        return batch
    if batch.items.filter(status=BatchItem.Status.IN_BATCH).exists():
        return batch
    _audit_batch(actor=actor, action="close", batch=batch)
    return _batch_touch(batch, status=DeliveryBatch.Status.CLOSED)
