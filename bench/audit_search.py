"""Time the admin's audit search (/audit/, POST) on PostgreSQL with a million audit rows.

    .venv/bin/python bench/audit_search.py [--rows 1000000] [--runs 9]

Steps: create the throwaway database `dukcapil_audit_bench` when missing (or AUDIT_BENCH_DB) and
migrate it; when it holds fewer audit rows than asked, COPY the missing rows in: spread over the
last 365 days, ~5,000 distinct NIK digests (two rows in three carry one), 200 desa (nine rows in
ten carry one), 50 officers, the product's action names; ANALYZE. Then force_login the admin
(2FA passed as tests/two_factor_support.py does), POST the page's three searches (a NIK; a desa
over one month; a desa over the whole year) median of `runs`, print the times and the EXPLAIN
ANALYZE of each search's query. Nothing here runs in the test suite.
"""

import argparse
import io
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DB_NAME = os.environ.get("AUDIT_BENCH_DB", "dukcapil_audit_bench")
SERVER = os.environ.get("AUDIT_BENCH_SERVER", "postgres://postgres@127.0.0.1:5432")
os.environ["DATABASE_URL"] = f"{SERVER}/{DB_NAME}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings_bench")
os.environ.setdefault("BENCH_ROOT_URLCONF", "dukcapil.urls")

DESA_COUNT = 200
NIK_COUNT = 5_000
OFFICER_COUNT = 50
NULL = "\\N"  # COPY's text format
ACTIONS = [
    "view_application",
    "view_attachment",
    "download_attachment",
    "search_nik",
    "reveal_nik",
    "status:verifying",
    "status:verified",
    "status:ready",
    "manifest_pdf",
    "batch:dispatch",
    "denied:applications:detail",
]


def ensure_database() -> None:
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone():
            conn.execute(f'CREATE DATABASE "{DB_NAME}"')


