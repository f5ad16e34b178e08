"""The measurements, each a small function registered by name.

A measurement gets a `Bench` (logged-in test clients, URL reversing, the database) and returns a
zero-argument callable: the work to time. It raises `NotAvailable` when what it measures is not
there yet (a URL name that does not reverse, a model that is not registered), and the run prints
"not available yet: <reason>" and goes on. The first call of every callable is checked (status 200
and, where it says so, the rows it must show), so a page that answers a login redirect or an error
is never timed as if it were fast.

`sizes="all"` measurements run against every database of the run (their ratios compare sizes);
`sizes="largest"` ones only against the largest (manifests and exports, whose size is their own).
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

QUEUE_PAGE_SIZE = 50
DEEP_PAGE = 10_000


class NotAvailable(Exception):  # noqa: N818 - reads as what it reports
    """What this measurement needs does not exist yet (page not built, URL name missing)."""


class BenchError(Exception):
    """The page answered something other than what the measurement expects."""


@dataclass
class Measure:
    name: str
    title: str
    prepare: Callable[["Bench"], Callable[[], Any]]
    sizes: str = "all"  # "all" or "largest"
    heavy: bool = False  # seconds per call: fewer repetitions
    # part of figure 4 (our lists, dashboards, manifests, exports); the admin pages are not
    query_figure: bool = True


MEASURES: dict[str, Measure] = {}


def measure(name: str, title: str, *, sizes: str = "all", heavy: bool = False, query_figure: bool = True):
    def register(prepare):
        MEASURES[name] = Measure(
            name=name, title=title, prepare=prepare, sizes=sizes, heavy=heavy, query_figure=query_figure
        )
        return prepare

    return register


@dataclass
class Bench:
    """What a measurement may use, inside the worker's Django process."""

    clients: dict[str, Any] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)

    def user(self, username: str):
        from dukcapil.accounts.models import User

        try:
            return User.objects.get(username=username)
        except User.DoesNotExist:
            raise NotAvailable(f"user {username} is not in the database") from None

    def client(self, username: str):
        from django.test import Client

        if username not in self.clients:
            from tests.two_factor_support import client_pass_two_factor

            client = Client()
            user = self.user(username)
            client.force_login(user)
            client_pass_two_factor(client, user)  # kabid/admin pages answer, not the 2FA redirect
            self.clients[username] = client
        return self.clients[username]

    def superuser(self):
        """A throwaway superuser for the bench admin sites (the demo admin has only its role's rights)."""
        from dukcapil.accounts.models import User

        user, _ = User.objects.update_or_create(
            username="bench.superuser",
            defaults={"role": User.Role.ADMIN, "is_staff": True, "is_superuser": True, "is_active": True},
        )
        return user.username

    def url(self, name: str, *args, query: str = "") -> str:
        from django.urls import NoReverseMatch, reverse

        try:
            path = reverse(name, args=args)
        except NoReverseMatch:
            raise NotAvailable(f"URL name {name} does not reverse") from None
        return f"{path}?{query}" if query else path

    def page(self, username: str, url: str, *, check: Callable[[str], None] | None = None):
        """A GET of `url` as `username`; the first answer must be 200 (and pass `check`)."""
        client = self.client(username)

        def get():
            response = client.get(url)
            if response.status_code != 200:
                raise BenchError(f"GET {url} as {username} answered {response.status_code}")
            return response

        first = get()
        if check:
            check(first.content.decode())
        return get


def application_ids(html: str) -> list[int]:
    """Application ids linked from a page, in order, each once (the queue's rows)."""
    seen: dict[int, None] = {}
    for pk in re.findall(r'href="/permohonan/(\d+)/"', html):
        seen.setdefault(int(pk), None)
    return list(seen)


# --- the officer queue ---------------------------------------------------------------------------


def _rows_check(expected: int | None = None):
    def check(html: str) -> None:
        rows = application_ids(html)
        if expected is not None and len(rows) != expected:
            raise BenchError(f"expected {expected} rows, the page shows {len(rows)}")

    return check


@measure("queue", "Officer queue (petugas1, default: mine, open)")
def queue(b: Bench):
    return b.page("petugas1", b.url("applications:queue"), check=_rows_check(QUEUE_PAGE_SIZE))


@measure("queue_kabid", "Queue of the kepala bidang (whole bidang, open)")
def queue_kabid(b: Bench):
    return b.page("kabid.dafduk", b.url("applications:queue"), check=_rows_check(QUEUE_PAGE_SIZE))


