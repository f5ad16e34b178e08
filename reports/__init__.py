"""Daily summaries of the dashboard's history figures (issue 7 part 2).

Why: the kepala bidang's dashboard computed every figure from the raw rows; the range figures
(intake, finished, turnaround, revisions, intake per desa) grew with the daily intake. Here every
full past day (office time zone) is summarised once, and the dashboard reads the summaries for
those days and the raw rows only for the days after the marker (normally today alone).

Design:
- A fact of a past day does not change once the day is over when it is keyed on its own event:
  intake on created_at, finished and turnaround on ready_at (set once, by mark_ready). The two
  facts that can still change after their day are kept exact by hooks in the same transaction as
  the change (`services.summary_revision_counted`, `services.summary_officer_moved`): an
  application's first revision request (its intake day's `revised` count) and the reassignment of
  a ready document (its ready day's per-officer count).
- `SummaryMarker.through` is the last summarised day. `summaries_refresh` (beat task
  `reports.tasks.summaries_refresh_task`, command `reports_refresh`, the end of `seed_demo`)
  summarises every day after it up to yesterday, a calendar month per transaction, with the marker
  row locked (the hooks lock it too, so a hook and a refresh never miss each other). If the job has not run,
  the dashboard reads the missing days raw: the numbers stay exact, only slower.
- The tables carry the dimensions of the dashboard's filters where that keeps them small:
  `TypeDay` (day, document type: ~20 rows a day), `TurnaroundDay` (day, document type, whole
  days, within the service level), `OfficerDay` (day, document type, officer), `DesaDay` (day,
  desa). The last three also hold month rows (the sums of a calendar month that is over, written
  with its last day), so a one-year range reads ~12 month rows per key instead of 366 day rows.
  A filter a table does not carry (kecamatan for TypeDay, turnaround and per-officer throughput,
  document type for the per-desa intake) makes the dashboard read that figure raw over the range:
  a kecamatan is ~1/18 of the office's rows. (Per kecamatan, TypeDay grew to ~240,000 rows at a
  million applications, hardly smaller than the raw index it replaces.)
- Turnaround percentiles are percentile_disc over whole days (floor((ready_at − created_at) / 1
  day)), which a histogram gives exactly; the raw reference uses the same definition.
- Current-state figures (backlog, aging, open and overdue per officer and desa) are not history:
  they come from the open-work tally that database triggers keep (applications/open_work.py),
  folded hourly by the same beat task. The "requirements most often not accepted" figure reads
  MissingTally (checks not accepted per day of intake, also kept by triggers), since a verdict
  changes long after its application's day.
"""
