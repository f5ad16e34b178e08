"""Every figure of the dashboard from the raw rows, in a fixed number of queries (see the package docstring)."""

import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from fractions import Fraction

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from dukcapil.accounts.models import Bidang, User
from notifications.models import OutboxMessage
from reports.selectors import desa_intake, officer_finished, summary_through, turnaround_counts, type_days
from routing.models import BatchItem, DeliveryBatch, Desa, RecordingBooking, RecordingDay

from ..models import Application, DocumentType, MissingTally, Requirement, RequirementCheck
from ..open_work import clock_current, open_work_read
from ..selectors import OPEN_Q
from .history import created_groups, ready_groups, turnaround_groups
from .rows import (
    AGING_BUCKETS,
    LATEST_FAILED,
    MAX_BATCHES,
    NOT_ACCEPTED,
    OPEN_STATUSES,
    QUOTA_DAYS_AHEAD,
    TOP_AREAS,
    TOP_REQUIREMENTS,
    AgingBucket,
    AreaRow,
    BatchRow,
    Dashboard,
    DashboardFilters,
    DayRow,
    FailedCountRow,
    MissingRow,
    OfficerRow,
    QuotaRow,
    RevisionRow,
    StatusRow,
    TurnaroundRow,
    dashboard_applications,
    dashboard_bidang,
    local_midnight,
)

# --- percentile ---------------------------------------------------------------------------------


def percentile_disc(histogram: dict[int, int], p: float) -> int | None:
    """PostgreSQL's percentile_disc over a histogram {value: count}: the first value, in order, whose
    cumulative count reaches p·n (at least the first value)."""
    n = sum(histogram.values())
    if not n:
        return None
    rank = max(1, math.ceil(Fraction(str(p)) * n))
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen >= rank:
            return value
    raise AssertionError("unreachable: the counts add up to n")


# --- the build ----------------------------------------------------------------------------------


def dashboard_build(
    *,
    user: User,
    filters: DashboardFilters,
    document_types: Iterable[DocumentType],
    now: datetime | None = None,
    summaries: bool = True,
) -> Dashboard:
    """Every figure of the dashboard for what `user` may see (see the module docstring for the queries).

    `document_types` is the list the filter form already loaded (names and service levels); passing
    it in saves a query. `summaries=False` reads every figure from the raw rows (the reference the
    summaries are checked against: `manage.py reports_check`).
    """
    now = now or timezone.now()
    bidang = dashboard_bidang(user, filters)
    types = {t.pk: t for t in document_types}
    scoped = dashboard_applications(bidang=bidang, filters=filters)
    start, end = local_midnight(filters.date_from), local_midnight(filters.date_to + timedelta(days=1))
    in_range = Q(created_at__gte=start, created_at__lt=end)
    window = HistoryWindow.of(filters, summary_through() if summaries else None, start, end)

    days = {d: DayRow(day=d) for d in filters.days}
    revisions = _intake(scoped, window, bidang, filters, days, types)
    finished_by_officer = _finished(scoped, window, bidang, filters, days)
    turnaround, turnaround_all = _turnaround(scoped, window, bidang, filters, types)
    # the tallies' days are in the clock's zone: read them only while it is settings.TIME_ZONE
    tally = summaries and clock_current()
    backlog, open_by_officer, open_by_desa = _backlog(
        scoped, now, bidang=bidang, filters=filters, tally=tally
    )
    missing = _missing(scoped.filter(in_range), filters, bidang=bidang, tally=tally)
    officers = _officers(bidang, open_by_officer, finished_by_officer)
    kecamatan, desa = _areas(scoped, window, bidang, filters, open_by_desa)
    quota = _quota(filters, now) if bidang in ("", Bidang.DAFDUK) else None
    batches, batches_more = _batches(bidang, filters, now)
    failed_counts, failed_latest = _failed(bidang, filters, start, end)
    return Dashboard(
        filters=filters,
        bidang=bidang,
        now=now,
        days=list(days.values()),
        backlog=backlog,
        turnaround=turnaround,
        turnaround_all=turnaround_all,
        revisions=revisions,
        missing=missing,
        officers=officers,
        kecamatan=kecamatan,
        desa=desa,
        quota=quota,
        batches=batches,
        batches_more=batches_more,
        failed_counts=failed_counts,
        failed_latest=failed_latest,
    )


