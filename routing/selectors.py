"""Read queries for the staff routing pages: numbers, workload, rotas, schedules, the recording desk.

Access is decided here as in `applications.selectors`: what a user may not see does not exist (404).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import segno
from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from applications.models import Application, DocumentType
from dukcapil.accounts.models import Bidang, User

from .assignment import OPEN_APPLICATION_Q
from .models import ClosedDay, Leave, OfficerNumber, RecordingBooking, RecordingDay, Rota, ShiftAssignment
from .rota import HOME, OFFICE, RotaOfficer, RotaRules, office_cap, working_days

# --- who may do what ---------------------------------------------------------------------------

RECORDING_BIDANG = Bidang.DAFDUK  # KTP-el recording is a Dafduk service


def user_manages_bidang(user: User, bidang: str) -> bool:
    """Kepala bidang of that bidang, admin or superuser: numbers, rotas, reassignment, approvals."""
    if user.is_superuser or user.role == User.Role.ADMIN:
        return True
    return user.role == User.Role.KEPALA_BIDANG and user.bidang == bidang


def user_is_manager(user: User) -> bool:
    return user.is_superuser or user.role in (User.Role.ADMIN, User.Role.KEPALA_BIDANG)


def managed_bidang(user: User) -> list[str]:
    if user.is_superuser or user.role == User.Role.ADMIN:
        return list(Bidang.values)
    if user.role == User.Role.KEPALA_BIDANG and user.bidang:
        return [user.bidang]
    return []


def user_reads_office(user: User) -> bool:
    """The kepala dinas: reads every bidang's staff pages (workload, recording), changes nothing."""
    return user.role == User.Role.KEPALA_DINAS


def readable_bidang(user: User) -> list[str]:
    """Bidang whose staff pages the user may read: those they manage, every one for the kepala dinas."""
    return list(Bidang.values) if user_reads_office(user) else managed_bidang(user)


def user_works_recording(user: User) -> bool:
    """Who may book urgent recording slots and use the desk list: Dafduk staff and the admin."""
    if user.is_superuser or user.role == User.Role.ADMIN:
        return True
    return user.role in (User.Role.PETUGAS, User.Role.KEPALA_BIDANG) and user.bidang == RECORDING_BIDANG


# --- officer numbers ---------------------------------------------------------------------------


def numbers_for_user(user: User) -> QuerySet[OfficerNumber]:
    return OfficerNumber.objects.filter(bidang__in=managed_bidang(user))


def get_number_for_user(user: User, pk: int) -> OfficerNumber:
    try:
        return numbers_for_user(user).select_related("officer").get(pk=pk)
    except OfficerNumber.DoesNotExist:
        raise Http404 from None


def number_list(user: User) -> QuerySet[OfficerNumber]:
    """Numbers with their officer and services: 2 queries (numbers+officer, services)."""
    return (
        numbers_for_user(user)
        .select_related("officer")
        .prefetch_related(Prefetch("services", queryset=DocumentType.objects.order_by("order", "name")))
        .order_by("bidang", "-is_active", "phone")
    )


def wa_link(phone: str) -> str:
    return "https://wa.me/" + "".join(ch for ch in phone if ch.isdigit())


def qr_svg(url: str) -> SafeString:
    """Inline SVG of a QR code that scales with its CSS width (viewBox, no fixed size)."""
    svg = segno.make(url, error="m").svg_inline(scale=1, omitsize=True, dark="#000", light="#fff")
    # segno builds it from the URL only (digits of a validated number): safe to inline
    return mark_safe(svg)  # noqa: S308


def format_phone(phone: str) -> str:
    """+6281234567890 -> 0812-3456-7890, as citizens write it."""
    digits = phone.removeprefix("+62")
    local = "0" + digits
    return "-".join([local[:4], local[4:8], local[8:]]).rstrip("-")


@dataclass
class PosterNumber:
    number: OfficerNumber
    display: str
    link: str
    qr: SafeString


