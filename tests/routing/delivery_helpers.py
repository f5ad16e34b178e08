"""Builders for the delivery tests: ready documents and batches brought to a given state by the services."""

from django.utils import timezone

from applications.models import Application
from routing import delivery
from routing.models import DeliveryBatch
from tests import factories as f


def ready_app(*, desa, document_type, **kwargs) -> Application:
    now = timezone.now()
    defaults = {
        "status": Application.Status.READY,
        "delivery_method": Application.Delivery.VIA_PEMDES,
        "issued_document_number": "5206010101260001",
        "ready_at": now,
        "status_changed_at": now,
    }
    defaults.update(kwargs)
    return f.ApplicationFactory(desa=desa, document_type=document_type, **defaults)


def batch_with(
    *, officer, desa, document_type, n: int = 2, status: str = "open", pemdes=None
) -> DeliveryBatch:
    """A batch of `n` ready documents for `desa`, moved by the real services up to `status`."""
    apps = [ready_app(desa=desa, document_type=document_type) for _ in range(n)]
    batch = None
    for app in apps:
        batch = delivery.batch_add_item(actor=officer, application=app)
    if status == "open":
        return _reload(batch)
    batch = delivery.batch_dispatch(
        actor=officer, batch=batch, courier=officer, dispatch_date=timezone.localdate()
    )
    if status == "dispatched":
        return _reload(batch)
    batch = delivery.batch_confirm_receipt(actor=pemdes, batch=batch)
    return _reload(batch)


def _reload(batch: DeliveryBatch) -> DeliveryBatch:
    return DeliveryBatch.objects.select_related("desa__kecamatan", "courier").get(pk=batch.pk)
