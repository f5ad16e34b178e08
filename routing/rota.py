"""Rotating in-office shifts (*masuk kantor bergantian*): a pure planner and its validator.

Officers work from home and come to the office on a rotating schedule. This module knows nothing
about the database: services load officers, leave and closed days, call `generate_rota`, store the
`RotaPlan` as `ShiftAssignment` rows, and call `validate_rota` again after a kepala bidang edits or
swaps days (`swap_days`, `move_day`).

Fairness, exactly
-----------------
Officers are compared only within a *class*: the same bidang and the same standing. For an officer
``o`` let ``avail(o)`` be the working days of the period on which ``o`` is not on leave and
``office(o)`` the days ``o`` is scheduled in the office. For a class let ``A`` be the sum of
``avail`` and ``O`` the sum of ``office`` over its members, so ``r = O / A`` is the class's office
rate. The plan is fair when every member's office days are within less than one day of its
proportional share::

    |office(o) - r * avail(o)| < 1        (checked exactly, in integers: |office*A - O*avail| < A)

Two officers of a class with the same number of available days therefore differ by at most one
office day, and someone on leave for part of the period gets proportionally fewer office days
(office days are counted against availability, not against the calendar).
"""

from __future__ import annotations

import enum
import functools
import math
from collections import defaultdict, deque
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import holidays

OFFICE = "office"
HOME = "home"
DEFAULT_STANDING = "petugas"

_DAY_NAMES = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
_MONTH_NAMES = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)


def _(message: str) -> str:
    """Translate through Django when it is set up; the planner must also run without settings (bench)."""
    from django.apps import apps
    from django.conf import settings

    if not settings.configured or not apps.ready:
        return message
    from django.utils.translation import gettext

    return gettext(message)


def format_day(day: date) -> str:
    """``Senin, 17 Agustus 2026``: messages are read by kepala bidang, not by programmers."""
    return f"{_DAY_NAMES[day.weekday()]}, {day.day} {_MONTH_NAMES[day.month - 1]} {day.year}"


def _format_days_amount(value: Fraction) -> str:
    return f"{float(value):.1f}".replace(".", ",")


# --- inputs and outputs -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RotaOfficer:
    id: int
    bidang: str
    standing: str = DEFAULT_STANDING
    leave: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        if not isinstance(self.leave, frozenset):
            object.__setattr__(self, "leave", frozenset(self.leave))


@dataclass(frozen=True, slots=True)
class RotaRules:
    """At most ``max_in_office`` officers and/or ``max_share`` of all officers in the office a day
    (the stricter wins, but never below the sum of the per-bidang minimums); at least
    ``min_per_bidang`` of each bidang on every working day so recording and printing go on."""

    max_in_office: int | None = None
    max_share: float | Decimal | None = None
    min_per_bidang: int = 1

    def __post_init__(self) -> None:
        if self.max_in_office is not None and self.max_in_office < 0:
            raise ValueError(_("Batas maksimal di kantor tidak boleh negatif."))
        if self.max_share is not None and not 0 <= _exact(self.max_share) <= 1:
            raise ValueError(_("Porsi maksimal di kantor harus antara 0 dan 1."))
        if self.min_per_bidang < 0:
            raise ValueError(_("Minimal per bidang tidak boleh negatif."))


@dataclass(slots=True)
class RotaPlan:
    days: list[date]
    office: dict[date, frozenset[int]]
    warnings: list[str] = field(default_factory=list)
    groups: dict[int, str] = field(
        default_factory=dict
    )  # officer id -> "A", "B", ...; feed to the next period
    cap: int | None = None  # the per-day maximum actually applied

    def place(self, officer: RotaOfficer, day: date) -> str | None:
        """``"office"`` or ``"home"`` (the `ShiftAssignment.Place` values), None on leave or a non-working day."""
        if day in officer.leave or day not in self.office:
            return None
        return OFFICE if officer.id in self.office[day] else HOME


class ViolationKind(enum.StrEnum):
    MAX_PER_DAY = "max_per_day"
    MIN_PER_BIDANG = "min_per_bidang"
    LEAVE = "leave"
    NON_WORKING_DAY = "non_working_day"
    UNKNOWN_OFFICER = "unknown_officer"
    FAIRNESS = "fairness"


