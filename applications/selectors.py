"""Read queries for pages. Access is decided here: what a user may not see does not exist (404)."""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property

from django.db import connection
from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from dukcapil.accounts.models import User
from routing.models import Desa, Kecamatan

from .models import (
    Application,
    ApplicationEvent,
    ApplicationTally,
    Attachment,
    DocumentType,
    Requirement,
    RequirementCheck,
)

OPEN_Q = ~Q(status__in=Application.CLOSED_STATUSES)


def visible_applications(user: User) -> QuerySet[Application]:
    """Applications a user may see: the whole office for admin/head, the bidang for officers, none otherwise."""
    return _visible_bidangs(Application.objects.all(), user)


def _visible_bidangs(qs: QuerySet, user: User) -> QuerySet:
    """`qs` (any model with a `bidang` column) narrowed to the bidang the user may see."""
    if user.is_office_wide:
        return qs
    if user.role in (User.Role.PETUGAS, User.Role.KEPALA_BIDANG) and user.bidang:
        return qs.filter(bidang=user.bidang)
    return qs.none()


def get_application_for_user(user: User, pk: int) -> Application:
    try:
        return (
            visible_applications(user)
            .select_related("document_type", "desa__kecamatan", "assigned_to", "received_on")
            .get(pk=pk)
        )
    except Application.DoesNotExist:
        raise Http404 from None


def home_summary(*, user: User) -> dict:
    """A handful of counts for the role's home page, in one query whatever the data size."""
    now = timezone.now()
    if user.role == User.Role.PEMDES:
        from routing.models import BatchItem, DeliveryBatch

        return BatchItem.objects.filter(batch__desa_id=user.desa_id).aggregate(
            incoming=Count("batch", filter=Q(batch__status=DeliveryBatch.Status.DISPATCHED), distinct=True),
            waiting=Count(
                "id", filter=Q(status=BatchItem.Status.IN_BATCH, batch__status=DeliveryBatch.Status.RECEIVED)
            ),
            handed_over=Count("id", filter=Q(status=BatchItem.Status.HANDED_OVER)),
        )
    qs = visible_applications(user)
    if user.role == User.Role.PETUGAS:
        qs = qs.filter(assigned_to=user)
    return qs.filter(OPEN_Q).aggregate(
        open=Count("id"),
        overdue=Count("id", filter=Q(due_at__lt=now)),
        urgent=Count("id", filter=Q(is_urgent=True)),
        to_verify=Count(
            "id", filter=Q(status__in=[Application.Status.RECEIVED, Application.Status.RESUBMITTED])
        ),
        revision=Count("id", filter=Q(status=Application.Status.REVISION_REQUIRED)),
        ready=Count("id", filter=Q(status=Application.Status.READY)),
    )


# --- The officer queue ("Kotak masuk") -----------------------------------------------------------

QUEUE_PAGE_SIZE = 50
# ordering of the queue: urgent first, then oldest first; `id` breaks ties so the keyset is total
QUEUE_ORDER = ("-is_urgent", "created_at", "id")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class QueueFilters:
    scope: str = "mine"  # "mine": assigned to me; "bidang": everything the user may see
    status: str = "open"  # "open", "all" or one Application.Status value
    bidang: str = ""
    document_type_id: int | None = None
    kecamatan_id: int | None = None
    desa_id: int | None = None
    urgency: str = ""  # "", "urgent" or one Application.Urgency value
    date_from: date | None = None
    date_to: date | None = None
    overdue: bool = False
    q: str = ""  # registration number or applicant name

    @property
    def narrows_rows(self) -> bool:
        """Whether a filter beyond scope, bidang and status applies (then the tabs cannot use the tally)."""
        return bool(
            self.document_type_id
            or self.kecamatan_id
            or self.desa_id
            or self.urgency
            or self.date_from
            or self.date_to
            or self.overdue
            or self.q.strip()
        )


@dataclass(frozen=True)
class QueueReference:
    """The office's document types, kecamatan and desa, read once for a queue page.

    They are the filter form's choices and the names the rows show: the rows are read without
    joining these tables, whose joins cost the row query more planning time than reading its rows.
    """

    document_types: list[tuple[int, str, str]]  # (id, name, bidang) in the filter's order
    kecamatan: list[tuple[int, str]]  # (id, name) by name
    desa: list[tuple[int, str, int, str]]  # (id, name, kecamatan id, kecamatan name) by kecamatan, name

    @cached_property
    def document_type_names(self) -> dict[int, str]:
        return {pk: name for pk, name, _bidang in self.document_types}

    @cached_property
    def desa_names(self) -> dict[int, tuple[str, str]]:
        return {pk: (name, kecamatan) for pk, name, _kecamatan_id, kecamatan in self.desa}


