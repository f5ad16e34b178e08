"""A Django process bound to one bench database, timing measurements on request.

bench/run.py starts one worker per database (DATABASE_URL differs; settings bench.settings_bench)
and sends it one JSON request per line on stdin; the answer is one JSON line on the original
stdout (anything Django prints goes to stderr). Keeping the workers alive lets the runner
interleave the sizes call by call, so the drift of a shared machine hits both sides of a ratio.

Requests:
  {"op": "prepare", "names": [...]}   → per name: {"ok": true, "queries": n, "note": ...}
                                          or {"skip": reason} or {"error": message}
  {"op": "time", "name": n, "runs": k} → {"seconds": [..k..]}
  {"op": "explain", "name": n, "top": 2} → the slowest queries of one call with EXPLAIN ANALYZE
  {"op": "session", "username": u}    → {"cookie": name, "value": session key} for the load test
  {"op": "quit"}
"""

import json
import os
import sys
import time
import traceback


def main() -> None:
    out = os.fdopen(os.dup(sys.stdout.fileno()), "w", buffering=1)
    sys.stdout = sys.stderr  # keep the protocol channel clean

    import django

    django.setup()
    import logging

    for noisy in ("weasyprint", "fontTools", "django.request"):
        logging.getLogger(noisy).setLevel(logging.CRITICAL)

    from bench.measures import MEASURES, Bench, NotAvailable

    bench = Bench()
    prepared: dict = {}
    for line in sys.stdin:
        request = json.loads(line)
        op = request["op"]
        try:
            if op == "prepare":
                answer = {
                    name: _prepare(bench, MEASURES[name], prepared, NotAvailable) for name in request["names"]
                }
            elif op == "time":
                answer = {"seconds": _time(prepared[request["name"]], request["runs"])}
            elif op == "explain":
                answer = {"queries": _explain(prepared[request["name"]], request.get("top", 2))}
            elif op == "session":
                answer = _session(bench, request["username"])
            elif op == "quit":
                out.write(json.dumps({"bye": True}) + "\n")
                return
            else:
                answer = {"error": f"unknown op {op}"}
        except Exception as exc:  # noqa: BLE001 - reported to the runner, which decides
            answer = {"error": f"{type(exc).__name__}: {exc}", "trace": traceback.format_exc()}
        out.write(json.dumps(answer, default=str) + "\n")


def _prepare(bench, measure, prepared: dict, not_available) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    try:
        call = measure.prepare(bench)
    except not_available as exc:
        return {"skip": str(exc)}
    except Exception as exc:  # noqa: BLE001
        return {"error": f"{type(exc).__name__}: {exc}", "trace": traceback.format_exc()}
    prepared[measure.name] = call
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        call()
        total = time.perf_counter() - started
    return {
        "ok": True,
        "queries": len(captured),
        # one call's split between waiting for SQL and everything else (Python, templates)
        "sql_ms": sum(float(q["time"]) for q in captured.captured_queries) * 1000,
        "total_ms": total * 1000,
        "note": bench.notes.get(measure.name, ""),
    }


def _time(call, runs: int) -> list[float]:
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - started)
    return seconds


def _explain(call, top: int) -> list[dict]:
    """The `top` slowest queries of one call, each with EXPLAIN (ANALYZE, BUFFERS) on PostgreSQL."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        call()
    selects = [q for q in captured.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")]
    queries = sorted(selects, key=lambda q: float(q["time"]), reverse=True)[:top]
    report = []
    for query in queries:
        sql = query["sql"]
        plan = ""
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                plan = "\n".join(row[0] for row in cursor.fetchall())
        report.append({"ms": float(query["time"]) * 1000, "sql": sql, "plan": plan})
    return report


def _session(bench, username: str) -> dict:
    from django.conf import settings
    from django.test import Client

    from tests.two_factor_support import client_pass_two_factor

    client = Client()
    user = bench.user(username)
    client.force_login(user)
    client_pass_two_factor(client, user)  # the 2FA step of kabid/admin, as a real login leaves it
    return {
        "cookie": settings.SESSION_COOKIE_NAME,
        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
    }


if __name__ == "__main__":
    main()
