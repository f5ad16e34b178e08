"""What the dashboard is made of: its constants, filters and scope, and the rows of each figure."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy

from dukcapil.accounts.models import Bidang, User
from notifications.models import OutboxMessage

from ..models import Application, RequirementCheck

S = Application.Status
# the open statuses in the order an application moves: the rows of the backlog
OPEN_STATUSES = [s for s in S if s.value not in Application.CLOSED_STATUSES]
NOT_ACCEPTED = (
    RequirementCheck.Verdict.MISSING,
    RequirementCheck.Verdict.UNREADABLE,
    RequirementCheck.Verdict.INVALID,
)
MAX_RANGE_DAYS = 366
DEFAULT_RANGE_DAYS = 30
TOP_AREAS = 10
TOP_REQUIREMENTS = 10
MAX_BATCHES = 50
LATEST_FAILED = 20
QUOTA_DAYS_AHEAD = 7


@dataclass(frozen=True)
class AgingBucket:
    low: int  # whole days, inclusive
    high: int | None  # inclusive; None: no upper end
    label: str


AGING_BUCKETS = [
    AgingBucket(0, 3, gettext_lazy("0–3 hari")),
    AgingBucket(4, 7, gettext_lazy("4–7 hari")),
    AgingBucket(8, 14, gettext_lazy("8–14 hari")),
    AgingBucket(15, 30, gettext_lazy("15–30 hari")),
    AgingBucket(31, None, gettext_lazy("> 30 hari")),
]


# --- Filters and scope ----------------------------------------------------------------------------


DASHBOARD_ROLES = frozenset({User.Role.KEPALA_BIDANG, User.Role.KEPALA_DINAS, User.Role.ADMIN})


def dashboard_allowed(user: User) -> bool:
    """Section heads (their bidang), the head of office and the admin (everything). Nobody else."""
    if user.is_superuser or user.is_office_wide:
        return True
    return user.role == User.Role.KEPALA_BIDANG and bool(user.bidang)


@dataclass(frozen=True)
class DashboardFilters:
    date_from: date
    date_to: date
    bidang: str = ""  # "" = every bidang (office-wide users only)
    document_type_id: int | None = None
    kecamatan_id: int | None = None

    @classmethod
    def default(cls, today: date | None = None) -> "DashboardFilters":
        today = today or timezone.localdate()
        return cls(date_from=today - timedelta(days=DEFAULT_RANGE_DAYS - 1), date_to=today)

    @property
    def days(self) -> list[date]:
        return [self.date_from + timedelta(days=i) for i in range((self.date_to - self.date_from).days + 1)]


def dashboard_bidang(user: User, filters: DashboardFilters) -> str:
    """The bidang the figures cover: a kepala bidang always their own, whatever the request says."""
    if user.is_office_wide or user.is_superuser:
        return filters.bidang if filters.bidang in Bidang.values else ""
    return user.bidang


def local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def dashboard_applications(*, bidang: str, filters: DashboardFilters) -> QuerySet[Application]:
    """Applications of the scope: bidang (or all), document type and kecamatan; no date condition."""
    qs = Application.objects.all()
    if bidang:
        qs = qs.filter(bidang=bidang)
    if filters.document_type_id:
        qs = qs.filter(document_type_id=filters.document_type_id)
    if filters.kecamatan_id:
        qs = qs.filter(desa__kecamatan_id=filters.kecamatan_id)
    return qs


# --- Result rows ----------------------------------------------------------------------------------


@dataclass
class DayRow:
    day: date
    intake: int = 0
    finished: int = 0


@dataclass
class StatusRow:
    status: str
    label: str
    total: int = 0
    overdue: int = 0
    urgent: int = 0
    buckets: list[int] = field(default_factory=lambda: [0] * len(AGING_BUCKETS))


@dataclass
class TurnaroundRow:
    document_type_id: int | None
    name: str
    service_level_days: int | None
    finished: int
    within: int
    median_days: float | None
    p90_days: float | None

    @property
    def share_within(self) -> float | None:
        return self.within / self.finished if self.finished else None


@dataclass
class RevisionRow:
    document_type_id: int
    name: str
    intake: int
    revised: int

    @property
    def rate(self) -> float | None:
        return self.revised / self.intake if self.intake else None


@dataclass
class MissingRow:
    requirement_id: int
    name: str
    document_type: str
    count: int
    missing: int
    unreadable: int
    invalid: int


@dataclass
class OfficerRow:
    user_id: int | None
    name: str
    open: int = 0
    overdue: int = 0
    finished: int = 0
    is_active: bool = True


@dataclass
class AreaRow:
    pk: int | None  # None: the "lainnya" row
    name: str
    intake: int = 0
    open: int = 0
    overdue: int = 0
    kecamatan: str = ""


@dataclass
class QuotaRow:
    day: date
    cap: int
    booked: int
    pending: int

    @property
    def share(self) -> float | None:
        return self.booked / self.cap if self.cap else None


@dataclass
class BatchRow:
    pk: int
    number: str
    desa: str
    kecamatan: str
    dispatched_at: datetime | None
    days_waiting: int
    item_count: int


@dataclass
class FailedCountRow:
    event: str
    event_label: str
    status: str
    status_label: str
    count: int


@dataclass
class Dashboard:
    filters: DashboardFilters
    bidang: str
    now: datetime
    days: list[DayRow]
    backlog: list[StatusRow]
    turnaround: list[TurnaroundRow]
    turnaround_all: TurnaroundRow
    revisions: list[RevisionRow]
    missing: list[MissingRow]
    officers: list[OfficerRow]
    kecamatan: list[AreaRow]
    desa: list[AreaRow]
    quota: list[QuotaRow] | None  # None: the quota is not this bidang's business
    batches: list[BatchRow]
    batches_more: bool
    failed_counts: list[FailedCountRow]
    failed_latest: list[OutboxMessage]

    @property
    def intake_total(self) -> int:
        return sum(d.intake for d in self.days)

    @property
    def finished_total(self) -> int:
        return sum(d.finished for d in self.days)

    @property
    def open_total(self) -> int:
        return sum(r.total for r in self.backlog)

    @property
    def overdue_total(self) -> int:
        return sum(r.overdue for r in self.backlog)

    @property
    def urgent_total(self) -> int:
        return sum(r.urgent for r in self.backlog)

    @property
    def bucket_totals(self) -> list[int]:
        return [sum(r.buckets[i] for r in self.backlog) for i in range(len(AGING_BUCKETS))]

    @property
    def revised_total(self) -> int:
        return sum(r.revised for r in self.revisions)

    @property
    def failed_total(self) -> int:
        return sum(r.count for r in self.failed_counts)

    @property
    def failed_permanent(self) -> int:
        return sum(r.count for r in self.failed_counts if r.status == OutboxMessage.Status.PERMANENT_FAILURE)

    @property
    def batches_late(self) -> int:
        """Dispatched batches the desa has not confirmed after more than two days."""
        return sum(1 for b in self.batches if b.days_waiting > 2)
