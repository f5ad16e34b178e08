"""Database-backed figures for staff routing: rota generation as the page runs it, and assignment.

Run from the repository root:

    .venv/bin/python bench/bench_routing_db.py               # throwaway SQLite database
    .venv/bin/python bench/bench_routing_db.py --postgres    # throwaway database on 127.0.0.1:5432

Prints, best of 3:
- `rota_generate` (load officers, leave and closed days, plan, store every ShiftAssignment row) for
  200 officers of one bidang, for a month (what the page does) and for a whole year;
- `rota_state` + `validate_rota` for the month (what every edit does before saving);
- `assignment_choose_officer` with 20 officers holding 20,000 open applications.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

OFFICERS = 200
RUNS = 3


def best(fn, runs: int = RUNS) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()

    dbname = f"bench_routing_{os.getpid()}"
    if args.postgres:
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", dbname], check=True)
        os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{dbname}"
    else:
        tmp = tempfile.mkdtemp(prefix="bench-routing-")
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
    os.environ["DJANGO_SETTINGS_MODULE"] = "dukcapil.settings_test"
    try:
        run()
    finally:
        if args.postgres:
            from django.db import connections

            connections.close_all()
            subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", dbname], check=True)


def run() -> None:
    import logging

    import django

    django.setup()
    logging.disable(logging.WARNING)
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    call_command("migrate", verbosity=0)

    from applications.models import Application
    from routing import selectors, services
    from routing.assignment import assignment_choose_officer
    from routing.models import Rota
    from routing.rota import working_days
    from tests import factories as f

    print(f"database: {connection.vendor}")
    kabid = f.KabidFactory(username="bench.kabid", bidang="dafduk")
    officers = [f.OfficerFactory(username=f"bench{i}", bidang="dafduk") for i in range(OFFICERS)]
    for i, officer in enumerate(officers[::10]):  # a fifth of them with a week of leave
        start = date(2027, 1, 4) + timedelta(days=7 * (i % 40))
        f.LeaveFactory(officer=officer, start=start, end=start + timedelta(days=4))
    working_days(date(2027, 1, 1), date(2027, 12, 31))  # the holiday calendar is cached per process

    def generate(start, end):
        with transaction.atomic():
            result = services.rota_generate(
                actor=kabid, bidang="dafduk", start=start, end=end, max_in_office=80, min_per_bidang=20
            )
            transaction.set_rollback(True)  # leave nothing behind between runs
        return result

    month = best(lambda: generate(date(2027, 3, 1), date(2027, 3, 31)))
    month_rows = OFFICERS * len(working_days(date(2027, 3, 1), date(2027, 3, 31)))
    print(f"rota_generate, month x {OFFICERS} officers (~{month_rows} rows stored): {month * 1000:.0f} ms")

    services.shifts.MAX_ROTA_DAYS = 366  # the page allows a quarter; the figure is a year
    year = best(lambda: generate(date(2027, 1, 1), date(2027, 12, 31)))
    year_rows = OFFICERS * len(working_days(date(2027, 1, 1), date(2027, 12, 31)))
    print(f"rota_generate, year x {OFFICERS} officers (~{year_rows} rows stored): {year * 1000:.0f} ms")

    rota = services.rota_generate(
        actor=kabid,
        bidang="dafduk",
        start=date(2027, 3, 1),
        end=date(2027, 3, 31),
        max_in_office=80,
        min_per_bidang=20,
    ).rota
    check = best(lambda: services.rota_violations(selectors.rota_state(Rota.objects.get(pk=rota.pk))))
    print(f"load + validate a month x {OFFICERS} officers (every edit does this): {check * 1000:.0f} ms")

    pool = officers[:20]
    doc_type = f.DocumentTypeFactory(code="bench-kk")
    desa = f.DesaFactory()
    now = timezone.now()
    Application.objects.bulk_create(
        (
            Application(
                number=f"BENCH-{n:07d}",
                applicant_name="Bench",
                nik="5206010101900001",
                no_kk="5206011203150001",
                whatsapp="+6281234567890",
                desa=desa,
                document_type=doc_type,
                bidang="dafduk",
                assigned_to=pool[n % 20],
                created_at=now,
                status_changed_at=now,
                due_at=now,
            )
            for n in range(20_000)
        ),
        batch_size=5000,
    )
    for officer in officers[20:]:
        officer.is_active = False
    type(officers[0]).objects.filter(pk__in=[o.pk for o in officers[20:]]).update(is_active=False)

    def choose():
        with transaction.atomic():
            assignment_choose_officer(bidang="dafduk", today=date(2027, 3, 3))

    print(
        f"assignment_choose_officer, 20 officers, 20,000 open applications: {best(choose, 5) * 1000:.1f} ms"
    )


if __name__ == "__main__":
    main()
