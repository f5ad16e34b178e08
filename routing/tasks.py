"""Celery tasks of the delivery area. Thin: load by id, call a service; safe to run twice."""

import logging

from celery import shared_task
from django.core.files.base import ContentFile
from django.db import transaction

logger = logging.getLogger(__name__)


def job_start(job_id: int, task) -> None:
    """Queue `task(job_id)` for a BackgroundJob; with the broker down the job is marked failed with a
    reason, so its progress page says so instead of waiting for ever."""
    from django.utils.translation import gettext as _

    from dukcapil.core.models import BackgroundJob

    try:
        task.delay(job_id)
    except Exception:  # noqa: BLE001 - broker down: the job page says so instead of hanging
        logger.exception("could not queue job %s", job_id)
        BackgroundJob.objects.filter(pk=job_id, status=BackgroundJob.Status.QUEUED).update(
            status=BackgroundJob.Status.FAILED, error=_("Antrean tugas tidak tersedia. Coba lagi nanti.")
        )


@shared_task(ignore_result=True)
def batch_create_all(job_id: int) -> None:
    """Run "create batches for every desa" for the BackgroundJob `job_id` (its page shows the progress)."""
    from dukcapil.core.models import BackgroundJob

    from .delivery import batch_create_for_all_desa

    job = BackgroundJob.objects.select_related("created_by").get(pk=job_id)
    if job.status != BackgroundJob.Status.QUEUED:
        return  # already run (a redelivered message): once is enough
    claimed = BackgroundJob.objects.filter(pk=job_id, status=BackgroundJob.Status.QUEUED).update(
        status=BackgroundJob.Status.RUNNING
    )
    if not claimed:
        return
    try:
        batch_create_for_all_desa(actor=job.created_by, job=job)
    except Exception:
        # the service marked the job failed with the reason; the page shows it
        logger.exception("batch creation job %s failed", job_id)


@shared_task(ignore_result=True)
def batch_render_pdf(batch_id: int) -> None:
    """Render and keep the manifest PDF of the batch's current version, unless it is already there."""
    batch_pdf_ensure(batch_id=batch_id)


@shared_task(ignore_result=True)
def manifests_merge(job_id: int) -> None:
    """Run "one PDF of the selected batches' manifests" for the BackgroundJob `job_id`."""
    from dukcapil.core.models import BackgroundJob

    job = BackgroundJob.objects.select_related("created_by").get(pk=job_id)
    claimed = BackgroundJob.objects.filter(pk=job_id, status=BackgroundJob.Status.QUEUED).update(
        status=BackgroundJob.Status.RUNNING
    )
    if not claimed:
        return  # already run (a redelivered message): once is enough
    try:
        manifests_merge_run(job=job)
    except Exception as exc:
        logger.exception("manifest merge job %s failed", job_id)
        BackgroundJob.objects.filter(pk=job_id).update(
            status=BackgroundJob.Status.FAILED, error=str(exc)[:500]
        )


def manifests_merge_run(*, job) -> None:
    """Merge the manifests of the job's batches (`params["batch_ids"]`, in that order) into one PDF.

    Steps: for each batch, in order: refuse an empty one; make its stored manifest current
    (`batch_pdf_ensure` renders it when it is not: seconds per batch, hence a job); append the
    stored file; write the same audit row as the batch page's download, for the job's starter;
    count the step for the progress bar. Then keep the merged file on the job (private storage,
    served only by the job's own download view) with the lists of merged and refused batches.
    """
    import io

    from django.db.models import F
    from django.utils.translation import gettext as _
    from pypdf import PdfReader, PdfWriter

    from dukcapil.core.audit import audit_record
    from dukcapil.core.models import BackgroundJob

    from .models import DeliveryBatch

    ids = [int(pk) for pk in job.params.get("batch_ids", [])]
    batches = DeliveryBatch.objects.in_bulk(ids)
    BackgroundJob.objects.filter(pk=job.pk).update(total=len(ids), done=0)
    writer = PdfWriter()
    merged, refused = [], []
    for pk in ids:
        batch = batches.get(pk)
        if batch is None:
            refused.append([f"#{pk}", _("batch tidak ditemukan.")])
        elif not batch.item_count:
            refused.append([batch.number, _("batch masih kosong.")])
        else:
            batch_pdf_ensure(batch_id=pk)
            batch.refresh_from_db(fields=["pdf", "pdf_version", "version"])
            if pdf_is_fresh(batch):
                with batch.pdf.open("rb") as stored:
                    writer.append(PdfReader(io.BytesIO(stored.read())))
                audit_record(
                    actor=job.created_by,
                    action="manifest_pdf",
                    obj=batch,
                    desa_id=batch.desa_id,
                    detail="admin",
                )
                merged.append(batch.number)
            else:
                refused.append([batch.number, _("batch baru saja berubah; coba lagi sebentar.")])
        BackgroundJob.objects.filter(pk=job.pk).update(done=F("done") + 1)
    name = ""
    if merged:
        buffer = io.BytesIO()
        writer.write(buffer)
        name = job.result_file.storage.save(f"jobs/manifest-{job.pk}.pdf", ContentFile(buffer.getvalue()))
    BackgroundJob.objects.filter(pk=job.pk).update(
        status=BackgroundJob.Status.DONE, result={"merged": merged, "refused": refused}, result_file=name
    )


def batch_pdf_ensure(*, batch_id: int) -> bool:
    """Make the stored PDF match the batch's version. Returns True when a fresh PDF is stored.

    Steps: load the batch; stop if the stored PDF is already of this version; render (outside
    any transaction: it takes seconds); store the file; record it with a conditional UPDATE on
    the rendered version, so a batch that changed meanwhile keeps asking for a newer render and
    the stale file is deleted; delete the previous file once the new one is recorded.
    """
    from .manifest import manifest_pdf_bytes
    from .models import DeliveryBatch

    batch = DeliveryBatch.objects.select_related("desa__kecamatan", "courier").get(pk=batch_id)
    if pdf_is_fresh(batch):
        return True
    version = batch.version
    content = manifest_pdf_bytes(batch)
    storage = batch.pdf.storage
    old_name = batch.pdf.name
    name = storage.save(f"manifests/{batch.number}-v{version}.pdf", ContentFile(content))
    with transaction.atomic():
        recorded = DeliveryBatch.objects.filter(pk=batch_id, version=version).update(
            pdf=name, pdf_version=version
        )
    if not recorded:
        storage.delete(name)
        logger.info("batch %s changed while its PDF was rendered; left for a newer render", batch_id)
        return False
    if old_name and old_name != name:
        storage.delete(old_name)
    return True


def pdf_is_fresh(batch) -> bool:
    return bool(batch.pdf) and batch.pdf_version == batch.version and batch.pdf.storage.exists(batch.pdf.name)
