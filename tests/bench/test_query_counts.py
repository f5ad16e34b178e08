"""Query counts of every list, dashboard, manifest and export do not grow with the rows (issue 9, figure 4).

The data grows the way the benchmark's does (bench/run.py): on top of the demo accounts and the
demo applications (every status, history, messages: so no list is empty at the smallest size),
`seed_demo_bulk` adds 10, then 1,000 (then 10,000: marked slow) applications spread over two years
and every desa, the bench's delivery batches file the travelling and delivered documents into
batches (bench/extras.py) with a manifest batch as large as the data, and every new application
gets an outbox message. Each page is fetched by the same logged-in user at every size; the number
of queries must be identical. A page whose URL name does not reverse yet is reported as missing.
"""

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from bench.extras import PREFIX, extras_build
from dukcapil.core import demo
from reports.models import SummaryMarker
from reports.services import summaries_refresh
from tests.two_factor_support import client_pass_two_factor


def _manifest_batch() -> tuple[int]:
    from routing.models import DeliveryBatch

    batch = (
        DeliveryBatch.objects.filter(number__startswith=f"{PREFIX}MANIFEST-").order_by("-item_count").first()
    )
    return (batch.pk,)


@dataclass(frozen=True)
class Page:
    id: str
    username: str
    url_name: str
    args: tuple | Callable[[], tuple] = ()
    query: str = ""

    def url(self) -> str:
        path = reverse(self.url_name, args=self.args() if callable(self.args) else self.args)
        return f"{path}?{self.query}" if self.query else path

    def exists(self) -> bool:
        """Whether the URL name is there yet (other pages are built in parallel)."""
        try:
            reverse(self.url_name, args=(1,) if callable(self.args) else self.args)
        except NoReverseMatch:
            return False
        return True


PAGES = [
    # the officer queue: mine, the whole bidang, the whole office, a filtered view
    Page("queue_officer", "petugas1", "applications:queue"),
    Page("queue_kabid", "kabid.dafduk", "applications:queue"),
    Page("queue_all_statuses", "admin", "applications:queue", query="status=all"),
    Page("queue_overdue", "kabid.dafduk", "applications:queue", query="overdue=on&status=all"),
    # dashboards and their export
    Page("dashboard_kabid", "kabid.dafduk", "applications:dashboard"),
    Page("dashboard_office", "kadis", "applications:dashboard"),
    Page("dashboard_xlsx", "kabid.dafduk", "applications:dashboard_xlsx", ("semua",)),
    # delivery: lists, the Pemdes portal and its full lists, the batch page, the manifest and its exports
    Page("batch_list", "petugas1", "routing:batch_list"),
    Page("batch_ready", "petugas1", "routing:batch_ready"),
    Page("pemdes_home", "pemdes1", "routing:pemdes_home"),
    Page("pemdes_overdue", "pemdes1", "routing:pemdes_overdue"),
    Page("pemdes_history", "pemdes1", "routing:pemdes_history"),
    Page("batch_detail", "petugas1", "routing:batch_detail", _manifest_batch),
    Page("batch_manifest", "petugas1", "routing:batch_manifest", _manifest_batch),
    Page("batch_csv", "petugas1", "routing:batch_csv", _manifest_batch),
    Page("batch_xlsx", "petugas1", "routing:batch_xlsx", _manifest_batch),
    # staff routing lists that read applications
    Page("workload", "kabid.dafduk", "routing:workload"),
    Page("reassign", "kabid.dafduk", "routing:reassign"),
    # messages
    Page("outbox", "admin", "notifications:outbox", query="status=all"),
]


