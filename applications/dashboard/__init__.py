"""The kepala bidang's dashboard: figures over the raw rows in a fixed number of queries.

Modules: `rows` (constants, filters, scope and the result rows), `figures` (the queries),
`tables` (the figures as tables for the page and the downloads), `charts` (Chart.js configs),
`xlsx` (the workbook).

History figures (intake, finished, turnaround, revisions, intake per desa) read the daily
summaries of the `reports` app for the days that are over and summarised, and the raw rows for the
days after its marker (today, normally): see reports/__init__.py. `history` groups the raw rows the
same way for both. Current-state figures come from the open-work tally (query 5). The
query count does not grow with the data. The queries, in order (see `figures.dashboard_build`):

 0. the summaries' marker (the last summarised day)
 1. intake: created after the marker, grouped by day and document type (with the revised count),
    then TypeDay over the summarised days (intake, revised and finished per day and type)
 2. finished: ready after the marker, per day and officer, then OfficerDay over the summarised days
 3. turnaround: ready after the marker, per document type, whole days and within, then TurnaroundDay
 4. the tallies' clock: are their days in settings.TIME_ZONE (else 5 and 6 read the raw rows)
 5. open backlog by status (overdue, urgent, aging buckets), open and overdue per officer and per
    desa: the open-work tally (applications/open_work.py, kept by triggers) summed into buckets and
    due-day phases, then the open applications due today; with a document type or kecamatan filter
    (not in the tally), one grouped scan of the open applications instead
 6. requirements most often not accepted (missing, unreadable, invalid), top N: MissingTally (kept
    by triggers) over the range's days; with a kecamatan filter, the checks of the range's applications
 7. the officers (active petugas of the scope plus anyone holding work in it)
 8-9. per desa: received after the marker, then DesaDay; the names of the desa with open
    applications (kecamatan are summed from the desa)
 10-11. urgent recording quota: bookings per day, and the days with their own cap (Dafduk only)
 12. delivery batches dispatched but not yet confirmed by the desa
 13-14. failed WhatsApp notifications: counts by event and status, and the latest few

Definitions (the tests recompute each of them naively from the rows):
- a day is a calendar day in the office's time zone; the range is [date_from 00:00, date_to+1 00:00)
- open: status not handed over, rejected or cancelled; overdue: open and due_at < now
- age of an open application: calendar days from its local day of intake to today; buckets 0–3,
  4–7, 8–14, 15–30, >30
- finished: ready_at inside the range; turnaround: ready_at − created_at in whole days (rounded
  down); "within the service level": ready_at <= due_at (the deadline fixed at intake)
- median and p90 follow PostgreSQL's percentile_disc over the whole days (the first value whose
  cumulative share reaches 50% / 90%), which the summaries' histograms give exactly
- a summary lacking a filter's dimension (kecamatan: turnaround and per-officer throughput;
  document type: intake per desa) makes that figure read the whole range raw
- revision rate: share of the applications received in the range with revision_count > 0
"""

from .figures import (
    HistoryWindow,
    dashboard_build,
    days_between,
    percentile_disc,
    quota_window,
    top_with_rest,
)
from .rows import (
    AGING_BUCKETS,
    DEFAULT_RANGE_DAYS,
    LATEST_FAILED,
    MAX_BATCHES,
    MAX_RANGE_DAYS,
    NOT_ACCEPTED,
    OPEN_STATUSES,
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
    dashboard_allowed,
    dashboard_applications,
    dashboard_bidang,
)

__all__ = [
    "AGING_BUCKETS",
    "DEFAULT_RANGE_DAYS",
    "LATEST_FAILED",
    "MAX_BATCHES",
    "MAX_RANGE_DAYS",
    "NOT_ACCEPTED",
    "OPEN_STATUSES",
    "TOP_AREAS",
    "TOP_REQUIREMENTS",
    "AgingBucket",
    "AreaRow",
    "BatchRow",
    "Dashboard",
    "DashboardFilters",
    "DayRow",
    "FailedCountRow",
    "MissingRow",
    "OfficerRow",
    "HistoryWindow",
    "QuotaRow",
    "RevisionRow",
    "StatusRow",
    "TurnaroundRow",
    "dashboard_allowed",
    "dashboard_applications",
    "dashboard_bidang",
    "dashboard_build",
    "days_between",
    "percentile_disc",
    "quota_window",
    "top_with_rest",
]
