"""Requirement verdicts not accepted, per intake day (MissingTally), kept exact by database triggers.

Every requirement check whose current verdict is missing, unreadable or invalid counts once under
its application's bidang, document type and local day of intake (in the open-work clock's time
zone, migration 0008), its requirement and its verdict. Triggers on the checks follow verdict
changes; a trigger on the applications moves the counts of an application whose intake time,
bidang or document type changes. PostgreSQL: statement-level triggers with transition tables;
SQLite: row triggers. The SQL is frozen here on purpose: a later change is a new migration.
"""

import django.db.models.deletion
from django.db import migrations, models

APP = "applications_application"
CHECK = "applications_requirementcheck"
TALLY = "applications_missingtally"
CLOCK = "applications_openworkclock"
NOT_ACCEPTED = "('missing', 'unreadable', 'invalid')"
KEY = "bidang, document_type_id, requirement_id, day, verdict"


def _pg_check_rows(table: str, sign: int) -> str:
    """The keys of the not-accepted checks in `table` (a transition table of checks)."""
    return f"""
        SELECT a.bidang, a.document_type_id, r.requirement_id,
               (a.created_at AT TIME ZONE c.time_zone)::date AS day, r.verdict, {sign} AS d
        FROM {table} r JOIN {APP} a ON a.id = r.application_id CROSS JOIN {CLOCK} c
        WHERE r.verdict IN {NOT_ACCEPTED}
    """  # noqa: S608 - constants only


def _pg_app_rows(side: str, other: str, sign: int) -> str:
    """The not-accepted checks of the applications whose intake time, bidang or type changed, under
    the `side` (new_rows or old_rows) values."""
    return f"""
        SELECT s.bidang, s.document_type_id, r.requirement_id,
               (s.created_at AT TIME ZONE c.time_zone)::date AS day, r.verdict, {sign} AS d
        FROM {side} s JOIN {other} o ON o.id = s.id JOIN {CHECK} r ON r.application_id = s.id
        CROSS JOIN {CLOCK} c
        WHERE r.verdict IN {NOT_ACCEPTED}
          AND (s.created_at, s.bidang, s.document_type_id) IS DISTINCT FROM
              (o.created_at, o.bidang, o.document_type_id)
    """  # noqa: S608 - constants only


_PG_UPSERT = f"""
    INSERT INTO {TALLY} ({KEY}, n)
    SELECT {KEY}, SUM(d) FROM ({{rows}}) AS delta
    GROUP BY {KEY} HAVING SUM(d) <> 0
    ORDER BY {KEY}
    ON CONFLICT ({KEY}) DO UPDATE SET n = {TALLY}.n + EXCLUDED.n
"""  # noqa: S608 - constants only
_PG_TRIGGERS = {
    # name: (table, event, referencing, rows)
    "check_insert": (CHECK, "INSERT", "REFERENCING NEW TABLE AS new_rows", _pg_check_rows("new_rows", 1)),
    "check_delete": (CHECK, "DELETE", "REFERENCING OLD TABLE AS old_rows", _pg_check_rows("old_rows", -1)),
    "check_update": (
        CHECK,
        "UPDATE",
        "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
        _pg_check_rows("new_rows", 1) + " UNION ALL " + _pg_check_rows("old_rows", -1),
    ),
    "app_update": (
        APP,
        "UPDATE",
        "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
        _pg_app_rows("new_rows", "old_rows", 1) + " UNION ALL " + _pg_app_rows("old_rows", "new_rows", -1),
    ),
}
# A check trigger reads its application's intake time, bidang and type; an UPDATE of those on the
# application (missing_app_update) moves only the checks it can see. Inserting a check locks its
# application FOR KEY SHARE only, which does not wait for that UPDATE, so each check trigger first
# locks its applications FOR SHARE (in id order): it waits for an UPDATE in flight and then reads
# the committed row (plpgsql takes a new snapshot per statement), and an UPDATE arriving later
# waits for the check's transaction and then sees the check.
_PG_LOCK_PARENTS = {
    "check_insert": ("new_rows",),
    "check_delete": ("old_rows",),
    "check_update": ("new_rows", "old_rows"),
    "app_update": (),
}


def _pg_lock_parents(tables: tuple[str, ...]) -> str:
    if not tables:
        return ""
    ids = " UNION ".join(f"SELECT application_id FROM {t}" for t in tables)  # noqa: S608 - transition table names
    return f"PERFORM 1 FROM {APP} WHERE id IN ({ids}) ORDER BY id FOR SHARE;"  # noqa: S608


PG_CREATE = [
    stmt
    for name, (table, event, referencing, rows) in _PG_TRIGGERS.items()
    for stmt in (
        f"""CREATE FUNCTION missing_{name}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN {_pg_lock_parents(_PG_LOCK_PARENTS[name])} {_PG_UPSERT.format(rows=rows)}; RETURN NULL; END $$""",
        f"""CREATE TRIGGER missing_{name} AFTER {event} ON {table} {referencing}
        FOR EACH STATEMENT EXECUTE FUNCTION missing_{name}()""",
    )
]
PG_DROP = [
    stmt
    for name, (table, *_rest) in _PG_TRIGGERS.items()
    for stmt in (f"DROP TRIGGER IF EXISTS missing_{name} ON {table}", f"DROP FUNCTION IF EXISTS missing_{name}()")
]
PG_FILL = _PG_UPSERT.format(rows=_pg_check_rows(CHECK, 1))