@dataclass
class PosterGroup:
    services: list[str]  # empty: every service of the bidang
    numbers: list[PosterNumber] = field(default_factory=list)


@dataclass
class PosterSection:
    bidang: str
    label: str
    all_services: list[str]
    groups: list[PosterGroup] = field(default_factory=list)


def poster_sections(user: User) -> list[PosterSection]:
    """Active numbers per bidang, grouped by the set of services they serve.

    Queries: numbers with officer (1), their services (1), the accepting document types (1).
    """
    numbers = list(
        numbers_for_user(user)
        .filter(is_active=True, officer__is_active=True)
        .select_related("officer")
        .prefetch_related(Prefetch("services", queryset=DocumentType.objects.order_by("order", "name")))
        .order_by("bidang", "phone")
    )
    type_names: dict[str, list[str]] = defaultdict(list)
    for code, name in (
        DocumentType.objects.filter(is_accepting=True, category__code__in=managed_bidang(user))
        .order_by("category__code", "order", "name")
        .values_list("category__code", "name")
    ):
        type_names[code].append(name)

    sections: dict[str, PosterSection] = {}
    for bidang in managed_bidang(user):
        sections[bidang] = PosterSection(
            bidang=bidang, label=str(Bidang(bidang).label), all_services=type_names.get(bidang, [])
        )
    for number in numbers:
        section = sections[number.bidang]
        services = [s.name for s in number.services.all() if s.is_accepting]
        key = tuple(services)
        group = next((g for g in section.groups if tuple(g.services) == key), None)
        if group is None:
            group = PosterGroup(services=services)
            section.groups.append(group)
        link = wa_link(number.phone)
        group.numbers.append(
            PosterNumber(number=number, display=format_phone(number.phone), link=link, qr=qr_svg(link))
        )
    for section in sections.values():
        # "all services" first, then by the first service's name
        section.groups.sort(key=lambda g: (bool(g.services), g.services))
    return [s for s in sections.values() if s.groups]


# --- workload and reassignment -----------------------------------------------------------------


def week_start(now: datetime) -> datetime:
    local = timezone.localtime(now)
    monday = local.date() - timedelta(days=local.weekday())
    return timezone.make_aware(datetime.combine(monday, time.min), timezone.get_current_timezone())


