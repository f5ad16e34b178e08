"""One seeded PostgreSQL database per size, reused by later runs when it still holds that size.

Steps of `database_ensure` for a size N (database `dukcapil_bench_<label>`, e.g. `_10k`, `_1m`):
1. If the database exists and its `bench_meta` row says it was fully seeded with N bulk
   applications (and the rows are still there), migrate it (new migrations of the day), run
   `reports_refresh` (what the hourly job would have done since) and, when the bench-only extras
   changed, rebuild those; then reuse it.
2. Otherwise drop it, create it, migrate, `load_regions`, `load_catalogue`, then
   `seed_demo --applications N` (timed: figure 8), then the bench-only extras (delivery batches
   and manifest batches, see bench/extras.py), then VACUUM ANALYZE.
3. Record N, the seeding times and the extras version in `bench_meta`.
"""

import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
SERVER_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")
DB_PREFIX = os.environ.get("BENCH_DB_PREFIX", "dukcapil_bench_")


def size_label(n: int) -> str:
    """1000 → "1k", 1000000 → "1m", 2500 → "2500"."""
    if n % 1_000_000 == 0:
        return f"{n // 1_000_000}m"
    if n % 1_000 == 0:
        return f"{n // 1_000}k"
    return str(n)


@dataclass
class BenchDatabase:
    size: int
    name: str
    url: str
    reused: bool = False
    seed_seconds: float | None = None  # the whole `seed_demo --applications N` command
    bulk_seconds: float | None = None  # its bulk part, as the command reports it
    extras_seconds: float | None = None
    seeded_at: str = ""
    applications: int = 0
    log: list[str] = field(default_factory=list)


def bench_env(url: str, **extra: str) -> dict[str, str]:
    """Environment of every Django process of the bench (manage.py commands, workers, gunicorn)."""
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": "bench.settings_bench",
            "LOG_LEVEL": "WARNING",
            "DB_CONN_MAX_AGE": "600",
            "PRIVATE_MEDIA_ROOT": str(ROOT / "test-artifacts" / "bench-media"),
            "PYTHONPATH": str(ROOT),
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra)
    return env


def _admin_connect() -> psycopg.Connection:
    return psycopg.connect(f"{SERVER_URL}/postgres", autocommit=True)


def _exists(name: str) -> bool:
    with _admin_connect() as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def _meta(url: str) -> dict[str, str]:
    with psycopg.connect(url) as conn:
        if not conn.execute("SELECT to_regclass('bench_meta')").fetchone()[0]:
            return {}
        return dict(conn.execute("SELECT key, value FROM bench_meta").fetchall())


def _meta_write(url: str, values: dict[str, object]) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS bench_meta (key text PRIMARY KEY, value text NOT NULL)")
        for key, value in values.items():
            conn.execute(
                "INSERT INTO bench_meta (key, value) VALUES (%s, %s) "
                "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                [key, str(value)],
            )


def _manage(url: str, *args: str, log: list[str]) -> str:
    started = time.perf_counter()
    result = subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=bench_env(url),
        capture_output=True,
        text=True,
        check=False,
    )
    took = time.perf_counter() - started
    log.append(f"manage.py {' '.join(args)}: {took:.1f} s")
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def _extras(url: str, log: list[str]) -> dict:
    """Run bench/extras.py in a Django process; it prints one JSON line with what it built."""
    started = time.perf_counter()
    result = subprocess.run(
        [PYTHON, "-m", "bench.extras"],
        cwd=ROOT,
        env=bench_env(url),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"bench extras failed:\n{result.stdout}\n{result.stderr}")
    built = json.loads(result.stdout.strip().splitlines()[-1])
    built["seconds"] = time.perf_counter() - started
    log.append(f"bench extras: {built}")
    return built


