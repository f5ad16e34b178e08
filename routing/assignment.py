"""Which officer gets a new application, and the officers' current loads."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from applications.models import Application
from dukcapil.accounts.models import User

from .models import ClosedDay, Leave, OfficerNumber

OPEN_APPLICATION_Q = ~Q(assigned_applications__status__in=Application.CLOSED_STATUSES) & Q(
    assigned_applications__isnull=False
)


def assignment_day(today: date) -> date:
    """The working day on which an application that arrives on ``today`` will first be worked on.

    Weekends, public holidays and the office's closed days stop everybody at once, so they say
    nothing about *who* should get the work; what matters is who is there on the next working day.
    """
    from .rota import working_days

    horizon = today + timedelta(days=30)
    closed = set(ClosedDay.objects.filter(date__range=(today, horizon)).values_list("date", flat=True))
    days = working_days(today, horizon, closed)
    return days[0] if days else today


def officer_pool(bidang: str) -> QuerySet[User]:
    """Officers who can be given applications of a bidang: active petugas of that bidang."""
    return User.objects.filter(role=User.Role.PETUGAS, bidang=bidang, is_active=True)


def officers_with_load(ids: list[int], *, day: date) -> list[User]:
    """The given officers with ``open_count`` and ``on_leave`` annotated, in one query, ordered by id."""
    on_leave = Leave.objects.filter(officer=OuterRef("pk"), start__lte=day, end__gte=day)
    return list(
        User.objects.filter(pk__in=ids)
        .annotate(
            open_count=Count("assigned_applications", filter=OPEN_APPLICATION_Q), on_leave=Exists(on_leave)
        )
        .order_by("id")
    )


def assignment_choose_officer(
    *, bidang: str, received_on: OfficerNumber | None = None, today: date | None = None
) -> User | None:
    """Choose the officer for a new application of ``bidang`` that arrived on ``received_on``.

    Must run inside the caller's transaction (``application_create`` does): the officers' rows stay
    locked until the application row is committed, so concurrent intakes see each other's loads.

    Steps:

    1. Day: ``today`` (office-local date) moved forward to the next working day (weekends, Indonesian
       public holidays and `ClosedDay` rows skipped): see `assignment_day`.
    2. Candidates: the active petugas of ``bidang``, plus the number's officer. Their user rows are
       locked with ``SELECT … FOR UPDATE`` ordered by id (one order everywhere, so two intakes can
       never deadlock on them), which serialises assignment per bidang.
    3. One query gives each candidate's load (open applications assigned to them, i.e. any status but
       handed over, rejected or cancelled) and whether a `Leave` covers the day.
    4. The number's officer keeps it when all hold: the account is active, the officer is a petugas
       of ``bidang`` (a number of the other bidang does not pull work across), is not on leave that
       day, and holds fewer open applications than ``settings.ASSIGNMENT_OPEN_CAP`` (so after this
       one they hold at most the cap). Whether the published rota puts them in the office or at home
       does not matter: working from home is working. An inactive *number* does not matter either:
       the citizen still wrote to this officer.
    5. Otherwise: among the candidates who are available (active petugas of the bidang, not on leave)
       and under the cap, the one with the fewest open applications; ties go to the lowest user id
       (the oldest account), which is stable and needs no extra state.
    6. If every available officer is at the cap, the least loaded available one still gets it (same
       tie-break): the cap spreads work, it must not leave an application without an owner.
    7. If nobody is available (everyone on leave or deactivated), return None: the application waits
       unassigned in the kepala bidang's queue for a manual assignment.
    """
    day = assignment_day(today or timezone.localdate())
    preferred = received_on.officer_id if received_on is not None else None

    pool_ids = list(officer_pool(bidang).values_list("id", flat=True))
    lock_ids = sorted(set(pool_ids) | ({preferred} if preferred else set()))
    if not lock_ids:
        return None
    # The lock query is separate from the load query: PostgreSQL refuses FOR UPDATE with GROUP BY.
    list(User.objects.select_for_update().filter(pk__in=lock_ids).order_by("id").values_list("id", flat=True))
    candidates = officers_with_load(lock_ids, day=day)

    cap = settings.ASSIGNMENT_OPEN_CAP

    def available(officer: User) -> bool:
        return (
            officer.is_active
            and officer.role == User.Role.PETUGAS
            and officer.bidang == bidang
            and not officer.on_leave
        )

    for officer in candidates:
        if officer.pk == preferred and available(officer) and officer.open_count < cap:
            return officer

    present = [o for o in candidates if available(o)]
    if not present:
        return None
    under_cap = [o for o in present if o.open_count < cap]
    return min(under_cap or present, key=lambda o: (o.open_count, o.pk))