@dataclass(frozen=True)
class HistoryWindow:
    """Which days of the range come from the summaries (first..last) and which from the raw rows.

    The summarised days are the range's days up to the marker; the raw part is [live_start, end):
    the days after the marker (today, normally). `full` is the whole range, for a figure whose
    summary does not carry one of the filters.
    """

    first: date | None
    last: date | None
    live_start: datetime
    start: datetime
    end: datetime

    @classmethod
    def of(cls, filters: DashboardFilters, through: date | None, start: datetime, end: datetime):
        if through is None or through < filters.date_from:
            return cls(None, None, start, start, end)
        last = min(through, filters.date_to)
        return cls(filters.date_from, last, local_midnight(last + timedelta(days=1)), start, end)

    @property
    def summarised(self) -> bool:
        return self.first is not None

    def created(self, *, live: bool = True) -> Q:
        return Q(created_at__gte=self.live_start if live else self.start, created_at__lt=self.end)

    def ready(self, *, live: bool = True) -> Q:
        return Q(ready_at__gte=self.live_start if live else self.start, ready_at__lt=self.end)

    def summary(self, bidang: str, filters: DashboardFilters) -> dict:
        return {"bidang": bidang, "filters": filters, "first": self.first, "last": self.last}


def _intake(
    qs: QuerySet[Application],
    window: HistoryWindow,
    bidang: str,
    filters: DashboardFilters,
    days: dict[date, DayRow],
    types: dict,
) -> list[RevisionRow]:
    """Received per day and the revision rate per document type: TypeDay for the summaries' days,
    then the raw rows of the days after them (the whole range raw with a kecamatan filter, which
    TypeDay does not carry). Fills `days[...].finished` from TypeDay too (see `_finished`)."""
    use_summary = window.summarised and not filters.kecamatan_id
    rows = created_groups(qs.filter(window.created(live=use_summary)))
    if use_summary:
        summary = type_days(**window.summary(bidang, filters))
        rows += summary
        for row in summary:
            if row["day"] in days:
                days[row["day"]].finished += row["finished"]
    per_type: dict[int, RevisionRow] = {}
    for row in rows:
        if not row["intake"]:
            continue
        if row["day"] in days:
            days[row["day"]].intake += row["intake"]
        type_id = row["document_type_id"]
        entry = per_type.get(type_id)
        if entry is None:
            entry = per_type[type_id] = RevisionRow(
                document_type_id=type_id, name=_type_name(types, type_id), intake=0, revised=0
            )
        entry.intake += row["intake"]
        entry.revised += row["revised"]
    return sorted(per_type.values(), key=lambda r: (-(r.rate or 0), -r.intake, r.name))


def _finished(
    qs: QuerySet[Application],
    window: HistoryWindow,
    bidang: str,
    filters: DashboardFilters,
    days: dict[date, DayRow],
) -> dict[int | None, int]:
    """Finished (ready) per day and per officer. The summaries' days come from OfficerDay (the per-day
    counts were added by `_intake` from TypeDay), the rest raw; with a kecamatan filter (not in
    OfficerDay) the whole range is read raw."""
    use_summary = window.summarised and not filters.kecamatan_id
    per_officer: dict[int | None, int] = defaultdict(int)
    if use_summary:
        for officer, n in officer_finished(**window.summary(bidang, filters)).items():
            per_officer[officer] += n
    for row in ready_groups(qs.filter(window.ready(live=use_summary))):
        if row["day"] in days:
            days[row["day"]].finished += row["finished"]
        per_officer[row["assigned_to_id"]] += row["finished"]
    return per_officer