def _vacuum_analyze(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def _application_count(url: str) -> int:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT count(*) FROM applications_application").fetchone()[0]


def database_ensure(size: int, *, reseed: bool = False, say=print) -> BenchDatabase:
    """A database holding the demo data plus `size` bulk applications (see the module docstring).

    Two bench runs at once (other people on the machine run it too) must not seed or drop the same
    database under each other: an advisory lock per database name serialises them, and the
    second one then finds the database seeded and reuses it.
    """
    name = DB_PREFIX + size_label(size)
    with _admin_connect() as lock:
        if not lock.execute("SELECT pg_try_advisory_lock(hashtext(%s))", [name]).fetchone()[0]:
            say(f"  {name}: another bench run is preparing it; waiting")
            lock.execute("SELECT pg_advisory_lock(hashtext(%s))", [name])
        return _ensure(size, name, reseed=reseed, say=say)


def _ensure(size: int, name: str, *, reseed: bool, say) -> BenchDatabase:
    from bench.extras import EXTRAS_VERSION

    db = BenchDatabase(size=size, name=name, url=f"{SERVER_URL}/{name}")
    meta = _meta(db.url) if _exists(name) and not reseed else {}
    if (
        meta.get("complete") == "1"
        and int(meta.get("bulk_applications", -1)) == size
        and _application_count(db.url) == int(meta["applications"])
    ):
        say(f"  {name}: reusing ({size:,} bulk applications, seeded {meta.get('seeded_at', '?')})")
        _manage(db.url, "migrate", "--noinput", log=db.log)
        # what the hourly beat job would have done since the seeding: summarise the days that are
        # over, fold the open-work tally's old days (a reused database is days old)
        _manage(db.url, "reports_refresh", log=db.log)
        if meta.get("extras_version") != str(EXTRAS_VERSION):
            say(f"  {name}: rebuilding the bench extras (version {EXTRAS_VERSION})")
            built = _extras(db.url, db.log)
            _vacuum_analyze(db.url)
            _meta_write(db.url, {"extras_version": EXTRAS_VERSION, "extras_seconds": built["seconds"]})
            meta = _meta(db.url)
        db.reused = True
        db.seed_seconds = float(meta["seed_seconds"])
        db.bulk_seconds = float(meta["bulk_seconds"]) if meta.get("bulk_seconds") else None
        db.extras_seconds = float(meta.get("extras_seconds") or 0) or None
        db.seeded_at = meta.get("seeded_at", "")
        db.applications = int(meta["applications"])
        return db
    say(f"  {name}: creating and seeding {size:,} applications")
    with _admin_connect() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    _manage(db.url, "migrate", "--noinput", log=db.log)
    _manage(db.url, "load_regions", log=db.log)
    _manage(db.url, "load_catalogue", log=db.log)
    started = time.perf_counter()
    out = _manage(db.url, "seed_demo", "--applications", str(size), log=db.log)
    db.seed_seconds = time.perf_counter() - started
    match = re.search(r"permohonan massal dalam ([\d.]+) detik", out)
    db.bulk_seconds = float(match.group(1)) if match else None
    say(f"  {name}: seed_demo --applications {size:,} took {db.seed_seconds:.1f} s")
    built = _extras(db.url, db.log)
    db.extras_seconds = built["seconds"]
    started = time.perf_counter()
    _vacuum_analyze(db.url)
    db.log.append(f"VACUUM ANALYZE: {time.perf_counter() - started:.1f} s")
    db.applications = _application_count(db.url)
    db.seeded_at = time.strftime("%Y-%m-%d %H:%M")
    _meta_write(
        db.url,
        {
            "bulk_applications": size,
            "applications": db.applications,
            "seed_seconds": f"{db.seed_seconds:.2f}",
            "bulk_seconds": "" if db.bulk_seconds is None else f"{db.bulk_seconds:.2f}",
            "extras_seconds": f"{db.extras_seconds:.2f}",
            "extras_version": EXTRAS_VERSION,
            "seeded_at": db.seeded_at,
            "complete": "1",
        },
    )
    return db


def server_description() -> dict[str, str]:
    with _admin_connect() as conn:
        version = conn.execute("SHOW server_version").fetchone()[0]
        settings = dict(
            conn.execute(
                "SELECT name, current_setting(name) FROM pg_settings WHERE name IN "
                "('shared_buffers', 'work_mem', 'effective_cache_size', 'random_page_cost', "
                "'max_parallel_workers_per_gather', 'jit')"
            ).fetchall()
        )
    return {"version": version, **settings}
