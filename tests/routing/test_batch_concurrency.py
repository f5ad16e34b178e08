"""Batch building and hand-over under real concurrency (PostgreSQL, threads, one connection each).

SQLite serialises writers, so these only mean something on PostgreSQL; they skip elsewhere.
"""

import pytest
from django.db.models import Count
from django.utils import timezone

from applications.models import ApplicationEvent
from applications.services import WorkflowError
from routing import delivery
from routing.delivery import StaleBatch
from routing.models import BatchItem, DeliveryBatch
from tests import factories as f
from tests.routing.concurrency import run_concurrently
from tests.routing.delivery_helpers import batch_with, ready_app

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_create_for_all_desa_run_by_many_officers_at_once_puts_each_document_in_one_batch(officer, doc_type):
    desa = [f.DesaFactory() for _ in range(5)]
    # each desa already has its open batch: the race is then on the batch row, not on its creation
    for d in desa:
        delivery.batch_add_item(actor=officer, application=ready_app(desa=d, document_type=doc_type))
    apps = [ready_app(desa=d, document_type=doc_type) for d in desa for _ in range(4)]

    results = run_concurrently(lambda i: delivery.batch_create_for_all_desa(actor=officer), 16, threads=16)

    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(r.items_added for r in results) == len(apps)
    assert BatchItem.objects.count() == len(apps) + len(desa)
    assert DeliveryBatch.objects.filter(status="open").count() == len(desa)
    for batch in DeliveryBatch.objects.annotate(n=Count("items")):
        assert batch.item_count == batch.n == 5
        positions = list(batch.items.values_list("position", flat=True))
        assert sorted(positions) == [1, 2, 3, 4, 5]
    # one "added to batch" event per document, not one per thread
    assert ApplicationEvent.objects.filter(action="batch_add").count() == len(apps) + len(desa)


def test_create_for_all_desa_racing_to_open_the_first_batch_of_each_desa(officer, doc_type):
    desa = [f.DesaFactory() for _ in range(4)]
    apps = [ready_app(desa=d, document_type=doc_type) for d in desa for _ in range(3)]

    results = run_concurrently(lambda i: delivery.batch_create_for_all_desa(actor=officer), 12, threads=12)

    assert not [r for r in results if isinstance(r, Exception)], results
    assert BatchItem.objects.count() == len(apps)
    assert DeliveryBatch.objects.count() == len(desa)  # no second batch, no burnt number left behind
    assert all(number.endswith("-001") for number in DeliveryBatch.objects.values_list("number", flat=True))


def test_the_same_document_added_from_many_pages_at_once_lands_once(officer, desa_a, doc_type):
    app = ready_app(desa=desa_a, document_type=doc_type)

    results = run_concurrently(
        lambda i: delivery.batch_add_item(actor=officer, application=app), 12, threads=12
    )

    assert len([r for r in results if isinstance(r, DeliveryBatch)]) == 1
    assert all(isinstance(r, WorkflowError) for r in results if not isinstance(r, DeliveryBatch)), results
    assert BatchItem.objects.count() == 1
    assert DeliveryBatch.objects.get().item_count == 1


def test_two_operators_handing_over_the_same_item_record_it_once(officer, pemdes_a, desa_a, doc_type):
    batch = batch_with(
        officer=officer, desa=desa_a, document_type=doc_type, n=1, status="received", pemdes=pemdes_a
    )
    item = batch.items.select_related("application").get()
    second = f.PemdesFactory(username="pemdes.a2", desa=desa_a)
    actors = [pemdes_a, second] * 4

    results = run_concurrently(
        lambda i: delivery.batch_hand_over_item(
            actor=actors[i],
            item=item,
            received_by_name=item.application.applicant_name,
            handed_over_on=timezone.localdate(),
        ),
        len(actors),
        threads=len(actors),
    )

    assert len([r for r in results if isinstance(r, BatchItem)]) == 1
    assert all(isinstance(r, StaleBatch) for r in results if not isinstance(r, BatchItem)), results
    assert ApplicationEvent.objects.filter(application=item.application, action="hand_over").count() == 1
    batch.refresh_from_db()
    assert batch.status == DeliveryBatch.Status.CLOSED
