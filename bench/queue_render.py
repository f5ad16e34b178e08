"""Time (and optionally profile) one page through the test client against a seeded database.

Wall time is at the mercy of other work on the machine; the CPU time of this process (Python:
middleware, forms, templates; SQLite's work too when it is the database) is the steadier figure.

    DATABASE_URL=sqlite:////tmp/q.sqlite3 .venv/bin/python bench/queue_render.py petugas1
    DATABASE_URL=... .venv/bin/python bench/queue_render.py admin "status=all" --profile
"""

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dukcapil.settings_test")

import django  # noqa: E402

django.setup()

from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from dukcapil.accounts.models import User  # noqa: E402
from tests.two_factor_support import client_pass_two_factor  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("username")
    parser.add_argument("query", nargs="?", default="")
    parser.add_argument("--url-name", default="applications:queue")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--profile", action="store_true", help="cProfile 10 calls, top 45 by cumulative time")
    args = parser.parse_args()
    client = Client()
    user = User.objects.get(username=args.username)
    client.force_login(user)
    client_pass_two_factor(client, user)  # admin/kabid: the session a real 2FA login leaves
    url = reverse(args.url_name) + (f"?{args.query}" if args.query else "")
    if client.get(url).status_code != 200:
        raise SystemExit(f"{url} did not answer 200")
    for _ in range(3):
        client.get(url)
    wall, cpu = [], []
    for _ in range(args.runs):
        started, cpu_started = time.perf_counter(), time.process_time()
        client.get(url)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - cpu_started) * 1000)
    print(
        f"{args.username} {url}: wall median {statistics.median(wall):.1f} ms (min {min(wall):.1f}), "
        f"CPU median {statistics.median(cpu):.1f} ms (min {min(cpu):.1f})"
    )
    if args.profile:
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(10):
            client.get(url)
        profile.disable()
        pstats.Stats(profile).sort_stats("cumulative").print_stats(45)


if __name__ == "__main__":
    main()