def workload_rows(user: User, *, now: datetime | None = None) -> QuerySet[User]:
    """Per officer: open, overdue and finished this week, whether on leave or in the office today.

    One query: the officers of the user's bidang with conditional counts over their applications
    and two EXISTS subqueries. "Finished" = made ready (document produced) or rejected since Monday.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    since = week_start(now)
    open_q = OPEN_APPLICATION_Q
    on_leave = Leave.objects.filter(officer=OuterRef("pk"), start__lte=today, end__gte=today)
    in_office = ShiftAssignment.objects.filter(
        officer=OuterRef("pk"),
        date=today,
        place=ShiftAssignment.Place.OFFICE,
        rota__status=Rota.Status.PUBLISHED,
    )
    return (
        User.objects.filter(role=User.Role.PETUGAS, bidang__in=readable_bidang(user))
        .annotate(
            open_count=Count("assigned_applications", filter=open_q),
            overdue_count=Count(
                "assigned_applications", filter=open_q & Q(assigned_applications__due_at__lt=now)
            ),
            urgent_count=Count(
                "assigned_applications", filter=open_q & Q(assigned_applications__is_urgent=True)
            ),
            finished_week=Count(
                "assigned_applications",
                filter=Q(assigned_applications__ready_at__gte=since)
                | Q(
                    assigned_applications__status=Application.Status.REJECTED,
                    assigned_applications__closed_at__gte=since,
                ),
            ),
            on_leave=Exists(on_leave),
            in_office=Exists(in_office),
        )
        .order_by("bidang", "-is_active", "first_name", "last_name", "id")
    )


def reassignable_applications(user: User, *, officer_id: int | None = None) -> QuerySet[Application]:
    """Open applications of the bidang the user manages, urgent and oldest first."""
    qs = (
        Application.objects.filter(bidang__in=managed_bidang(user))
        .exclude(status__in=Application.CLOSED_STATUSES)
        .select_related("document_type", "assigned_to", "desa")
        .order_by("-is_urgent", "created_at", "id")
    )
    if officer_id == 0:
        qs = qs.filter(assigned_to__isnull=True)
    elif officer_id:
        qs = qs.filter(assigned_to_id=officer_id)
    return qs


def reassign_targets(user: User) -> QuerySet[User]:
    return User.objects.filter(
        role=User.Role.PETUGAS, bidang__in=managed_bidang(user), is_active=True
    ).order_by("bidang", "first_name", "last_name", "id")


# --- rota --------------------------------------------------------------------------------------


def rotas_for_user(user: User, *, read_only: bool = False) -> QuerySet[Rota]:
    """Rotas of the bidang the user manages; to read (list, print), also every one for the kepala dinas."""
    return Rota.objects.filter(bidang__in=readable_bidang(user) if read_only else managed_bidang(user))


def get_rota_for_user(user: User, pk: int, *, for_update: bool = False, read_only: bool = False) -> Rota:
    qs = rotas_for_user(user, read_only=read_only)
    if for_update:
        qs = qs.select_for_update()
    try:
        return qs.select_related("created_by").get(pk=pk)
    except Rota.DoesNotExist:
        raise Http404 from None


def rota_list(user: User) -> QuerySet[Rota]:
    """Rotas with their officer and office-day counts: one query."""
    return (
        rotas_for_user(user, read_only=True)
        .select_related("created_by")
        .annotate(
            officer_count=Count("assignments__officer", distinct=True),
            office_count=Count("assignments", filter=Q(assignments__place=ShiftAssignment.Place.OFFICE)),
        )
        .order_by("-start", "bidang", "-id")
    )


def closed_days_between(start: date, end: date) -> set[date]:
    return set(ClosedDay.objects.filter(date__range=(start, end)).values_list("date", flat=True))


def leave_days(officer_ids: list[int], start: date, end: date) -> dict[int, set[date]]:
    """Days of the period each officer is on leave (one query)."""
    result: dict[int, set[date]] = defaultdict(set)
    for officer_id, lstart, lend in Leave.objects.filter(
        officer_id__in=officer_ids, start__lte=end, end__gte=start
    ).values_list("officer_id", "start", "end"):
        day = max(lstart, start)
        while day <= min(lend, end):
            result[officer_id].add(day)
            day += timedelta(days=1)
    return result


def rota_rules(rota: Rota) -> RotaRules:
    return RotaRules(
        max_in_office=rota.max_in_office, max_share=rota.max_share, min_per_bidang=rota.min_per_bidang
    )


@dataclass
class RotaState:
    """A stored rota in the planner's terms, ready for `validate_rota` and for display."""

    rota: Rota
    officers: list[User]  # ordered by name
    rota_officers: list[RotaOfficer]
    days: list[date]  # working days of the period today (holidays and closed days removed)
    shown_days: list[date]  # working days plus any day that still has rows (e.g. closed afterwards)
    places: dict[tuple[int, date], str]  # (officer id, day) -> "office" / "home"
    leave: dict[int, set[date]]
    closed: set[date]
    rules: RotaRules

    @property
    def office(self) -> dict[date, set[int]]:
        office: dict[date, set[int]] = {day: set() for day in self.days}
        for (oid, day), place in self.places.items():
            if place == OFFICE:
                office.setdefault(day, set()).add(oid)
        return office


