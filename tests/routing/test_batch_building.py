"""Building batches: one open batch per desa, create-for-all with progress, single items, numbers."""

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from applications.models import Application, ApplicationEvent
from applications.services import WorkflowError
from dukcapil.core.models import BackgroundJob
from routing import delivery
from routing.models import BatchItem, DeliveryBatch
from tests import factories as f
from tests.routing.delivery_helpers import batch_with, ready_app

pytestmark = pytest.mark.django_db


def test_create_for_all_desa_gathers_ready_pemdes_documents_per_desa(
    officer, desa_a, desa_b, doc_type, doc_type_capil
):
    a1 = ready_app(desa=desa_a, document_type=doc_type)
    a2 = ready_app(desa=desa_a, document_type=doc_type_capil)
    b1 = ready_app(desa=desa_b, document_type=doc_type)
    # not eligible: picked up at the office, not ready yet, already handed over
    ready_app(desa=desa_a, document_type=doc_type, delivery_method=Application.Delivery.PICKUP)
    ready_app(desa=desa_a, document_type=doc_type, status=Application.Status.PROCESSING)
    ready_app(desa=desa_b, document_type=doc_type, status=Application.Status.HANDED_OVER)

    result = delivery.batch_create_for_all_desa(actor=officer)

    assert result.items_added == 3
    assert result.desa_count == 2
    assert len(result.batches_created) == 2
    batch_a = DeliveryBatch.objects.get(desa=desa_a)
    batch_b = DeliveryBatch.objects.get(desa=desa_b)
    assert batch_a.status == batch_b.status == DeliveryBatch.Status.OPEN
    assert set(batch_a.items.values_list("application_id", flat=True)) == {a1.pk, a2.pk}
    assert list(batch_b.items.values_list("application_id", flat=True)) == [b1.pk]
    assert (batch_a.item_count, batch_b.item_count) == (2, 1)
    assert list(batch_a.items.order_by("position").values_list("position", flat=True)) == [1, 2]
    # adding to a batch is not a status change, but it is in the application's history
    assert ApplicationEvent.objects.filter(application=a1, action="batch_add", note__contains=batch_a.number)


def test_create_for_all_desa_twice_adds_nothing_the_second_time(officer, desa_a, doc_type):
    ready_app(desa=desa_a, document_type=doc_type)
    delivery.batch_create_for_all_desa(actor=officer)
    batch = DeliveryBatch.objects.get(desa=desa_a)

    again = delivery.batch_create_for_all_desa(actor=officer)

    assert again.items_added == 0
    assert DeliveryBatch.objects.count() == 1
    batch.refresh_from_db()
    assert batch.item_count == 1


def test_create_for_all_desa_extends_the_existing_open_batch(officer, desa_a, doc_type):
    first = ready_app(desa=desa_a, document_type=doc_type)
    batch = delivery.batch_add_item(actor=officer, application=first)
    version = batch.version
    second = ready_app(desa=desa_a, document_type=doc_type)

    result = delivery.batch_create_for_all_desa(actor=officer)

    assert result.batches_extended == [batch.number] and result.batches_created == []
    batch.refresh_from_db()
    assert batch.item_count == 2 and batch.version == version + 1
    assert batch.items.get(application=second).position == 2


def test_create_for_all_desa_reports_progress_per_desa_in_the_job(officer, desa_a, desa_b, doc_type):
    ready_app(desa=desa_a, document_type=doc_type)
    ready_app(desa=desa_b, document_type=doc_type)
    job = BackgroundJob.objects.create(kind="batch_create_all", created_by=officer)

    delivery.batch_create_for_all_desa(actor=officer, job=job)

    job.refresh_from_db()
    assert (job.status, job.done, job.total, job.percent) == ("done", 2, 2, 100)
    assert job.result["items_added"] == 2
    assert sorted(job.result["batches_created"]) == sorted(
        DeliveryBatch.objects.values_list("number", flat=True)
    )


def test_create_all_task_runs_the_job_once(officer, desa_a, doc_type):
    from routing.tasks import batch_create_all

    ready_app(desa=desa_a, document_type=doc_type)
    job = BackgroundJob.objects.create(kind="batch_create_all", created_by=officer)

    batch_create_all(job.pk)
    ready_app(desa=desa_a, document_type=doc_type)  # arrives after the job ran
    batch_create_all(job.pk)  # a redelivered message must not run it again

    job.refresh_from_db()
    assert job.status == "done" and job.result["items_added"] == 1
    assert DeliveryBatch.objects.get().item_count == 1


