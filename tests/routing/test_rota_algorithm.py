"""The rotating in-office shift planner (routing/rota.py): pure functions, no database."""

import random
from collections import Counter, defaultdict
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from itertools import combinations

import holidays
import pytest

from routing import rota
from routing.rota import (
    RotaOfficer,
    RotaRules,
    ViolationKind,
    generate_rota,
    move_day,
    office_cap,
    swap_days,
    validate_rota,
    working_days,
)

MARCH_2026 = (date(2026, 3, 1), date(2026, 3, 31))
YEAR_2026 = (date(2026, 1, 1), date(2026, 12, 31))


def make_officers(sizes, *, leave=None, standings=None):
    """Officers numbered from 1, bidang by bidang; `leave` maps id -> dates, `standings` id -> standing."""
    leave = leave or {}
    standings = standings or {}
    officers = []
    next_id = 1
    for bidang, size in sizes.items():
        for _ in range(size):
            officers.append(
                RotaOfficer(
                    id=next_id,
                    bidang=bidang,
                    standing=standings.get(next_id, "petugas"),
                    leave=frozenset(leave.get(next_id, ())),
                )
            )
            next_id += 1
    return officers


def date_range(first, last):
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def check_hard_rules(officers, plan, rules):
    """Independent re-check of the daily rules (not through validate_rota)."""
    cap = office_cap(rules, officers)
    by_bidang = defaultdict(list)
    for officer in officers:
        by_bidang[officer.bidang].append(officer)
    assert set(plan.office) == set(plan.days)
    for day in plan.days:
        present = plan.office[day]
        assert day.weekday() < 5
        for officer in officers:
            if officer.id in present:
                assert day not in officer.leave, f"#{officer.id} scheduled on leave {day}"
        if cap is not None:
            assert len(present) <= cap, day
        for members in by_bidang.values():
            available = [o for o in members if day not in o.leave]
            here = [o for o in available if o.id in present]
            assert len(here) >= min(rules.min_per_bidang, len(available)), day


def office_and_avail(officers, plan):
    served = Counter(oid for day in plan.days for oid in plan.office[day])
    avail = {o.id: sum(day not in o.leave for day in plan.days) for o in officers}
    return served, avail


def check_fairness(officers, plan):
    """Same (bidang, standing, available days) -> office days within one; and within one of the
    proportional share office/available of the class."""
    served, avail = office_and_avail(officers, plan)
    same_availability = defaultdict(list)
    classes = defaultdict(list)
    for officer in officers:
        same_availability[(officer.bidang, officer.standing, avail[officer.id])].append(served[officer.id])
        classes[(officer.bidang, officer.standing)].append(officer.id)
    for key, counts in same_availability.items():
        assert max(counts) - min(counts) <= 1, (key, counts)
    for ids in classes.values():
        total_avail = sum(avail[i] for i in ids)
        if not total_avail:
            continue
        rate = Fraction(sum(served[i] for i in ids), total_avail)
        for i in ids:
            assert abs(served[i] - rate * avail[i]) < 1, (i, served[i], rate * avail[i])


# --- working days ------------------------------------------------------------------------------


def test_working_days_skip_weekends():
    days = working_days(date(2026, 3, 2), date(2026, 3, 8), set())  # Monday to Sunday, no holiday

    assert days == date_range(date(2026, 3, 2), date(2026, 3, 6))


def test_working_days_skip_independence_day():
    assert date(2026, 8, 17).weekday() == 0  # a Monday, so only the holiday rule can drop it

    days = working_days(date(2026, 8, 17), date(2026, 8, 21), set())

    assert date(2026, 8, 17) not in days
    assert days[0] == date(2026, 8, 18)
    assert len(days) == 4


def test_working_days_skip_idul_fitri_dates_from_holidays_package():
    eid = holidays.country_holidays("ID", years=2025).get_named("Eid al-Fitr")
    weekday_eid = [d for d in eid if d.weekday() < 5]
    assert weekday_eid  # 2025: Monday 31 March and Tuesday 1 April

    days = working_days(date(2025, 3, 24), date(2025, 4, 11), set())

    for day in weekday_eid:
        assert day not in days
    assert date(2025, 3, 28) in days  # a plain Friday stays


def test_working_days_cuti_bersama_only_when_asked():
    joint = date(2025, 4, 2)  # Wednesday, Idul Fitri joint leave (cuti bersama)

    assert joint in working_days(date(2025, 4, 2), date(2025, 4, 2), set())
    assert joint not in working_days(date(2025, 4, 2), date(2025, 4, 2), set(), cuti_bersama=True)


