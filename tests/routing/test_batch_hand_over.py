"""Hand-over to residents and returns to the office: item rules, events, versions, closing the batch."""

from datetime import timedelta

import pytest
from django.utils import timezone

from applications.models import Application, ApplicationEvent
from applications.services import WorkflowError
from notifications.models import OutboxMessage
from routing import delivery
from routing.delivery import StaleBatch
from routing.models import BatchItem, DeliveryBatch
from tests.routing.delivery_helpers import batch_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def received(officer, pemdes_a, desa_a, doc_type):
    return batch_with(
        officer=officer, desa=desa_a, document_type=doc_type, n=2, status="received", pemdes=pemdes_a
    )


def _first(batch) -> BatchItem:
    return batch.items.select_related("application").order_by("position").first()


def test_hand_over_to_the_applicant_needs_no_relation(received, pemdes_a):
    item = _first(received)
    version = received.version
    today = timezone.localdate()

    item = delivery.batch_hand_over_item(
        actor=pemdes_a,
        item=item,
        received_by_name=f"  {item.application.applicant_name.upper()} ",
        handed_over_on=today,
    )

    assert item.status == BatchItem.Status.HANDED_OVER
    assert item.handed_over_on == today and item.relation == "" and item.recorded_by == pemdes_a
    app = item.application
    app.refresh_from_db()
    assert app.status == Application.Status.HANDED_OVER and app.closed_at is not None
    event = ApplicationEvent.objects.get(application=app, action="hand_over")
    assert (event.actor, event.from_status, event.to_status) == (pemdes_a, "at_desa", "handed_over")
    received.refresh_from_db()
    assert received.version > version and received.status == DeliveryBatch.Status.RECEIVED


def test_hand_over_to_someone_else_needs_the_relation(received, pemdes_a):
    item = _first(received)
    with pytest.raises(WorkflowError, match="hubungan"):
        delivery.batch_hand_over_item(
            actor=pemdes_a, item=item, received_by_name="Ahmad Suami", handed_over_on=timezone.localdate()
        )
    item.refresh_from_db()
    assert item.status == BatchItem.Status.IN_BATCH

    item = delivery.batch_hand_over_item(
        actor=pemdes_a,
        item=item,
        received_by_name="Ahmad Suami",
        relation="suami",
        handed_over_on=timezone.localdate(),
    )
    assert (item.received_by_name, item.relation) == ("Ahmad Suami", "suami")
    assert (
        "Ahmad Suami (suami)"
        in ApplicationEvent.objects.get(application=item.application, action="hand_over").note
    )


def test_hand_over_date_cannot_be_in_the_future_or_before_receipt(received, pemdes_a):
    item = _first(received)
    name = item.application.applicant_name
    today = timezone.localdate()
    with pytest.raises(WorkflowError, match="masa depan"):
        delivery.batch_hand_over_item(
            actor=pemdes_a, item=item, received_by_name=name, handed_over_on=today + timedelta(days=1)
        )
    with pytest.raises(WorkflowError, match="sebelum"):
        delivery.batch_hand_over_item(
            actor=pemdes_a, item=item, received_by_name=name, handed_over_on=today - timedelta(days=3)
        )


def test_hand_over_before_receipt_is_refused(officer, pemdes_a, desa_a, doc_type):
    batch = batch_with(officer=officer, desa=desa_a, document_type=doc_type, status="dispatched")
    item = _first(batch)
    with pytest.raises(WorkflowError, match="Konfirmasi dulu"):
        delivery.batch_hand_over_item(
            actor=pemdes_a,
            item=item,
            received_by_name=item.application.applicant_name,
            handed_over_on=timezone.localdate(),
        )


def test_hand_over_by_another_desa_or_an_officer_is_refused(received, pemdes_b, officer):
    item = _first(received)
    for actor in (pemdes_b, officer):
        with pytest.raises(WorkflowError, match="desa tujuan"):
            delivery.batch_hand_over_item(
                actor=actor,
                item=item,
                received_by_name=item.application.applicant_name,
                handed_over_on=timezone.localdate(),
            )
    item.refresh_from_db()
    assert item.status == BatchItem.Status.IN_BATCH


def test_the_same_item_cannot_be_handed_over_twice(received, pemdes_a):
    item = _first(received)
    kwargs = {"received_by_name": item.application.applicant_name, "handed_over_on": timezone.localdate()}
    delivery.batch_hand_over_item(actor=pemdes_a, item=item, **kwargs)
    with pytest.raises(StaleBatch):
        delivery.batch_hand_over_item(actor=pemdes_a, item=item, **kwargs)
    assert ApplicationEvent.objects.filter(application=item.application, action="hand_over").count() == 1