def _turnaround(
    qs: QuerySet[Application], window: HistoryWindow, bidang: str, filters: DashboardFilters, types: dict
) -> tuple[list[TurnaroundRow], TurnaroundRow]:
    """Median and p90 (percentile_disc over whole days) and the share within the service level, per
    document type and for all together, from one histogram: the summaries' days plus the raw rows of
    the rest (the whole range raw with a kecamatan filter, which TurnaroundDay does not carry)."""
    use_summary = window.summarised and not filters.kecamatan_id
    histogram: dict[int, Counter] = defaultdict(Counter)  # type → {whole days: n}
    within: Counter = Counter()
    counts = [
        (type_id, whole_days, is_within, n)
        for (_day, type_id, _bidang, whole_days, is_within), n in turnaround_groups(
            qs.filter(window.ready(live=use_summary))
        ).items()
    ]
    if use_summary:
        counts += turnaround_counts(**window.summary(bidang, filters))
    for type_id, whole_days, is_within, n in counts:
        histogram[type_id][whole_days] += n
        if is_within:
            within[type_id] += n
    rows = [_turnaround_row(types, type_id, hist, within[type_id]) for type_id, hist in histogram.items()]
    rows.sort(key=lambda r: (_type_order(types, r.document_type_id), r.name))
    every: Counter = Counter()
    for hist in histogram.values():
        every.update(hist)
    total = _turnaround_row(types, None, every, sum(within.values()))
    return rows, total


def _turnaround_row(types: dict, type_id: int | None, histogram: Counter, within: int) -> TurnaroundRow:
    doc_type = types.get(type_id)
    return TurnaroundRow(
        document_type_id=type_id,
        name=_type_name(types, type_id) if type_id is not None else _("Semua jenis"),
        service_level_days=doc_type.service_level_days if doc_type else None,
        finished=sum(histogram.values()),
        within=within,
        median_days=percentile_disc(histogram, 0.5),
        p90_days=percentile_disc(histogram, 0.9),
    )


def _type_name(types: dict, type_id: int) -> str:
    doc_type = types.get(type_id)
    return doc_type.name if doc_type else _("Jenis #%(id)s") % {"id": type_id}


def _type_order(types: dict, type_id: int) -> tuple:
    doc_type = types.get(type_id)
    return (doc_type.category_id, doc_type.order) if doc_type else (0, 0)


def _aging_q(today: date, bucket: AgingBucket) -> Q:
    # age in days = today − the local day of intake: "low ≤ age ≤ high" in created_at terms (a clock
    # running ahead of the server's does not drop an application from the youngest bucket)
    q = Q(created_at__lt=local_midnight(today - timedelta(days=bucket.low - 1))) if bucket.low else Q()
    if bucket.high is not None:
        q &= Q(created_at__gte=local_midnight(today - timedelta(days=bucket.high)))
    return q


def _backlog(
    qs: QuerySet[Application], now: datetime, *, bidang: str, filters: DashboardFilters, tally: bool
) -> tuple[list[StatusRow], dict, dict]:
    """Queries 5a-5b: the open applications by status (total, overdue, urgent, aging buckets), and
    open/overdue per officer and per desa. From the open-work tally (applications/open_work.py)
    unless a filter asks for a dimension it does not carry (document type, kecamatan) or `tally` is
    off (the raw reference): then one grouped scan of the open applications (index-only,
    app_dash_open_idx)."""
    by_status = {s.value: StatusRow(status=s.value, label=s.label) for s in OPEN_STATUSES}
    if tally and not filters.document_type_id and not filters.kecamatan_id:
        work = open_work_read(bidang=bidang, now=now, buckets=AGING_BUCKETS)
        for status, (total, overdue, urgent, *buckets) in work.by_status.items():
            row = by_status[status]
            row.total, row.overdue, row.urgent, row.buckets = total, overdue, urgent, buckets
        return list(by_status.values()), work.per_officer, work.per_desa
    today = timezone.localdate(now)
    annotations = {
        "n": Count("id"),
        "overdue": Count("id", filter=Q(due_at__lt=now)),
        "urgent": Count("id", filter=Q(is_urgent=True)),
    }
    for i, bucket in enumerate(AGING_BUCKETS):
        annotations[f"age{i}"] = Count("id", filter=_aging_q(today, bucket))
    per_officer: dict[int | None, list[int]] = defaultdict(lambda: [0, 0])
    per_desa: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for row in (
        qs.filter(OPEN_Q).order_by().values("status", "assigned_to_id", "desa_id").annotate(**annotations)
    ):
        status_row = by_status[row["status"]]
        status_row.total += row["n"]
        status_row.overdue += row["overdue"]
        status_row.urgent += row["urgent"]
        for i in range(len(AGING_BUCKETS)):
            status_row.buckets[i] += row[f"age{i}"]
        for counts in (per_officer[row["assigned_to_id"]], per_desa[row["desa_id"]]):
            counts[0] += row["n"]
            counts[1] += row["overdue"]
    return list(by_status.values()), per_officer, per_desa


