"""The queue's status tabs: exact from the tally without a filter, capped ("1.000+") under a filter.

Both paths are checked against counts made in Python from the rows the user may see, for every
role and scope, so a tally read with the wrong scope (another officer, another bidang) fails here.
"""

import random
from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from applications import selectors
from applications.models import Application
from applications.selectors import QueueFilters, queue_base, queue_status_counts, visible_applications
from tests import factories as f

URL = reverse("applications:queue")
S = Application.Status


@pytest.fixture
def mixed(officer, kabid, admin_user, doc_type, doc_type_capil, desa_a, desa_b):
    """80 applications over both bidang, three officers and nobody, every status, two desa."""
    rng = random.Random(5)
    colleague = f.OfficerFactory(username="petugas.rekan", bidang="dafduk")
    capil_officer = f.OfficerFactory(username="petugas.capil.2", bidang="capil")
    for _ in range(80):
        dafduk = rng.random() < 0.6
        f.ApplicationFactory(
            document_type=doc_type if dafduk else doc_type_capil,
            desa=rng.choice([desa_a, desa_b]),
            assigned_to=rng.choice([officer, colleague, None] if dafduk else [capil_officer, None]),
            status=rng.choice(S.values),
            urgency=rng.choice(["none", "none", "bpjs"]),
        )


def expected(user, filters: QueueFilters, **narrow) -> dict[str, int]:
    """Counts per status (and open/all) from the raw rows, filtered in Python."""
    rows = visible_applications(user).filter(**narrow)
    if filters.scope == "mine":
        rows = rows.filter(assigned_to=user)
    if filters.bidang:
        rows = rows.filter(bidang=filters.bidang)
    counts = Counter(rows.values_list("status", flat=True))
    result = {s: counts.get(s, 0) for s in S.values}
    result["all"] = sum(counts.values())
    result["open"] = sum(n for s, n in counts.items() if s not in Application.CLOSED_STATUSES)
    return result


def numbers(counts) -> dict[str, int]:
    return {status: c.n for status, c in counts.items()}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "who, filters",
    [
        ("officer", QueueFilters(scope="mine")),
        ("officer", QueueFilters(scope="bidang")),
        ("kabid", QueueFilters(scope="bidang")),
        ("kabid", QueueFilters(scope="mine")),
        ("admin_user", QueueFilters(scope="bidang")),
        ("admin_user", QueueFilters(scope="bidang", bidang="capil")),
    ],
)
def test_unfiltered_tabs_from_tally_equal_the_rows(request, mixed, who, filters):
    user = request.getfixturevalue(who)
    base = queue_base(user=user, filters=filters)
    with CaptureQueriesContext(connection) as captured:
        counts = queue_status_counts(user=user, filters=filters, base=base)
    assert numbers(counts) == expected(user, filters)
    assert not any(c.capped for c in counts.values())
    # one query, on the tally table only: it does not grow with the applications
    assert len(captured) == 1
    assert "applications_applicationtally" in captured[0]["sql"]
    assert '"applications_application"' not in captured[0]["sql"]


@pytest.mark.django_db
def test_filtered_tabs_are_exact_below_the_cap_in_one_query(officer, mixed, desa_b):
    filters = QueueFilters(scope="bidang", desa_id=desa_b.pk, urgency="urgent")
    base = queue_base(user=officer, filters=filters)
    with CaptureQueriesContext(connection) as captured:
        counts = queue_status_counts(user=officer, filters=filters, base=base)
    assert numbers(counts) == expected(officer, filters, desa=desa_b, is_urgent=True)
    assert counts["all"].n > 0 and not counts["all"].capped
    assert len(captured) == 1


@pytest.mark.django_db
def test_filtered_tabs_stop_at_the_cap_and_say_so(client, officer, mixed, monkeypatch, desa_a):
    monkeypatch.setattr(selectors, "COUNT_CAP", 3)
    filters = QueueFilters(scope="bidang", desa_id=desa_a.pk)
    truth = expected(officer, filters, desa=desa_a)
    counts = queue_status_counts(
        user=officer, filters=filters, base=queue_base(user=officer, filters=filters)
    )
    for status in S.values:
        assert counts[status].n == min(truth[status], 3)
        assert counts[status].capped == (truth[status] > 3)
    assert counts["all"].capped and counts["all"].n < truth["all"]
    client.force_login(officer)
    html = client.get(URL, {"scope": "bidang", "desa": desa_a.pk}).content.decode()
    assert ">3+</span>" in html
    assert "hitungan berhenti di" in html
    # without the filter the same page shows exact numbers from the tally
    plain = client.get(URL, {"scope": "bidang"})
    assert "+</span>" not in plain.content.decode()
    assert {v: c.n for v, _l, c in plain.context["tabs"]} == expected(officer, QueueFilters(scope="bidang"))


@pytest.mark.django_db
def test_tabs_follow_a_transition_without_recount(client, officer, doc_type, desa_a):
    app = f.ApplicationFactory(
        document_type=doc_type, desa=desa_a, assigned_to=officer, created_at=timezone.now()
    )
    client.force_login(officer)
    before = {v: c.n for v, _l, c in client.get(URL).context["tabs"]}
    Application.objects.filter(pk=app.pk).update(status=S.VERIFYING)
    after = {v: c.n for v, _l, c in client.get(URL).context["tabs"]}
    assert (before["received"], before["verifying"]) == (1, 0)
    assert (after["received"], after["verifying"], after["open"]) == (0, 1, 1)
