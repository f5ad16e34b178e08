"""Rotating in-office shifts: generate, edit, swap, move, publish; iCal tokens; evening reminders."""

from __future__ import annotations

import re
import secrets
from collections import Counter as Tally
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import F
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from dukcapil.accounts.models import Bidang, User
from dukcapil.core.audit import audit_record

from .. import selectors
from ..assignment import officer_pool
from ..models import Leave, OfficerNumber, Rota, ShiftAssignment
from ..rota import (
    OFFICE,
    RotaOfficer,
    RotaRules,
    RotaViolation,
    generate_rota,
    group_label,
    move_day,
    swap_days,
    validate_rota,
)
from .common import RotaInvalid, RoutingError, _require_manager, day_label

MAX_ROTA_DAYS = 92  # a week or a month is the use; a quarter at most keeps the page and the check quick


@dataclass
class RotaGenerated:
    rota: Rota
    warnings: list[str]


def humanize_rota_messages(messages: Iterable[str], names: Mapping[int, str]) -> list[str]:
    """The planner names officers "#<id>" and bidang by code; people read names."""
    bidang_labels = {code: str(label) for code, label in Bidang.choices}

    def officer(match: re.Match) -> str:
        return names.get(int(match.group(1)), match.group(0))

    result = []
    for message in messages:
        text = re.sub(r"#(\d+)", officer, message)
        for code, label in bidang_labels.items():
            text = text.replace(f"bidang {code}", f"bidang {label}")
        result.append(text)
    return result


def _names(officer_ids: Iterable[int]) -> dict[int, str]:
    return {u.pk: str(u) for u in User.objects.filter(pk__in=set(officer_ids))}


def _groups_from_rota(rota: Rota) -> dict[int, str]:
    """Last period's groups, read back from its rows, so `generate_rota` can keep them.

    Steps: order the rota's days; the rotation length k is the most common round(days / office
    days) among officers with a row on every day (no leave); each officer's group is the residue
    (day index mod k) that most of their office days share, ties to the smaller residue.
    """
    rows = list(ShiftAssignment.objects.filter(rota=rota).values_list("officer_id", "date", "place"))
    days = sorted({day for _oid, day, _place in rows})
    if not days:
        return {}
    index = {day: i for i, day in enumerate(days)}
    office: dict[int, list[int]] = defaultdict(list)
    present: Tally[int] = Tally()
    for oid, day, place in rows:
        present[oid] += 1
        if place == OFFICE:
            office[oid].append(index[day])
    full = [oid for oid, n in present.items() if n == len(days) and office[oid]]
    if not full:
        return {}
    lengths = Tally(max(1, round(len(days) / len(office[oid]))) for oid in full)
    k = min(lengths.items(), key=lambda item: (-item[1], item[0]))[0]
    if k <= 1:
        return {}
    groups = {}
    for oid, indices in office.items():
        residues = Tally(i % k for i in indices)
        groups[oid] = group_label(min(residues.items(), key=lambda item: (-item[1], item[0]))[0])
    return groups


def _overlapping_published(bidang: str, start: date, end: date, exclude: int | None = None):
    qs = Rota.objects.filter(bidang=bidang, status=Rota.Status.PUBLISHED, start__lte=end, end__gte=start)
    if exclude:
        qs = qs.exclude(pk=exclude)
    return qs.order_by("start").first()


