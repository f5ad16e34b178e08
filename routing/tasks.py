"""Celery tasks of the delivery area. Thin: load by id, call a service; safe to run twice."""

import logging

from celery import shared_task
from django.core.files.base import ContentFile
from django.db import transaction

logger = logging.getLogger(__name__)


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