def rota_state(rota: Rota) -> RotaState:
    """Load a rota: its rows with officers (1 query), leave (1), closed days (1)."""
    rows = list(
        ShiftAssignment.objects.filter(rota=rota).select_related("officer").order_by("officer_id", "date")
    )
    officers_by_id: dict[int, User] = {}
    places: dict[tuple[int, date], str] = {}
    for row in rows:
        officers_by_id[row.officer_id] = row.officer
        places[(row.officer_id, row.date)] = row.place
    ids = sorted(officers_by_id)
    leave = leave_days(ids, rota.start, rota.end)
    closed = closed_days_between(rota.start, rota.end)
    days = working_days(rota.start, rota.end, closed)
    shown = sorted(set(days) | {day for (_oid, day) in places})
    return RotaState(
        rota=rota,
        officers=sorted(officers_by_id.values(), key=lambda u: (u.get_full_name() or u.username, u.pk)),
        rota_officers=[
            RotaOfficer(id=oid, bidang=rota.bidang, leave=frozenset(leave.get(oid, ()))) for oid in ids
        ],
        days=days,
        shown_days=shown,
        places=places,
        leave=leave,
        closed=closed,
        rules=rota_rules(rota),
    )


def office_cap_of(state: RotaState) -> int | None:
    return office_cap(state.rules, state.rota_officers)


@dataclass
class GridCell:
    day: date
    state: str  # office, home, leave, closed, none
    working: bool


@dataclass
class GridRow:
    officer: User
    cells: list[GridCell]
    office_days: int
    available_days: int


def rota_grid(state: RotaState) -> tuple[list[GridRow], list[dict]]:
    """Rows per officer and a per-day footer (how many in the office) for the rota page."""
    working = set(state.days)
    rows: list[GridRow] = []
    per_day = dict.fromkeys(state.shown_days, 0)
    for officer in state.officers:
        cells = []
        office_days = 0
        for day in state.shown_days:
            place = state.places.get((officer.pk, day))
            if place == OFFICE:
                office_days += 1
                per_day[day] += 1
            if place:
                cell_state = place
            elif day not in working:
                cell_state = "closed"
            elif day in state.leave.get(officer.pk, ()):
                cell_state = "leave"
            else:
                cell_state = "none"
            cells.append(GridCell(day=day, state=cell_state, working=day in working))
        available = sum(1 for day in state.days if day not in state.leave.get(officer.pk, ()))
        rows.append(GridRow(officer=officer, cells=cells, office_days=office_days, available_days=available))
    footer = [{"day": day, "count": per_day[day], "working": day in working} for day in state.shown_days]
    return rows, footer


def roster_days(state: RotaState) -> list[dict]:
    """For the printable roster: each working day with the names in the office and at home."""
    names = {o.pk: o.get_full_name() or o.username for o in state.officers}
    order = {o.pk: i for i, o in enumerate(state.officers)}
    result = []
    for day in state.shown_days:
        office = sorted(
            (oid for (oid, d), p in state.places.items() if d == day and p == OFFICE), key=order.get
        )
        home = sorted((oid for (oid, d), p in state.places.items() if d == day and p == HOME), key=order.get)
        leave = sorted(
            (oid for oid, days in state.leave.items() if day in days and oid in names), key=order.get
        )
        result.append(
            {
                "day": day,
                "office": [names[o] for o in office],
                "home": [names[o] for o in home],
                "leave": [names[o] for o in leave],
            }
        )
    return result


def officer_shifts(officer: User, *, start: date, end: date) -> QuerySet[ShiftAssignment]:
    """One officer's days in published rotas (place and rota in one query)."""
    return (
        ShiftAssignment.objects.filter(
            officer=officer, date__range=(start, end), rota__status=Rota.Status.PUBLISHED
        )
        .select_related("rota")
        .order_by("date")
    )


def get_officer_by_ical_token(token: str) -> User:
    # tokens are 43 url-safe characters (secrets.token_urlsafe(32)); anything else cannot match
    if len(token) < 32:
        raise Http404
    try:
        return User.objects.get(ical_token=token, is_active=True)
    except (User.DoesNotExist, User.MultipleObjectsReturned):
        raise Http404 from None


# --- recording quota ---------------------------------------------------------------------------