@transaction.atomic
def rota_generate(
    *,
    actor: User,
    bidang: str,
    start: date,
    end: date,
    max_in_office: int | None = None,
    max_share: Decimal | None = None,
    min_per_bidang: int = 1,
) -> RotaGenerated:
    """Plan a draft rota for the active petugas of ``bidang`` from ``start`` to ``end``.

    Steps: check the actor and the period (at most `MAX_ROTA_DAYS`, no published rota of the bidang
    overlapping it); load officers, their `Leave` days and the `ClosedDay` rows; take the groups of
    the bidang's latest earlier rota (`_groups_from_rota`) so cohorts stay stable; call
    `generate_rota`; store one `ShiftAssignment` per officer and working day (none on leave days).
    """
    _require_manager(actor, bidang)
    if end < start:
        raise RoutingError(_("Tanggal selesai harus sesudah tanggal mulai."))
    if (end - start).days + 1 > MAX_ROTA_DAYS:
        raise RoutingError(_("Jadwal dibuat paling lama untuk %(n)d hari.") % {"n": MAX_ROTA_DAYS})
    clash = _overlapping_published(bidang, start, end)
    if clash:
        raise RoutingError(
            _("Sudah ada jadwal terbit untuk %(start)s–%(end)s yang beririsan dengan periode ini.")
            % {
                "start": formats.date_format(clash.start, "j M Y"),
                "end": formats.date_format(clash.end, "j M Y"),
            }
        )
    try:
        rules = RotaRules(max_in_office=max_in_office, max_share=max_share, min_per_bidang=min_per_bidang)
    except ValueError as exc:
        raise RoutingError(str(exc)) from None

    officers = list(officer_pool(bidang).order_by("id"))
    if not officers:
        raise RoutingError(_("Belum ada petugas aktif di bidang ini."))
    ids = [o.pk for o in officers]
    leave = selectors.leave_days(ids, start, end)
    closed = selectors.closed_days_between(start, end)
    previous = Rota.objects.filter(bidang=bidang, end__lt=start).order_by("-status", "-end", "-id").first()
    # "published" sorts after "draft": -status puts published rotas first
    previous_groups = _groups_from_rota(previous) if previous else {}
    rota_officers = [RotaOfficer(id=oid, bidang=bidang, leave=frozenset(leave.get(oid, ()))) for oid in ids]
    plan = generate_rota(rota_officers, start, end, rules, closed, previous_groups)
    if not plan.days:
        raise RoutingError(_("Tidak ada hari kerja pada periode ini."))

    rota = Rota.objects.create(
        bidang=bidang,
        start=start,
        end=end,
        max_in_office=max_in_office,
        max_share=max_share,
        min_per_bidang=min_per_bidang,
        created_by=actor,
    )
    _shifts_insert(
        rota,
        (
            (officer.id, day, place)
            for day in plan.days
            for officer in rota_officers
            if (place := plan.place(officer, day)) is not None
        ),
    )
    audit_record(actor=actor, action="rota:generate", obj=rota, detail=f"{start:%Y-%m-%d}..{end:%Y-%m-%d}")
    names = {o.pk: str(o) for o in officers}
    return RotaGenerated(rota=rota, warnings=humanize_rota_messages(plan.warnings, names))


def _shifts_insert(rota: Rota, rows: Iterable[tuple[int, date, str]]) -> None:
    """Store a plan's rows: COPY on PostgreSQL, one prepared INSERT run many times elsewhere.

    `bulk_create` builds a model instance and compiles SQL for every row: about 5 s for a year of
    200 officers (50,000 rows). COPY (PostgreSQL) or executemany (SQLite) take a fraction of that.
    """
    meta = ShiftAssignment._meta
    qn = connection.ops.quote_name
    table = qn(meta.db_table)
    columns = ", ".join(qn(meta.get_field(name).column) for name in ("rota", "officer", "date", "place"))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for officer_id, day, place in rows:
                    copy.write_row((rota.pk, officer_id, day, place))
            return
        adapt = connection.ops.adapt_datefield_value
        sql = f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s)"  # noqa: S608 - names from _meta
        cursor.executemany(sql, [(rota.pk, officer_id, adapt(day), place) for officer_id, day, place in rows])


def _violation_key(v: RotaViolation) -> tuple:
    return (v.kind, v.day, v.officer_id, v.bidang)


def rota_violations(state: selectors.RotaState) -> list[RotaViolation]:
    return validate_rota(state.rota_officers, state.office, state.rules, state.days)