def test_working_days_skip_office_closed_days():
    closed = {date(2026, 3, 4), date(2026, 3, 7)}  # a Wednesday and a Saturday

    days = working_days(date(2026, 3, 2), date(2026, 3, 6), closed)

    assert days == [date(2026, 3, 2), date(2026, 3, 3), date(2026, 3, 5), date(2026, 3, 6)]


def test_working_days_across_new_year_use_both_years():
    days = working_days(date(2025, 12, 29), date(2026, 1, 2), set())

    assert date(2026, 1, 1) not in days  # Thursday, New Year's Day
    assert days == [date(2025, 12, 29), date(2025, 12, 30), date(2025, 12, 31), date(2026, 1, 2)]


def test_holiday_calendar_built_once_per_year(monkeypatch):
    calls = []
    real = holidays.country_holidays

    def counting(*args, **kwargs):
        calls.append(kwargs.get("years"))
        return real(*args, **kwargs)

    rota._holidays_of_year.cache_clear()
    monkeypatch.setattr(rota.holidays, "country_holidays", counting)
    try:
        working_days(date(2026, 1, 1), date(2026, 12, 31), set())
        working_days(date(2026, 2, 1), date(2026, 2, 28), set())
    finally:
        rota._holidays_of_year.cache_clear()

    assert calls == [2026]


def test_plan_has_no_weekend_holiday_or_closed_day():
    closed = {date(2026, 8, 19)}
    plan = generate_rota(
        make_officers({"dafduk": 6}), date(2026, 8, 10), date(2026, 8, 23), RotaRules(3, None, 1), closed
    )

    assert date(2026, 8, 17) not in plan.office
    assert date(2026, 8, 19) not in plan.office
    assert all(day.weekday() < 5 for day in plan.office)
    assert len(plan.days) == 8


# --- maximum and minimum -----------------------------------------------------------------------


def test_max_in_office_is_never_exceeded_and_is_used():
    officers = make_officers({"dafduk": 18, "capil": 12})
    rules = RotaRules(max_in_office=7, max_share=None, min_per_bidang=2)

    plan = generate_rota(officers, *MARCH_2026, rules)

    assert plan.cap == 7
    assert max(len(ids) for ids in plan.office.values()) == 7
    check_hard_rules(officers, plan, rules)


def test_max_share_floors_the_share_of_all_officers():
    officers = make_officers({"dafduk": 13, "capil": 10})
    rules = RotaRules(max_in_office=None, max_share=0.3, min_per_bidang=1)

    plan = generate_rota(officers, *MARCH_2026, rules)

    assert plan.cap == 6  # floor(0.3 * 23) = floor(6.9)
    assert all(len(ids) <= 6 for ids in plan.office.values())


def test_share_is_computed_exactly_not_in_floating_point():
    officers = make_officers({"dafduk": 100})

    assert office_cap(RotaRules(None, 0.29, 0), officers) == 29  # 0.29 * 100 == 28.999... as floats
    assert office_cap(RotaRules(None, Decimal("0.29"), 0), officers) == 29


def test_stricter_of_count_and_share_wins():
    officers = make_officers({"dafduk": 40})

    assert office_cap(RotaRules(10, 0.5, 1), officers) == 10
    assert office_cap(RotaRules(30, 0.5, 1), officers) == 20
    assert office_cap(RotaRules(None, None, 1), officers) is None


def test_cap_below_the_minimums_is_raised_with_a_warning():
    officers = make_officers({"dafduk": 10, "capil": 10})
    rules = RotaRules(max_in_office=1, max_share=None, min_per_bidang=2)

    plan = generate_rota(officers, *MARCH_2026, rules)

    assert plan.cap == 4
    assert any("dinaikkan menjadi 4" in w for w in plan.warnings)
    check_hard_rules(officers, plan, rules)


def test_minimum_per_bidang_for_a_small_bidang_beside_a_large_one():
    officers = make_officers({"dafduk": 40, "capil": 5})
    rules = RotaRules(max_in_office=12, max_share=None, min_per_bidang=2)

    plan = generate_rota(officers, *MARCH_2026, rules)

    capil = {o.id for o in officers if o.bidang == "capil"}
    for day in plan.days:
        assert len(plan.office[day] & capil) >= 2
        assert len(plan.office[day]) <= 12