def recording_cap(day_row: RecordingDay | None) -> int:
    if day_row is not None and day_row.cap is not None:
        return day_row.cap
    return settings.URGENT_RECORDING_DAILY_CAP


def recording_staff_present(day: date) -> bool:
    """A published Dafduk rota puts at least one active Dafduk officer, not on leave, in the office."""
    on_leave = Leave.objects.filter(officer=OuterRef("officer"), start__lte=day, end__gte=day)
    return (
        ShiftAssignment.objects.filter(
            date=day,
            place=ShiftAssignment.Place.OFFICE,
            rota__status=Rota.Status.PUBLISHED,
            rota__bidang=RECORDING_BIDANG,
            officer__bidang=RECORDING_BIDANG,
            officer__is_active=True,
        )
        .exclude(Exists(on_leave))
        .exists()
    )


@dataclass
class RecordingDayInfo:
    day: date
    cap: int
    booked: int
    pending: int
    staffed: bool
    has_override: bool

    @property
    def left(self) -> int:
        return max(self.cap - self.booked, 0)


def recording_calendar(*, start: date, days: int = 14) -> list[RecordingDayInfo]:
    """The next working days with cap, booked, pending and staffing: 4 queries whatever the range."""
    end = start + timedelta(days=days * 2 + 10)
    working = working_days(start, end, closed_days_between(start, end))[:days]
    if not working:
        return []
    rows = {r.date: r for r in RecordingDay.objects.filter(date__in=working)}
    pending = dict(
        RecordingBooking.objects.filter(date__in=working, status=RecordingBooking.Status.PENDING_APPROVAL)
        .values("date")
        .annotate(n=Count("id"))
        .values_list("date", "n")
    )
    on_leave = Leave.objects.filter(
        officer=OuterRef("officer"), start__lte=OuterRef("date"), end__gte=OuterRef("date")
    )
    staffed = set(
        ShiftAssignment.objects.filter(
            date__in=working,
            place=ShiftAssignment.Place.OFFICE,
            rota__status=Rota.Status.PUBLISHED,
            rota__bidang=RECORDING_BIDANG,
            officer__bidang=RECORDING_BIDANG,
            officer__is_active=True,
        )
        .exclude(Exists(on_leave))
        .values_list("date", flat=True)
        .distinct()
    )
    return [
        RecordingDayInfo(
            day=day,
            cap=recording_cap(rows.get(day)),
            booked=rows[day].booked if day in rows else 0,
            pending=pending.get(day, 0),
            staffed=day in staffed,
            has_override=day in rows and rows[day].cap is not None,
        )
        for day in working
    ]


def bookings_for_user(user: User) -> QuerySet[RecordingBooking]:
    """Dafduk staff and the admin, who work the bookings, and the kepala dinas, who reads them."""
    if not (user_works_recording(user) or user_reads_office(user)):
        return RecordingBooking.objects.none()
    return RecordingBooking.objects.all()


def get_booking_for_user(user: User, pk: int) -> RecordingBooking:
    try:
        return bookings_for_user(user).select_related("desa", "created_by", "decided_by").get(pk=pk)
    except RecordingBooking.DoesNotExist:
        raise Http404 from None


def booking_list(user: User, *, status: str = "", day: date | None = None) -> QuerySet[RecordingBooking]:
    qs = bookings_for_user(user).select_related("desa", "created_by", "decided_by")
    if status:
        qs = qs.filter(status=status)
    if day:
        qs = qs.filter(date=day)
    return qs.order_by("date", "created_at", "id")


def desk_list(user: User, day: date) -> QuerySet[RecordingBooking]:
    """Who is expected at the recording desk on ``day`` (booked or already recorded)."""
    return (
        bookings_for_user(user)
        .filter(date=day, status__in=[RecordingBooking.Status.BOOKED, RecordingBooking.Status.ATTENDED])
        .select_related("desa__kecamatan")
        .order_by("created_at", "id")
    )