def _rota_change(
    *,
    actor: User,
    rota: Rota,
    action: str,
    change: Callable[[selectors.RotaState], dict[tuple[int, date], str | None]],
) -> Rota:
    """Apply an edit: lock the rota, compute the new places, refuse what adds a violation, save the diff,
    and write the audit row `action` ("rota:day", "rota:swap", "rota:move") when something changed.

    An edit is refused when the edited plan has a violation the stored plan did not have. Violations
    that were already there (leave entered after the rota was made, a day closed afterwards) do not
    block unrelated edits; they are listed on the rota page and an edit that removes one is accepted.
    """
    _require_manager(actor, rota.bidang)
    locked = Rota.objects.select_for_update().get(pk=rota.pk)
    state = selectors.rota_state(locked)
    before = {_violation_key(v) for v in rota_violations(state)}
    updates = change(state)
    places = dict(state.places)
    for key, place in updates.items():
        if place is None:
            places.pop(key, None)
        else:
            places[key] = place
    state.places = places
    after = rota_violations(state)
    new = [v for v in after if _violation_key(v) not in before]
    if new:
        names = _names(v.officer_id for v in new if v.officer_id) | {o.pk: str(o) for o in state.officers}
        raise RotaInvalid(humanize_rota_messages([v.message for v in new], names))
    for (officer_id, day), place in updates.items():
        if place is None:
            ShiftAssignment.objects.filter(rota=locked, officer_id=officer_id, date=day).delete()
        else:
            ShiftAssignment.objects.update_or_create(
                rota=locked, officer_id=officer_id, date=day, defaults={"place": place}
            )
    Rota.objects.filter(pk=locked.pk).update(version=F("version") + 1)
    locked.refresh_from_db()
    if updates:
        audit_record(actor=actor, action=action, obj=locked, detail=f"{len(updates)} hari-petugas")
    return locked


@transaction.atomic
def rota_update_day(*, actor: User, rota: Rota, officer_id: int, day: date, place: str) -> Rota:
    """Put one officer in the office or at home on one day, if the rules still hold."""
    if place not in ShiftAssignment.Place.values:
        raise RoutingError(_("Tempat kerja tidak dikenal."))

    def change(state: selectors.RotaState) -> dict:
        if officer_id not in {o.pk for o in state.officers}:
            raise RoutingError(_("Petugas ini tidak termasuk dalam jadwal ini."))
        if day not in state.days:
            raise RoutingError(_("Tanggal ini bukan hari kerja dalam periode jadwal."))
        if state.places.get((officer_id, day)) == place:
            return {}
        return {(officer_id, day): place}

    return _rota_change(actor=actor, rota=rota, action="rota:day", change=change)


@transaction.atomic
def rota_swap(*, actor: User, rota: Rota, officer_a: int, day_a: date, officer_b: int, day_b: date) -> Rota:
    """Officer A takes B's office day ``day_b`` and gives B their ``day_a`` (`rota.swap_days`)."""

    def change(state: selectors.RotaState) -> dict:
        members = {o.pk for o in state.officers}
        if officer_a not in members or officer_b not in members:
            raise RoutingError(_("Petugas ini tidak termasuk dalam jadwal ini."))
        try:
            swapped = swap_days(state.office, officer_a, day_a, officer_b, day_b)
        except ValueError as exc:
            names = {o.pk: str(o) for o in state.officers}
            raise RoutingError(humanize_rota_messages([str(exc)], names)[0]) from None
        updates: dict[tuple[int, date], str | None] = {}
        for day in (day_a, day_b):
            for oid in (officer_a, officer_b):
                inside = oid in swapped.get(day, ())
                current = state.places.get((oid, day))
                if inside and current != OFFICE:
                    updates[(oid, day)] = OFFICE
                elif not inside and current == OFFICE:
                    updates[(oid, day)] = ShiftAssignment.Place.HOME
        return updates

    return _rota_change(actor=actor, rota=rota, action="rota:swap", change=change)


@transaction.atomic
def rota_move(*, actor: User, rota: Rota, officer_id: int, from_day: date, to_day: date) -> Rota:
    """One officer comes on ``to_day`` instead of ``from_day`` (`rota.move_day`): their count stays."""

    def change(state: selectors.RotaState) -> dict:
        if officer_id not in {o.pk for o in state.officers}:
            raise RoutingError(_("Petugas ini tidak termasuk dalam jadwal ini."))
        if to_day not in state.days:
            raise RoutingError(_("Tanggal tujuan bukan hari kerja dalam periode jadwal."))
        try:
            move_day(state.office, officer_id, from_day, to_day)
        except ValueError as exc:
            names = {o.pk: str(o) for o in state.officers}
            raise RoutingError(humanize_rota_messages([str(exc)], names)[0]) from None
        return {(officer_id, from_day): ShiftAssignment.Place.HOME, (officer_id, to_day): OFFICE}

    return _rota_change(actor=actor, rota=rota, action="rota:move", change=change)


