"""The benchmark: every figure of issue 9 as a ratio measured side by side in one run.

    .venv/bin/python bench/run.py --sizes 10000,1000000      # make bench
    .venv/bin/python bench/run.py --sizes 1000,10000 --small # make bench-small (CI)

Steps:
1. one PostgreSQL database per size, seeded with `seed_demo --applications N` (reused when it
   already holds that size; bench/databases.py), plus the bench-only batches (bench/extras.py);
2. one worker process per database (bench/worker.py): a Django test client logged in with
   force_login as the demo accounts; every measurement (bench/measures.py) is prepared and its
   first answer checked; what does not exist yet is reported "not available yet: <reason>";
3. warm-up, then `runs` rounds; in each round every measurement is timed once on every database,
   alternating the order, so the drift of a shared machine falls on both sides of each ratio;
4. medians, ratios, query counts per size; EXPLAIN ANALYZE of the slowest queries of each page
   that missed its target;
5. throughput: gunicorn + wrk against the largest database (bench/load.py);
6. the table, printed and written to bench/results/latest.md (with --small:
   test-artifacts/bench/small.md, so CI runs do not touch the committed results).

Exit status: 0 when the run completed, whatever the ratios (a missed target is printed MISSED);
1 when something crashed (a database could not be seeded, a worker died, a page raised).
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.databases import BenchDatabase, bench_env, database_ensure, server_description, size_label  # noqa: E402
from bench.measures import MEASURES  # noqa: E402

RESULTS = ROOT / "bench" / "results"


# --- workers ------------------------------------------------------------------------------------


class Worker:
    """bench/worker.py bound to one database; `ask` sends one request and reads one answer."""

    def __init__(self, db: BenchDatabase, log_dir: Path):
        self.db = db
        self.log_path = log_dir / f"worker-{size_label(db.size)}.log"
        self.log = self.log_path.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.worker"],
            cwd=ROOT,
            env=bench_env(db.url),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
            bufsize=1,
        )

    def ask(self, **request) -> dict:
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            self.log.flush()
            tail = self.log_path.read_text()[-3000:]
            raise RuntimeError(f"worker for {self.db.name} died:\n{tail}")
        return json.loads(line)

    def close(self) -> None:
        if self.process.poll() is None:
            try:
                self.ask(op="quit")
                self.process.wait(timeout=30)
            except (RuntimeError, OSError, subprocess.TimeoutExpired):
                self.process.kill()
        self.log.close()


# --- results --------------------------------------------------------------------------------------


@dataclass
class Result:
    name: str
    title: str
    status: dict[int, dict] = field(default_factory=dict)  # size → prepare answer
    seconds: dict[int, list[float]] = field(default_factory=dict)

    def median(self, size: int) -> float | None:
        values = self.seconds.get(size)
        return statistics.median(values) if values else None

    def minimum(self, size: int) -> float | None:
        values = self.seconds.get(size)
        return min(values) if values else None

    def ok(self, size: int) -> bool:
        return bool(self.status.get(size, {}).get("ok"))

    def queries(self, size: int) -> int | None:
        return self.status.get(size, {}).get("queries")


@dataclass
class Figure:
    number: str
    text: str
    measured: str
    ratio: float | None
    target: str
    passed: bool | None  # None: could not be measured
    why: str = ""

    @property
    def verdict(self) -> str:
        if self.passed is None:
            return "n/a"
        return "ok" if self.passed else "MISSED"


def _ms(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    return f"{seconds * 1000:,.1f} ms" if seconds < 10 else f"{seconds:,.1f} s"


def _within(value: float | None, limit: float) -> bool | None:
    return None if value is None else value <= limit


# --- the run --------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,1000000", help="bulk applications per database")
    parser.add_argument("--small", action="store_true", help="the CI version: fewer runs, short load test")
    parser.add_argument("--runs", type=int, help="timed rounds (default 9, small 5)")
    parser.add_argument("--warmup", type=int, help="untimed calls first (default 2, small 1)")
    parser.add_argument("--load-seconds", type=int, help="wrk duration per run (default 15, small 4)")
    parser.add_argument("--skip-load", action="store_true", help="no gunicorn/wrk throughput figure")
    parser.add_argument("--only", default="", help="comma-separated measurement names")
    parser.add_argument("--reseed", action="store_true", help="drop and seed the databases again")
    parser.add_argument("--out", help="markdown file (default bench/results/latest.md or small.md)")
    args = parser.parse_args(argv)
    sizes = sorted({int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()})
    runs = args.runs or (5 if args.small else 9)
    warmup = args.warmup if args.warmup is not None else (1 if args.small else 2)
    load_seconds = args.load_seconds or (4 if args.small else 15)
    # the CI version writes next to the other test artifacts; only full runs go to bench/results/
    out = (
        Path(args.out)
        if args.out
        else (ROOT / "test-artifacts" / "bench" / "small.md" if args.small else RESULTS / "latest.md")
    )
    names = [n for n in MEASURES if not args.only or n in args.only.split(",")]
    started = time.perf_counter()
    command = "bench/run.py " + " ".join(argv if argv is not None else sys.argv[1:])
    machine = machine_description()
    print(f"== bench: sizes {', '.join(f'{s:,}' for s in sizes)}; {runs} rounds; {machine['summary']}")

    crashed: list[str] = []
    run_lock = _run_lock()
    print("== databases")
    databases = [database_ensure(size, reseed=args.reseed) for size in sizes]
    largest = sizes[-1]
    log_dir = ROOT / "test-artifacts" / "bench"
    log_dir.mkdir(parents=True, exist_ok=True)
    workers = {db.size: Worker(db, log_dir) for db in databases}
    results = {name: Result(name, MEASURES[name].title) for name in names}
    explains: dict[str, list[dict]] = {}
    load: dict = {}
    try:
        print("== prepare (first call of every measurement is checked)")
        for size, worker in workers.items():
            wanted = [n for n in names if MEASURES[n].sizes == "all" or size == largest]
            for name, answer in worker.ask(op="prepare", names=wanted).items():
                results[name].status[size] = answer
                label = f"{name} @ {size_label(size)}"
                if "skip" in answer:
                    print(f"  not available yet: {label}: {answer['skip']}")
                elif "error" in answer:
                    print(f"  ERROR {label}: {answer['error']}\n{answer.get('trace', '')}")
                    crashed.append(f"{label}: {answer['error']}")
        ready = [(n, s) for n in names for s in sizes if results[n].ok(s)]
        print(f"== warm-up ({warmup} call(s) each; the checked first call warmed the heavy ones)")
        for name, size in ready:
            if warmup and not MEASURES[name].heavy:
                _timed(workers[size], name, warmup)
        # heavy measurements take seconds per call and do not compare sizes: fewer rounds
        heavy_runs = 2 if args.small else 3
        print(f"== timing: {runs} rounds ({heavy_runs} for heavy ones), sizes interleaved")
        for round_no in range(runs):
            order = sizes if round_no % 2 == 0 else sizes[::-1]
            for name in names:
                if MEASURES[name].heavy and round_no >= heavy_runs:
                    continue
                for size in order:
                    if results[name].ok(size):
                        results[name].seconds.setdefault(size, []).extend(_timed(workers[size], name, 1))
            print(f"  round {round_no + 1}/{runs} done ({time.perf_counter() - started:.0f} s)")
        figures = compute_figures(results, sizes, databases)
        missed = {f.why for f in figures if f.passed is False and f.why}
        for name in sorted(missed):
            if results[name].ok(largest):
                answer = workers[largest].ask(op="explain", name=name, top=2)
                explains[name] = answer.get("queries", [])
        if not args.skip_load:
            print(
                f"== load test: gunicorn (2 workers) + wrk, {load_seconds} s per run, {size_label(largest)} db"
            )
            from bench.load import load_test

            session = workers[largest].ask(op="session", username="petugas1")
            if "error" in session:
                load = {"error": session["error"]}
            else:
                load = load_test(
                    databases[-1].url, f"{session['cookie']}={session['value']}", duration=load_seconds
                )
            if "error" in load:
                crashed.append(f"load test: {load['error']}")
        figures.append(load_figure(load, args.skip_load))
        figures.sort(key=lambda f: int(f.number.split()[0]))
    except RuntimeError as exc:
        crashed.append(str(exc))
        print(f"CRASH: {exc}")
        figures = compute_figures(results, sizes, databases)
    finally:
        for worker in workers.values():
            worker.close()
        run_lock.close()
    machine["load_after"] = _loadavg()
    report = render(
        figures=figures,
        results=results,
        sizes=sizes,
        databases=databases,
        machine=machine,
        load=load,
        explains=explains,
        command=command,
        runs=runs,
        elapsed=time.perf_counter() - started,
        crashed=crashed,
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(report)
    print()
    print(summary_table(figures))
    print(f"\nfull results: {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")
    if crashed:
        print("\nSomething crashed:\n  " + "\n  ".join(crashed))
        return 1
    return 0


def _run_lock():
    """One bench run measures at a time on this PostgreSQL server (two would slow each other down).

    A session advisory lock, held on a connection kept open for the whole run; a second run waits.
    """
    import psycopg

    from bench.databases import SERVER_URL

    conn = psycopg.connect(f"{SERVER_URL}/postgres", autocommit=True)
    if not conn.execute("SELECT pg_try_advisory_lock(hashtext('dukcapil_bench_run'))").fetchone()[0]:
        print("== another bench run is measuring on this server; waiting for it to finish")
        conn.execute("SELECT pg_advisory_lock(hashtext('dukcapil_bench_run'))")
    return conn


def _timed(worker: Worker, name: str, runs: int) -> list[float]:
    answer = worker.ask(op="time", name=name, runs=runs)
    if "error" in answer:
        raise RuntimeError(f"{name} on {worker.db.name}: {answer['error']}\n{answer.get('trace', '')}")
    return answer["seconds"]


# --- figures --------------------------------------------------------------------------------------

SIZE_PAGES = ["queue", "detail", "dashboard", "pemdes_home"]
INFO_PAGES = ["queue_kabid", "batch_list", "queue_all_p1"]


def compute_figures(
    results: dict[str, Result], sizes: list[int], databases: list[BenchDatabase]
) -> list[Figure]:
    small, large = sizes[0], sizes[-1]
    pair = f"{size_label(large)} vs {size_label(small)}"
    med = {name: {s: r.median(s) for s in sizes} for name, r in results.items()}

    def get(name, size):
        return med.get(name, {}).get(size)

    def ratio(a, b):
        return a / b if a is not None and b else None

    figures = []
    for name in SIZE_PAGES + INFO_PAGES:
        if name not in results:
            continue
        r = ratio(get(name, large), get(name, small))
        status = results[name].status.get(large, {})
        figures.append(
            Figure(
                "1 (info)" if name in INFO_PAGES else "1",
                f"{results[name].title}: {pair}",
                f"{_ms(get(name, large))} vs {_ms(get(name, small))}"
                if r
                else f"not available yet: {status.get('skip') or status.get('error')}",
                r,
                "≤ 1.25×",
                _within(r, 1.25),
                name,
            )
        )
    r = ratio(get("queue", large), get("queue_sql", large))
    figures.append(
        Figure(
            "2",
            f"Queue page vs hand-written SQL of the same 50 rows ({size_label(large)})",
            f"{_ms(get('queue', large))} vs {_ms(get('queue_sql', large))}",
            r,
            "≤ 2×",
            _within(r, 2.0),
            "queue",
        )
    )
    # the same comparison for the database's share only: the queue's queries (time waiting for SQL in
    # the checked call, one sample) against the hand-written query's median; the page's Python is
    # left out, so this says whether the queue's SQL is as lean as hand-written SQL
    queue_sql_ms = results["queue"].status.get(large, {}).get("sql_ms") if "queue" in results else None
    r = ratio(queue_sql_ms / 1000 if queue_sql_ms is not None else None, get("queue_sql", large))
    figures.append(
        Figure(
            "2 (info)",
            f"Queue page's SQL only (all its queries, one call) vs hand-written SQL of the same 50 rows "
            f"({size_label(large)})",
            f"{queue_sql_ms:,.1f} ms vs {_ms(get('queue_sql', large))}" if r else "not available",
            r,
            "≤ 2×",
            _within(r, 2.0),
            "queue",
        )
    )
    for ours in ("queue_all_p1", "queue"):
        r = ratio(get("admin_default", large), get(ours, large))
        figures.append(
            Figure(
                "3",
                f"Django admin default changelist vs {results[ours].title if ours in results else ours} "
                f"({size_label(large)})",
                f"{_ms(get('admin_default', large))} vs {_ms(get(ours, large))}",
                r,
                "≥ 5× faster",
                None if r is None else r >= 5,
                ours,
            )
        )
    for other in ("admin_columns", "kelola_changelist"):
        if other in results:
            r = ratio(get(other, large), get("queue_all_p1", large))
            status = results[other].status.get(large, {})
            figures.append(
                Figure(
                    "3 (info)",
                    f"{results[other].title} vs our queue (all, page 1) ({size_label(large)})",
                    f"{_ms(get(other, large))} vs {_ms(get('queue_all_p1', large))}"
                    if r
                    else f"not available: {status.get('skip') or status.get('error') or 'not measured in this run'}",
                    r,
                    "info",
                    None,
                )
            )
    same, compared, differs = 0, 0, []
    for name, res in results.items():
        if not MEASURES[name].query_figure:
            continue
        counts = {s: res.queries(s) for s in sizes if res.ok(s)}
        if len(counts) >= 2:
            compared += 1
            if len(set(counts.values())) == 1:
                same += 1
            else:
                differs.append(f"{name} {counts}")
    figures.append(
        Figure(
            "4",
            f"Query counts identical at {', '.join(size_label(s) for s in sizes)} "
            "(10/1,000/10,000 pinned in tests/bench/test_query_counts.py)",
            f"{same} of {compared} pages" + (f"; differ: {'; '.join(differs)}" if differs else ""),
            None,
            "all identical",
            None if not compared else same == compared,
        )
    )
    deep = results.get("queue_all_deep")
    note = deep.status.get(large, {}).get("note", "") if deep else ""
    r = ratio(get("queue_all_deep", large), get("queue_all_p1", large))
    figures.append(
        Figure(
            "5",
            f"Queue deep page ({note or 'n/a'}) vs page 1, status=all ({size_label(large)})",
            f"{_ms(get('queue_all_deep', large))} vs {_ms(get('queue_all_p1', large))}",
            r,
            "≤ 1.5×",
            _within(r, 1.5),
            "queue_all_deep",
        )
    )
    r = ratio(get("manifest_pdf_500", large), get("manifest_pdf_50", large))
    figures.append(
        Figure(
            "7",
            "Manifest PDF, 500 vs 50 items",
            f"{_ms(get('manifest_pdf_500', large))} vs {_ms(get('manifest_pdf_50', large))}",
            r,
            "≤ 12×",
            _within(r, 12.0),
        )
    )
    xlsx = get("xlsx_10000", large)
    figures.append(
        Figure(
            "7",
            "Manifest XLSX export of 10,000 rows (whole request)",
            _ms(xlsx),
            None,
            "≤ 5 s",
            _within(xlsx, 5.0),
        )
    )
    for db in databases:
        how = "reused database, seeded " + db.seeded_at if db.reused else "this run"
        bulk = f", bulk part {db.bulk_seconds:,.1f} s" if db.bulk_seconds else ""
        figures.append(
            Figure(
                "8",
                f"Seeding {db.size:,} applications (`seed_demo --applications {db.size}`; {how})",
                f"{db.seed_seconds:,.1f} s{bulk}" if db.seed_seconds else "—",
                None,
                "minutes",
                None if db.seed_seconds is None else db.seed_seconds < 30 * 60,
            )
        )
    return figures


def load_figure(load: dict, skipped: bool) -> Figure:
    if skipped or not load:
        return Figure(
            "6", "Throughput: queue vs trivial view (gunicorn + wrk)", "skipped", None, "≥ 0.1×", None
        )
    if "ratio" not in load:
        return Figure(
            "6",
            "Throughput: queue vs trivial view",
            load.get("skip") or load.get("error"),
            None,
            "≥ 0.1×",
            None,
        )
    queue, ping = load["runs"]["queue"], load["runs"]["ping_before"]
    return Figure(
        "6",
        "Throughput: queue RPS vs trivial view RPS (gunicorn 2 workers, wrk -t2 -c8)",
        f"{load['queue_rps']:,.1f} vs {load['ping_rps']:,.1f} req/s; p95 {queue['p95_us'] / 1000:,.0f} ms "
        f"vs {ping['p95_us'] / 1000:,.0f} ms",
        load["ratio"],
        "≥ 0.1×",
        load["ratio"] >= 0.1,
    )


# --- machine and report ---------------------------------------------------------------------------


def _loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def machine_description() -> dict[str, str]:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = int(Path("/proc/meminfo").read_text().split("\n")[0].split()[1])
        memory = f"{mem_kb / 1024 / 1024:.1f} GiB"
    except OSError:
        memory = "?"
    pg = server_description()
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    import django

    machine = {
        "cpus": str(os.cpu_count()),
        "cpu": cpu,
        "memory": memory,
        "os": platform.platform(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "postgresql": pg.pop("version"),
        "pg_settings": ", ".join(f"{k}={v}" for k, v in sorted(pg.items())),
        "commit": commit + (" (with uncommitted changes in the shared tree)" if dirty else ""),
        "load_before": _loadavg(),
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
    }
    machine["summary"] = f"{machine['cpus']} CPUs, {memory}, PostgreSQL {machine['postgresql']}"
    return machine


def summary_table(figures: list[Figure]) -> str:
    lines = ["| # | Figure | Measured | Ratio | Target | Result |", "|---|---|---|---|---|---|"]
    for f in figures:
        ratio = f"{f.ratio:.2f}×" if f.ratio is not None else ""
        lines.append(f"| {f.number} | {f.text} | {f.measured} | {ratio} | {f.target} | {f.verdict} |")
    return "\n".join(lines)


def render(
    *, figures, results, sizes, databases, machine, load, explains, command, runs, elapsed, crashed
) -> str:
    large = sizes[-1]
    out = [
        "# Benchmark results",
        "",
        f"Run {machine['date']}, {elapsed / 60:.1f} min, commit {machine['commit']}.",
        "",
        "Each figure is a ratio of two numbers measured in this same run: server time is the median of "
        f"{runs} timed calls (heavy ones: fewer) of the Django test client in-process (production settings "
        "profile, persistent DB connections), the sizes interleaved call by call.",
        "",
        "## Machine",
        "",
        f"- {machine['cpus']} CPUs ({machine['cpu']}), {machine['memory']} memory, shared with other work "
        f"(load average {machine['load_before']} before, {machine.get('load_after', '?')} after)",
        f"- PostgreSQL {machine['postgresql']} ({machine['pg_settings']})",
        f"- Python {machine['python']}, Django {machine['django']}, {machine['os']}",
        "",
        "## Figures",
        "",
        summary_table(figures),
        "",
        "## Server time per page",
        "",
        "Median (ms) per database; ratio: largest / smallest (of the medians; of the fastest calls as a "
        "cross-check against load spikes); queries: SQL queries of one call at each "
        f"size; SQL / total: one call at {size_label(large)} (the first, checked one), time waiting for SQL "
        "against the whole call (the rest is Python: middleware, forms, templates).",
        "",
        "| Measurement | "
        + " | ".join(size_label(s) for s in sizes)
        + " | ratio | ratio of minimums | queries "
        "| SQL / total |",
        "|---|" + "---|" * len(sizes) + "---|---|---|---|",
    ]
    for r in results.values():
        times = [r.median(s) for s in sizes]
        skip = next(
            (
                r.status[s].get("skip") or r.status[s].get("error")
                for s in sizes
                if s in r.status and not r.ok(s)
            ),
            "",
        )
        if not any(t is not None for t in times):
            if skip:
                out.append(
                    f"| {r.title} (`{r.name}`) | not available yet: {skip} |" + " |" * (len(sizes) + 2)
                )
            continue
        ratio = times[-1] / times[0] if len(sizes) > 1 and times[0] and times[-1] else None
        lows = [r.minimum(s) for s in sizes]
        low_ratio = lows[-1] / lows[0] if len(sizes) > 1 and lows[0] and lows[-1] else None
        queries = " / ".join(str(r.queries(s)) if r.ok(s) else "—" for s in sizes)
        cells = " | ".join(f"{t * 1000:,.1f}" if t is not None else "—" for t in times)
        first = r.status.get(large, {})
        note = first.get("note")
        split = f"{first['sql_ms']:,.1f} / {first['total_ms']:,.1f} ms" if "sql_ms" in first else ""
        out.append(
            f"| {r.title} (`{r.name}`){f' [{note}]' if note else ''} | {cells} | "
            f"{f'{ratio:.2f}×' if ratio else ''} | {f'{low_ratio:.2f}×' if low_ratio else ''} | {queries} | {split} |"
        )
    out += ["", "## Throughput (figure 6)", ""]
    if load.get("runs"):
        out.append(f"`{load['gunicorn']}` against the {size_label(large)} database; load from wrk:")
        out.append("")
        out.append("| Run | req/s | p50 | p95 | p99 | errors |")
        out.append("|---|---|---|---|---|---|")
        for label, run in load["runs"].items():
            errors = run["status_errors"] + run["connect_errors"] + run["read_errors"] + run["timeouts"]
            out.append(
                f"| {label} | {run['rps']:,.1f} | {run['p50_us'] / 1000:,.1f} ms | {run['p95_us'] / 1000:,.1f} ms "
                f"| {run['p99_us'] / 1000:,.1f} ms | {errors} |"
            )
        out += ["", f"wrk: `{load['runs']['queue']['command']}`"]
    else:
        out.append(f"Not measured: {load.get('skip') or load.get('error') or 'skipped (--skip-load)'}")
    out += ["", "## Databases and seeding (figure 8)", ""]
    for db in databases:
        state = f"reused (seeded {db.seeded_at})" if db.reused else "seeded in this run"
        extras = f"; bench batches {db.extras_seconds:,.1f} s" if db.extras_seconds else ""
        out.append(
            f"- `{db.name}`: {db.applications:,} applications ({db.size:,} bulk + demo), {state}; "
            f"seed_demo {db.seed_seconds or 0:,.1f} s{extras}"
        )
    if explains:
        out += ["", "## Why the misses: the slowest queries at the largest size (EXPLAIN ANALYZE)", ""]
        for name, queries in explains.items():
            out += [f"### {name}", ""]
            for q in queries:
                out += [f"{q['ms']:,.1f} ms:", "", "```sql", q["sql"], "```", ""]
                if q["plan"]:
                    out += ["```", q["plan"], "```", ""]
    if crashed:
        out += ["", "## Crashed", ""] + [f"- {c}" for c in crashed]
    out += [
        "",
        "## Reproduce",
        "",
        "```",
        f".venv/bin/python {command}",
        "```",
        "",
        "Databases `dukcapil_bench_<size>` on postgres://postgres@127.0.0.1:5432 are created, migrated and "
        "seeded by the harness (`load_regions`, `load_catalogue`, `seed_demo --applications N`, bench "
        "batches, VACUUM ANALYZE) and reused by later runs. See bench/README.md.",
        "",
    ]
    return "\n".join(out)


if __name__ == "__main__":
    sys.exit(main())