def queue_reference() -> QueueReference:
    """Every document type, kecamatan and desa, in the order the filter lists them (three queries)."""
    return QueueReference(
        document_types=list(
            DocumentType.objects.order_by("category__code", "order", "name").values_list(
                "pk", "name", "category__code"
            )
        ),
        kecamatan=list(Kecamatan.objects.order_by("name").values_list("pk", "name")),
        desa=list(
            Desa.objects.order_by("kecamatan__name", "name").values_list(
                "pk", "name", "kecamatan_id", "kecamatan__name"
            )
        ),
    )


@dataclass(frozen=True, slots=True)
class QueueRow:
    """One line of the queue table (queue_tags.queue_rows) and what its keyset cursor needs.

    Read as values, not model instances: building an Application with its document type, desa,
    kecamatan and officer for each of 50 rows cost more than the query itself.
    """

    pk: int
    number: str
    applicant_name: str
    status: str
    urgency: str
    urgency_reason: str
    is_urgent: bool
    created_at: datetime
    due_at: datetime
    document_type_name: str
    desa_name: str
    kecamatan_name: str
    officer: str  # the assigned officer as User.__str__ names them; "" when unassigned

    @property
    def is_open(self) -> bool:
        return self.status not in Application.CLOSED_STATUSES


_QUEUE_ROW_COLUMNS = (
    "pk",
    "number",
    "applicant_name",
    "status",
    "urgency",
    "urgency_reason",
    "is_urgent",
    "created_at",
    "due_at",
    "document_type_id",
    "desa_id",
    "assigned_to_id",
    "assigned_to__username",
    "assigned_to__first_name",
    "assigned_to__last_name",
)


def _queue_rows(values: Iterable[tuple], reference: QueueReference) -> list[QueueRow]:
    """QueueRows from rows of _QUEUE_ROW_COLUMNS, their document type and desa named from `reference`."""
    values = list(values)
    if not (
        {row[9] for row in values} <= reference.document_type_names.keys()
        and {row[10] for row in values} <= reference.desa_names.keys()
    ):
        reference = queue_reference()  # a document type or desa added since the page read it
    types, desa = reference.document_type_names, reference.desa_names
    officers: dict[int, str] = {}
    rows = []
    for *fields, type_id, desa_id, officer_id, username, first_name, last_name in values:
        officer = ""
        if officer_id is not None:
            if officer_id not in officers:
                user = User(pk=officer_id, username=username, first_name=first_name, last_name=last_name)
                officers[officer_id] = str(user)
            officer = officers[officer_id]
        rows.append(QueueRow(*fields, types[type_id], *desa[desa_id], officer=officer))
    return rows


@dataclass(frozen=True)
class QueuePage:
    rows: list[QueueRow]
    next_cursor: str | None
    prev_cursor: str | None


def queue_base(*, user: User, filters: QueueFilters, now: datetime | None = None) -> QuerySet[Application]:
    """Visible applications narrowed by every filter except the status (the status tabs count over it)."""
    qs = visible_applications(user)
    if filters.scope == "mine":
        qs = qs.filter(assigned_to=user)
    if filters.bidang and user.is_office_wide:
        qs = qs.filter(bidang=filters.bidang)
    if filters.document_type_id:
        qs = qs.filter(document_type_id=filters.document_type_id)
    if filters.desa_id:
        qs = qs.filter(desa_id=filters.desa_id)
    elif filters.kecamatan_id:
        qs = qs.filter(desa__kecamatan_id=filters.kecamatan_id)
    if filters.urgency == "urgent":
        qs = qs.filter(is_urgent=True)
    elif filters.urgency:
        qs = qs.filter(urgency=filters.urgency)
    if filters.date_from:
        qs = qs.filter(created_at__gte=_local_midnight(filters.date_from))
    if filters.date_to:
        qs = qs.filter(created_at__lt=_local_midnight(filters.date_to + timedelta(days=1)))
    if filters.overdue:
        qs = qs.filter(OPEN_Q, due_at__lt=now or timezone.now())
    q = filters.q.strip()
    if q:
        qs = qs.filter(_search_q(q))
    return qs


_NUMBER_RE = re.compile(r"(?:([A-Za-z]+)-)?(\d{4})-(\d{1,7})")
_SERIAL_RE = re.compile(r"\d{1,7}")