def _missing(
    qs: QuerySet[Application], filters: DashboardFilters, *, bidang: str, tally: bool
) -> list[MissingRow]:
    """Query 6: requirements whose current verdict is missing/unreadable/invalid on the applications
    received in the range, most frequent first: MissingTally (kept by triggers) summed over the
    range's days, or, with a kecamatan filter (not in the tally) or `tally` off, the checks of the
    applications received in the range (`qs`)."""
    if tally and not filters.kecamatan_id:
        rows = MissingTally.objects.filter(day__gte=filters.date_from, day__lte=filters.date_to)
        if bidang:
            rows = rows.filter(bidang=bidang)
        if filters.document_type_id:
            rows = rows.filter(document_type_id=filters.document_type_id)
        return _missing_rows(rows, "n", Sum)
    checks = RequirementCheck.objects.filter(verdict__in=NOT_ACCEPTED, application__in=qs.values("id"))
    return _missing_rows(checks, "id", Count)


def _missing_rows(rows: QuerySet, counted: str, count) -> list[MissingRow]:
    V = RequirementCheck.Verdict
    # grouped by requirement id alone, the names looked up for the few groups (joining them to
    # every row before grouping cost more than the grouping at a year of a large office)
    names = Requirement.objects.filter(pk=OuterRef("requirement_id"))
    rows = (
        rows.order_by()
        .values("requirement_id")
        .annotate(
            total=count(counted),
            missing=count(counted, filter=Q(verdict=V.MISSING)),
            unreadable=count(counted, filter=Q(verdict=V.UNREADABLE)),
            invalid=count(counted, filter=Q(verdict=V.INVALID)),
        )
        .filter(total__gt=0)
        .annotate(
            name=Subquery(names.values("name")[:1]),
            type_name=Subquery(names.values("document_type__name")[:1]),
        )
        .order_by("-total", "name", "requirement_id")[:TOP_REQUIREMENTS]
    )
    return [
        MissingRow(
            requirement_id=r["requirement_id"],
            name=r["name"],
            document_type=r["type_name"],
            count=r["total"],
            missing=r["missing"] or 0,
            unreadable=r["unreadable"] or 0,
            invalid=r["invalid"] or 0,
        )
        for r in rows
    ]


def _officers(bidang: str, open_by: dict, finished_by: dict) -> list[OfficerRow]:
    """Query 7: the active petugas of the scope (so an idle officer shows as 0) and anyone holding work."""
    holders = {pk for pk in (*open_by, *finished_by) if pk is not None}
    petugas = Q(role=User.Role.PETUGAS, is_active=True)
    if bidang:
        petugas &= Q(bidang=bidang)
    users = User.objects.filter(petugas | Q(pk__in=holders)).only(
        "id", "first_name", "last_name", "username", "is_active"
    )
    rows = []
    for user in users:
        open_n, overdue = open_by.get(user.pk, (0, 0))
        rows.append(
            OfficerRow(
                user_id=user.pk,
                name=str(user),
                open=open_n,
                overdue=overdue,
                finished=finished_by.get(user.pk, 0),
                is_active=user.is_active,
            )
        )
    if None in open_by or None in finished_by:
        open_n, overdue = open_by.get(None, (0, 0))
        rows.append(
            OfficerRow(
                user_id=None,
                name=_("Belum ditugaskan"),
                open=open_n,
                overdue=overdue,
                finished=finished_by.get(None, 0),
            )
        )
    rows.sort(key=lambda r: (r.user_id is None, -r.overdue, -r.open, r.name))
    return rows


