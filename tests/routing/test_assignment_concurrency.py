"""100 intakes at the same moment, on PostgreSQL with real threads.

SQLite serialises writers, so it would make any implementation look right; these tests only run on
PostgreSQL. Each thread has its own connection and transaction, like a request or a worker.
"""

from collections import Counter
from datetime import date, timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from applications.models import Application
from applications.services import ApplicationData, application_create
from routing.assignment import assignment_choose_officer, officer_pool
from tests import factories as f
from tests.routing.concurrency import run_concurrently

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

INTAKES = 100
MONDAY = date(2026, 11, 2)


@pytest.fixture
def officers(db):
    return [f.OfficerFactory(username=f"conc{i}", bidang="dafduk") for i in range(7)]


def _insert_assigned(i, officer, doc_type, desa):
    return Application.objects.create(
        number=f"CONC-{i:05d}",
        applicant_name="Uji",
        nik=f.make_nik(),
        no_kk=f.make_no_kk(),
        whatsapp="+6281234567890",
        desa=desa,
        document_type=doc_type,
        bidang="dafduk",
        assigned_to=officer,
        created_at=timezone.now(),
        status_changed_at=timezone.now(),
        due_at=timezone.now() + timedelta(days=7),
    )


def _naive_choose(*, bidang, today):
    """The bug the lock prevents: read the loads, pick the least loaded, no lock held."""
    from django.db.models import Count

    from routing.assignment import OPEN_APPLICATION_Q

    return (
        officer_pool(bidang)
        .annotate(open_count=Count("assigned_applications", filter=OPEN_APPLICATION_Q))
        .order_by("open_count", "id")
        .first()
    )


def _assign_in_parallel(choose, doc_type, desa):
    def work(i):
        with transaction.atomic():
            officer = choose(bidang="dafduk", today=MONDAY)
            _insert_assigned(i, officer, doc_type, desa)
            return officer.pk

    return run_concurrently(work, INTAKES)


def test_hundred_simultaneous_assignments_are_balanced(officers, doc_type, desa_a):
    results = _assign_in_parallel(assignment_choose_officer, doc_type, desa_a)
    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, errors[:3]
    assert Application.objects.count() == INTAKES
    loads = Counter(Application.objects.values_list("assigned_to_id", flat=True))
    assert set(loads) == {o.pk for o in officers}
    assert max(loads.values()) - min(loads.values()) <= 1, loads


def test_the_balance_check_catches_an_unlocked_choice(officers, doc_type, desa_a):
    """Same harness, naive chooser: concurrent readers see the same loads and pile onto one officer."""
    results = _assign_in_parallel(_naive_choose, doc_type, desa_a)
    assert not [r for r in results if isinstance(r, Exception)]
    loads = Counter(Application.objects.values_list("assigned_to_id", flat=True))
    spread = max(loads.get(o.pk, 0) for o in officers) - min(loads.get(o.pk, 0) for o in officers)
    print(f"naive chooser loads: {sorted(loads.values())}")
    assert spread > 1, loads


def test_hundred_simultaneous_intakes_are_each_assigned_once(officers, doc_type, desa_a):
    """The real entry point: application_create in 100 concurrent transactions."""
    intake_officer = officers[0]

    def work(i):
        data = ApplicationData(
            applicant_name=f"Warga {i}",
            nik=f.make_nik(),
            no_kk=f.make_no_kk(),
            whatsapp="+6281234567890",
            desa_id=desa_a.pk,
            document_type=doc_type,
        )
        return application_create(actor=intake_officer, data=data).pk

    results = run_concurrently(work, INTAKES)
    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, errors[:3]
    assert len(set(results)) == INTAKES
    rows = list(Application.objects.values_list("number", "assigned_to_id"))
    assert len(rows) == INTAKES
    assert len({number for number, _ in rows}) == INTAKES  # each intake got its own number
    assert all(officer_id is not None for _, officer_id in rows)
    loads = Counter(officer_id for _, officer_id in rows)
    assert max(loads.values()) - min(loads.values()) <= 1, loads