def seed_places_and_people():
    """200 desa in 10 kecamatan, 50 officers and the admin (created once, found afterwards)."""
    from dukcapil.accounts.models import User
    from routing.models import Desa, Kecamatan

    for k in range(10):
        kec, _ = Kecamatan.objects.get_or_create(
            code=f"52.96.{k + 1:02d}", defaults={"name": f"Bench Kec {k}"}
        )
        for d in range(DESA_COUNT // 10):
            Desa.objects.get_or_create(
                code=f"52.96.{k + 1:02d}.{2001 + d:04d}",
                defaults={"name": f"Bench Desa {k}-{d}", "kecamatan": kec},
            )
    officers = []
    for i in range(OFFICER_COUNT):
        user, _ = User.objects.get_or_create(
            username=f"bench.audit.{i}", defaults={"role": User.Role.PETUGAS, "bidang": "dafduk"}
        )
        officers.append(user)
    admin, _ = User.objects.get_or_create(
        username="bench.audit.admin", defaults={"role": User.Role.ADMIN, "is_staff": True}
    )
    desa_ids = list(Desa.objects.filter(code__startswith="52.96.").values_list("pk", flat=True))
    return admin, officers, desa_ids


def bench_niks() -> list[str]:
    """5,000 well-formed NIKs (region 52.06.01, birth dates spread over 1950-1999, serial per NIK)."""
    niks = []
    for i in range(NIK_COUNT):
        day, month, year = 1 + i % 28, 1 + (i // 28) % 12, 50 + i % 50
        niks.append(f"520601{day:02d}{month:02d}{year:02d}{1 + i:04d}")
    return niks


def copy_rows(count: int, *, officers, desa_ids, niks) -> None:
    """COPY `count` audit rows in chunks of 100,000 (one tab-separated buffer per chunk)."""
    from django.db import connection
    from django.utils import timezone

    from dukcapil.core.audit import nik_digest

    digests = [nik_digest(n) for n in niks]
    nik_desa = {d: random.choice(desa_ids) for d in digests}  # a citizen lives in one desa
    now = timezone.now()
    rng = random.Random(8)
    columns = (
        "at, actor_id, actor_username, action, object_type, object_id, application_id, desa_id, "
        "nik_digest, ip, outcome, detail"
    )
    done = 0
    while done < count:
        chunk = min(100_000, count - done)
        buffer = io.StringIO()
        for _ in range(chunk):
            at = now - timedelta(seconds=rng.randrange(365 * 86_400))
            actor = rng.choice(officers)
            digest = rng.choice(digests) if rng.random() < 2 / 3 else ""
            desa = nik_desa[digest] if digest else (rng.choice(desa_ids) if rng.random() < 0.7 else None)
            app_id = rng.randrange(1, 400_000)
            action = rng.choice(ACTIONS)
            outcome = "denied" if action.startswith("denied") else "allowed"
            desa_text = NULL if desa is None else str(desa)
            ip = f"10.{rng.randrange(256)}.0.{rng.randrange(256)}"
            buffer.write(
                f"{at.isoformat()}\t{actor.pk}\t{actor.username}\t{action}\tapplication\t{app_id}\t{app_id}\t"
                f"{desa_text}\t{digest}\t{ip}\t{outcome}\t\n"
            )
        buffer.seek(0)
        with (
            connection.cursor() as cursor,
            cursor.copy(f"COPY core_auditentry ({columns}) FROM STDIN") as copy,
        ):
            copy.write(buffer.read())
        done += chunk
        print(f"  {done:,} rows copied", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE core_auditentry")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()

    ensure_database()
    import django

    django.setup()
    import logging

    logging.getLogger("django.request").setLevel(logging.CRITICAL)
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import timezone

    from dukcapil.core.audit import audit_search, nik_digest
    from dukcapil.core.models import AuditEntry
    from tests.two_factor_support import client_pass_two_factor

    call_command("migrate", verbosity=0)
    admin, officers, desa_ids = seed_places_and_people()
    niks = bench_niks()
    have = AuditEntry.objects.count()
    if have < args.rows:
        print(f"seeding {args.rows - have:,} audit rows into {DB_NAME} …", flush=True)
        started = time.perf_counter()
        copy_rows(args.rows - have, officers=officers, desa_ids=desa_ids, niks=niks)
        print(f"  seeded in {time.perf_counter() - started:.0f} s")
    print(f"{AuditEntry.objects.count():,} audit rows in {DB_NAME}")

    client = Client(REMOTE_ADDR="10.0.0.1")
    client.force_login(admin)
    client_pass_two_factor(client, admin)
    url = reverse("dukcapil_audit")
    today = timezone.localdate()
    # the busiest NIK and desa: the slowest answers the page can give
    busy_nik = niks[0]
    busy_desa = max(desa_ids, key=lambda d: AuditEntry.objects.filter(desa_id=d).count())
    nik_desa = AuditEntry.objects.filter(nik_digest=nik_digest(busy_nik)).values_list("desa_id", flat=True)[0]
    cases = {
        "NIK, all dates": ({"nik": busy_nik}, {"nik": busy_nik}),
        "desa, last 30 days": (
            {"desa": busy_desa, "start": today - timedelta(days=30), "end": today},
            {"desa_id": busy_desa, "days": 30},
        ),
        "desa, last 365 days": (
            {"desa": busy_desa, "start": today - timedelta(days=365), "end": today},
            {"desa_id": busy_desa, "days": 365},
        ),
        "NIK + desa, 90 days": (
            {"nik": busy_nik, "desa": nik_desa, "start": today - timedelta(days=90), "end": today},
            {"nik": busy_nik, "desa_id": nik_desa, "days": 90},
        ),
    }
    for label, (post, search) in cases.items():
        response = client.post(url, post)
        assert response.status_code == 200, response.status_code
        assert b"Isi NIK" not in response.content, "the form refused the search"
        seconds = []
        for _ in range(args.runs):
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as captured:
                client.post(url, post)
            seconds.append(time.perf_counter() - started)
        print(
            f"{label:<22} median {statistics.median(seconds) * 1000:7.1f} ms  "
            f"(min {min(seconds) * 1000:.1f}, max {max(seconds) * 1000:.1f}; {len(captured)} queries)"
        )
        days = search.pop("days", None)
        if days:
            search["start"] = timezone.now() - timedelta(days=days)
            search["end"] = timezone.now()
        print(audit_search(**search)[:201].explain(analyze=True))
        print()


if __name__ == "__main__":
    main()
