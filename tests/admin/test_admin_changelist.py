"""The application changelist stays cheap at any size: constant queries, no whole-table COUNT(*)."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from applications.models import Application
from dukcapil.core.admin_tools import EstimatingPaginator
from tests import factories as f
from tests.admin import changelist_url, make_staff


def _applications(n, *, document_type, desa, officer):
    f.ApplicationFactory.create_batch(n, document_type=document_type, desa=desa, assigned_to=officer)


# Queries of one changelist page, whatever the number of rows:
#  1. the session  2. the user  3-4. the user's own and group permissions (then cached on the user)
#  5. the document types for the "jenis dokumen" filter  6. the kecamatan for the kecamatan filter
#  7. the count (exact on SQLite; an estimate or a LIMIT-capped count on PostgreSQL)
#  8. the page's rows with document type, desa and officer joined (list_select_related)
#  9-11. the session's activity stamp saved (savepoint, update, release: the session middleware)
# A role with 2FA (the admin here) adds one: django-otp loads the session's device on every request,
# so a device removed by a reset stops counting at once.
# On PostgreSQL the unfiltered list reads the planner's estimate from pg_class first (one more);
# it then skips the count when the table is large, and counts exactly when it is small (as here).
APPLICATION_CHANGELIST_QUERIES = 11
OTP_DEVICE_QUERY = 1


@pytest.mark.parametrize("rows", [10, 300])
def test_application_changelist_queries_do_not_grow_with_rows(
    client, admin_user, officer, doc_type, desa_a, rows, django_assert_num_queries, is_postgres
):
    _applications(rows, document_type=doc_type, desa=desa_a, officer=officer)
    client.force_login(admin_user)
    with django_assert_num_queries(APPLICATION_CHANGELIST_QUERIES + OTP_DEVICE_QUERY + is_postgres):
        response = client.get(changelist_url(Application))
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == min(rows, 50)


@pytest.mark.parametrize("rows", [10, 300])
def test_scoped_changelist_queries_do_not_grow_with_rows(
    client, officer, doc_type, desa_a, rows, django_assert_num_queries
):
    _applications(rows, document_type=doc_type, desa=desa_a, officer=officer)
    client.force_login(make_staff(officer))
    with django_assert_num_queries(APPLICATION_CHANGELIST_QUERIES):
        response = client.get(changelist_url(Application) + "?status__exact=received&kecamatan=1")
    assert response.status_code == 200


def _count_queries(captured) -> list[str]:
    return [q["sql"] for q in captured if re.search(r"\bCOUNT\(", q["sql"], re.IGNORECASE)]


def test_small_lists_are_counted_exactly(client, admin_user, officer, doc_type, desa_a):
    _applications(3, document_type=doc_type, desa=desa_a, officer=officer)
    client.force_login(admin_user)
    response = client.get(changelist_url(Application))
    cl = response.context["cl"]
    assert cl.result_count == 3
    assert not cl.paginator.is_estimate and not cl.paginator.is_capped
    assert "sekitar" not in response.content.decode()


@pytest.mark.postgres
def test_unfiltered_changelist_takes_the_planner_estimate_not_a_count(
    client, admin_user, officer, doc_type, desa_a, monkeypatch
):
    _applications(30, document_type=doc_type, desa=desa_a, officer=officer)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE applications_application")
    # a real office has a million rows; here 30 rows stand for "more than the exact-count threshold"
    monkeypatch.setattr(EstimatingPaginator, "exact_below", 10)
    client.force_login(admin_user)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(changelist_url(Application))
    assert response.status_code == 200
    assert _count_queries(ctx.captured_queries) == []
    assert any("reltuples" in q["sql"] for q in ctx.captured_queries)
    cl = response.context["cl"]
    assert cl.paginator.is_estimate
    assert cl.result_count == 30  # ANALYZE reads every row of so small a table
    assert "sekitar 30" in response.content.decode()


@pytest.mark.postgres
def test_small_tables_are_counted_exactly_on_postgres(client, admin_user, officer, doc_type, desa_a):
    _applications(5, document_type=doc_type, desa=desa_a, officer=officer)
    client.force_login(admin_user)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(changelist_url(Application))
    assert response.context["cl"].result_count == 5
    assert not response.context["cl"].paginator.is_estimate
    assert len(_count_queries(ctx.captured_queries)) == 1


@pytest.mark.postgres
@pytest.mark.parametrize("who", ["admin_filtered", "petugas_scoped"])
def test_filtered_or_scoped_count_stops_at_the_cap(
    client, admin_user, officer, doc_type, desa_a, monkeypatch, who
):
    _applications(30, document_type=doc_type, desa=desa_a, officer=officer)
    monkeypatch.setattr(EstimatingPaginator, "cap", 20)
    if who == "admin_filtered":
        client.force_login(admin_user)
        url = changelist_url(Application) + "?status__exact=received"
    else:
        client.force_login(make_staff(officer))  # the bidang scope is a WHERE of its own
        url = changelist_url(Application)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    counts = _count_queries(ctx.captured_queries)
    assert len(counts) == 1
    assert "LIMIT 21" in counts[0]  # cap + 1 rows at most, never the whole table
    cl = response.context["cl"]
    assert cl.paginator.is_capped and cl.result_count == 20
    assert "lebih dari 20" in response.content.decode()
