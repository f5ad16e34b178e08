"""Indexes for the officers' batch list and the Pemdes portal at a million applications.

Raw SQL without model state: routing/models.py belongs to the delivery area's owner; the
indexes change no behaviour, only plans. Plain CREATE INDEX works on SQLite and PostgreSQL.
"""

from django.db import migrations

INDEXES = [
    # delivery_selectors._items_in_status: COUNT(*) of one batch's items in one status, per row of
    # the batch list and the Pemdes portal (index-only instead of reading every item row)
    (
        "batch_item_batch_status_idx",
        "routing_batchitem (batch_id, status)",
    ),
    # delivery_selectors.office_batch_list: ORDER BY created_at DESC, id DESC LIMIT 25 over every
    # batch of the office (read in order instead of sorting the whole table)
    (
        "batch_created_id_idx",
        "routing_deliverybatch (created_at DESC, id DESC)",
    ),
    # the same list filtered by one status tab
    (
        "batch_status_created_id_idx",
        "routing_deliverybatch (status, created_at DESC, id DESC)",
    ),
    # delivery_selectors.ready_summary (delivery.ready_for_batch): COUNT(id), COUNT(DISTINCT desa_id)
    # of ready via-Pemdes documents, index-only; app_ready_pemdes_idx holds desa alone and sent
    # the count to the heap (300 ms -> 100 ms at 1M with 25,800 ready documents)
    (
        "app_ready_pemdes_cov_idx",
        "applications_application (desa_id, id) WHERE status = 'ready' AND delivery_method = 'via_pemdes'",
    ),
]


class Migration(migrations.Migration):
    dependencies = [
        ("routing", "0001_initial"),
        ("applications", "0004_dashboard_covering_indexes"),
    ]

    operations = [
        migrations.RunSQL(
            sql=f"CREATE INDEX IF NOT EXISTS {name} ON {target}",
            reverse_sql=f"DROP INDEX IF EXISTS {name}",
        )
        for name, target in INDEXES
    ]