def test_no_maximum_means_everyone_comes():
    officers = make_officers({"dafduk": 5})

    plan = generate_rota(officers, *MARCH_2026, RotaRules(None, None, 1))

    assert all(plan.office[day] == {1, 2, 3, 4, 5} for day in plan.days)


# --- leave -------------------------------------------------------------------------------------


def test_leave_is_respected_and_colleagues_cover_the_minimum():
    # group A of dafduk is fully on leave for a week: others must come to keep the minimum
    week = date_range(date(2026, 3, 9), date(2026, 3, 13))
    officers = make_officers(
        {"dafduk": 9, "capil": 6}, leave={1: week, 2: week, 3: week, 10: [date(2026, 3, 10)]}
    )
    rules = RotaRules(max_in_office=6, max_share=None, min_per_bidang=2)

    plan = generate_rota(officers, *MARCH_2026, rules)

    for day in week:
        assert not plan.office[day] & {1, 2, 3}
    assert 10 not in plan.office[date(2026, 3, 10)]
    check_hard_rules(officers, plan, rules)
    assert plan.warnings == []


def test_too_many_on_leave_gives_a_warning_naming_the_day_and_schedules_everyone_left():
    day = date(2026, 3, 11)
    officers = make_officers({"dafduk": 6, "capil": 3}, leave={7: [day], 8: [day]})
    rules = RotaRules(max_in_office=4, max_share=None, min_per_bidang=2)

    plan = generate_rota(officers, *MARCH_2026, rules)

    assert 9 in plan.office[day]
    assert plan.place(officers[6], day) is None
    assert plan.place(officers[8], day) == "office"
    [warning] = plan.warnings
    assert "Rabu, 11 Maret 2026" in warning and "capil" in warning


def test_place_says_home_for_available_officers_not_in_office():
    officers = make_officers({"dafduk": 6})
    plan = generate_rota(officers, *MARCH_2026, RotaRules(2, None, 1))
    day = plan.days[0]

    places = Counter(plan.place(o, day) for o in officers)

    assert places == {"office": 2, "home": 4}


# --- fairness ----------------------------------------------------------------------------------


def scattered_leave(officers_count, days, seed, share_on_leave=0.4):
    rng = random.Random(seed)
    leave = {}
    for oid in range(1, officers_count + 1):
        if rng.random() < share_on_leave:
            first = rng.choice(days)
            leave[oid] = {first + timedelta(days=n) for n in range(rng.randint(1, 12))}
            leave[oid] |= set(rng.sample(days, min(len(days), rng.randint(0, 4))))
    return leave


@pytest.mark.parametrize("period", [MARCH_2026, YEAR_2026], ids=["month", "year"])
@pytest.mark.parametrize(
    ("sizes", "rules", "with_leave"),
    [
        ({"dafduk": 10}, RotaRules(5, None, 1), False),
        ({"dafduk": 11, "capil": 7}, RotaRules(7, None, 2), False),
        ({"dafduk": 23, "capil": 17}, RotaRules(None, 0.35, 3), True),
        ({"dafduk": 7, "capil": 4}, RotaRules(4, None, 1), True),
        ({"dafduk": 5}, RotaRules(2, None, 2), True),  # 5 people, exactly 2 a day: no stable split
        ({"dafduk": 120, "capil": 80}, RotaRules(None, 0.4, 5), True),
        ({"dafduk": 13, "capil": 3}, RotaRules(6, None, 3), True),  # capil must all come every day
    ],
    ids=["10", "11+7", "23+17", "7+4", "5-tight", "120+80", "13+3"],
)
def test_office_days_are_fair_within_one_day(sizes, rules, with_leave, period):
    days = working_days(*period, set())
    total = sum(sizes.values())
    leave = scattered_leave(total, days, seed=total) if with_leave else {}
    standings = {1: "kepala_bidang"}  # a class of one is trivially fair but must not disturb the rest
    officers = make_officers(sizes, leave=leave, standings=standings)

    plan = generate_rota(officers, *period, rules)

    check_hard_rules(officers, plan, rules)
    check_fairness(officers, plan)
    assert validate_rota(officers, plan.office, rules, plan.days) == []


def test_fairness_is_relative_to_available_days():
    # officer 1 is away for two weeks: about half the office days of the others, not the same number
    days = working_days(*MARCH_2026, set())
    officers = make_officers({"dafduk": 6}, leave={1: days[:10]})
    rules = RotaRules(2, None, 1)

    plan = generate_rota(officers, *MARCH_2026, rules)
    served, avail = office_and_avail(officers, plan)

    assert avail[1] == len(days) - 10
    assert served[1] < min(served[i] for i in range(2, 7))
    check_fairness(officers, plan)