def _areas(
    qs: QuerySet[Application],
    window: HistoryWindow,
    bidang: str,
    filters: DashboardFilters,
    open_by_desa: dict[int, list[int]],
) -> tuple[list[AreaRow], list[AreaRow]]:
    """Queries 8-9: per desa, received in the range (DesaDay for the summaries' days, raw for the
    rest; the whole range raw with a document type filter, which DesaDay does not carry), then the
    names of the desa received from or holding open applications (their open counts come from the
    backlog); kecamatan are the sums of their desa. The counts are grouped by desa id alone and the
    names read once, for the few hundred desa, rather than joined to thousands of summary rows."""
    intake: dict[int, int] = defaultdict(int)
    use_summary = window.summarised and not filters.document_type_id
    received = list(
        qs.filter(window.created(live=use_summary)).order_by().values("desa_id").annotate(n=Count("id"))
    )
    if use_summary:
        received += desa_intake(**window.summary(bidang, filters))
    for r in received:
        intake[r["desa_id"]] += r["n"]
    by_desa: dict[int, AreaRow] = {}
    kecamatan_of: dict[int, tuple[int, str]] = {}
    keys = [pk for pk, n in intake.items() if n] + [pk for pk in open_by_desa if pk not in intake]
    names = Desa.objects.filter(pk__in=keys).values_list("id", "name", "kecamatan_id", "kecamatan__name")
    for pk, name, kec_id, kec_name in names if keys else ():
        row = by_desa[pk] = AreaRow(pk=pk, name=name, kecamatan=kec_name, intake=intake.get(pk, 0))
        row.open, row.overdue = open_by_desa.get(pk, (0, 0))
        kecamatan_of[pk] = (kec_id, kec_name)
    kecamatan: dict[int, AreaRow] = {}
    for desa_id, row in by_desa.items():
        kec_id, kec_name = kecamatan_of[desa_id]
        kec = kecamatan.setdefault(kec_id, AreaRow(pk=kec_id, name=kec_name))
        kec.intake += row.intake
        kec.open += row.open
        kec.overdue += row.overdue
    return top_with_rest(list(kecamatan.values())), top_with_rest(list(by_desa.values()))


def top_with_rest(rows: list[AreaRow], n: int = TOP_AREAS) -> list[AreaRow]:
    """The n areas with the most intake (then most open), and one "lainnya" row summing the others."""
    rows = sorted(rows, key=lambda r: (-r.intake, -r.open, r.name, r.pk or 0))
    top, rest = rows[:n], rows[n:]
    if rest:
        top.append(
            AreaRow(
                pk=None,
                name=_("Lainnya (%(n)s wilayah)") % {"n": len(rest)},
                intake=sum(r.intake for r in rest),
                open=sum(r.open for r in rest),
                overdue=sum(r.overdue for r in rest),
            )
        )
    return top


def quota_window(filters: DashboardFilters, today: date) -> tuple[date, date]:
    """The selected range; when it reaches today, also the next week (the quota is planned ahead)."""
    end = filters.date_to
    if end >= today:
        end = max(end, today + timedelta(days=QUOTA_DAYS_AHEAD))
    return filters.date_from, end