def queue_sql_text() -> str:
    """The hand-written query of the officer queue's first page: the same 50 rows and columns."""
    from applications.models import Application, DocumentType
    from dukcapil.accounts.models import User
    from routing.models import Desa, Kecamatan

    closed = ", ".join(f"'{s}'" for s in Application.CLOSED_STATUSES)
    return f"""
        SELECT a.id, a.number, a.applicant_name, a.status, a.urgency, a.urgency_reason, a.is_urgent,
               a.created_at, a.due_at, t.name, d.name, k.name, u.first_name, u.last_name
          FROM {Application._meta.db_table} a
          JOIN {DocumentType._meta.db_table} t ON t.id = a.document_type_id
          JOIN {Desa._meta.db_table} d ON d.id = a.desa_id
          JOIN {Kecamatan._meta.db_table} k ON k.id = d.kecamatan_id
          LEFT JOIN {User._meta.db_table} u ON u.id = a.assigned_to_id
         WHERE a.bidang = %(bidang)s AND a.assigned_to_id = %(officer)s AND a.status NOT IN ({closed})
         ORDER BY a.is_urgent DESC, a.created_at, a.id
         LIMIT {QUEUE_PAGE_SIZE}"""


@measure("queue_sql", "Hand-written SQL: the queue's 50 rows (psycopg, same database)", query_figure=False)
def queue_sql(b: Bench):
    import psycopg
    from django.db import connection

    officer = b.user("petugas1")
    params = {"bidang": officer.bidang, "officer": officer.pk}
    sql = queue_sql_text()
    settings = connection.settings_dict
    if connection.vendor != "postgresql":
        raise NotAvailable("the hand-written query is timed on PostgreSQL only")
    conn = psycopg.connect(
        dbname=settings["NAME"],
        user=settings["USER"],
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
        password=settings["PASSWORD"] or None,
        autocommit=True,
    )

    def run():
        return conn.execute(sql, params).fetchall()

    page_rows = application_ids(b.client("petugas1").get(b.url("applications:queue")).content.decode())
    sql_rows = [row[0] for row in run()]
    if sql_rows != page_rows:
        raise BenchError("the hand-written query and the queue page show different rows")
    return run


def _queue_cursor(b: Bench, username: str, position: int) -> tuple[str, int]:
    """The keyset cursor of the row just before `position` (0-based) in the queue with status=all.

    Found with one OFFSET query outside the timing: this is the link the page-(n-1) "next" button
    carries. When there are fewer rows, the last full page is used (its number is returned).
    """
    from applications.selectors import QueueFilters, queue_base
    from applications.views.queue import default_scope

    user = b.user(username)
    qs = queue_base(user=user, filters=QueueFilters(scope=default_scope(user), status="all"))
    total = qs.count()
    position = min(position, max(0, total - QUEUE_PAGE_SIZE))
    position -= position % QUEUE_PAGE_SIZE
    page = position // QUEUE_PAGE_SIZE + 1
    if position == 0:
        return "", 1
    row = qs.order_by("-is_urgent", "created_at", "id").values("is_urgent", "created_at", "id")[position - 1]
    from datetime import UTC, datetime, timedelta

    micros = (row["created_at"] - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)
    return f"{int(row['is_urgent'])}.{micros}.{row['id']}", page


@measure("queue_all_p1", "Queue, admin, every application (status=all), page 1")
def queue_all_p1(b: Bench):
    return b.page(
        "admin", b.url("applications:queue", query="status=all"), check=_rows_check(QUEUE_PAGE_SIZE)
    )


@measure("queue_all_deep", f"Queue, admin, status=all, page {DEEP_PAGE:,} (keyset cursor)")
def queue_all_deep(b: Bench):
    b.url("applications:queue")
    cursor, page = _queue_cursor(b, "admin", (DEEP_PAGE - 1) * QUEUE_PAGE_SIZE)
    b.notes["queue_all_deep"] = f"page {page:,}"
    return b.page(
        "admin",
        b.url("applications:queue", query=f"status=all&setelah={cursor}"),
        check=_rows_check(QUEUE_PAGE_SIZE),
    )


@measure("queue_search", "Queue of the kepala bidang, name search 'mansyur' (open)")
def queue_search(b: Bench):
    # a filtered view: the tabs are capped counts (at most 1,001 rows per status), the name is
    # found through the trigram index on PostgreSQL
    return b.page("kabid.dafduk", b.url("applications:queue", query="q=mansyur"), check=_rows_check())


@measure("queue_overdue", "Queue of the kepala bidang, overdue only (all statuses)")
def queue_overdue(b: Bench):
    return b.page(
        "kabid.dafduk", b.url("applications:queue", query="overdue=on&status=all"), check=_rows_check()
    )


# --- Django admin baselines (bench URLconf only) ------------------------------------------------


@measure("admin_default", "Django admin, default changelist of Application (all rows)", query_figure=False)
def admin_default(b: Bench):
    return b.page(b.superuser(), b.url("bench_admin:applications_application_changelist"))