@dataclass(frozen=True, slots=True)
class RotaViolation:
    kind: ViolationKind
    message: str
    day: date | None = None
    officer_id: int | None = None
    bidang: str | None = None


# --- calendar ----------------------------------------------------------------------------------


@functools.cache
def _holidays_of_year(year: int, cuti_bersama: bool) -> frozenset[date]:
    # Building the holiday calendar costs ~0.1 s per year; a rota screen asks for it on every render.
    categories = ("public", "government") if cuti_bersama else ("public",)
    return frozenset(holidays.country_holidays("ID", years=year, categories=categories))


def working_days(
    start: date, end: date, closed_days: Collection[date] = frozenset(), *, cuti_bersama: bool = False
) -> list[date]:
    """Monday–Friday from ``start`` to ``end`` inclusive, without Indonesian public holidays and the
    office's own closed days. ``cuti_bersama=True`` also drops the national joint-leave days."""
    closed = set(closed_days)
    days: list[date] = []
    day = start
    while day <= end:
        if day.weekday() < 5 and day not in closed and day not in _holidays_of_year(day.year, cuti_bersama):
            days.append(day)
        day += timedelta(days=1)
    return days


# --- shared helpers ----------------------------------------------------------------------------


def _exact(value: float | Decimal | int) -> Fraction:
    # str() first: Fraction(0.29) is 0.28999..., and floor(0.29 * 100) must be 29.
    return Fraction(str(value))


def _roster(officers: Iterable[RotaOfficer]) -> list[RotaOfficer]:
    roster = sorted(officers, key=lambda o: o.id)
    for previous, current in zip(roster, roster[1:], strict=False):
        if previous.id == current.id:
            raise ValueError(_("Petugas #{officer} tercantum lebih dari sekali.").format(officer=current.id))
    return roster


def _by_bidang(roster: list[RotaOfficer]) -> dict[str, list[RotaOfficer]]:
    members: dict[str, list[RotaOfficer]] = defaultdict(list)
    for officer in roster:
        members[officer.bidang].append(officer)
    return dict(sorted(members.items()))


def _raw_cap(rules: RotaRules, officer_count: int) -> int | None:
    limits = []
    if rules.max_in_office is not None:
        limits.append(rules.max_in_office)
    if rules.max_share is not None:
        limits.append(math.floor(_exact(rules.max_share) * officer_count))
    return min(limits) if limits else None


def office_cap(rules: RotaRules, officers: Iterable[RotaOfficer]) -> int | None:
    """Most officers allowed in the office on one day; None when the rules set no maximum."""
    roster = list(officers)
    raw = _raw_cap(rules, len(roster))
    if raw is None:
        return None
    minimums = sum(min(rules.min_per_bidang, len(m)) for m in _by_bidang(roster).values())
    return max(raw, minimums)


def group_label(index: int) -> str:
    """0 -> "A", 25 -> "Z", 26 -> "AA" (spreadsheet style, for offices with many small groups)."""
    label = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        label = chr(ord("A") + rest) + label
    return label


def _group_index(label: str | None) -> int | None:
    if not label or not label.isalpha() or not label.isupper():
        return None
    index = 0
    for char in label:
        index = index * 26 + (ord(char) - ord("A") + 1)
    return index - 1


# --- generation --------------------------------------------------------------------------------


