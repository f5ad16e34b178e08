"""Time the officer queue's queries on a big database (run it against a seeded PostgreSQL).

    createdb ... && DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> \\
      python manage.py migrate && python manage.py seed_demo --applications 1000000
    DATABASE_URL=... DJANGO_SETTINGS_MODULE=dukcapil.settings_test python bench/bench_queue.py

For each queue view it prints the status-count query, the first page and the average of the next
three pages (keyset), in milliseconds, plus the NIK search. Uses the demo accounts of seed_demo.
"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dukcapil.settings_test")

import django  # noqa: E402

django.setup()

from applications.models import Application  # noqa: E402
from applications.selectors import (  # noqa: E402
    QueueFilters,
    queue_base,
    queue_filter_status,
    queue_nik_search,
    queue_page,
    queue_status_counts,
)
from dukcapil.accounts.models import Bidang, User  # noqa: E402


def run(label: str, user: User, filters: QueueFilters, pages: int = 3) -> None:
    bidangs = list(Bidang.values) if user.is_office_wide and not filters.bidang else None
    started = time.perf_counter()
    base = queue_base(user=user, filters=filters)
    counts = queue_status_counts(user=user, filters=filters, base=base)
    t_counts = time.perf_counter()
    page = queue_page(queue_filter_status(base, filters.status), bidangs=bidangs)
    t_first = time.perf_counter()
    walked = 0
    while walked < pages and page.next_cursor:
        page = queue_page(queue_filter_status(base, filters.status), after=page.next_cursor, bidangs=bidangs)
        walked += 1
    t_next = time.perf_counter()
    print(
        f"{label:34s} counts {1000 * (t_counts - started):7.1f} ms | page 1 {1000 * (t_first - t_counts):6.1f} ms"
        f" | next pages {1000 * (t_next - t_first) / max(walked, 1):6.1f} ms | open {counts['open'].n:,}"
        f" of {counts['all'].n:,}"
    )


def main() -> None:
    print(f"applications: {Application.objects.count():,}")
    officer = User.objects.get(username="petugas1")
    kabid = User.objects.get(username="kabid.dafduk")
    admin = User.objects.get(username="admin")
    run("petugas: mine, open", officer, QueueFilters(scope="mine"))
    run("petugas: mine, all statuses", officer, QueueFilters(scope="mine", status="all"))
    run("kabid: bidang, open", kabid, QueueFilters(scope="bidang"))
    run("kabid: bidang, all statuses", kabid, QueueFilters(scope="bidang", status="all"))
    run("kabid: handed over", kabid, QueueFilters(scope="bidang", status="handed_over"))
    run("kabid: overdue", kabid, QueueFilters(scope="bidang", overdue=True))
    run("kabid: urgent", kabid, QueueFilters(scope="bidang", urgency="urgent"))
    run("kabid: name 'siti'", kabid, QueueFilters(scope="bidang", q="siti"))
    run("kabid: number 2025-12345", kabid, QueueFilters(scope="bidang", q="2025-12345"))
    run("admin: whole office, open", admin, QueueFilters(scope="bidang"))
    run("admin: whole office, all", admin, QueueFilters(scope="bidang", status="all"))
    nik = Application.objects.filter(bidang="dafduk").values_list("nik", flat=True)[12345]
    started = time.perf_counter()
    found = queue_nik_search(user=kabid, nik=nik)
    print(f"{'kabid: NIK search':34s} {1000 * (time.perf_counter() - started):7.1f} ms ({len(found)} found)")


if __name__ == "__main__":
    main()