def _search_q(q: str) -> Q:
    """What the free-text search box means.

    Steps: a whole registration number ("BIMA-2026-0000083" or "2026-83") is looked up exactly on
    the unique index; a bare serial ("83") is tried in this and the previous four years, still by
    index; any other text with a digit is a fragment of a number; text without digits is a name.
    """
    from .services import registration_number_format

    number = _NUMBER_RE.fullmatch(q)
    if number:
        prefix, year, serial = number.groups()
        exact = registration_number_format(year=int(year), serial=int(serial))
        if prefix:
            exact = f"{prefix.upper()}-{exact.split('-', 1)[1]}"
        return Q(number=exact)
    if _SERIAL_RE.fullmatch(q):
        this_year = timezone.localdate().year
        return Q(
            number__in=[
                registration_number_format(year=year, serial=int(q))
                for year in range(this_year - 4, this_year + 1)
            ]
        )
    if any(ch.isdigit() for ch in q):
        return Q(number__icontains=q)
    return Q(applicant_name__icontains=q)


def queue_filter_status(qs: QuerySet[Application], status: str) -> QuerySet[Application]:
    if status == "open":
        return qs.filter(OPEN_Q)
    if status in Application.Status.values:
        return qs.filter(status=status)
    return qs


# under a filter, each status tab counts at most this many rows (then shows "1.000+")
COUNT_CAP = 1000
# a filter matching at most this many times COUNT_CAP rows is counted exactly in one scan
FEW_FACTOR = 5


@dataclass(frozen=True)
class TabCount:
    n: int
    capped: bool = False  # at least n rows (the count stopped at COUNT_CAP)


def queue_status_counts(
    *, user: User, filters: QueueFilters, base: QuerySet[Application]
) -> dict[str, TabCount]:
    """Rows per status for the tabs, plus the "open" and "all" totals, in ONE query whatever the rows.

    Steps: without a row filter (only scope, bidang and status chosen) the counts are read exact from
    the tally the database triggers keep (a dozen rows); with a search, exact from one grouped scan
    of the search's matches (see _grouped_counts); with another filter each status is counted over
    `base` up to COUNT_CAP + 1 rows, so a broad filter on a million rows still reads at most that
    many per status; totals are sums, capped when one of their parts is.
    """
    if filters.q.strip():
        counts = _grouped_counts(base)
    elif filters.narrows_rows:
        counts = _capped_counts(base, COUNT_CAP)
    else:
        counts = {status: TabCount(n) for status, n in _tally_counts(user=user, filters=filters).items()}
    parts = {status: counts.get(status, TabCount(0)) for status in Application.Status.values}
    open_parts = [c for s, c in parts.items() if s not in Application.CLOSED_STATUSES]
    return {
        **parts,
        "open": TabCount(sum(c.n for c in open_parts), any(c.capped for c in open_parts)),
        "all": TabCount(sum(c.n for c in parts.values()), any(c.capped for c in parts.values())),
    }


def _tally_counts(*, user: User, filters: QueueFilters) -> dict[str, int]:
    """Exact counts per status from ApplicationTally for the user's scope (see applications/tally.py)."""
    rows = _visible_bidangs(ApplicationTally.objects.all(), user)
    if filters.scope == "mine":
        rows = rows.filter(assignee=user.pk)
    if filters.bidang and user.is_office_wide:
        rows = rows.filter(bidang=filters.bidang)
    return dict(rows.order_by().values("status").annotate(total=Sum("n")).values_list("status", "total"))


def _grouped_counts(base: QuerySet[Application]) -> dict[str, TabCount]:
    """Exact counts per status of a search, in one grouped query.

    A search reads its own index (the registration number's, or the name's trigram index) once;
    counting each status separately with a cap would read that index once per status (twelve
    scans of a common name's matches at a million rows instead of one).
    """
    rows = base.order_by().values("status").annotate(n=Count("pk")).values_list("status", "n")
    return {status: TabCount(n) for status, n in rows}


