"""State changes of staff routing: officer numbers, reassignment, rotas and the recording quota.

Each function is keyword-only, checks the actor's right first and runs in one transaction: on any
error nothing changes. Errors carry a message for the user in Bahasa Indonesia.
"""

from __future__ import annotations

import re
import secrets
from collections import Counter as Tally
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from applications.models import Application, ApplicationEvent, DocumentType
from dukcapil.accounts.models import Bidang, User

from . import selectors
from .assignment import assignment_day, officer_pool, officers_with_load
from .models import Desa, Leave, OfficerNumber, RecordingBooking, RecordingDay, Rota, ShiftAssignment
from .rota import (
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


class RoutingError(Exception):
    """A change that is not allowed; the message is for the user (Bahasa Indonesia)."""


class RotaInvalid(RoutingError):
    """An edit or a publication that breaks the rota rules; ``messages`` lists every violation."""

    def __init__(self, messages: list[str]):
        self.messages = messages
        super().__init__(_("Perubahan tidak disimpan karena melanggar aturan jadwal."))


class RecordingQuotaFull(RoutingError):
    pass


def _require_manager(actor: User, bidang: str) -> None:
    if not selectors.user_manages_bidang(actor, bidang):
        raise RoutingError(_("Hanya kepala bidang terkait atau admin yang dapat melakukan ini."))


# --- officer numbers ---------------------------------------------------------------------------


def _check_number(*, officer: User, bidang: str, services: Iterable[DocumentType]) -> None:
    if bidang not in Bidang.values:
        raise RoutingError(_("Bidang tidak dikenal."))
    if officer.role not in (User.Role.PETUGAS, User.Role.KEPALA_BIDANG) or officer.bidang != bidang:
        raise RoutingError(_("Nomor hanya dapat diberikan kepada petugas bidang yang sama."))
    wrong = [s.name for s in services if s.category.code != bidang]
    if wrong:
        raise RoutingError(
            _("Layanan berikut bukan layanan bidang ini: %(names)s.") % {"names": ", ".join(wrong)}
        )


@transaction.atomic
def officer_number_create(
    *,
    actor: User,
    officer: User,
    phone: str,
    bidang: str,
    services: Iterable[DocumentType] = (),
    label: str = "",
    is_active: bool = True,
) -> OfficerNumber:
    """Publish a WhatsApp number (already normalised to E.164 by the form) for an officer."""
    _require_manager(actor, bidang)
    services = list(services)
    _check_number(officer=officer, bidang=bidang, services=services)
    try:
        with transaction.atomic():
            number = OfficerNumber.objects.create(
                officer=officer, phone=phone, bidang=bidang, label=label.strip(), is_active=is_active
            )
    except IntegrityError:
        raise RoutingError(_("Nomor WhatsApp ini sudah terdaftar.")) from None
    number.services.set(services)
    return number


@transaction.atomic
def officer_number_update(
    *,
    actor: User,
    number: OfficerNumber,
    officer: User,
    phone: str,
    services: Iterable[DocumentType] = (),
    label: str = "",
    is_active: bool = True,
) -> OfficerNumber:
    """Change a number's officer, digits, services, label or active flag (its bidang stays)."""
    _require_manager(actor, number.bidang)
    services = list(services)
    _check_number(officer=officer, bidang=number.bidang, services=services)
    if OfficerNumber.objects.filter(phone=phone).exclude(pk=number.pk).exists():
        raise RoutingError(_("Nomor WhatsApp ini sudah terdaftar."))
    number.officer = officer
    number.phone = phone
    number.label = label.strip()
    number.is_active = is_active
    number.save(update_fields=["officer", "phone", "label", "is_active"])
    number.services.set(services)
    return number


@transaction.atomic
def officer_number_set_active(*, actor: User, number: OfficerNumber, is_active: bool) -> OfficerNumber:
    _require_manager(actor, number.bidang)
    OfficerNumber.objects.filter(pk=number.pk).update(is_active=is_active)
    number.is_active = is_active
    return number


# --- reassignment ------------------------------------------------------------------------------


def _reassign_row(*, actor: User, application: Application, to_officer: User, note: str) -> None:
    old = application.assigned_to
    Application.objects.filter(pk=application.pk).update(assigned_to=to_officer, updated_at=timezone.now())
    old_name = str(old) if old else _("belum ada petugas")
    text = _("Dialihkan dari %(old)s ke %(new)s.") % {"old": old_name, "new": str(to_officer)}
    ApplicationEvent.objects.create(
        application=application,
        actor=actor,
        action="reassign",
        # status does not change: from/to stay empty so status statistics do not count this row
        note=f"{text} {note.strip()}".strip(),
    )
    application.assigned_to = to_officer


def _check_target(application: Application, to_officer: User) -> None:
    if not (
        to_officer.is_active
        and to_officer.role == User.Role.PETUGAS
        and to_officer.bidang == application.bidang
    ):
        raise RoutingError(
            _("%(name)s bukan petugas aktif bidang permohonan %(number)s.")
            % {"name": to_officer, "number": application.number}
        )


def application_reassign(
    *, actor: User, application: Application, to_officer: User, note: str = ""
) -> Application:
    """Give one application to another officer of its bidang; leaves a 'reassign' event row."""
    return applications_reassign(
        actor=actor, application_ids=[application.pk], to_officer=to_officer, note=note
    )[0]


@transaction.atomic
def applications_reassign(
    *, actor: User, application_ids: list[int], to_officer: User | None, note: str = ""
) -> list[Application]:
    """Reassign several open applications; each leaves a 'reassign' event row.

    Steps: lock the applications (ordered by id); refuse the whole request if one is closed or
    outside the bidang the actor manages. With ``to_officer`` every application goes to that
    officer. Without it they are spread: the available officers of the bidang (active, not on
    leave, as in `assignment_choose_officer`) are locked in id order and each application goes to the
    least loaded one other than its current owner, ties to the lowest id, loads updated as we go.
    Applications already with the target are left alone (no event).
    """
    if not application_ids:
        raise RoutingError(_("Pilih minimal satu permohonan."))
    applications = list(
        Application.objects.select_for_update(of=("self",))
        .filter(pk__in=set(application_ids))
        .select_related("assigned_to")
        .order_by("id")
    )
    if len(applications) != len(set(application_ids)):
        raise RoutingError(_("Sebagian permohonan tidak ditemukan."))
    for application in applications:
        if not selectors.user_manages_bidang(actor, application.bidang):
            raise RoutingError(
                _("Permohonan %(number)s di luar bidang Anda.") % {"number": application.number}
            )
        if not application.is_open:
            raise RoutingError(
                _("Permohonan %(number)s sudah selesai dan tidak dapat dialihkan.")
                % {"number": application.number}
            )

    if to_officer is not None:
        for application in applications:
            _check_target(application, to_officer)
            if application.assigned_to_id != to_officer.pk:
                _reassign_row(actor=actor, application=application, to_officer=to_officer, note=note)
        return applications

    by_bidang: dict[str, list[Application]] = defaultdict(list)
    for application in applications:
        by_bidang[application.bidang].append(application)
    day = assignment_day(timezone.localdate())
    for bidang, group in sorted(by_bidang.items()):
        ids = list(officer_pool(bidang).select_for_update().order_by("id").values_list("id", flat=True))
        officers = [o for o in officers_with_load(ids, day=day) if not o.on_leave]
        load = {o.pk: o.open_count for o in officers}
        for application in group:
            choices = [o for o in officers if o.pk != application.assigned_to_id]
            if not choices:
                raise RoutingError(_("Tidak ada petugas lain yang tersedia di bidang ini."))
            target = min(choices, key=lambda o: (load[o.pk], o.pk))
            if application.assigned_to_id in load:
                load[application.assigned_to_id] -= 1
            load[target.pk] += 1
            _reassign_row(actor=actor, application=application, to_officer=target, note=note)
    return applications


# --- rota --------------------------------------------------------------------------------------

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
    *, actor: User, rota: Rota, change: Callable[[selectors.RotaState], dict[tuple[int, date], str | None]]
) -> Rota:
    """Apply an edit: lock the rota, compute the new places, refuse what adds a violation, save the diff.

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

    return _rota_change(actor=actor, rota=rota, change=change)


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

    return _rota_change(actor=actor, rota=rota, change=change)


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

    return _rota_change(actor=actor, rota=rota, change=change)


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
    return locked


@transaction.atomic
def rota_delete(*, actor: User, rota: Rota) -> None:
    """Delete a draft (a published rota stays: officers and the recording quota rely on it)."""
    _require_manager(actor, rota.bidang)
    deleted, _rows = Rota.objects.filter(pk=rota.pk, status=Rota.Status.DRAFT).delete()
    if not deleted:
        raise RoutingError(_("Jadwal yang sudah diterbitkan tidak dapat dihapus."))


def ical_token_reset(*, user: User) -> str:
    """A new private calendar address for the user; the old one stops working at once."""
    token = secrets.token_urlsafe(32)
    User.objects.filter(pk=user.pk).update(ical_token=token)
    user.ical_token = token
    return token


# --- urgent KTP-el recording quota -------------------------------------------------------------

URGENT_REASONS = (
    Application.Urgency.BPJS,
    Application.Urgency.HOSPITAL,
    Application.Urgency.TNI_POLRI,
    Application.Urgency.OTHER,
)


def _format_day(day: date) -> str:
    return formats.date_format(day, "l, j F Y")


def _check_recording_day(day: date, *, today: date) -> None:
    if day < today:
        raise RoutingError(_("Tanggal perekaman sudah lewat."))
    closed = selectors.closed_days_between(day, day)
    from .rota import working_days

    if not working_days(day, day, closed):
        raise RoutingError(_("%(day)s bukan hari kerja kantor.") % {"day": _format_day(day)})
    if not selectors.recording_staff_present(day):
        raise RoutingError(
            _(
                "Tidak ada petugas perekaman (Dafduk) yang dijadwalkan di kantor pada %(day)s. Pilih tanggal lain."
            )
            % {"day": _format_day(day)}
        )


def _claim_slot(day: date) -> None:
    """Take one place on ``day`` with one conditional UPDATE, or raise RecordingQuotaFull.

    The row is created first if missing (ON CONFLICT DO NOTHING, so concurrent first bookings of a
    day do not fail). The UPDATE locks the row; a concurrent one waits and then re-checks
    ``booked < cap`` against the committed value, so the cap holds without a check-then-insert race.
    """
    RecordingDay.objects.bulk_create([RecordingDay(date=day)], ignore_conflicts=True)
    default = settings.URGENT_RECORDING_DAILY_CAP
    room = Q(cap__isnull=True, booked__lt=default) | Q(cap__isnull=False, booked__lt=F("cap"))
    if RecordingDay.objects.filter(room, date=day).update(booked=F("booked") + 1) != 1:
        cap = selectors.recording_cap(RecordingDay.objects.filter(date=day).first())
        raise RecordingQuotaFull(
            _("Kuota perekaman %(day)s sudah penuh (%(cap)d orang). Pilih tanggal lain.")
            % {"day": _format_day(day), "cap": cap}
        )


def _release_slot(day: date) -> None:
    RecordingDay.objects.filter(date=day, booked__gt=0).update(booked=F("booked") - 1)


def _tell_citizen(booking: RecordingBooking, event: str, *, reason: str = "") -> None:
    from notifications.services import outbox_enqueue, template_render

    body = template_render(
        event=event, context={"nama": booking.name, "tanggal": _format_day(booking.date), "alasan": reason}
    )
    outbox_enqueue(
        event=event,
        dedupe_key=f"recording:{booking.pk}:{event}:{booking.status}",
        recipient=booking.whatsapp,
        body=body,
        application=booking.application,
    )


@transaction.atomic
def recording_book(
    *,
    actor: User,
    day: date,
    name: str,
    nik: str,
    whatsapp: str,
    desa: Desa,
    urgency: str,
    justification: str = "",
    application: Application | None = None,
    today: date | None = None,
) -> RecordingBooking:
    """Book an urgent in-person KTP-el recording on ``day``.

    Steps: check the actor (Dafduk staff or admin), the reason (BPJS, hospital, TNI/Polri, or other
    with a justification), the day (not past, a working day, recording staff in the office per the
    published rota) and that the NIK has no open booking. "Other" is stored pending a kepala bidang's
    approval and takes no place yet. Otherwise claim a place (`_claim_slot`); if the day is full
    nothing is stored and RecordingQuotaFull says so. The citizen is told the date via the outbox.
    """
    if not selectors.user_works_recording(actor):
        raise RoutingError(_("Hanya petugas Pendaftaran Penduduk yang dapat menjadwalkan perekaman."))
    if urgency not in URGENT_REASONS:
        raise RoutingError(
            _("Perekaman hanya untuk keperluan mendesak (BPJS, rumah sakit, TNI/Polri, lainnya).")
        )
    if urgency == Application.Urgency.OTHER and not justification.strip():
        raise RoutingError(_("Alasan 'lainnya' memerlukan penjelasan."))
    _check_recording_day(day, today=today or timezone.localdate())
    open_statuses = [RecordingBooking.Status.PENDING_APPROVAL, RecordingBooking.Status.BOOKED]
    if RecordingBooking.objects.filter(nik=nik, status__in=open_statuses).exists():
        raise RoutingError(_("NIK ini sudah memiliki jadwal perekaman yang masih berlaku."))

    pending = urgency == Application.Urgency.OTHER
    if not pending:
        _claim_slot(day)
    booking = RecordingBooking.objects.create(
        date=day,
        application=application,
        name=name.strip(),
        nik=nik,
        whatsapp=whatsapp,
        desa=desa,
        urgency=urgency,
        justification=justification.strip(),
        status=RecordingBooking.Status.PENDING_APPROVAL if pending else RecordingBooking.Status.BOOKED,
        created_by=actor,
    )
    if not pending:
        _tell_citizen(booking, "recording_booked")
    return booking


def _lock_booking(booking: RecordingBooking) -> RecordingBooking:
    return RecordingBooking.objects.select_for_update().get(pk=booking.pk)


@transaction.atomic
def recording_approve(
    *, actor: User, booking: RecordingBooking, day: date | None = None, today: date | None = None
) -> RecordingBooking:
    """A kepala bidang approves an 'other' reason; the cap is checked now (optionally on another day)."""
    _require_manager(actor, selectors.RECORDING_BIDANG)
    locked = _lock_booking(booking)
    if locked.status != RecordingBooking.Status.PENDING_APPROVAL:
        raise RoutingError(_("Pemesanan ini tidak sedang menunggu persetujuan."))
    day = day or locked.date
    _check_recording_day(day, today=today or timezone.localdate())
    _claim_slot(day)
    locked.date = day
    locked.status = RecordingBooking.Status.BOOKED
    locked.decided_by = actor
    locked.save(update_fields=["date", "status", "decided_by"])
    _tell_citizen(locked, "recording_booked")
    return locked


@transaction.atomic
def recording_decline(*, actor: User, booking: RecordingBooking, reason: str) -> RecordingBooking:
    """A kepala bidang declines a pending request; the citizen is told why."""
    _require_manager(actor, selectors.RECORDING_BIDANG)
    if not reason.strip():
        raise RoutingError(_("Alasan penolakan wajib diisi."))
    locked = _lock_booking(booking)
    if locked.status != RecordingBooking.Status.PENDING_APPROVAL:
        raise RoutingError(_("Pemesanan ini tidak sedang menunggu persetujuan."))
    locked.status = RecordingBooking.Status.DECLINED
    locked.decided_by = actor
    locked.decline_reason = reason.strip()[:255]
    locked.save(update_fields=["status", "decided_by", "decline_reason"])
    _tell_citizen(locked, "recording_declined", reason=locked.decline_reason)
    return locked


@transaction.atomic
def recording_cancel(*, actor: User, booking: RecordingBooking, reason: str) -> RecordingBooking:
    """Cancel a pending or booked slot (the booking officer, a kepala bidang or the admin); frees the place."""
    if not (
        selectors.user_manages_bidang(actor, selectors.RECORDING_BIDANG) or booking.created_by_id == actor.pk
    ):
        raise RoutingError(_("Hanya pembuat pemesanan atau kepala bidang yang dapat membatalkannya."))
    if not reason.strip():
        raise RoutingError(_("Alasan pembatalan wajib diisi."))
    locked = _lock_booking(booking)
    if locked.status not in (RecordingBooking.Status.PENDING_APPROVAL, RecordingBooking.Status.BOOKED):
        raise RoutingError(_("Pemesanan ini sudah tidak aktif."))
    if locked.status == RecordingBooking.Status.BOOKED:
        _release_slot(locked.date)
    locked.status = RecordingBooking.Status.CANCELLED
    locked.decided_by = actor
    locked.decline_reason = reason.strip()[:255]
    locked.save(update_fields=["status", "decided_by", "decline_reason"])
    _tell_citizen(locked, "recording_declined", reason=locked.decline_reason)
    return locked


@transaction.atomic
def recording_attend(*, actor: User, booking: RecordingBooking) -> RecordingBooking:
    """The desk marks a booked citizen as recorded (the place stays used)."""
    if not selectors.user_works_recording(actor):
        raise RoutingError(_("Hanya petugas Pendaftaran Penduduk yang dapat mencatat kehadiran."))
    changed = RecordingBooking.objects.filter(pk=booking.pk, status=RecordingBooking.Status.BOOKED).update(
        status=RecordingBooking.Status.ATTENDED
    )
    if not changed:
        raise RoutingError(_("Hanya pemesanan berstatus terjadwal yang dapat ditandai sudah direkam."))
    booking.status = RecordingBooking.Status.ATTENDED
    return booking


@transaction.atomic
def recording_day_set_cap(*, actor: User, day: date, cap: int | None) -> RecordingDay:
    """Override the daily cap for one date (None: back to the default). Existing bookings stay."""
    _require_manager(actor, selectors.RECORDING_BIDANG)
    if cap is not None and cap < 0:
        raise RoutingError(_("Kuota tidak boleh negatif."))
    row, _created = RecordingDay.objects.select_for_update().get_or_create(date=day)
    row.cap = cap
    row.save(update_fields=["cap"])
    return row


# --- shift reminders ---------------------------------------------------------------------------


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
            event="shift_reminder", context={"nama": str(officer), "tanggal": _format_day(day)}
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