def test_fairness_that_leave_makes_impossible_is_warned_and_reported():
    # officer 1 is only available on the five days officers 2 and 3 are away; with a minimum of two,
    # 1 and 4 must both come then, so 1 gets 5 of 5 days while the class rate is about two thirds
    days = working_days(*MARCH_2026, set())
    officers = make_officers({"dafduk": 4}, leave={1: days[5:], 2: days[:5], 3: days[:5]})
    rules = RotaRules(2, None, 2)

    plan = generate_rota(officers, *MARCH_2026, rules)

    check_hard_rules(officers, plan, rules)
    assert all(plan.office[day] == {1, 4} for day in days[:5])
    assert any("tidak dapat diratakan" in w and "#1" in w for w in plan.warnings)
    unfair = [
        v for v in validate_rota(officers, plan.office, rules, plan.days) if v.kind == ViolationKind.FAIRNESS
    ]
    assert 1 in {v.officer_id for v in unfair}
    assert "5 hari di kantor dari 5 hari tersedia" in next(v.message for v in unfair if v.officer_id == 1)


# --- stable groups -----------------------------------------------------------------------------


def meetings(plan, ids):
    met = Counter()
    for day in plan.days:
        present = sorted(plan.office[day] & ids)
        met.update(combinations(present, 2))
    return met


