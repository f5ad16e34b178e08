"""Bench-only data that `seed_demo --applications N` does not make: delivery batches and manifests.

The bulk seed writes applications only. Without batches the Pemdes portal and the batch list would
be empty at every size and their figures would mean nothing, so the bench files the documents the
seed marked as travelling or delivered into batches, the way the office would have:

1. remove the batches of an earlier build (numbers starting with BENCH-);
2. every via-Pemdes application in delivery, at the desa or handed over is put, per desa and in the
   order it became ready, into batches of 50: dispatched, received by the desa, or closed (items
   handed over); so the number of batches grows with the data like an office's history does;
3. three manifest batches of 50, 500 and 10,000 items (dispatched, in a desa without a demo
   Pemdes account) for the manifest PDF and XLSX figures. Their items come from closed applications
   in no batch (so the ready list and the queues keep their rows); where a small database has too
   few of those, the rest are items marked returned (which the one-live-item-per-application rule
   allows) so the export still has 10,000 rows.

Run inside a Django process: `python -m bench.extras` (prints one JSON line), or call
`extras_build()` (the query-count tests do). Portable: plain ORM bulk inserts, SQLite or PostgreSQL.
"""

import json
from datetime import timedelta

# bump when the data built here changes: bench/databases.py rebuilds the extras of reused databases
EXTRAS_VERSION = 2
PREFIX = "BENCH-"
BATCH_SIZE = 50
MANIFEST_SIZES = (50, 500, 10_000)
FLUSH_ITEMS = 5_000


def manifest_number(items: int) -> str:
    return f"{PREFIX}MANIFEST-{items:05d}"


def extras_build(*, manifest_sizes: tuple[int, ...] = MANIFEST_SIZES) -> dict:
    """Build the batches described in the module docstring; returns what was made."""
    from django.db import transaction

    with transaction.atomic():
        _remove()
        batches, items = _history_batches()
        manifests = _manifest_batches(manifest_sizes)
    return {"batches": batches, "items": items, "manifests": manifests}


def _remove() -> None:
    from routing.models import BatchItem, DeliveryBatch

    BatchItem.objects.filter(batch__number__startswith=PREFIX).delete()
    DeliveryBatch.objects.filter(number__startswith=PREFIX).delete()


def _people():
    from dukcapil.accounts.models import User

    officer = User.objects.filter(role=User.Role.PETUGAS, is_active=True).order_by("username").first()
    pemdes_of = dict(User.objects.filter(role=User.Role.PEMDES).values_list("desa_id", "id"))
    return officer, pemdes_of