def _sqlite_check_add(row: str, sign: str) -> str:
    """Add or remove one check row (NEW or OLD) when its verdict is not accepted."""
    keys = f"""SELECT a.bidang, a.document_type_id, {row}.requirement_id AS requirement_id,
        date(a.created_at, c.utc_offset) AS day, {row}.verdict AS verdict
        FROM {APP} a CROSS JOIN {CLOCK} c WHERE a.id = {row}.application_id AND {row}.verdict IN {NOT_ACCEPTED}"""  # noqa: S608
    return f"""
        INSERT OR IGNORE INTO {TALLY} ({KEY}, n) SELECT {KEY}, 0 FROM ({keys});
        UPDATE {TALLY} SET n = n {sign} 1 WHERE ({KEY}) IN (SELECT {KEY} FROM ({keys}));
    """  # noqa: S608 - constants only


def _sqlite_app_move(row: str, sign: str) -> str:
    """Add or remove every not-accepted check of one application row (NEW or OLD) under its values."""
    keys = f"""SELECT {row}.bidang AS bidang, {row}.document_type_id AS document_type_id,
        r.requirement_id AS requirement_id, date({row}.created_at, c.utc_offset) AS day, r.verdict AS verdict
        FROM {CHECK} r CROSS JOIN {CLOCK} c WHERE r.application_id = {row}.id AND r.verdict IN {NOT_ACCEPTED}"""  # noqa: S608
    return f"""
        INSERT OR IGNORE INTO {TALLY} ({KEY}, n) SELECT {KEY}, 0 FROM ({keys});
        UPDATE {TALLY} SET n = n {sign} 1 WHERE ({KEY}) IN (SELECT {KEY} FROM ({keys}));
    """  # noqa: S608 - constants only


_SQLITE_CHECK_COLUMNS = ("application_id", "requirement_id", "verdict")
_SQLITE_APP_COLUMNS = ("created_at", "bidang", "document_type_id")
SQLITE_CREATE = [
    f"CREATE TRIGGER missing_check_insert AFTER INSERT ON {CHECK} BEGIN {_sqlite_check_add('NEW', '+')} END",
    f"CREATE TRIGGER missing_check_delete AFTER DELETE ON {CHECK} BEGIN {_sqlite_check_add('OLD', '-')} END",
    f"""CREATE TRIGGER missing_check_update AFTER UPDATE OF {", ".join(_SQLITE_CHECK_COLUMNS)} ON {CHECK}
    WHEN {" OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in _SQLITE_CHECK_COLUMNS)}
    BEGIN {_sqlite_check_add("OLD", "-")} {_sqlite_check_add("NEW", "+")} END""",
    # one application's checks hold one requirement each, so every key moves by exactly one per check
    f"""CREATE TRIGGER missing_app_update AFTER UPDATE OF {", ".join(_SQLITE_APP_COLUMNS)} ON {APP}
    WHEN {" OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in _SQLITE_APP_COLUMNS)}
    BEGIN {_sqlite_app_move("OLD", "-")} {_sqlite_app_move("NEW", "+")} END""",
]
SQLITE_DROP = [
    f"DROP TRIGGER IF EXISTS missing_{name}" for name in ("check_insert", "check_delete", "check_update", "app_update")
]
SQLITE_FILL = f"""
    INSERT INTO {TALLY} ({KEY}, n)
    SELECT a.bidang, a.document_type_id, r.requirement_id, date(a.created_at, c.utc_offset), r.verdict, COUNT(*)
    FROM {CHECK} r JOIN {APP} a ON a.id = r.application_id CROSS JOIN {CLOCK} c
    WHERE r.verdict IN {NOT_ACCEPTED}
    GROUP BY 1, 2, 3, 4, 5
"""  # noqa: S608 - constants only


def install(apps, schema_editor):
    """Fill from the existing checks, then create the triggers (one transaction)."""
    vendor = schema_editor.connection.vendor
    if vendor not in ("postgresql", "sqlite"):
        raise NotImplementedError(f"no missing-requirement triggers for {vendor}")
    with schema_editor.connection.cursor() as cursor:
        if vendor == "postgresql":
            # writers wait from the fill to the triggers (a row written in between would be counted
            # by neither); readers go on
            cursor.execute(f"LOCK TABLE {APP}, {CHECK} IN SHARE ROW EXCLUSIVE MODE")
        for sql in [PG_FILL, *PG_CREATE] if vendor == "postgresql" else [SQLITE_FILL, *SQLITE_CREATE]:
            cursor.execute(sql)


def uninstall(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    with schema_editor.connection.cursor() as cursor:
        for sql in PG_DROP if vendor == "postgresql" else SQLITE_DROP:
            cursor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0008_open_work_tally"),
    ]

    operations = [
        migrations.CreateModel(
            name="MissingTally",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "bidang",
                    models.CharField(
                        choices=[("dafduk", "Pendaftaran Penduduk"), ("capil", "Pencatatan Sipil")], max_length=10
                    ),
                ),
                (
                    "document_type",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="applications.documenttype",
                    ),
                ),
                (
                    "requirement",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="applications.requirement",
                    ),
                ),
                ("day", models.DateField()),
                ("verdict", models.CharField(max_length=12)),
                ("n", models.BigIntegerField(default=0)),
            ],
            options={
                "verbose_name": "rekap persyaratan tidak diterima",
                "verbose_name_plural": "rekap persyaratan tidak diterima",
                "indexes": [models.Index(fields=["day", "bidang"], name="missing_day_bidang_idx")],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("bidang", "document_type", "requirement", "day", "verdict"),
                        name="missing_tally_key",
                    )
                ],
            },
        ),
        migrations.RunPython(install, uninstall),
    ]
