"""The queue's SQL reads indexes, not the table: the name-search trigram index and the keyset bound.

The plans are checked on PostgreSQL with sequential scans discouraged (a test table is too small for
the planner to prefer an index by itself); what matters is that an index CAN serve the query, i.e.
that the index expression and the query's expression are the same. The results are checked on
every database.
"""

import pytest
from django.db import connection, transaction
from django.utils import timezone

from applications.models import Application
from applications.selectors import (
    QueueFilters,
    _after_q,
    _cursor_decode,
    _cursor_encode,
    _search_q,
    queue_base,
    queue_filter_status,
    queue_page,
)
from tests import factories as f

NAMES = ["Siti Aminah", "Siti Rahma", "Budi Santoso", "Ahmad Sitompul", "Dewi Lestari"]


@pytest.fixture
def named(kabid, doc_type, desa_a):
    start = timezone.now() - timezone.timedelta(days=10)
    return [
        f.ApplicationFactory(
            applicant_name=name,
            document_type=doc_type,
            desa=desa_a,
            created_at=start + timezone.timedelta(hours=i),
        )
        for i, name in enumerate(NAMES * 4)
    ]


def _plan(qs, *, bitmap_only: bool = False) -> str:
    sql, params = qs.query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        if bitmap_only:  # an index that cannot answer the condition is then out of the running
            cursor.execute("SET LOCAL enable_indexscan = off")
            cursor.execute("SET LOCAL enable_indexonlyscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.django_db
def test_name_search_is_case_insensitive_substring_on_every_database(kabid, named):
    qs = queue_base(user=kabid, filters=QueueFilters(scope="bidang", q="SITI"))
    assert sorted({a.applicant_name for a in qs}) == ["Siti Aminah", "Siti Rahma"]
    assert qs.count() == 8
    qs = queue_base(user=kabid, filters=QueueFilters(scope="bidang", q="tomp"))
    assert {a.applicant_name for a in qs} == {"Ahmad Sitompul"}


@pytest.mark.django_db
@pytest.mark.postgres
def test_name_search_uses_the_trigram_index(named):
    # the queue's own condition for a name (`_search_q`), alone so no other index competes
    qs = Application.objects.filter(_search_q("aminah")).values("pk")
    plan = _plan(qs, bitmap_only=True)
    assert "Bitmap Index Scan on app_name_search_trgm_idx" in plan, plan


@pytest.mark.django_db
@pytest.mark.postgres
def test_deep_keyset_page_starts_an_index_range_at_the_cursor(kabid, named):
    qs = queue_filter_status(queue_base(user=kabid, filters=QueueFilters(scope="bidang")), "all")
    cursor_row = sorted(named, key=lambda a: (a.created_at, a.pk))[9]
    page = queue_page(qs, after=_cursor_encode(cursor_row))
    assert [a.pk for a in page.rows] == [a.pk for a in sorted(named, key=lambda a: (a.created_at, a.pk))[10:]]
    plan = _plan(
        qs.filter(_after_q(_cursor_decode(_cursor_encode(cursor_row)))).order_by(
            "-is_urgent", "created_at", "id"
        )
    )
    # the created_at bound is an index condition, not only a filter applied to every row read
    index_cond = [line for line in plan.splitlines() if "Index Cond" in line]
    assert any("created_at >=" in line for line in index_cond), plan