def _history_batches() -> tuple[int, int]:
    from django.utils import timezone

    from applications.models import Application
    from routing.models import BatchItem, DeliveryBatch

    officer, pemdes_of = _people()
    now = timezone.now()
    batch_status = {
        Application.Status.IN_DELIVERY: DeliveryBatch.Status.DISPATCHED,
        Application.Status.AT_DESA: DeliveryBatch.Status.RECEIVED,
        Application.Status.HANDED_OVER: DeliveryBatch.Status.CLOSED,
    }
    rows = (
        Application.objects.filter(
            delivery_method=Application.Delivery.VIA_PEMDES, status__in=list(batch_status)
        )
        .order_by("desa_id", "status", "ready_at", "id")
        .values_list("id", "desa_id", "status", "ready_at", "closed_at", "applicant_name")
        .iterator(chunk_size=5_000)
    )
    pending: list[tuple[DeliveryBatch, list]] = []
    counts = {"batches": 0, "items": 0}

    def flush():
        made = DeliveryBatch.objects.bulk_create([b for b, _ in pending], batch_size=1_000)
        items = []
        for batch, members in zip(made, (m for _, m in pending), strict=True):
            for position, (app_id, _ready, closed_at, name) in enumerate(members, 1):
                closed = batch.status == DeliveryBatch.Status.CLOSED
                items.append(
                    BatchItem(
                        batch_id=batch.pk,
                        application_id=app_id,
                        position=position,
                        status=BatchItem.Status.HANDED_OVER if closed else BatchItem.Status.IN_BATCH,
                        received_by_name=name if closed else "",
                        relation="Pemohon sendiri" if closed else "",
                        handed_over_on=timezone.localdate(closed_at) if closed and closed_at else None,
                        recorded_by_id=(pemdes_of.get(batch.desa_id) or officer.pk) if closed else None,
                    )
                )
        BatchItem.objects.bulk_create(items, batch_size=2_000)
        counts["batches"] += len(made)
        counts["items"] += len(items)
        pending.clear()

    group, members, serial = None, [], 0

    def close_group():
        nonlocal serial
        if not members:
            return
        desa_id, status = group
        serial += 1
        sent = max((m[1] for m in members if m[1]), default=now)
        received = min(now, sent + timedelta(days=1))
        state = batch_status[status]
        pending.append(
            (
                DeliveryBatch(
                    number=f"{PREFIX}{desa_id}-{serial:07d}",
                    desa_id=desa_id,
                    status=state,
                    created_by_id=officer.pk,
                    courier_id=officer.pk,
                    dispatch_date=timezone.localdate(sent),
                    dispatched_at=sent,
                    received_by_id=pemdes_of.get(desa_id)
                    if state != DeliveryBatch.Status.DISPATCHED
                    else None,
                    received_at=received if state != DeliveryBatch.Status.DISPATCHED else None,
                    item_count=len(members),
                ),
                list(members),
            )
        )
        members.clear()
        if sum(len(m) for _, m in pending) >= FLUSH_ITEMS:
            flush()

    for app_id, desa_id, status, ready_at, closed_at, name in rows:
        if (desa_id, status) != group or len(members) >= BATCH_SIZE:
            close_group()
            group = (desa_id, status)
        members.append((app_id, ready_at, closed_at, name))
    close_group()
    if pending:
        flush()
    _backdate()
    return counts["batches"], counts["items"]


def _backdate() -> None:
    """`created_at` is auto_now_add: set it afterwards to a day before dispatch, as the office would."""
    from django.db.models import F

    from routing.models import DeliveryBatch

    DeliveryBatch.objects.filter(number__startswith=PREFIX).update(
        created_at=F("dispatched_at") - timedelta(days=1)
    )


def _manifest_batches(sizes: tuple[int, ...]) -> dict[int, int]:
    from django.db.models import Exists, OuterRef
    from django.utils import timezone

    from applications.models import Application
    from dukcapil.core.demo import PEMDES_DESA_CODES
    from routing.models import BatchItem, DeliveryBatch, Desa

    officer, _ = _people()
    desa = Desa.objects.exclude(code__in=PEMDES_DESA_CODES).order_by("-code").first()
    # closed applications only: taking ready or open ones would empty the lists being measured
    free = list(
        Application.objects.filter(status__in=Application.CLOSED_STATUSES)
        .filter(~Exists(BatchItem.objects.filter(application=OuterRef("pk"))))
        .order_by("id")
        .values_list("id", flat=True)[: sum(sizes)]
    )
    anyone = Application.objects.order_by("id").values_list("id", flat=True)
    sent = timezone.now() - timedelta(days=1)
    made = {}
    for size in sizes:
        batch = DeliveryBatch.objects.create(
            number=manifest_number(size),
            desa=desa,
            status=DeliveryBatch.Status.DISPATCHED,
            created_by=officer,
            courier=officer,
            dispatch_date=timezone.localdate(sent),
            dispatched_at=sent,
            item_count=size,
        )
        live, free = free[:size], free[size:]
        returned = list(anyone[: size - len(live)]) if len(live) < size else []
        items = [
            BatchItem(batch=batch, application_id=app_id, position=i, status=BatchItem.Status.IN_BATCH)
            for i, app_id in enumerate(live, 1)
        ] + [
            BatchItem(
                batch=batch,
                application_id=app_id,
                position=len(live) + i,
                status=BatchItem.Status.RETURNED,
                returned_reason="Data uji kinerja",
            )
            for i, app_id in enumerate(returned, 1)
        ]
        BatchItem.objects.bulk_create(items, batch_size=2_000)
        made[size] = batch.pk
    DeliveryBatch.objects.filter(pk__in=made.values()).update(created_at=sent - timedelta(days=1))
    return made


def main() -> None:
    import django

    django.setup()
    print(json.dumps(extras_build()))


if __name__ == "__main__":
    main()