def _capped_counts(base: QuerySet[Application], cap: int) -> dict[str, TabCount]:
    """Per status, the number of rows of `base` up to cap + 1, in ONE statement.

    Steps: read the statuses of at most FEW + 1 matching rows once (the CTE `few`); when the filter
    matches no more than FEW rows, count each status among them (exact, one scan: a selective
    search reads its index once instead of once per status); otherwise count each status on its
    own, `SELECT COUNT(*) FROM (SELECT id ... AND status = %s LIMIT cap + 1)`, so the database stops
    after cap + 1 rows of a status. PostgreSQL and SQLite run a CASE branch's subquery only when
    the branch is taken.
    """
    few = FEW_FACTOR * cap
    statuses = Application.Status.values
    few_sql, params = base.order_by().values("status")[: few + 1].query.sql_with_params()
    parts = []
    for status in statuses:
        sql, part_params = (
            base.filter(status=status).order_by().values("pk")[: cap + 1].query.sql_with_params()
        )
        parts.append(
            f"CASE WHEN (SELECT COUNT(*) FROM few) <= {few:d} "  # noqa: S608 - SQL compiled by the ORM
            f"THEN (SELECT COUNT(*) FROM few WHERE few.status = %s) "
            f"ELSE (SELECT COUNT(*) FROM ({sql}) AS capped) END"
        )
        params = [*params, status, *part_params]
    with connection.cursor() as cursor:
        cursor.execute(f"WITH few AS ({few_sql}) SELECT " + ", ".join(parts), params)
        values = cursor.fetchone()
    return {status: TabCount(min(n, cap), n > cap) for status, n in zip(statuses, values, strict=True)}


def queue_page(
    qs: QuerySet[Application],
    *,
    after: str = "",
    before: str = "",
    size: int = QUEUE_PAGE_SIZE,
    bidangs: list[str] | None = None,
    reference: QueueReference | None = None,
) -> QueuePage:
    """One page of the queue by keyset (no OFFSET, no COUNT): fast on the millionth row as on the first.

    Steps: decode the cursor (urgent flag, creation time in microseconds, id) of the row the page
    starts after (or ends before); filter to rows strictly after (before) it in the queue order;
    read size + 1 rows to know whether another page exists; for a "before" page read in reverse
    order and flip the rows back. The rows are named from `reference` (the page's filter choices;
    read here when not given).
    """
    reference = reference or queue_reference()
    position = _cursor_decode(before or after)
    if before and position:
        rows = _first_rows(
            qs.filter(_before_q(position)), size + 1, bidangs=bidangs, reference=reference, reverse=True
        )
        has_more = len(rows) > size
        rows = rows[:size][::-1]
        return QueuePage(
            rows=rows,
            next_cursor=_cursor_encode(rows[-1]) if rows else None,
            prev_cursor=_cursor_encode(rows[0]) if rows and has_more else None,
        )
    if position:
        qs = qs.filter(_after_q(position))
    rows = _first_rows(qs, size + 1, bidangs=bidangs, reference=reference)
    has_more = len(rows) > size
    rows = rows[:size]
    return QueuePage(
        rows=rows,
        next_cursor=_cursor_encode(rows[-1]) if rows and has_more else None,
        prev_cursor=_cursor_encode(rows[0]) if rows and position else None,
    )


def _first_rows(
    qs: QuerySet[Application],
    limit: int,
    *,
    bidangs: list[str] | None,
    reference: QueueReference,
    reverse: bool = False,
) -> list[QueueRow]:
    """The first `limit` rows in queue order (or its reverse).

    The order indexes start with the bidang. For office-wide users (no bidang filter) one query
    over every bidang would sort all open rows of the office; instead each bidang's first rows are
    read by its index and the database merges them and keeps the first `limit` (one UNION ALL with
    ORDER BY and LIMIT over the parts). Databases without ordered compound queries (SQLite) read
    the plain way.
    """
    order = ("is_urgent", "-created_at", "-id") if reverse else QUEUE_ORDER
    if not bidangs or len(bidangs) < 2 or not connection.features.supports_slicing_ordering_in_compound:
        return _queue_rows(qs.order_by(*order).values_list(*_QUEUE_ROW_COLUMNS)[:limit], reference)
    parts = [qs.filter(bidang=b).order_by(*order).values_list(*_QUEUE_ROW_COLUMNS)[:limit] for b in bidangs]
    return _queue_rows(parts[0].union(*parts[1:], all=True).order_by(*order)[:limit], reference)


def _after_q(position: tuple[bool, datetime, int]) -> Q:
    """Rows after `position` in queue order.

    The `created_at >= X` bound is implied by the OR beside it, but it is what lets PostgreSQL start
    an index range at X instead of filtering every earlier row (page 10,000 of a million rows: from
    tens of milliseconds to a fraction of one).
    """
    urgent, created, pk = position
    later = Q(created_at__gte=created) & (Q(created_at__gt=created) | Q(created_at=created, id__gt=pk))
    if urgent:
        return Q(is_urgent=False) | (Q(is_urgent=True) & later)
    return Q(is_urgent=False) & later