@transaction.atomic
def rota_publish(*, actor: User, rota: Rota) -> Rota:
    """Publish a draft when it breaks no rule and no other published rota of the bidang overlaps it."""
    _require_manager(actor, rota.bidang)
    locked = Rota.objects.select_for_update().get(pk=rota.pk)
    if locked.status == Rota.Status.PUBLISHED:
        raise RoutingError(_("Jadwal ini sudah diterbitkan."))
    clash = _overlapping_published(locked.bidang, locked.start, locked.end, exclude=locked.pk)
    if clash:
        raise RoutingError(_("Sudah ada jadwal terbit lain yang beririsan dengan periode ini."))
    state = selectors.rota_state(locked)
    violations = rota_violations(state)
    if violations:
        names = {o.pk: str(o) for o in state.officers}
        raise RotaInvalid(humanize_rota_messages([v.message for v in violations], names))
    Rota.objects.filter(pk=locked.pk).update(
        status=Rota.Status.PUBLISHED, published_at=timezone.now(), version=F("version") + 1
    )
    locked.refresh_from_db()
    audit_record(actor=actor, action="rota:publish", obj=locked)
    return locked


@transaction.atomic
def rota_delete(*, actor: User, rota: Rota) -> None:
    """Delete a draft (a published rota stays: officers and the recording quota rely on it)."""
    _require_manager(actor, rota.bidang)
    deleted, _rows = Rota.objects.filter(pk=rota.pk, status=Rota.Status.DRAFT).delete()
    if not deleted:
        raise RoutingError(_("Jadwal yang sudah diterbitkan tidak dapat dihapus."))
    audit_record(actor=actor, action="rota:delete", object_id=str(rota.pk), detail="rota")


def ical_token_reset(*, user: User) -> str:
    """A new private calendar address for the user; the old one stops working at once."""
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(ical_token=token)
        audit_record(actor=user, action="ical:reset", obj=user)
    user.ical_token = token
    return token


def shift_reminders_enqueue(*, day: date) -> int:
    """Queue tomorrow's office-day reminders: one per officer and date (dedupe key), safe to run twice.

    Officers in the office on ``day`` in a published rota, active, not on leave that day; the message
    goes to their personal WhatsApp (User.phone) or, failing that, their first active published number.
    """
    from notifications.services import outbox_enqueue, template_render

    on_leave = Leave.objects.filter(start__lte=day, end__gte=day).values("officer_id")
    shifts = (
        ShiftAssignment.objects.filter(
            date=day,
            place=ShiftAssignment.Place.OFFICE,
            rota__status=Rota.Status.PUBLISHED,
            officer__is_active=True,
        )
        .exclude(officer_id__in=on_leave)
        .select_related("officer")
        .order_by("officer_id")
    )
    fallback = dict(
        OfficerNumber.objects.filter(is_active=True, officer__in=shifts.values("officer_id"))
        .order_by("officer_id", "-id")
        .values_list("officer_id", "phone")
    )  # later rows overwrite: lowest id per officer wins
    queued = 0
    seen: set[int] = set()
    for shift in shifts:
        officer = shift.officer
        if officer.pk in seen:
            continue
        seen.add(officer.pk)
        recipient = officer.phone or fallback.get(officer.pk)
        if not recipient:
            continue
        body = template_render(
            event="shift_reminder", context={"nama": str(officer), "tanggal": day_label(day)}
        )
        with transaction.atomic():
            if outbox_enqueue(
                event="shift_reminder",
                dedupe_key=f"shift:{officer.pk}:{day.isoformat()}",
                recipient=recipient,
                body=body,
                officer=officer,
            ):
                queued += 1
    return queued