def _group_counts(sizes: Mapping[str, int], minimums: Mapping[str, int], cap: int | None) -> dict[str, int]:
    """Number of rotating groups per bidang.

    1. No cap: one group, everyone comes.
    2. A bidang no larger than its minimum cannot rotate: one group. The others share one common
       count k, the smallest whose largest groups fit under the cap together while every group keeps
       the bidang minimum; with the same k, group A of one bidang always meets group A of the other,
       so contacts stay inside one cohort across bidang.
    3. If no common k fits, each bidang gets its own: repeatedly split further the bidang with the
       largest group (ties by name), jumping straight to the smallest count that shrinks that group
       by one, never below the bidang minimum nor one person. Whatever still does not fit is trimmed
       day by day later.
    """
    counts = dict.fromkeys(sizes, 1)
    if cap is None:
        return counts

    rotating = [b for b in sizes if sizes[b] > minimums[b]]
    fixed = sum(sizes[b] for b in sizes if b not in rotating)
    if rotating:
        most = min(sizes[b] // max(minimums[b], 1) for b in rotating)
        for k in range(1, most + 1):
            if fixed + sum(math.ceil(sizes[b] / k) for b in rotating) <= cap:
                return {b: k if b in rotating else 1 for b in sizes}

    def largest(bidang: str) -> int:
        return math.ceil(sizes[bidang] / counts[bidang])

    while sum(largest(b) for b in sizes) > cap:
        shrinkable = [b for b in sizes if largest(b) > max(minimums[b], 1)]
        if not shrinkable:
            break
        bidang = min(shrinkable, key=lambda b: (-largest(b), b))
        counts[bidang] = math.ceil(sizes[bidang] / (largest(bidang) - 1))
    return counts


def _form_groups(members: list[RotaOfficer], count: int, previous: Mapping[int, str]) -> list[list[int]]:
    """Split one bidang into ``count`` groups whose sizes differ by at most one.

    Officers keep their previous group when it still exists; the others are dealt, standing by
    standing and in id order, to the group with the fewest members (then fewest of that standing),
    so every group gets its share of each standing. If departures left the kept groups uneven, the
    highest ids of the largest group move to the smallest until sizes differ by at most one.
    """
    groups: list[list[RotaOfficer]] = [[] for _ in range(count)]
    newcomers: list[RotaOfficer] = []
    for officer in sorted(members, key=lambda o: (o.standing, o.id)):
        index = _group_index(previous.get(officer.id))
        if index is not None and index < count:
            groups[index].append(officer)
        else:
            newcomers.append(officer)
    for officer in newcomers:
        target = min(
            range(count),
            key=lambda g: (len(groups[g]), sum(o.standing == officer.standing for o in groups[g]), g),
        )
        groups[target].append(officer)
    while True:
        big = min(range(count), key=lambda g: (-len(groups[g]), g))
        small = min(range(count), key=lambda g: (len(groups[g]), g))
        if len(groups[big]) - len(groups[small]) <= 1:
            break
        mover = max(groups[big], key=lambda o: o.id)
        groups[big].remove(mover)
        groups[small].append(mover)
    return [sorted(o.id for o in group) for group in groups]


def generate_rota(
    officers: Iterable[RotaOfficer],
    start: date,
    end: date,
    rules: RotaRules,
    closed_days: Collection[date] = frozenset(),
    previous_groups: Mapping[int, str] | None = None,
) -> RotaPlan:
    """Plan who is in the office on each working day from ``start`` to ``end``.

    Steps:

    1. Working days: Monday–Friday minus public holidays and ``closed_days`` (`working_days`).
    2. Cap: ``min(max_in_office, floor(max_share * officers))``, raised to the sum of the per-bidang
       minimums if it is lower (with a warning). No maximum means everyone comes every day.
    3. Group count per bidang (`_group_counts`): the fewest groups whose largest groups fit under
       the cap together, each group keeping at least the bidang minimum where the size allows, and
       the same count for every bidang when one fits (aligned cohorts). Fewer groups means more
       staff in the office, up to what distancing allows.
    4. Stable groups (`_form_groups`): each bidang is split into groups A, B, C... of sizes differing
       by at most one; ``previous_groups`` (last period's ``RotaPlan.groups``) keeps people in the
       group they had, so the same colleagues keep meeting across periods.
    5. Rotation: on the i-th working day group ``i mod k`` of each bidang is in the office, minus
       whoever is on leave. Every group gets floor(D/k) or ceil(D/k) days, which is already fair.
    6. Minimum repair: where leave leaves a bidang below ``min(min_per_bidang, officers not on
       leave)``, add available colleagues from other groups, lowest office-days/available-days ratio
       first, ties by id. Where fewer than the minimum are available at all, everyone available comes
       and a warning names the day.
    7. Cap repair (only for caps the groups cannot meet, e.g. a minimum of 0 with a cap below the
       number of bidang): remove, from bidang above their minimum, the officer with the highest ratio,
       ties by id.
    8. Fairness repair, per class (bidang, standing), with the definition in the module docstring
       (`_repair_fairness`): while someone is one day or more off their proportional share, hand
       office days along the shortest chain of colleagues from an over-served to an under-served
       member. Hand-overs stay inside one bidang and one day, so daily counts, minimums and the cap
       do not change; leave is respected. If no chain exists a warning names the officer.

    Same input gives the same output: every choice is ordered by officer id, bidang name or day.
    """
    roster = _roster(officers)
    members_of = _by_bidang(roster)
    days = working_days(start, end, closed_days)
    warnings: list[str] = []

    raw_cap = _raw_cap(rules, len(roster))
    cap = office_cap(rules, roster)
    if raw_cap is not None and cap is not None and cap > raw_cap:
        warnings.append(
            _(
                "Batas maksimal di kantor ({raw}) lebih kecil dari jumlah minimal semua bidang; "
                "batas dinaikkan menjadi {cap} orang per hari."
            ).format(raw=raw_cap, cap=cap)
        )

    minimums = {b: min(rules.min_per_bidang, len(m)) for b, m in members_of.items()}
    counts = _group_counts({b: len(m) for b, m in members_of.items()}, minimums, cap)
    groups = {b: _form_groups(m, counts[b], previous_groups or {}) for b, m in members_of.items()}
    group_of = {oid: g for gs in groups.values() for g, group in enumerate(gs) for oid in group}
    labels = {oid: group_label(g) for oid, g in sorted(group_of.items())}

    if not days:
        warnings.append(
            _("Tidak ada hari kerja antara {start} dan {end}.").format(
                start=format_day(start), end=format_day(end)
            )
        )
        return RotaPlan(days=[], office={}, warnings=warnings, groups=labels, cap=cap)

    position = {day: i for i, day in enumerate(days)}
    on_leave = {o.id: frozenset(position[d] for d in o.leave if d in position) for o in roster}
    avail = {o.id: len(days) - len(on_leave[o.id]) for o in roster}
    bidang_of = {o.id: o.bidang for o in roster}
    office: list[set[int]] = [set() for _ in days]
    served = dict.fromkeys(avail, 0)

    # 5. rotation
    for gs in groups.values():
        for i in range(len(days)):
            for oid in gs[i % len(gs)]:
                if i not in on_leave[oid]:
                    office[i].add(oid)
                    served[oid] += 1

    # 6. minimum repair
    for bidang, members in members_of.items():
        if len(members) < rules.min_per_bidang:
            warnings.append(
                _(
                    "Bidang {bidang} hanya memiliki {size} petugas, kurang dari minimal {minimum} per hari; "
                    "semua dijadwalkan di kantor setiap hari kerja."
                ).format(bidang=bidang, size=len(members), minimum=rules.min_per_bidang)
            )
        ids = [o.id for o in members]
        for i, day in enumerate(days):
            available = [oid for oid in ids if i not in on_leave[oid]]
            if len(available) < minimums[bidang]:
                warnings.append(
                    _(
                        "{day}: bidang {bidang} hanya memiliki {available} petugas yang tidak cuti, kurang "
                        "dari minimal {minimum}; semua yang tersedia dijadwalkan di kantor."
                    ).format(
                        day=format_day(day), bidang=bidang, available=len(available), minimum=minimums[bidang]
                    )
                )
            present = sum(oid in office[i] for oid in available)
            need = min(rules.min_per_bidang, len(available)) - present
            if need > 0:
                spare = sorted(
                    (oid for oid in available if oid not in office[i]),
                    key=lambda oid: (served[oid] / avail[oid], oid),
                )
                for oid in spare[:need]:
                    office[i].add(oid)
                    served[oid] += 1

    # 7. cap repair
    if cap is not None:
        for i in range(len(days)):
            while len(office[i]) > cap:
                floor_of = {
                    b: min(rules.min_per_bidang, sum(i not in on_leave[o.id] for o in m))
                    for b, m in members_of.items()
                }
                here: dict[str, int] = defaultdict(int)
                for oid in office[i]:
                    here[bidang_of[oid]] += 1
                removable = [oid for oid in office[i] if here[bidang_of[oid]] > floor_of[bidang_of[oid]]]
                drop = min(removable, key=lambda oid: (-served[oid] / avail[oid], oid))
                office[i].discard(drop)
                served[drop] -= 1

    # 8. fairness repair, on bitmasks of day indices: a year is a 260-bit int, and "days X is in
    # while Y is free" is one expression
    masks = dict.fromkeys(avail, 0)
    for i, present in enumerate(office):
        for oid in present:
            masks[oid] |= 1 << i
    every_day = (1 << len(days)) - 1
    free = {oid: every_day & ~sum(1 << i for i in on_leave[oid]) for oid in avail}
    own: dict[int, int] = {}
    for gs in groups.values():
        duty = [0] * len(gs)
        for i in range(len(days)):
            duty[i % len(gs)] |= 1 << i
        own.update({oid: duty[g] for g, group in enumerate(gs) for oid in group})
    classes: dict[tuple[str, str], list[int]] = defaultdict(list)
    for officer in roster:
        classes[(officer.bidang, officer.standing)].append(officer.id)
    for (bidang, standing), ids in sorted(classes.items()):
        stuck = _repair_fairness(ids, avail, masks, free, own, office)
        if stuck is not None:
            warnings.append(
                _(
                    "Pembagian hari kantor bidang {bidang} ({standing}) tidak dapat diratakan sepenuhnya "
                    "karena jadwal cuti; periksa petugas #{officer}."
                ).format(bidang=bidang, standing=standing, officer=stuck)
            )

    return RotaPlan(
        days=days,
        office={day: frozenset(office[i]) for i, day in enumerate(days)},
        warnings=warnings,
        groups=labels,
        cap=cap,
    )


def _repair_fairness(
    ids: list[int],
    avail: Mapping[int, int],
    masks: dict[int, int],
    free: Mapping[int, int],
    own: Mapping[int, int],
    office: list[set[int]],
) -> int | None:
    """Hand office days along chains inside one class until it is fair (module docstring).

    Steps, with ``dev(o) = office(o) * A - O * avail(o)`` (fair means ``|dev| < A`` for everyone):

    1. Take the most over-served officer if ``dev >= A``, else the most under-served (``dev <= -A``).
    2. Breadth-first search, over "X can give Y a day" (a day X is in the office and Y is available
       and at home), for the shortest chain from an officer with more days to one with fewer, such
       that their deviations differ by more than ``A``. A direct swap is a chain of one.
    3. Hand the days along the chain: the first loses a day, the last gains one, the ones between
       keep their count, and the number in the office stays the same on every day. Each hand-over
       uses a day that undoes an earlier deviation from the groups where there is one, else the
       earliest.
    4. Repeat. The sum of squared deviations falls with every chain, so this ends; when no chain
       exists, return an officer who is still off so the caller can warn.
    """
    total_avail = sum(avail[oid] for oid in ids)
    if total_avail == 0 or len(ids) < 2:
        return None
    total_office = sum(masks[oid].bit_count() for oid in ids)  # unchanged by hand-overs
    by_id = sorted(ids)

    def chain(sources: list[int], targets: set[int]) -> list[int] | None:
        parent: dict[int, int | None] = dict.fromkeys(sources)
        queue = deque(sources)
        while queue:
            giver = queue.popleft()
            for taker in by_id:
                if taker in parent or not masks[giver] & ~masks[taker] & free[taker]:
                    continue
                parent[taker] = giver
                if taker in targets:
                    path = [taker]
                    while (step := parent[path[-1]]) is not None:
                        path.append(step)
                    return path[::-1]
                queue.append(taker)
        return None

    def hand_over(giver: int, taker: int) -> None:
        possible = masks[giver] & ~masks[taker] & free[taker]
        for preferred in (~own[giver] & own[taker], ~own[giver], own[taker], -1):
            if possible & preferred:
                possible &= preferred
                break
        day = (possible & -possible).bit_length() - 1
        masks[giver] &= ~(1 << day)
        masks[taker] |= 1 << day
        office[day].discard(giver)
        office[day].add(taker)

    while True:
        dev = {oid: masks[oid].bit_count() * total_avail - total_office * avail[oid] for oid in ids}
        high = min(ids, key=lambda oid: (-dev[oid], oid))
        low = min(ids, key=lambda oid: (dev[oid], oid))
        if dev[high] < total_avail and dev[low] > -total_avail:
            return None
        path = None
        if dev[high] >= total_avail:
            path = chain([high], {oid for oid in ids if dev[oid] < dev[high] - total_avail})
        if path is None and dev[low] <= -total_avail:
            givers = sorted(
                (oid for oid in ids if dev[oid] > dev[low] + total_avail), key=lambda o: (-dev[o], o)
            )
            path = chain(givers, {low}) if givers else None
        if path is None:
            return high if dev[high] >= total_avail else low
        for giver, taker in zip(path, path[1:], strict=False):
            hand_over(giver, taker)


# --- validation and edits ----------------------------------------------------------------------


def validate_rota(
    officers: Iterable[RotaOfficer],
    office: Mapping[date, Collection[int]],
    rules: RotaRules,
    days: Iterable[date],
) -> list[RotaViolation]:
    """Every rule of `generate_rota`, for a plan that a person may have edited.

    ``days`` are the working days the plan covers (`RotaPlan.days`). Checks, in this order: officers
    scheduled on a day outside ``days``; per working day, unknown officers, officers on leave, the
    daily maximum (`office_cap`), and each bidang's ``min(min_per_bidang, officers not on leave)``;
    then fairness per (bidang, standing) as defined in the module docstring.
    """
    roster = _roster(officers)
    by_id = {o.id: o for o in roster}
    members_of = _by_bidang(roster)
    working = sorted(set(days))
    working_set = set(working)
    cap = office_cap(rules, roster)
    violations: list[RotaViolation] = []

    for day in sorted(office):
        if day in working_set:
            continue
        for oid in sorted(office[day]):
            violations.append(
                RotaViolation(
                    kind=ViolationKind.NON_WORKING_DAY,
                    message=_(
                        "{day} bukan hari kerja, tetapi petugas #{officer} dijadwalkan di kantor."
                    ).format(day=format_day(day), officer=oid),
                    day=day,
                    officer_id=oid,
                    bidang=by_id[oid].bidang if oid in by_id else None,
                )
            )

    served = dict.fromkeys(by_id, 0)
    for day in working:
        present = sorted(office.get(day, ()))
        known = [oid for oid in present if oid in by_id]
        here: dict[str, list[int]] = defaultdict(list)
        for oid in present:
            officer = by_id.get(oid)
            if officer is None:
                violations.append(
                    RotaViolation(
                        kind=ViolationKind.UNKNOWN_OFFICER,
                        message=_("{day}: petugas #{officer} tidak termasuk dalam jadwal ini.").format(
                            day=format_day(day), officer=oid
                        ),
                        day=day,
                        officer_id=oid,
                    )
                )
            elif day in officer.leave:
                violations.append(
                    RotaViolation(
                        kind=ViolationKind.LEAVE,
                        message=_(
                            "{day}: petugas #{officer} sedang cuti tetapi dijadwalkan di kantor."
                        ).format(day=format_day(day), officer=oid),
                        day=day,
                        officer_id=oid,
                        bidang=officer.bidang,
                    )
                )
            else:
                served[oid] += 1
                here[officer.bidang].append(oid)
        if cap is not None and len(known) > cap:
            violations.append(
                RotaViolation(
                    kind=ViolationKind.MAX_PER_DAY,
                    message=_(
                        "{day}: {count} petugas dijadwalkan di kantor, melebihi batas {cap} orang ({officers})."
                    ).format(day=format_day(day), count=len(known), cap=cap, officers=_id_list(known)),
                    day=day,
                )
            )
        for bidang, members in members_of.items():
            available = sum(day not in o.leave for o in members)
            required = min(rules.min_per_bidang, available)
            if len(here[bidang]) < required:
                violations.append(
                    RotaViolation(
                        kind=ViolationKind.MIN_PER_BIDANG,
                        message=_(
                            "{day}: bidang {bidang} hanya {count} petugas di kantor ({officers}), minimal "
                            "{required} dari {available} yang tidak cuti."
                        ).format(
                            day=format_day(day),
                            bidang=bidang,
                            count=len(here[bidang]),
                            officers=_id_list(here[bidang]) or "-",
                            required=required,
                            available=available,
                        ),
                        day=day,
                        bidang=bidang,
                    )
                )

    classes: dict[tuple[str, str], list[RotaOfficer]] = defaultdict(list)
    for officer in roster:
        classes[(officer.bidang, officer.standing)].append(officer)
    for (bidang, standing), members in sorted(classes.items()):
        avail = {o.id: sum(day not in o.leave for day in working) for o in members}
        total_avail = sum(avail.values())
        if total_avail == 0:  # the whole class is on leave for the whole period
            continue
        total_office = sum(served[o.id] for o in members)
        for officer in members:
            gap = served[officer.id] * total_avail - total_office * avail[officer.id]
            if abs(gap) >= total_avail:
                share = Fraction(total_office * avail[officer.id], total_avail)
                violations.append(
                    RotaViolation(
                        kind=ViolationKind.FAIRNESS,
                        message=_(
                            "Petugas #{officer} (bidang {bidang}, {standing}) dijadwalkan {served} hari di kantor "
                            "dari {avail} hari tersedia, padahal bagian wajarnya {share} hari (selisih harus "
                            "kurang dari 1 hari)."
                        ).format(
                            officer=officer.id,
                            bidang=bidang,
                            standing=standing,
                            served=served[officer.id],
                            avail=avail[officer.id],
                            share=_format_days_amount(share),
                        ),
                        officer_id=officer.id,
                        bidang=bidang,
                    )
                )
    return violations


def _id_list(ids: Iterable[int]) -> str:
    return ", ".join(f"#{oid}" for oid in ids)


def swap_days(
    office: Mapping[date, Collection[int]], officer_a: int, day_a: date, officer_b: int, day_b: date
) -> dict[date, frozenset[int]]:
    """Officer A gives up office day ``day_a`` and takes B's ``day_b``; B does the opposite.

    Returns a new mapping (the input is not changed); run `validate_rota` on it before saving, since
    a swap across bidang can break a minimum.
    """
    if officer_a == officer_b:
        raise ValueError(_("Pertukaran hari membutuhkan dua petugas yang berbeda."))
    if day_a == day_b:
        raise ValueError(_("Pertukaran hari membutuhkan dua tanggal yang berbeda."))
    _require_in_office(office, officer_a, day_a)
    _require_in_office(office, officer_b, day_b)
    _require_not_in_office(office, officer_a, day_b)
    _require_not_in_office(office, officer_b, day_a)
    result = {day: frozenset(ids) for day, ids in office.items()}
    result[day_a] = (result[day_a] - {officer_a}) | {officer_b}
    result[day_b] = (result[day_b] - {officer_b}) | {officer_a}
    return result


def move_day(
    office: Mapping[date, Collection[int]], officer: int, from_day: date, to_day: date
) -> dict[date, frozenset[int]]:
    """One officer comes on ``to_day`` instead of ``from_day``; a new mapping, to be validated."""
    if from_day == to_day:
        raise ValueError(_("Tanggal asal dan tujuan sama."))
    _require_in_office(office, officer, from_day)
    _require_not_in_office(office, officer, to_day)
    result = {day: frozenset(ids) for day, ids in office.items()}
    result[from_day] = result[from_day] - {officer}
    result[to_day] = result.get(to_day, frozenset()) | {officer}
    return result


def _require_in_office(office: Mapping[date, Collection[int]], officer: int, day: date) -> None:
    if officer not in office.get(day, ()):
        raise ValueError(
            _("Petugas #{officer} tidak dijadwalkan di kantor pada {day}.").format(
                officer=officer, day=format_day(day)
            )
        )


def _require_not_in_office(office: Mapping[date, Collection[int]], officer: int, day: date) -> None:
    if officer in office.get(day, ()):
        raise ValueError(
            _("Petugas #{officer} sudah dijadwalkan di kantor pada {day}.").format(
                officer=officer, day=format_day(day)
            )
        )