def _before_q(position: tuple[bool, datetime, int]) -> Q:
    """Rows before `position` in queue order (the same redundant bound as `_after_q`, from above)."""
    urgent, created, pk = position
    earlier = Q(created_at__lte=created) & (Q(created_at__lt=created) | Q(created_at=created, id__lt=pk))
    if urgent:
        return Q(is_urgent=True) & earlier
    return Q(is_urgent=True) | (Q(is_urgent=False) & earlier)


def _cursor_encode(app: Application | QueueRow) -> str:
    micros = (app.created_at - _EPOCH) // timedelta(microseconds=1)
    return f"{int(app.is_urgent)}.{micros}.{app.pk}"


def _cursor_decode(cursor: str) -> tuple[bool, datetime, int] | None:
    """A cursor from the URL; anything malformed means "first page" (it carries no personal data)."""
    try:
        urgent, micros, pk = cursor.split(".")
        if urgent not in ("0", "1"):
            return None
        return urgent == "1", _EPOCH + timedelta(microseconds=int(micros)), int(pk)
    except (ValueError, OverflowError):
        return None


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def queue_nik_search(
    *, user: User, nik: str, limit: int = 50, reference: QueueReference | None = None
) -> list[QueueRow]:
    """Applications with this NIK that the user may see, newest first (served by app_nik_type_idx)."""
    rows = visible_applications(user).filter(nik=nik).order_by("-created_at", "-id")
    return _queue_rows(rows.values_list(*_QUEUE_ROW_COLUMNS)[:limit], reference or queue_reference())


# --- Intake and the application page -------------------------------------------------------------


def duplicate_open_applications(*, nik: str, document_type_id: int, limit: int = 5) -> list[Application]:
    """Open applications for the same person and document type (the intake warning)."""
    return list(
        Application.objects.filter(OPEN_Q, nik=nik, document_type_id=document_type_id)
        .select_related("assigned_to")
        .order_by("-created_at")[:limit]
    )


@dataclass
class RequirementRow:
    """One line of the application page's checklist: the requirement, its verdict and its files."""

    check: RequirementCheck
    attachments: list[Attachment] = field(default_factory=list)

    @property
    def requirement(self) -> Requirement:
        return self.check.requirement

    @property
    def current(self) -> list[Attachment]:
        return [a for a in self.attachments if a.replaced_at is None]

    @property
    def replaced(self) -> list[Attachment]:
        return [a for a in self.attachments if a.replaced_at is not None]


@dataclass
class ApplicationPage:
    rows: list[RequirementRow]
    other_attachments: list[Attachment]
    events: list[ApplicationEvent]

    @property
    def attachments(self) -> list[Attachment]:
        """Every file in the viewer's order: by requirement, current before replaced, then the rest."""
        ordered = [a for row in self.rows for a in row.current + row.replaced]
        return ordered + self.other_attachments

    @property
    def checks(self) -> list[RequirementCheck]:
        return [row.check for row in self.rows]


def application_page(application: Application) -> ApplicationPage:
    """Checklist, files and timeline of one application in three queries whatever their number."""
    checks = list(
        application.checks.select_related("requirement", "checked_by").order_by("requirement__order", "id")
    )
    rows = {c.requirement_id: RequirementRow(check=c) for c in checks}
    other: list[Attachment] = []
    for attachment in application.attachments.select_related("uploaded_by").order_by("uploaded_at", "id"):
        row = rows.get(attachment.requirement_id)
        if row is None:
            other.append(attachment)
        else:
            row.attachments.append(attachment)
    events = list(application.events.select_related("actor").order_by("-created_at", "-id"))
    return ApplicationPage(rows=list(rows.values()), other_attachments=other, events=events)


def revision_message_draft(checks: list[RequirementCheck]) -> str:
    """The list of what to correct, one line per requirement not accepted, with its instruction.

    It becomes {kekurangan} in the citizen's WhatsApp message; the officer edits it before sending.
    """
    V = RequirementCheck.Verdict
    lines = []
    for check in checks:
        if check.verdict not in (V.MISSING, V.UNREADABLE, V.INVALID):
            continue
        req = check.requirement
        line = f"- {req.name}: {check.get_verdict_display().lower()}"
        if check.reason:
            line += f" ({check.reason})"
        if req.instruction:
            line += f". {req.instruction}"
        lines.append(line)
    return "\n".join(lines)


def requirement_alternatives(requirements) -> dict[int, list[str]]:
    """For each requirement in an alternative group, the names of the other members of its group."""
    groups: dict[str, list] = {}
    for req in requirements:
        if req.alternative_group:
            groups.setdefault(req.alternative_group, []).append(req)
    return {
        req.pk: [other.name for other in members if other.pk != req.pk]
        for members in groups.values()
        for req in members
    }