def test_pemdes_cannot_build_batches(pemdes_a, desa_a, doc_type):
    app = ready_app(desa=desa_a, document_type=doc_type)
    with pytest.raises(WorkflowError):
        delivery.batch_create_for_all_desa(actor=pemdes_a)
    with pytest.raises(WorkflowError):
        delivery.batch_add_item(actor=pemdes_a, application=app)
    assert not DeliveryBatch.objects.exists()


def test_officer_of_either_bidang_builds_batches_with_both_bidangs_documents(
    officer_capil, desa_a, doc_type, doc_type_capil
):
    dafduk_doc = ready_app(desa=desa_a, document_type=doc_type)
    capil_doc = ready_app(desa=desa_a, document_type=doc_type_capil)

    delivery.batch_create_for_all_desa(actor=officer_capil)
    batch = DeliveryBatch.objects.get()
    delivery.batch_dispatch(
        actor=officer_capil, batch=batch, courier=officer_capil, dispatch_date=timezone.localdate()
    )

    dafduk_doc.refresh_from_db()
    capil_doc.refresh_from_db()
    assert dafduk_doc.status == capil_doc.status == Application.Status.IN_DELIVERY


def test_add_item_rejects_pickup_not_ready_and_already_batched(officer, desa_a, doc_type):
    pickup = ready_app(desa=desa_a, document_type=doc_type, delivery_method=Application.Delivery.PICKUP)
    processing = ready_app(desa=desa_a, document_type=doc_type, status=Application.Status.PROCESSING)
    app = ready_app(desa=desa_a, document_type=doc_type)
    delivery.batch_add_item(actor=officer, application=app)

    with pytest.raises(WorkflowError, match="diambil di kantor"):
        delivery.batch_add_item(actor=officer, application=pickup)
    with pytest.raises(WorkflowError, match="Siap"):
        delivery.batch_add_item(actor=officer, application=processing)
    with pytest.raises(WorkflowError, match="sudah ada di batch"):
        delivery.batch_add_item(actor=officer, application=app)
    assert BatchItem.objects.count() == 1


def test_add_item_opens_a_new_batch_after_the_open_one_left(officer, pemdes_a, desa_a, doc_type):
    sent = batch_with(officer=officer, desa=desa_a, document_type=doc_type, status="dispatched")
    app = ready_app(desa=desa_a, document_type=doc_type)

    batch = delivery.batch_add_item(actor=officer, application=app)

    assert batch.pk != sent.pk and batch.status == DeliveryBatch.Status.OPEN
    assert batch.number.endswith("-002") and sent.number.endswith("-001")


def test_batch_numbers_are_readable_and_count_per_desa_and_year(officer, desa_a, desa_b, doc_type):
    a = delivery.batch_add_item(actor=officer, application=ready_app(desa=desa_a, document_type=doc_type))
    b = delivery.batch_add_item(actor=officer, application=ready_app(desa=desa_b, document_type=doc_type))
    year = timezone.localdate().year
    assert a.number == f"KRM-{year}-5206012005-001"
    assert b.number == f"KRM-{year}-5206012006-001"


def test_database_keeps_one_open_batch_per_desa(officer, desa_a):
    f.DeliveryBatchFactory(desa=desa_a, created_by=officer)
    with pytest.raises(IntegrityError), transaction.atomic():
        f.DeliveryBatchFactory(desa=desa_a, created_by=officer)


def test_remove_item_from_open_batch_bumps_version_and_frees_the_document(officer, desa_a, doc_type):
    batch = batch_with(officer=officer, desa=desa_a, document_type=doc_type, n=2)
    item = batch.items.order_by("position").first()
    version = batch.version

    batch = delivery.batch_remove_item(actor=officer, item=item)

    assert batch.item_count == 1 and batch.version == version + 1
    assert not BatchItem.objects.filter(pk=item.pk).exists()
    assert ApplicationEvent.objects.filter(application_id=item.application_id, action="batch_remove").exists()
    # back in the pool for the next batch
    assert delivery.ready_for_batch().filter(pk=item.application_id).exists()


def test_remove_item_after_dispatch_is_refused(officer, desa_a, doc_type):
    batch = batch_with(officer=officer, desa=desa_a, document_type=doc_type, status="dispatched")
    item = batch.items.first()
    with pytest.raises(WorkflowError, match="sudah dikirim"):
        delivery.batch_remove_item(actor=officer, item=item)
    assert BatchItem.objects.filter(pk=item.pk).exists()