def _quota(filters: DashboardFilters, now: datetime) -> list[QuotaRow]:
    """Queries 10-11: urgent KTP-el recording bookings per day against the day's cap.

    Booked = bookings scheduled or attended (they hold a place); pending ones are shown apart.
    Weekends without a booking and without their own cap are left out (the desk is closed).
    """
    first, last = quota_window(filters, timezone.localdate(now))
    B = RecordingBooking.Status
    counts = {
        r["date"]: r
        for r in RecordingBooking.objects.filter(date__gte=first, date__lte=last)
        .order_by()
        .values("date")
        .annotate(
            booked=Count("id", filter=Q(status__in=[B.BOOKED, B.ATTENDED])),
            pending=Count("id", filter=Q(status=B.PENDING_APPROVAL)),
        )
    }
    caps = dict(RecordingDay.objects.filter(date__gte=first, date__lte=last).values_list("date", "cap"))
    default_cap = settings.URGENT_RECORDING_DAILY_CAP
    rows = []
    day = first
    while day <= last:
        c = counts.get(day, {"booked": 0, "pending": 0})
        if day.weekday() < 5 or day in caps or c["booked"] or c["pending"]:
            cap = caps.get(day)
            rows.append(
                QuotaRow(
                    day=day,
                    cap=default_cap if cap is None else cap,
                    booked=c["booked"],
                    pending=c["pending"],
                )
            )
        day += timedelta(days=1)
    return rows


def _batches(bidang: str, filters: DashboardFilters, now: datetime) -> tuple[list[BatchRow], bool]:
    """Query 12: batches on the road, the MAX_BATCHES oldest (batch_status_dispatched_idx walked in
    order until enough match). A batch carries both bidang: a kepala bidang sees the ones holding at
    least one document of theirs."""
    qs = DeliveryBatch.objects.filter(status=DeliveryBatch.Status.DISPATCHED)
    if filters.kecamatan_id:
        qs = qs.filter(desa__kecamatan_id=filters.kecamatan_id)
    if bidang:
        qs = qs.filter(Exists(BatchItem.objects.filter(batch=OuterRef("pk"), application__bidang=bidang)))
    batches = list(qs.select_related("desa__kecamatan").order_by("dispatched_at", "id")[: MAX_BATCHES + 1])
    rows = [
        BatchRow(
            pk=b.pk,
            number=b.number,
            desa=b.desa.name,
            kecamatan=b.desa.kecamatan.name,
            dispatched_at=b.dispatched_at,
            days_waiting=days_between(b.dispatched_at or b.created_at, now),
            item_count=b.item_count,
        )
        for b in batches[:MAX_BATCHES]
    ]
    return rows, len(batches) > MAX_BATCHES


def days_between(earlier: datetime, later: datetime) -> int:
    """Whole days elapsed (24-hour periods), never negative."""
    return max(0, (later - earlier) // timedelta(days=1))


def _failed(
    bidang: str, filters: DashboardFilters, start: datetime, end: datetime
) -> tuple[list[FailedCountRow], list[OutboxMessage]]:
    """Queries 13-14: WhatsApp messages created in the range that failed (still retrying, or for good).

    Scoped through their application; messages without one (shift reminders to officers) count only
    on the office-wide dashboard without filters.
    """
    M = OutboxMessage.Status
    qs = OutboxMessage.objects.filter(status__in=[M.FAILED, M.PERMANENT_FAILURE], created_at__gte=start)
    qs = qs.filter(created_at__lt=end)
    if bidang:
        qs = qs.filter(application__bidang=bidang)
    if filters.document_type_id:
        qs = qs.filter(application__document_type_id=filters.document_type_id)
    if filters.kecamatan_id:
        qs = qs.filter(application__desa__kecamatan_id=filters.kecamatan_id)
    events = dict(OutboxMessage._meta.get_field("event").choices)
    statuses = dict(M.choices)
    counts = [
        FailedCountRow(
            event=r["event"],
            event_label=str(events.get(r["event"], r["event"])),
            status=r["status"],
            status_label=str(statuses.get(r["status"], r["status"])),
            count=r["n"],
        )
        for r in qs.order_by().values("event", "status").annotate(n=Count("id"))
    ]
    counts.sort(key=lambda r: (-r.count, r.event_label, r.status))
    latest = list(
        qs.select_related("application")
        .only(
            "id",
            "event",
            "status",
            "attempts",
            "recipient",
            "created_at",
            "application__id",
            "application__number",
        )
        .order_by("-created_at", "-id")[:LATEST_FAILED]
    )
    return counts, latest