@measure(
    "admin_columns", "Django admin, the queue's columns in list_display, nothing tuned", query_figure=False
)
def admin_columns(b: Bench):
    return b.page(b.superuser(), b.url("bench_admin_columns:applications_application_changelist"))


# the product's admin estimates the row count from pg_class above a threshold (one COUNT fewer at 1M):
# by design, so it is not held to figure 4
@measure(
    "kelola_changelist", "The product's tuned admin (/kelola/) changelist of Application", query_figure=False
)
def kelola_changelist(b: Bench):
    return b.page(b.superuser(), b.url("admin:applications_application_changelist"))


# --- the application page, the dashboard --------------------------------------------------------


@measure("detail", "Application page (a demo application with history)")
def detail(b: Bench):
    from applications.models import Application

    app = (
        Application.objects.filter(created_by__username="petugas1", assigned_to__username="petugas1")
        .filter(status=Application.Status.PROCESSING)
        .order_by("id")
        .first()
    )
    if app is None:
        raise NotAvailable("no demo application of petugas1 in processing")
    return b.page("petugas1", b.url("applications:detail", app.pk))


@measure("dashboard", "Kepala bidang dashboard (kabid.dafduk, default range)")
def dashboard(b: Bench):
    return b.page("kabid.dafduk", b.url("applications:dashboard"))


@measure("dashboard_year", "Kepala bidang dashboard (kabid.dafduk, the last 366 days)")
def dashboard_year(b: Bench):
    from datetime import timedelta

    from django.utils import timezone

    today = timezone.localdate()
    query = f"?date_from={today - timedelta(days=365)}&date_to={today}"
    return b.page("kabid.dafduk", b.url("applications:dashboard") + query)


@measure("dashboard_xlsx", "Dashboard XLSX export, every table (kabid.dafduk)")
def dashboard_xlsx(b: Bench):
    return b.page("kabid.dafduk", b.url("applications:dashboard_xlsx", "semua"))


# --- delivery: the Pemdes portal, the batch list, manifests -------------------------------------


@measure("pemdes_home", "Pemdes batch list (pemdes1's portal)")
def pemdes_home(b: Bench):
    return b.page("pemdes1", b.url("routing:pemdes_home"))


@measure("batch_list", "Officers' batch list (petugas1)")
def batch_list(b: Bench):
    return b.page("petugas1", b.url("routing:batch_list"))


def _manifest_batch(items: int):
    from bench.extras import manifest_number
    from routing.models import DeliveryBatch

    try:
        return DeliveryBatch.objects.select_related("desa__kecamatan", "courier").get(
            number=manifest_number(items)
        )
    except DeliveryBatch.DoesNotExist:
        raise NotAvailable(f"bench batch of {items} items missing (bench extras)") from None


def _manifest_pdf(items: int):
    def prepare(b: Bench):
        try:
            from routing.manifest import manifest_pdf_bytes
        except ImportError:
            raise NotAvailable("routing/manifest.py has no manifest_pdf_bytes") from None
        batch = _manifest_batch(items)

        def render():
            return manifest_pdf_bytes(batch)

        if not render().startswith(b"%PDF"):
            raise BenchError("manifest_pdf_bytes did not return a PDF")
        return render

    return prepare


measure("manifest_pdf_50", "Manifest PDF, 50 items (WeasyPrint)", sizes="largest", heavy=True)(
    _manifest_pdf(50)
)
measure("manifest_pdf_500", "Manifest PDF, 500 items (WeasyPrint)", sizes="largest", heavy=True)(
    _manifest_pdf(500)
)


def _manifest_page(items: int, url_name: str):
    def prepare(b: Bench):
        batch = _manifest_batch(items)
        return b.page("petugas1", b.url(url_name, batch.pk))

    return prepare


measure("manifest_page_50", "Manifest print page, 50 items", sizes="largest")(
    _manifest_page(50, "routing:batch_manifest")
)
measure("manifest_page_500", "Manifest print page, 500 items", sizes="largest")(
    _manifest_page(500, "routing:batch_manifest")
)
measure("batch_detail_500", "Batch page, 500 items", sizes="largest")(
    _manifest_page(500, "routing:batch_detail")
)
measure("xlsx_10000", "Manifest XLSX export, 10,000 rows", sizes="largest", heavy=True)(
    _manifest_page(10_000, "routing:batch_xlsx")
)
measure("csv_10000", "Manifest CSV export, 10,000 rows", sizes="largest", heavy=True)(
    _manifest_page(10_000, "routing:batch_csv")
)


# --- the trivial view ---------------------------------------------------------------------------


@measure("ping", "Trivial view (/bench/ping/, whole middleware stack)", query_figure=False)
def ping(b: Bench):
    return b.page("petugas1", b.url("bench_ping"))
