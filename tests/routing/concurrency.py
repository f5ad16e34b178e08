"""A harness for concurrency tests: many transactions at once, each thread with its own connection."""

import threading
from concurrent.futures import ThreadPoolExecutor

from django.db import connection

# PostgreSQL here allows 100 connections, shared with other test runs: 32 threads keep well under it
# while still putting dozens of transactions in flight at the same moment.
THREADS = 32


def run_concurrently(work, n: int, *, threads: int = THREADS) -> list:
    """Run ``work(i)`` for i in range(n) on ``threads`` threads released together by a barrier.

    Returns what each call returned or raised (exceptions are returned, not raised), in no
    particular order. Every thread closes its connection so the test database can be dropped.
    """
    barrier = threading.Barrier(threads)

    def worker(indices):
        results = []
        try:
            barrier.wait(timeout=30)
            for i in indices:
                try:
                    results.append(work(i))
                except Exception as exc:  # noqa: BLE001 - the test inspects it
                    results.append(exc)
        finally:
            connection.close()
        return results

    chunks = [list(range(t, n, threads)) for t in range(threads)]
    with ThreadPoolExecutor(max_workers=threads) as pool:
        return [result for chunk in pool.map(worker, chunks) for result in chunk]
