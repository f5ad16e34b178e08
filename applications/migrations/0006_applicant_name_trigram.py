"""A trigram index for the queue's name search (PostgreSQL only; SQLite searches without an index).

Django's `applicant_name__icontains` becomes `UPPER("applicant_name"::text) LIKE UPPER('%…%')` on
PostgreSQL, so the index is on that same expression with `gin_trgm_ops`: a LIKE with a fragment of
three letters or more then reads the index instead of every row. It is raw SQL guarded by the vendor
rather than a `GinIndex` in the model's Meta, so the model state stays valid on SQLite.
"""

from django.db import migrations

CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    # used by the queue's name search (applicant_name__icontains)
    "CREATE INDEX IF NOT EXISTS app_name_search_trgm_idx ON applications_application "
    "USING gin ((UPPER(applicant_name::text)) gin_trgm_ops)",
]
DROP = ["DROP INDEX IF EXISTS app_name_search_trgm_idx"]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        with schema_editor.connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0005_application_tally"),
    ]

    operations = [migrations.RunPython(_run(CREATE), _run(DROP))]
