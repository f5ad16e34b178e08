"""The open applications per day (OpenWorkTally), kept exact by database triggers, filled from the rows.

Every open application (status not handed over, rejected or cancelled) counts once in each of four
views (`kind`): 1 status × local day of intake (with the urgent count), 2 status × local due day,
3 officer × due day, 4 desa × due day. The day is taken in the clock row's time zone and raised to
the clock's floor (`GREATEST(day, floor)`), so a row on the floor day also holds every earlier day.

PostgreSQL: statement-level triggers with transition tables, one grouped upsert per statement (as
in 0005). SQLite: row triggers (INSERT OR IGNORE of the four keys, then one UPDATE of them).
The SQL is frozen here on purpose: a later change of the triggers is a new migration.
"""

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

APP = "applications_application"
TALLY = "applications_openworktally"
CLOCK = "applications_openworkclock"
CLOSED = "('handed_over', 'rejected', 'cancelled')"
KEY = "kind, bidang, status, dim, day"


def _pg_rows(table: str, sign: int) -> str:
    """The four keys of every open row of `table`, with its signed count and urgent count."""
    return f"""
        SELECT k.kind, s.bidang, k.status, k.dim, k.day, {sign} AS d,
               CASE WHEN k.kind = 1 AND s.is_urgent THEN {sign} ELSE 0 END AS u
        FROM {table} s CROSS JOIN {CLOCK} c CROSS JOIN LATERAL (VALUES
            (1, s.status::text, 0::bigint,
             GREATEST((s.created_at AT TIME ZONE c.time_zone)::date, c.age_floor)),
            (2, s.status::text, 0::bigint, GREATEST((s.due_at AT TIME ZONE c.time_zone)::date, c.due_floor)),
            (3, ''::text, COALESCE(s.assigned_to_id, 0)::bigint,
             GREATEST((s.due_at AT TIME ZONE c.time_zone)::date, c.due_floor)),
            (4, ''::text, s.desa_id::bigint, GREATEST((s.due_at AT TIME ZONE c.time_zone)::date, c.due_floor))
        ) AS k(kind, status, dim, day)
        WHERE s.status NOT IN {CLOSED}
    """  # noqa: S608 - constants only


# ORDER BY takes the tally rows' locks in one order (no deadlock between two bulk statements);
# HAVING skips statements that moved nothing (an update of other columns)
_PG_UPSERT = f"""
    INSERT INTO {TALLY} ({KEY}, n, urgent)
    SELECT {KEY}, SUM(d), SUM(u) FROM ({{rows}}) AS delta
    GROUP BY {KEY} HAVING SUM(d) <> 0 OR SUM(u) <> 0
    ORDER BY {KEY}
    ON CONFLICT ({KEY}) DO UPDATE SET n = {TALLY}.n + EXCLUDED.n, urgent = {TALLY}.urgent + EXCLUDED.urgent
"""  # noqa: S608 - constants only
_PG_EVENTS = {
    "insert": ("REFERENCING NEW TABLE AS new_rows", _pg_rows("new_rows", 1)),
    "delete": ("REFERENCING OLD TABLE AS old_rows", _pg_rows("old_rows", -1)),
    "update": (
        "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
        _pg_rows("new_rows", 1) + " UNION ALL " + _pg_rows("old_rows", -1),
    ),
}
PG_CREATE = [
    stmt
    for event, (referencing, rows) in _PG_EVENTS.items()
    for stmt in (
        f"""CREATE FUNCTION app_open_{event}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN {_PG_UPSERT.format(rows=rows)}; RETURN NULL; END $$""",
        f"""CREATE TRIGGER app_open_{event} AFTER {event.upper()} ON {APP} {referencing}
        FOR EACH STATEMENT EXECUTE FUNCTION app_open_{event}()""",
    )
]
PG_DROP = [
    stmt
    for event in _PG_EVENTS
    for stmt in (f"DROP TRIGGER IF EXISTS app_open_{event} ON {APP}", f"DROP FUNCTION IF EXISTS app_open_{event}()")
]
PG_FILL = _PG_UPSERT.format(rows=_pg_rows(APP, 1))


def _sqlite_keys(row: str, source: str = f"{CLOCK} c") -> str:
    """The four keys of one application row (NEW or OLD; or every row of `source` as `row`), with the
    urgent count of the first; none when it is closed."""
    created = f"max(date({row}.created_at, c.utc_offset), c.age_floor)"
    due = f"max(date({row}.due_at, c.utc_offset), c.due_floor)"
    urgent = f"(CASE WHEN {row}.urgency <> 'none' THEN 1 ELSE 0 END)"
    return " UNION ALL ".join(
        f"SELECT {kind} AS kind, {row}.bidang AS bidang, {status} AS status, {dim} AS dim, {day} AS day, "  # noqa: S608
        f"{u} AS u FROM {source} WHERE {row}.status NOT IN {CLOSED}"
        for kind, status, dim, day, u in (
            (1, f"{row}.status", "0", created, urgent),
            (2, f"{row}.status", "0", due, "0"),
            (3, "''", f"COALESCE({row}.assigned_to_id, 0)", due, "0"),
            (4, "''", f"{row}.desa_id", due, "0"),
        )
    )


