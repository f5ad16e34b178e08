"""Per (bidang, officer, status) counters kept exact by database triggers, filled from the rows.

PostgreSQL: three statement-level triggers with transition tables, each doing one grouped upsert, so
a bulk COPY or UPDATE of a million rows costs one statement per chunk rather than a trigger per row.
SQLite: row triggers (INSERT OR IGNORE of the key, then UPDATE of the count).
The SQL is frozen here on purpose: a later change of the triggers is a new migration.
"""

from django.db import migrations, models

APP = "applications_application"
TALLY = "applications_applicationtally"

# one grouped upsert of signed deltas; ORDER BY takes the tally rows' locks in one order (no deadlock
# between two bulk statements), HAVING skips updates that moved nothing (e.g. only updated_at)
_PG_UPSERT = f"""
    INSERT INTO {TALLY} (bidang, assignee, status, n)
    SELECT bidang, assignee, status, SUM(d) FROM ({{rows}}) AS delta
    GROUP BY bidang, assignee, status HAVING SUM(d) <> 0
    ORDER BY bidang, assignee, status
    ON CONFLICT (bidang, assignee, status) DO UPDATE SET n = {TALLY}.n + EXCLUDED.n
"""  # noqa: S608 - table names are constants
_PG_ROWS = "SELECT bidang, COALESCE(assigned_to_id, 0) AS assignee, status, {sign} AS d FROM {table}"
_PG_EVENTS = {
    "insert": ("REFERENCING NEW TABLE AS new_rows", _PG_ROWS.format(sign=1, table="new_rows")),
    "delete": ("REFERENCING OLD TABLE AS old_rows", _PG_ROWS.format(sign=-1, table="old_rows")),
    "update": (
        "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
        _PG_ROWS.format(sign=1, table="new_rows")
        + " UNION ALL "
        + _PG_ROWS.format(sign=-1, table="old_rows"),
    ),
}

PG_CREATE = [
    stmt
    for event, (referencing, rows) in _PG_EVENTS.items()
    for stmt in (
        f"""CREATE FUNCTION app_tally_{event}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN {_PG_UPSERT.format(rows=rows)}; RETURN NULL; END $$""",
        # PostgreSQL allows transition tables only on single-event triggers without column lists
        f"""CREATE TRIGGER app_tally_{event} AFTER {event.upper()} ON {APP} {referencing}
        FOR EACH STATEMENT EXECUTE FUNCTION app_tally_{event}()""",
    )
]
PG_DROP = [
    stmt
    for event in _PG_EVENTS
    for stmt in (
        f"DROP TRIGGER IF EXISTS app_tally_{event} ON {APP}",
        f"DROP FUNCTION IF EXISTS app_tally_{event}()",
    )
]


def _sqlite_add(row: str, sign: str) -> str:
    """Add (sign "+") or remove ("-") one application row (NEW or OLD) from its tally row."""
    return f"""
        INSERT OR IGNORE INTO {TALLY} (bidang, assignee, status, n)
        VALUES ({row}.bidang, COALESCE({row}.assigned_to_id, 0), {row}.status, 0);
        UPDATE {TALLY} SET n = n {sign} 1 WHERE bidang = {row}.bidang
            AND assignee = COALESCE({row}.assigned_to_id, 0) AND status = {row}.status;
    """  # noqa: S608 - constants only


SQLITE_CREATE = [
    f"CREATE TRIGGER app_tally_insert AFTER INSERT ON {APP} BEGIN {_sqlite_add('NEW', '+')} END",
    f"CREATE TRIGGER app_tally_delete AFTER DELETE ON {APP} BEGIN {_sqlite_add('OLD', '-')} END",
    f"""CREATE TRIGGER app_tally_update AFTER UPDATE OF bidang, assigned_to_id, status ON {APP}
    WHEN OLD.bidang IS NOT NEW.bidang OR OLD.assigned_to_id IS NOT NEW.assigned_to_id
        OR OLD.status IS NOT NEW.status
    BEGIN {_sqlite_add("OLD", "-")} {_sqlite_add("NEW", "+")} END""",
]
SQLITE_DROP = [f"DROP TRIGGER IF EXISTS app_tally_{event}" for event in ("insert", "update", "delete")]

FILL = f"""
    INSERT INTO {TALLY} (bidang, assignee, status, n)
    SELECT bidang, COALESCE(assigned_to_id, 0), status, COUNT(*) FROM {APP}
    GROUP BY bidang, COALESCE(assigned_to_id, 0), status
"""  # noqa: S608 - table names are constants


def _run(schema_editor, statements):
    with schema_editor.connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def install(apps, schema_editor):
    """Fill the tally from the existing rows, then create the triggers (same transaction)."""
    vendor = schema_editor.connection.vendor
    if vendor not in ("postgresql", "sqlite"):
        raise NotImplementedError(f"no tally triggers for {vendor}")
    _run(schema_editor, [FILL, *(PG_CREATE if vendor == "postgresql" else SQLITE_CREATE)])


def uninstall(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    _run(schema_editor, PG_DROP if vendor == "postgresql" else SQLITE_DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0004_dashboard_covering_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="ApplicationTally",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "bidang",
                    models.CharField(
                        choices=[("dafduk", "Pendaftaran Penduduk"), ("capil", "Pencatatan Sipil")],
                        max_length=10,
                    ),
                ),
                ("assignee", models.IntegerField(default=0)),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("received", "Diterima"),
                            ("verifying", "Diverifikasi"),
                            ("revision_required", "Perlu perbaikan"),
                            ("resubmitted", "Perbaikan dikirim"),
                            ("verified", "Terverifikasi"),
                            ("processing", "Diproses"),
                            ("ready", "Siap"),
                            ("in_delivery", "Dalam pengiriman ke desa"),
                            ("at_desa", "Di kantor desa"),
                            ("handed_over", "Sudah diserahkan"),
                            ("rejected", "Ditolak"),
                            ("cancelled", "Dibatalkan"),
                        ],
                        max_length=20,
                    ),
                ),
                ("n", models.BigIntegerField(default=0)),
            ],
            options={
                "verbose_name": "rekap status permohonan",
                "verbose_name_plural": "rekap status permohonan",
                "constraints": [
                    models.UniqueConstraint(fields=("bidang", "assignee", "status"), name="app_tally_key")
                ],
            },
        ),
        migrations.RunPython(install, uninstall),
    ]
