"""Dispatch to the desa and the Pemdes confirmation of receipt: statuses, events, messages, guards."""

from datetime import timedelta

import pytest
from django.utils import formats, timezone

from applications.models import Application, ApplicationEvent
from applications.services import WorkflowError
from notifications.models import OutboxMessage
from routing import delivery
from routing.delivery import StaleBatch
from routing.models import BatchItem, DeliveryBatch
from tests.routing.delivery_helpers import batch_with, ready_app

pytestmark = pytest.mark.django_db


def _apps(batch):
    return Application.objects.filter(batch_items__batch=batch).order_by("pk")


def test_dispatch_moves_every_item_to_in_delivery_with_event_and_message(officer, kabid, desa_a, doc_type):
    batch = batch_with(officer=officer, desa=desa_a, document_type=doc_type, n=3)
    version = batch.version
    today = timezone.localdate()

    batch = delivery.batch_dispatch(actor=officer, batch=batch, courier=kabid, dispatch_date=today)

    assert batch.status == DeliveryBatch.Status.DISPATCHED
    assert (batch.courier, batch.dispatch_date) == (kabid, today)
    assert batch.dispatched_at is not None and batch.version == version + 1
    for app in _apps(batch):
        assert app.status == Application.Status.IN_DELIVERY
        event = ApplicationEvent.objects.get(application=app, action="dispatch")
        assert (event.from_status, event.to_status, event.actor) == ("ready", "in_delivery", officer)
        assert batch.number in event.note
        message = OutboxMessage.objects.get(application=app, event="dispatched")
        assert desa_a.name in message.body and app.number in message.body


def test_dispatch_of_an_empty_batch_is_refused(officer, desa_a, doc_type):
    batch = batch_with(officer=officer, desa=desa_a, document_type=doc_type, n=1)
    batch = delivery.batch_remove_item(actor=officer, item=batch.items.get())
    with pytest.raises(WorkflowError, match="kosong"):
        delivery.batch_dispatch(
            actor=officer, batch=batch, courier=officer, dispatch_date=timezone.localdate()
        )
    batch.refresh_from_db()
    assert batch.status == DeliveryBatch.Status.OPEN


def test_dispatch_refuses_future_date_pemdes_courier_and_second_dispatch(officer, pemdes_a, desa_a, doc_type):
    batch = batch_with(officer=officer, desa=desa_a, document_type=doc_type)
    today = timezone.localdate()
    with pytest.raises(WorkflowError, match="masa depan"):
        delivery.batch_dispatch(
            actor=officer, batch=batch, courier=officer, dispatch_date=today + timedelta(days=1)
        )
    with pytest.raises(WorkflowError, match="Kurir"):
        delivery.batch_dispatch(actor=officer, batch=batch, courier=pemdes_a, dispatch_date=today)
    assert not OutboxMessage.objects.filter(event="dispatched").exists()

    delivery.batch_dispatch(actor=officer, batch=batch, courier=officer, dispatch_date=today)
    with pytest.raises(WorkflowError, match="sudah dikirim"):
        delivery.batch_dispatch(actor=officer, batch=batch, courier=officer, dispatch_date=today)


def test_dispatch_by_pemdes_is_refused(officer, pemdes_a, desa_a, doc_type):
    batch = batch_with(officer=officer, desa=desa_a, document_type=doc_type)
    with pytest.raises(WorkflowError):
        delivery.batch_dispatch(
            actor=pemdes_a, batch=batch, courier=officer, dispatch_date=timezone.localdate()
        )
    assert set(_apps(batch).values_list("status", flat=True)) == {"ready"}


def test_dispatch_with_an_old_version_is_refused_and_changes_nothing(officer, desa_a, doc_type):
    batch = batch_with(officer=officer, desa=desa_a, document_type=doc_type)
    seen = batch.version
    delivery.batch_add_item(actor=officer, application=ready_app(desa=desa_a, document_type=doc_type))

    with pytest.raises(StaleBatch, match="baru saja diubah"):
        delivery.batch_dispatch(
            actor=officer,
            batch=batch,
            courier=officer,
            dispatch_date=timezone.localdate(),
            expected_version=seen,
        )
    assert set(_apps(batch).values_list("status", flat=True)) == {"ready"}