def _sqlite_add(row: str, sign: str) -> str:
    """Add (sign "+") or remove ("-") one application row from its four tally rows."""
    keys = _sqlite_keys(row)
    return f"""
        INSERT OR IGNORE INTO {TALLY} ({KEY}, n, urgent) SELECT {KEY}, 0, 0 FROM ({keys});
        UPDATE {TALLY} SET n = n {sign} 1,
            urgent = urgent {sign} (CASE WHEN kind = 1 AND {row}.urgency <> 'none' THEN 1 ELSE 0 END)
        WHERE ({KEY}) IN (SELECT {KEY} FROM ({keys}));
    """  # noqa: S608 - constants only


_SQLITE_COLUMNS = ("bidang", "status", "assigned_to_id", "desa_id", "created_at", "due_at", "urgency")
SQLITE_CREATE = [
    f"CREATE TRIGGER app_open_insert AFTER INSERT ON {APP} BEGIN {_sqlite_add('NEW', '+')} END",
    f"CREATE TRIGGER app_open_delete AFTER DELETE ON {APP} BEGIN {_sqlite_add('OLD', '-')} END",
    f"""CREATE TRIGGER app_open_update AFTER UPDATE OF {", ".join(_SQLITE_COLUMNS)} ON {APP}
    WHEN {" OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in _SQLITE_COLUMNS)}
    BEGIN {_sqlite_add("OLD", "-")} {_sqlite_add("NEW", "+")} END""",
]
SQLITE_DROP = [f"DROP TRIGGER IF EXISTS app_open_{event}" for event in ("insert", "update", "delete")]
SQLITE_FILL = f"""
    INSERT INTO {TALLY} ({KEY}, n, urgent)
    SELECT {KEY}, COUNT(*), SUM(u) FROM ({_sqlite_keys("a", f"{APP} a CROSS JOIN {CLOCK} c")}) GROUP BY {KEY}
"""  # noqa: S608 - constants only


def clock_start(*, existing_rows: bool) -> dict:
    """The clock row for settings.TIME_ZONE. Over existing applications the floors start 31 days back
    and yesterday, so the fill writes the folded rows at once (a table filled day by day, then
    folded, would keep the pages of the rows it folded); over an empty table they fold nothing yet
    (the periodic fold, applications/open_work.py, raises them)."""
    zone = ZoneInfo(settings.TIME_ZONE)
    now = timezone.now().astimezone(zone)
    minutes = int(now.utcoffset().total_seconds() // 60)
    today = now.date()
    return {
        "time_zone": settings.TIME_ZONE,
        "utc_offset": f"{minutes:+d} minutes",
        "age_floor": today - timedelta(days=31) if existing_rows else date(1900, 1, 1),
        "due_floor": today - timedelta(days=1) if existing_rows else date(1900, 1, 1),
    }


def install(apps, schema_editor):
    """The clock row, the tally filled from the existing rows, then the triggers (one transaction)."""
    vendor = schema_editor.connection.vendor
    if vendor not in ("postgresql", "sqlite"):
        raise NotImplementedError(f"no open-work triggers for {vendor}")
    if vendor == "postgresql":
        # writers wait from the fill to the triggers (a row written in between would be counted by
        # neither); readers go on
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {APP} IN SHARE ROW EXCLUSIVE MODE")
    existing_rows = apps.get_model("applications", "Application").objects.exists()
    apps.get_model("applications", "OpenWorkClock").objects.create(**clock_start(existing_rows=existing_rows))
    statements = [PG_FILL, *PG_CREATE] if vendor == "postgresql" else [SQLITE_FILL, *SQLITE_CREATE]
    with schema_editor.connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def uninstall(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    with schema_editor.connection.cursor() as cursor:
        for sql in PG_DROP if vendor == "postgresql" else SQLITE_DROP:
            cursor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0007_attachment_screen_version"),
    ]

    operations = [
        migrations.CreateModel(
            name="OpenWorkClock",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("time_zone", models.CharField(max_length=64)),
                ("utc_offset", models.CharField(max_length=20)),
                ("age_floor", models.DateField()),
                ("due_floor", models.DateField()),
            ],
            options={
                "verbose_name": "jam rekap pekerjaan terbuka",
                "verbose_name_plural": "jam rekap pekerjaan terbuka",
            },
        ),
        migrations.CreateModel(
            name="OpenWorkTally",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "kind",
                    models.PositiveSmallIntegerField(
                        choices=[
                            (1, "status × hari diterima"),
                            (2, "status × hari tenggat"),
                            (3, "petugas × hari tenggat"),
                            (4, "desa × hari tenggat"),
                        ]
                    ),
                ),
                (
                    "bidang",
                    models.CharField(
                        choices=[("dafduk", "Pendaftaran Penduduk"), ("capil", "Pencatatan Sipil")], max_length=10
                    ),
                ),
                ("status", models.CharField(blank=True, max_length=20)),
                ("dim", models.BigIntegerField(default=0)),
                ("day", models.DateField()),
                ("n", models.BigIntegerField(default=0)),
                ("urgent", models.BigIntegerField(default=0)),
            ],
            options={
                "verbose_name": "rekap pekerjaan terbuka",
                "verbose_name_plural": "rekap pekerjaan terbuka",
                "constraints": [
                    models.UniqueConstraint(fields=("kind", "bidang", "status", "dim", "day"), name="open_tally_key")
                ],
            },
        ),
        migrations.RunPython(install, uninstall),
    ]
