"""Throughput under load: gunicorn on 127.0.0.1 and wrk from a second process, bounded in time.

Steps of `load_test`:
1. start `gunicorn dukcapil.wsgi` (2 sync workers, bench settings, the given database) on a free
   port and wait until the trivial view answers;
2. check that the session cookie opens the queue (200 with rows), so no redirect is counted;
3. wrk against the trivial view, the queue, and the trivial view again (the two trivial runs are
   averaged, so a change of machine load during the queue run shows instead of hiding);
4. stop gunicorn. Every run is bounded by wrk's -d and a subprocess timeout.
"""

import json
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from bench.databases import ROOT, bench_env

LUA = Path(__file__).resolve().parent / "wrk_report.lua"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _gunicorn() -> list[str]:
    binary = Path(sys.executable).parent / "gunicorn"
    return [str(binary)] if binary.exists() else [sys.executable, "-m", "gunicorn"]


def _get(url: str, cookie: str = "") -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - 127.0.0.1 only
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, ""


def wrk(url: str, cookie: str, *, duration: int, threads: int, connections: int) -> dict:
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{duration}s",
        "--timeout",
        "10s",
        "--latency",
        "-s",
        str(LUA),
        "-H",
        f"Cookie: {cookie}",
        url,
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60, check=True)
    line = [ln for ln in result.stdout.splitlines() if ln.startswith("{")][-1]
    stats = json.loads(line)
    stats["rps"] = stats["requests"] / (stats["duration_us"] / 1e6)
    stats["command"] = " ".join(command[:-3] + ['"Cookie: <session>"', url])
    return stats


def load_test(
    db_url: str, cookie: str, *, duration: int, workers: int = 2, threads: int = 2, connections: int = 8
) -> dict:
    if not shutil.which("wrk"):
        return {"skip": "wrk is not installed (apt-get install wrk)"}
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    command = [
        *_gunicorn(),
        "dukcapil.wsgi",
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        "--timeout",
        "60",
    ]
    server = subprocess.Popen(
        command, cwd=ROOT, env=bench_env(db_url), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                return {"error": f"gunicorn exited: {server.stderr.read()[-2000:]}"}
            try:
                if _get(base + "/bench/ping/")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                return {"error": "gunicorn did not answer within 60 s"}
            time.sleep(0.3)
        status, html = _get(base + "/permohonan/", cookie)
        if status != 200 or 'href="/permohonan/' not in html:
            return {"error": f"the session cookie does not open the queue (status {status})"}
        runs = {}
        for label, path in (
            ("ping_before", "/bench/ping/"),
            ("queue", "/permohonan/"),
            ("ping_after", "/bench/ping/"),
        ):
            runs[label] = wrk(
                base + path, cookie, duration=duration, threads=threads, connections=connections
            )
        ping_rps = (runs["ping_before"]["rps"] + runs["ping_after"]["rps"]) / 2
        return {
            "gunicorn": " ".join(["gunicorn", *command[command.index("dukcapil.wsgi") :]]),
            "runs": runs,
            "ping_rps": ping_rps,
            "queue_rps": runs["queue"]["rps"],
            "ratio": runs["queue"]["rps"] / ping_rps if ping_rps else 0.0,
        }
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