class Office:
    """The demo office, grown to a number of bulk applications on request."""

    def __init__(self):
        call_command("load_regions", verbosity=0)
        call_command("load_catalogue", verbosity=0)
        self.users = demo.seed_accounts()
        demo.seed_demo_small(users=self.users)
        self._cover_every_list()
        self.bulk = 0
        self.clients: dict[str, Client] = {}

    def _cover_every_list(self) -> None:
        """Documents of each demo Pemdes desa in delivery, waiting at the desa for a month, and handed over.

        The demo's own applications hand everything over at the office, so without these the
        Pemdes lists would be empty at the smallest size, and an empty list is one query shorter
        (no page to read): that would be measured as growth when it is not.
        """
        from applications.models import Application

        now = timezone.now()
        spare = iter(
            Application.objects.filter(status="received").order_by("id").values_list("id", flat=True)
        )
        for username in ("pemdes1", "pemdes2"):
            for status in ("in_delivery", "at_desa", "handed_over"):
                Application.objects.filter(pk=next(spare)).update(
                    desa_id=self.users[username].desa_id,
                    status=status,
                    delivery_method="via_pemdes",
                    ready_at=now - timedelta(days=30),
                    closed_at=now - timedelta(days=20) if status == "handed_over" else None,
                )

    def grow_to(self, n: int) -> None:
        from applications.models import Application
        from notifications.models import OutboxMessage

        if n > self.bulk:
            demo.seed_demo_bulk(n=n - self.bulk, seed=n)
            self.bulk = n
            # the dashboard's daily summaries, as seed_demo makes them after its bulk load (the bulk
            # rows land on days already summarised: start the summaries again)
            SummaryMarker.objects.all().delete()
            summaries_refresh()
        extras_build(manifest_sizes=(max(n, 10),))
        quiet = Application.objects.filter(messages__isnull=True).values_list("id", "whatsapp", "status")
        OutboxMessage.objects.bulk_create(
            [
                OutboxMessage(
                    event="received",
                    dedupe_key=f"bench:{pk}",
                    application_id=pk,
                    recipient=whatsapp,
                    body="Permohonan Anda sudah kami terima.",
                    status="failed" if pk % 7 == 0 else "sent",
                    sent_at=timezone.now(),
                )
                for pk, whatsapp, _status in quiet
            ],
            batch_size=2_000,
        )

    def queries(self, page: Page) -> list[str]:
        """The SQL of one GET of the page (which must answer 200)."""
        if page.username not in self.clients:
            client = Client()
            client.force_login(self.users[page.username])
            # measured in a module fixture, before conftest's force_login wrapper is in place
            client_pass_two_factor(client, self.users[page.username])
            self.clients[page.username] = client
        url = page.url()
        with CaptureQueriesContext(connection) as captured:
            response = self.clients[page.username].get(url)
        assert response.status_code == 200, f"{page.id}: GET {url} answered {response.status_code}"
        return [q["sql"] for q in captured.captured_queries]


def _measure(sizes: list[int], pages: list[Page]) -> dict[str, dict[int, list[str]]]:
    """The SQL of every page at every size, the office grown between sizes."""
    office = Office()
    sql: dict[str, dict[int, list[str]]] = {p.id: {} for p in pages}
    for size in sizes:
        office.grow_to(size)
        for page in pages:
            sql[page.id][size] = office.queries(page)
    return sql


def _shape(sql: str) -> str:
    """A query without its literals (session keys, times, ids), to show which query came or went."""
    sql = re.sub(r"'[^']*'", "?", sql)
    sql = re.sub(r'"s\d+_x\d+"', "?", sql)  # savepoint names
    sql = re.sub(r"\b\d+\b", "?", sql)
    return sql[:160] + ("…" if len(sql) > 160 else "")


def _growth(page: Page, per_size: dict[int, list[str]]) -> str:
    """ "" when the count is the same at every size, else which queries differ (the failure message)."""
    if len({len(q) for q in per_size.values()}) == 1:
        return ""
    sizes = sorted(per_size)
    first, last = Counter(map(_shape, per_size[sizes[0]])), Counter(map(_shape, per_size[sizes[-1]]))
    return (
        f"{page.id}: "
        + ", ".join(f"{len(per_size[s])} queries at {s:,}" for s in sizes)
        + f"; only at {sizes[0]:,}: {list((first - last).elements())}"
        + f"; only at {sizes[-1]:,}: {list((last - first).elements())}"
    )


@pytest.fixture(scope="module")
def sql_at_10_and_1000(django_db_setup, django_db_blocker):
    """Built once for the module inside a transaction that is rolled back: nothing leaks to other tests."""
    with django_db_blocker.unblock(), transaction.atomic():
        measured = _measure([10, 1_000], [p for p in PAGES if p.exists()])
        transaction.set_rollback(True)
    return measured


# django_db: so pytest-django sets the test database up (the module fixture then uses it)
@pytest.mark.django_db
@pytest.mark.parametrize("page", PAGES, ids=[p.id for p in PAGES])
def test_query_count_is_the_same_at_10_and_1000_applications(page, sql_at_10_and_1000):
    if not page.exists():
        pytest.skip(f"not available yet: {page.url_name} does not reverse")
    per_size = sql_at_10_and_1000[page.id]
    assert not _growth(page, per_size), _growth(page, per_size)
    assert len(per_size[10]) > 2  # the page really ran its own queries, not only session and user


@pytest.mark.slow
@pytest.mark.django_db
def test_query_counts_are_the_same_at_10_1000_and_10000_applications():
    pages = [p for p in PAGES if p.exists()]
    missing = [p.id for p in PAGES if not p.exists()]
    if missing:
        print(f"not available yet: {', '.join(missing)}")
    measured = _measure([10, 1_000, 10_000], pages)
    grown = [msg for page in pages if (msg := _growth(page, measured[page.id]))]
    assert not grown, "query counts grow with the rows:\n" + "\n".join(grown)
