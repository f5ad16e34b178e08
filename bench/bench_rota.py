"""Time the rota planner: one year, 200 officers in two bidang, with leave (best of 5).

Run from the repository root: ``.venv/bin/python bench/bench_rota.py``. No Django settings needed.
"""

import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from routing import rota  # noqa: E402
from routing.rota import RotaOfficer, RotaRules, generate_rota, validate_rota, working_days  # noqa: E402

START, END = date(2026, 1, 1), date(2026, 12, 31)
RUNS = 5


def officers_with_leave(days: list[date], seed: int = 2026) -> list[RotaOfficer]:
    """120 Dafduk and 80 Capil officers, each with 12 days of annual leave in one to three blocks."""
    rng = random.Random(seed)
    officers = []
    for oid in range(1, 201):
        leave: set[date] = set()
        while len(leave) < 12:
            first = rng.choice(days)
            leave |= {first + timedelta(days=n) for n in range(rng.randint(1, 6))}
        officers.append(
            RotaOfficer(
                id=oid,
                bidang="dafduk" if oid <= 120 else "capil",
                standing="kepala_bidang" if oid in (1, 121) else "petugas",
                leave=frozenset(leave),
            )
        )
    return officers


def best_of(runs: int, func) -> float:
    timings = []
    for _ in range(runs):
        began = time.perf_counter()
        func()
        timings.append(time.perf_counter() - began)
    return min(timings)


def main() -> None:
    rota._holidays_of_year.cache_clear()
    began = time.perf_counter()
    days = working_days(START, END, set())
    cold_calendar = time.perf_counter() - began

    officers = officers_with_leave(days)
    rules = RotaRules(max_in_office=None, max_share=0.4, min_per_bidang=5)
    plan = generate_rota(officers, START, END, rules)
    generate = best_of(RUNS, lambda: generate_rota(officers, START, END, rules))
    validate = best_of(RUNS, lambda: validate_rota(officers, plan.office, rules, plan.days))

    assert validate_rota(officers, plan.office, rules, plan.days) == []
    in_office = [len(plan.office[d]) for d in plan.days]
    groups = {b: len({plan.groups[o.id] for o in officers if o.bidang == b}) for b in ("dafduk", "capil")}
    print(
        f"{len(officers)} officers, {len(plan.days)} working days, cap {plan.cap}, groups {groups}, "
        f"in office {min(in_office)}-{max(in_office)} a day"
    )
    print(f"holiday calendar, first build for the year: {cold_calendar * 1000:.1f} ms (cached afterwards)")
    print(f"generate_rota (year x 200 officers), best of {RUNS}: {generate * 1000:.1f} ms")
    print(f"validate_rota (year x 200 officers), best of {RUNS}: {validate * 1000:.1f} ms")


if __name__ == "__main__":
    main()