def test_return_needs_a_reason_and_makes_the_document_ready_for_a_new_batch(received, pemdes_a, officer):
    item = _first(received)
    with pytest.raises(WorkflowError, match="Alasan"):
        delivery.batch_return_item(actor=pemdes_a, item=item, reason="   ")

    item = delivery.batch_return_item(actor=pemdes_a, item=item, reason="Pemohon pindah ke Kota Bima")

    assert item.status == BatchItem.Status.RETURNED and item.returned_reason == "Pemohon pindah ke Kota Bima"
    app = item.application
    app.refresh_from_db()
    assert app.status == Application.Status.READY
    event = ApplicationEvent.objects.get(application=app, action="return_to_office")
    assert (event.from_status, event.to_status, event.note) == (
        "at_desa",
        "ready",
        "Pemohon pindah ke Kota Bima",
    )
    # the returned item no longer blocks the document: it can travel again
    new_batch = delivery.batch_add_item(actor=officer, application=app)
    assert new_batch.pk != received.pk


def test_pemdes_cannot_return_before_receipt(officer, pemdes_a, desa_a, doc_type):
    batch = batch_with(officer=officer, desa=desa_a, document_type=doc_type, status="dispatched")
    with pytest.raises(WorkflowError, match="Konfirmasi dulu"):
        delivery.batch_return_item(actor=pemdes_a, item=_first(batch), reason="Salah desa")


def test_officer_cannot_return_from_an_open_batch(officer, desa_a, doc_type):
    batch = batch_with(officer=officer, desa=desa_a, document_type=doc_type)
    with pytest.raises(WorkflowError, match="dikeluarkan"):
        delivery.batch_return_item(actor=officer, item=_first(batch), reason="Salah")


def test_batch_closes_when_nothing_waits_at_the_desa(received, pemdes_a):
    first, second = received.items.select_related("application").order_by("position")
    delivery.batch_hand_over_item(
        actor=pemdes_a,
        item=first,
        received_by_name=first.application.applicant_name,
        handed_over_on=timezone.localdate(),
    )
    received.refresh_from_db()
    assert received.status == DeliveryBatch.Status.RECEIVED

    delivery.batch_return_item(actor=pemdes_a, item=second, reason="Pemohon meninggal dunia")

    received.refresh_from_db()
    assert received.status == DeliveryBatch.Status.CLOSED


def test_every_change_bumps_the_batch_version(officer, pemdes_a, desa_a, doc_type):
    from tests.routing.delivery_helpers import ready_app

    versions = []
    a1 = ready_app(desa=desa_a, document_type=doc_type)
    a2 = ready_app(desa=desa_a, document_type=doc_type)
    a3 = ready_app(desa=desa_a, document_type=doc_type)
    batch = delivery.batch_add_item(actor=officer, application=a1)
    versions.append(batch.version)
    batch = delivery.batch_add_item(actor=officer, application=a2)
    versions.append(batch.version)
    batch = delivery.batch_add_item(actor=officer, application=a3)
    versions.append(batch.version)
    batch = delivery.batch_remove_item(actor=officer, item=batch.items.get(application=a3))
    versions.append(batch.version)
    batch = delivery.batch_dispatch(
        actor=officer, batch=batch, courier=officer, dispatch_date=timezone.localdate()
    )
    versions.append(batch.version)
    batch = delivery.batch_confirm_receipt(actor=pemdes_a, batch=batch)
    versions.append(batch.version)
    item = batch.items.get(application=a1)
    delivery.batch_hand_over_item(
        actor=pemdes_a, item=item, received_by_name=a1.applicant_name, handed_over_on=timezone.localdate()
    )
    batch.refresh_from_db()
    versions.append(batch.version)
    delivery.batch_return_item(actor=pemdes_a, item=batch.items.get(application=a2), reason="Salah desa")
    batch.refresh_from_db()
    versions.append(batch.version)

    assert versions == sorted(set(versions)), versions


def test_a_returned_document_keeps_the_time_it_was_first_ready(received, pemdes_a):
    item = _first(received)
    first_ready = timezone.now() - timedelta(days=9)
    Application.objects.filter(pk=item.application_id).update(ready_at=first_ready)

    delivery.batch_return_item(actor=pemdes_a, item=item, reason="Salah desa")

    app = Application.objects.get(pk=item.application_id)
    assert app.status == Application.Status.READY and app.ready_at == first_ready


def test_a_returned_document_sends_no_second_ready_message_and_travels_again(received, pemdes_a, officer):
    item = _first(received)
    app = item.application
    before = set(OutboxMessage.objects.filter(application=app).values_list("pk", flat=True))

    delivery.batch_return_item(actor=pemdes_a, item=item, reason="Salah desa")
    app.refresh_from_db()
    new_batch = delivery.batch_add_item(actor=officer, application=app)

    # back at the office and in a new batch: the citizen hears nothing yet ("ready" was said once)
    assert set(OutboxMessage.objects.filter(application=app).values_list("pk", flat=True)) == before
    delivery.batch_dispatch(
        actor=officer, batch=new_batch, courier=officer, dispatch_date=timezone.localdate()
    )
    # the new journey is the news: a second dispatch message, still no "ready" one
    events = list(OutboxMessage.objects.filter(application=app).values_list("event", flat=True))
    assert events.count("dispatched") == 2 and "ready_pemdes" not in events