def test_dispatch_rolls_back_completely_when_one_item_cannot_move(officer, desa_a, doc_type):
    batch = batch_with(officer=officer, desa=desa_a, document_type=doc_type, n=3)
    broken = batch.items.order_by("position").last().application
    # someone moved it outside the batch flow (an inconsistent row); dispatch must not half-happen
    Application.objects.filter(pk=broken.pk).update(status=Application.Status.PROCESSING)

    with pytest.raises(WorkflowError):
        delivery.batch_dispatch(
            actor=officer, batch=batch, courier=officer, dispatch_date=timezone.localdate()
        )

    batch.refresh_from_db()
    assert batch.status == DeliveryBatch.Status.OPEN
    assert not ApplicationEvent.objects.filter(action="dispatch").exists()
    assert not OutboxMessage.objects.filter(event="dispatched").exists()


def test_confirm_receipt_moves_items_to_at_desa_and_tells_the_residents(officer, pemdes_a, desa_a, doc_type):
    batch = batch_with(officer=officer, desa=desa_a, document_type=doc_type, n=2, status="dispatched")

    batch = delivery.batch_confirm_receipt(actor=pemdes_a, batch=batch, expected_version=batch.version)

    assert batch.status == DeliveryBatch.Status.RECEIVED
    assert batch.received_by == pemdes_a and batch.received_at is not None
    for app in _apps(batch):
        assert app.status == Application.Status.AT_DESA
        assert ApplicationEvent.objects.filter(
            application=app, action="confirm_receipt", actor=pemdes_a, to_status="at_desa"
        ).exists()
        message = OutboxMessage.objects.get(application=app, event="at_desa")
        assert "Kantor Desa" in message.body and desa_a.name in message.body


def test_confirm_receipt_by_another_desa_or_an_officer_is_refused(officer, pemdes_b, desa_a, doc_type):
    batch = batch_with(officer=officer, desa=desa_a, document_type=doc_type, status="dispatched")
    for actor in (pemdes_b, officer):
        with pytest.raises(WorkflowError, match="desa tujuan"):
            delivery.batch_confirm_receipt(actor=actor, batch=batch)
    batch.refresh_from_db()
    assert batch.status == DeliveryBatch.Status.DISPATCHED
    assert not OutboxMessage.objects.filter(event="at_desa").exists()


def test_confirm_receipt_of_an_open_batch_is_refused(officer, pemdes_a, desa_a, doc_type):
    batch = batch_with(officer=officer, desa=desa_a, document_type=doc_type)
    with pytest.raises(WorkflowError, match="sedang dikirim"):
        delivery.batch_confirm_receipt(actor=pemdes_a, batch=batch)


def test_admin_may_confirm_receipt_for_the_desa(officer, admin_user, desa_a, doc_type):
    batch = batch_with(officer=officer, desa=desa_a, document_type=doc_type, status="dispatched")
    batch = delivery.batch_confirm_receipt(actor=admin_user, batch=batch)
    assert batch.status == DeliveryBatch.Status.RECEIVED


def test_item_returned_on_the_road_is_skipped_at_receipt(officer, pemdes_a, desa_a, doc_type):
    batch = batch_with(officer=officer, desa=desa_a, document_type=doc_type, n=2, status="dispatched")
    lost = batch.items.order_by("position").first()
    delivery.batch_return_item(actor=officer, item=lost, reason="Tertinggal di kantor")

    batch = delivery.batch_confirm_receipt(actor=pemdes_a, batch=batch)

    lost.refresh_from_db()
    assert lost.status == BatchItem.Status.RETURNED
    assert lost.application.status == Application.Status.READY
    assert batch.items.filter(status=BatchItem.Status.IN_BATCH).count() == 1


def test_dispatch_queues_the_manifest_pdf_after_commit(
    officer, desa_a, doc_type, django_capture_on_commit_callbacks
):
    batch = batch_with(officer=officer, desa=desa_a, document_type=doc_type)
    with django_capture_on_commit_callbacks(execute=True):
        batch = delivery.batch_dispatch(
            actor=officer, batch=batch, courier=officer, dispatch_date=timezone.localdate()
        )
    batch.refresh_from_db()
    assert batch.pdf and batch.pdf_version == batch.version


def test_dispatch_message_names_the_dispatch_date_not_today(officer, desa_a, doc_type):
    batch = batch_with(officer=officer, desa=desa_a, document_type=doc_type, n=1)
    today = timezone.localdate()
    sent_on = today - timedelta(days=2)

    delivery.batch_dispatch(actor=officer, batch=batch, courier=officer, dispatch_date=sent_on)

    body = OutboxMessage.objects.get(application__batch_items__batch=batch, event="dispatched").body
    assert formats.date_format(sent_on, "j F Y") in body
    assert formats.date_format(today, "j F Y") not in body