def test_without_leave_everyone_only_meets_their_own_group():
    officers = make_officers({"dafduk": 24})
    plan = generate_rota(officers, *MARCH_2026, RotaRules(8, None, 2))

    assert Counter(plan.groups.values()) == {"A": 8, "B": 8, "C": 8}
    met = meetings(plan, {o.id for o in officers})
    for (a, b), _times in met.items():
        assert plan.groups[a] == plan.groups[b]
    # and every pair of groupmates meets on each of their group's days
    assert set(met.values()) <= {len(plan.days) // 3, len(plan.days) // 3 + 1}


def test_with_leave_the_same_pairs_still_meet_most_days():
    days = working_days(*YEAR_2026, set())
    officers = make_officers({"dafduk": 30, "capil": 20}, leave=scattered_leave(50, days, seed=7))
    plan = generate_rota(officers, *YEAR_2026, RotaRules(None, 0.4, 3))

    met = meetings(plan, {o.id for o in officers})
    within = sum(n for (a, b), n in met.items() if plan.groups[a] == plan.groups[b])
    across = sum(n for (a, b), n in met.items() if plan.groups[a] != plan.groups[b])
    assert within > 9 * across
    # nearly all office days fall on the officer's own group day (group i mod k on the i-th day)
    bidang_of = {o.id: o.bidang for o in officers}
    k = {
        b: len({plan.groups[oid] for oid in plan.groups if bidang_of[oid] == b}) for b in ("dafduk", "capil")
    }
    assert k == {"dafduk": 3, "capil": 3}
    assignments = [(oid, i) for i, day in enumerate(plan.days) for oid in plan.office[day]]
    on_own_day = sum(ord(plan.groups[oid]) - ord("A") == i % 3 for oid, i in assignments)
    assert on_own_day >= 0.9 * len(assignments)


def test_previous_groups_are_kept_in_the_next_period():
    officers = make_officers({"dafduk": 12})
    rules = RotaRules(4, None, 1)
    march = generate_rota(officers, *MARCH_2026, rules)

    # officer 5 leaves the office, officer 99 joins
    april_officers = [o for o in officers if o.id != 5] + [RotaOfficer(99, "dafduk")]
    april = generate_rota(
        april_officers, date(2026, 4, 1), date(2026, 4, 30), rules, previous_groups=march.groups
    )

    moved = [oid for oid in april.groups if oid in march.groups and april.groups[oid] != march.groups[oid]]
    assert moved == []
    assert april.groups[99] == march.groups[5]  # the newcomer fills the smallest group


def test_standings_are_spread_over_the_groups():
    officers = make_officers(
        {"dafduk": 12}, standings={1: "kepala_bidang", 2: "kepala_bidang", 3: "kepala_bidang"}
    )

    plan = generate_rota(officers, *MARCH_2026, RotaRules(4, None, 1))

    assert sorted(plan.groups[i] for i in (1, 2, 3)) == ["A", "B", "C"]


# --- determinism -------------------------------------------------------------------------------


def test_same_input_gives_the_same_plan_whatever_the_order():
    days = working_days(*YEAR_2026, set())
    officers = make_officers({"dafduk": 31, "capil": 19}, leave=scattered_leave(50, days, seed=3))
    rules = RotaRules(None, 0.3, 2)
    shuffled = officers[:]
    random.Random(1).shuffle(shuffled)

    first = generate_rota(officers, *YEAR_2026, rules)
    second = generate_rota(officers, *YEAR_2026, rules)
    third = generate_rota(shuffled, *YEAR_2026, rules)

    assert first == second == third


# --- validation of edited plans ----------------------------------------------------------------


@pytest.fixture
def edited_setup():
    day = date(2026, 3, 10)
    officers = make_officers({"dafduk": 8, "capil": 4}, leave={3: [day]})
    rules = RotaRules(max_in_office=6, max_share=None, min_per_bidang=2)
    plan = generate_rota(officers, *MARCH_2026, rules)
    assert validate_rota(officers, plan.office, rules, plan.days) == []
    return officers, rules, plan, day


def kinds(violations):
    return {v.kind for v in violations}


def test_validation_catches_a_non_working_day(edited_setup):
    officers, rules, plan, _day = edited_setup
    office = dict(plan.office)
    office[date(2026, 3, 14)] = frozenset({4})  # Saturday

    [violation] = validate_rota(officers, office, rules, plan.days)

    assert violation.kind == ViolationKind.NON_WORKING_DAY
    assert "Sabtu, 14 Maret 2026" in violation.message and "#4" in violation.message


def test_validation_catches_an_officer_on_leave(edited_setup):
    officers, rules, plan, day = edited_setup
    office = dict(plan.office)
    office[day] = office[day] | {3}
    if len(office[day]) > plan.cap:
        office[day] = office[day] - {max(office[day] - {3} - {o.id for o in officers if o.bidang == "capil"})}

    violations = validate_rota(officers, office, rules, plan.days)

    leave = [v for v in violations if v.kind == ViolationKind.LEAVE]
    assert len(leave) == 1
    assert leave[0].officer_id == 3 and "Selasa, 10 Maret 2026" in leave[0].message


def test_validation_catches_too_many_in_the_office(edited_setup):
    officers, rules, plan, day = edited_setup
    office = dict(plan.office)
    office[day] = frozenset(o.id for o in officers if o.id != 3)

    violations = validate_rota(officers, office, rules, plan.days)

    [too_many] = [v for v in violations if v.kind == ViolationKind.MAX_PER_DAY]
    assert too_many.day == day and "11 petugas" in too_many.message and "batas 6" in too_many.message


def test_validation_catches_a_bidang_below_its_minimum(edited_setup):
    officers, rules, plan, day = edited_setup
    capil = {o.id for o in officers if o.bidang == "capil"}
    office = dict(plan.office)
    keep = min(office[day] & capil)
    office[day] = office[day] - capil | {keep}

    violations = validate_rota(officers, office, rules, plan.days)

    [below] = [v for v in violations if v.kind == ViolationKind.MIN_PER_BIDANG]
    assert below.day == day and below.bidang == "capil"
    assert f"#{keep}" in below.message and "minimal 2" in below.message


def test_validation_catches_an_unknown_officer(edited_setup):
    officers, rules, plan, day = edited_setup
    office = dict(plan.office)
    office[day] = office[day] | {777}

    assert ViolationKind.UNKNOWN_OFFICER in kinds(validate_rota(officers, office, rules, plan.days))


def test_validation_catches_unfair_extra_days(edited_setup):
    officers, rules, plan, _day = edited_setup
    office = dict(plan.office)
    # officer 1 takes two office days of a dafduk colleague from another group: counts per day stay right
    colleague = min(o.id for o in officers if o.bidang == "dafduk" and plan.groups[o.id] != plan.groups[1])
    taken = [d for d in plan.days if colleague in office[d] and 1 not in office[d]][:2]
    assert len(taken) == 2
    for d in taken:
        office[d] = office[d] - {colleague} | {1}

    violations = validate_rota(officers, office, rules, plan.days)

    unfair = [v for v in violations if v.kind == ViolationKind.FAIRNESS]
    assert {v.officer_id for v in unfair} == {1, colleague}
    assert kinds(violations) == {ViolationKind.FAIRNESS}


def test_fairness_check_boundary_is_less_than_one_day():
    days = working_days(date(2026, 3, 2), date(2026, 3, 13), set())  # ten working days
    officers = make_officers({"dafduk": 2})
    rules = RotaRules(None, None, 0)

    def office_with(first_count, second_count):
        return {
            d: frozenset(({1} if i < first_count else set()) | ({2} if i < second_count else set()))
            for i, d in enumerate(days)
        }

    assert validate_rota(officers, office_with(4, 5), rules, days) == []
    # 4 and 6 days: each exactly one day off the share of 5, which is already unfair
    unfair = validate_rota(officers, office_with(4, 6), rules, days)
    assert {(v.kind, v.officer_id) for v in unfair} == {
        (ViolationKind.FAIRNESS, 1),
        (ViolationKind.FAIRNESS, 2),
    }
    assert "bagian wajarnya 5,0 hari" in unfair[0].message


def test_swap_within_a_bidang_keeps_the_plan_valid(edited_setup):
    officers, rules, plan, _day = edited_setup
    first, second = plan.days[0], plan.days[1]
    a = min(i for i in plan.office[first] - plan.office[second] if i <= 8)
    b = min(i for i in plan.office[second] - plan.office[first] if i <= 8 and i != 3)

    swapped = swap_days(plan.office, a, first, b, second)

    assert a in swapped[second] and a not in swapped[first]
    assert b in swapped[first] and b not in swapped[second]
    assert a in plan.office[first]  # the original is untouched
    assert validate_rota(officers, swapped, rules, plan.days) == []


def test_swap_across_bidang_that_breaks_the_minimum_is_reported(edited_setup):
    officers, rules, plan, _day = edited_setup
    capil = {o.id for o in officers if o.bidang == "capil"}
    first, second = plan.days[0], plan.days[1]
    a = min(plan.office[first] & capil - plan.office[second])  # capil, in on the first day
    b = min(plan.office[second] - capil - plan.office[first])  # dafduk, in on the second day
    assert len(plan.office[first] & capil) == 2  # capil has no slack on the first day

    swapped = swap_days(plan.office, a, first, b, second)
    violations = validate_rota(officers, swapped, rules, plan.days)

    below = [v for v in violations if v.kind == ViolationKind.MIN_PER_BIDANG]
    assert [(v.day, v.bidang) for v in below] == [(first, "capil")]


def test_swap_and_move_refuse_impossible_edits(edited_setup):
    _officers, _rules, plan, _day = edited_setup
    first, second = plan.days[0], plan.days[1]
    out = min(set(range(1, 13)) - plan.office[first])
    inside = min(plan.office[first])

    with pytest.raises(ValueError, match="tidak dijadwalkan"):
        swap_days(plan.office, out, first, inside, second)
    with pytest.raises(ValueError, match="sudah dijadwalkan"):
        move_day(
            plan.office, inside, first, next(d for d in plan.days if inside in plan.office[d] and d != first)
        )


def test_moving_a_day_to_a_weekend_is_reported(edited_setup):
    officers, rules, plan, _day = edited_setup
    first = plan.days[0]
    officer = min(plan.office[first])

    moved = move_day(plan.office, officer, first, date(2026, 3, 7))

    assert ViolationKind.NON_WORKING_DAY in kinds(validate_rota(officers, moved, rules, plan.days))


# --- property: feasible input -> no violation --------------------------------------------------


@pytest.mark.parametrize("seed", range(40))
def test_generated_plans_validate_clean(seed):
    rng = random.Random(seed)
    bidang_count = rng.randint(1, 3)
    sizes = {f"bidang{b}": rng.randint(1, 40) for b in range(bidang_count)}
    total = sum(sizes.values())
    first = date(2026, 1, 1) + timedelta(days=rng.randint(0, 300))
    last = first + timedelta(days=rng.randint(0, 120))
    days = working_days(first, last, set())
    leave = scattered_leave(total, days, seed, share_on_leave=rng.random() * 0.6) if days else {}
    standings = dict.fromkeys(
        rng.sample(range(1, total + 1), k=min(total, rng.randint(0, 3))), "kepala_bidang"
    )
    officers = make_officers(sizes, leave=leave, standings=standings)
    rules = RotaRules(
        max_in_office=rng.choice([None, rng.randint(0, total)]),
        max_share=rng.choice([None, round(rng.random(), 2)]),
        min_per_bidang=rng.randint(0, 4),
    )
    closed = set(rng.sample(days, k=min(len(days), 2)))

    plan = generate_rota(officers, first, last, rules, closed)

    assert validate_rota(officers, plan.office, rules, plan.days) == []
    check_hard_rules(officers, plan, rules)
    check_fairness(officers, plan)
    assert not closed & set(plan.days)
    assert not any("tidak dapat diratakan" in w for w in plan.warnings)
