"""The Pemdes portal: only their own desa, receipt and hand-over through the pages, and 404 for the rest."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import formats, timezone

from applications.models import Application
from notifications.models import OutboxMessage
from routing import views_pemdes
from routing.models import BatchItem, DeliveryBatch
from routing.views_pemdes import HOME_HISTORY, HOME_OVERDUE
from tests.routing.delivery_helpers import batch_with

pytestmark = pytest.mark.django_db

MISSING = 987654
NBSP = "\xa0"  # timesince joins number and unit with a no-break space


@pytest.fixture
def received_a(officer, pemdes_a, desa_a, doc_type):
    return batch_with(
        officer=officer, desa=desa_a, document_type=doc_type, n=2, status="received", pemdes=pemdes_a
    )


@pytest.fixture
def dispatched_a(officer, desa_a, doc_type):
    return batch_with(officer=officer, desa=desa_a, document_type=doc_type, n=2, status="dispatched")


def _batch_urls(batch_pk: int, item_pk: int) -> list[tuple[str, str]]:
    """Every URL that takes a batch: (method, url). Pages, downloads and actions."""
    b = {"pk": batch_pk}
    bi = {"pk": batch_pk, "item_pk": item_pk}
    return [
        ("get", reverse("routing:batch_detail", kwargs=b)),
        ("get", reverse("routing:batch_manifest", kwargs=b)),
        ("get", reverse("routing:batch_pdf", kwargs=b)),
        ("get", reverse("routing:batch_csv", kwargs=b)),
        ("get", reverse("routing:batch_xlsx", kwargs=b)),
        ("post", reverse("routing:batch_dispatch", kwargs=b)),
        ("post", reverse("routing:batch_confirm_receipt", kwargs=b)),
        ("post", reverse("routing:batch_remove_item", kwargs=bi)),
        ("get", reverse("routing:batch_hand_over_item", kwargs=bi)),
        ("post", reverse("routing:batch_hand_over_item", kwargs=bi)),
        ("get", reverse("routing:batch_return_item", kwargs=bi)),
        ("post", reverse("routing:batch_return_item", kwargs=bi)),
    ]


POST_DATA = {
    "version": "1",
    "checked": "on",
    "courier": "1",
    "dispatch_date": "2026-01-01",
    "received_by_name": "Siapa Saja",
    "relation": "tetangga",
    "handed_over_on": "2026-01-01",
    "reason": "Coba-coba",
}


def _unmasked(content: bytes) -> bytes:
    return re.sub(
        rb'name="csrfmiddlewaretoken" value="[^"]+"', b'name="csrfmiddlewaretoken" value=""', content
    )


@pytest.mark.parametrize("status", ["dispatched", "received"])
def test_pemdes_of_another_desa_gets_404_for_every_batch_url_like_a_missing_batch(
    client, officer, pemdes_a, pemdes_b, desa_a, doc_type, status
):
    batch = batch_with(
        officer=officer, desa=desa_a, document_type=doc_type, n=2, status=status, pemdes=pemdes_a
    )
    item = batch.items.first()
    before = (batch.version, list(BatchItem.objects.values_list("status", flat=True).order_by("pk")))
    client.force_login(pemdes_b)

    missing = [client.generic(m.upper(), url) for m, url in _batch_urls(MISSING, MISSING)]
    other = [getattr(client, m)(url, POST_DATA) for m, url in _batch_urls(batch.pk, item.pk)]
    # the item of another desa under a missing batch, and a missing item under the real batch
    crossed = [getattr(client, m)(url, POST_DATA) for m, url in _batch_urls(MISSING, item.pk)]

    for nothing, theirs, cross in zip(missing, other, crossed, strict=True):
        assert theirs.status_code == nothing.status_code == cross.status_code == 404
        # identical apart from the CSRF token, which Django masks afresh on every response
        assert _unmasked(theirs.content) == _unmasked(nothing.content)
    batch.refresh_from_db()
    assert (batch.version, list(BatchItem.objects.values_list("status", flat=True).order_by("pk"))) == before


def test_pemdes_does_not_see_its_own_batch_while_it_is_prepared(client, officer, pemdes_a, desa_a, doc_type):
    batch = batch_with(officer=officer, desa=desa_a, document_type=doc_type)
    client.force_login(pemdes_a)
    for method, url in _batch_urls(batch.pk, batch.items.first().pk):
        assert getattr(client, method)(url, POST_DATA).status_code == 404, url


def test_anonymous_is_sent_to_login_from_every_portal_url(client, received_a):
    item = received_a.items.first()
    urls = [*_batch_urls(received_a.pk, item.pk), ("get", reverse("routing:pemdes_home"))]
    for method, url in urls:
        response = getattr(client, method)(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login")), url


def test_portal_home_is_for_pemdes_only(client, officer, admin_user):
    for user in (officer, admin_user):
        client.force_login(user)
        assert client.get(reverse("routing:pemdes_home")).status_code == 403


def test_portal_home_shows_incoming_waiting_overdue_and_history_of_own_desa_only(
    client, settings, officer, pemdes_a, pemdes_b, desa_a, desa_b, doc_type
):
    settings.DELIVERY_WAITING_DAYS = 14
    incoming = batch_with(officer=officer, desa=desa_a, document_type=doc_type, status="dispatched")
    waiting = batch_with(
        officer=officer, desa=desa_a, document_type=doc_type, status="received", pemdes=pemdes_a
    )
    old = batch_with(officer=officer, desa=desa_a, document_type=doc_type, status="received", pemdes=pemdes_a)
    DeliveryBatch.objects.filter(pk=old.pk).update(received_at=timezone.now() - timedelta(days=20))
    late_name = old.items.first().application.applicant_name
    other = batch_with(
        officer=officer, desa=desa_b, document_type=doc_type, status="received", pemdes=pemdes_b
    )
    client.force_login(pemdes_a)

    response = client.get(reverse("routing:pemdes_home"))

    assert response.status_code == 200
    body = response.content.decode()
    assert incoming.number in body and waiting.number in body and old.number in body
    assert other.number not in body
    assert [b.pk for b in response.context["incoming"]] == [incoming.pk]
    assert {i.batch_id for i in response.context["overdue"]} == {old.pk}
    assert late_name in body and "lebih dari 14 hari" in body
    # the row links (formatted from one reversal per name) lead where reverse() would
    late = response.context["overdue"][0]
    for url in (
        reverse("routing:batch_detail", args=[incoming.pk]),
        reverse("routing:batch_detail", args=[old.pk]),
        reverse("routing:batch_hand_over_item", args=[old.pk, late.pk]),
        reverse("routing:batch_return_item", args=[old.pk, late.pk]),
    ):
        assert f'href="{url}"' in body, url
    # "at the desa since": the day it arrived and how long ago (made once per batch)
    old.refresh_from_db()
    arrived = formats.date_format(timezone.localtime(old.received_at), "j M Y")
    assert f"{arrived} (2{NBSP}minggu, 6{NBSP}hari)" in body  # received 20 days ago


def test_waiting_days_come_from_the_setting(client, settings, officer, pemdes_a, desa_a, doc_type):
    batch = batch_with(
        officer=officer, desa=desa_a, document_type=doc_type, status="received", pemdes=pemdes_a
    )
    DeliveryBatch.objects.filter(pk=batch.pk).update(received_at=timezone.now() - timedelta(days=5))
    client.force_login(pemdes_a)
    settings.DELIVERY_WAITING_DAYS = 14
    assert client.get(reverse("routing:pemdes_home")).context["overdue"] == []
    settings.DELIVERY_WAITING_DAYS = 3
    assert len(client.get(reverse("routing:pemdes_home")).context["overdue"]) == 2  # both items


def test_portal_home_query_count_does_not_grow_with_batches(
    client, officer, pemdes_a, desa_a, doc_type, django_assert_num_queries
):
    def build(n):
        for _ in range(n):
            batch_with(officer=officer, desa=desa_a, document_type=doc_type, status="dispatched")
            b = batch_with(
                officer=officer, desa=desa_a, document_type=doc_type, status="received", pemdes=pemdes_a
            )
            DeliveryBatch.objects.filter(pk=b.pk).update(received_at=timezone.now() - timedelta(days=30))
            done = batch_with(
                officer=officer, desa=desa_a, document_type=doc_type, status="received", pemdes=pemdes_a
            )
            DeliveryBatch.objects.filter(pk=done.pk).update(status=DeliveryBatch.Status.CLOSED)  # history

    client.force_login(pemdes_a)
    url = reverse("routing:pemdes_home")
    build(1)
    # session, user; overdue items, history, incoming, at desa (each with item counts); the user's
    # desa (nav) and its kecamatan (header); session save (savepoint, update, release)
    with django_assert_num_queries(PORTAL_QUERIES):
        client.get(url)
    build(HOME_HISTORY + 1)  # past the home page's share of every list
    with django_assert_num_queries(PORTAL_QUERIES):
        response = client.get(url)
    assert response.context["overdue_more"] and response.context["history_more"]


PORTAL_QUERIES = 11


def _overdue_batch(*, officer, pemdes, desa, doc_type, n: int, days: int = 30) -> DeliveryBatch:
    batch = batch_with(
        officer=officer, desa=desa, document_type=doc_type, n=n, status="received", pemdes=pemdes
    )
    DeliveryBatch.objects.filter(pk=batch.pk).update(received_at=timezone.now() - timedelta(days=days))
    return batch


def _closed_batch(*, officer, pemdes, desa, doc_type) -> DeliveryBatch:
    batch = batch_with(
        officer=officer, desa=desa, document_type=doc_type, n=1, status="received", pemdes=pemdes
    )
    DeliveryBatch.objects.filter(pk=batch.pk).update(status=DeliveryBatch.Status.CLOSED)
    return batch


def test_home_shows_the_oldest_overdue_documents_and_links_to_all_of_them(
    client, settings, officer, pemdes_a, desa_a, doc_type
):
    settings.DELIVERY_WAITING_DAYS = 14
    older = _overdue_batch(officer=officer, pemdes=pemdes_a, desa=desa_a, doc_type=doc_type, n=4, days=40)
    newer = _overdue_batch(officer=officer, pemdes=pemdes_a, desa=desa_a, doc_type=doc_type, n=HOME_OVERDUE)
    client.force_login(pemdes_a)
    home = client.get(reverse("routing:pemdes_home"))
    shown = home.context["overdue"]
    assert len(shown) == HOME_OVERDUE and home.context["overdue_more"]
    assert [i.batch_id for i in shown[:4]] == [older.pk] * 4  # the oldest first
    assert f'href="{reverse("routing:pemdes_overdue")}"' in home.content.decode()

    full = client.get(reverse("routing:pemdes_overdue"))
    assert full.status_code == 200
    items = list(full.context["page"].object_list)
    assert len(items) == 4 + HOME_OVERDUE
    assert [i.batch_id for i in items] == [older.pk] * 4 + [newer.pk] * HOME_OVERDUE
    late = items[-1]
    body = full.content.decode()
    assert late.application.applicant_name in body
    assert f'href="{reverse("routing:batch_hand_over_item", args=[newer.pk, late.pk])}"' in body
    assert f'href="{reverse("routing:batch_return_item", args=[newer.pk, late.pk])}"' in body


def test_home_without_more_overdue_documents_has_no_link(
    client, settings, officer, pemdes_a, desa_a, doc_type
):
    settings.DELIVERY_WAITING_DAYS = 14
    _overdue_batch(officer=officer, pemdes=pemdes_a, desa=desa_a, doc_type=doc_type, n=HOME_OVERDUE)
    client.force_login(pemdes_a)
    home = client.get(reverse("routing:pemdes_home"))
    assert len(home.context["overdue"]) == HOME_OVERDUE and not home.context["overdue_more"]
    assert reverse("routing:pemdes_overdue") not in home.content.decode()


def test_overdue_and_history_lists_are_paged_and_hold_only_the_own_desa(
    client, settings, monkeypatch, officer, pemdes_a, pemdes_b, desa_a, desa_b, doc_type
):
    settings.DELIVERY_WAITING_DAYS = 14
    monkeypatch.setattr(views_pemdes, "OVERDUE_PER_PAGE", 3)
    monkeypatch.setattr(views_pemdes, "HISTORY_PER_PAGE", 2)
    own = _overdue_batch(officer=officer, pemdes=pemdes_a, desa=desa_a, doc_type=doc_type, n=4)
    theirs = _overdue_batch(officer=officer, pemdes=pemdes_b, desa=desa_b, doc_type=doc_type, n=2)
    closed = [
        _closed_batch(officer=officer, pemdes=pemdes_a, desa=desa_a, doc_type=doc_type) for _ in range(3)
    ]
    closed_b = _closed_batch(officer=officer, pemdes=pemdes_b, desa=desa_b, doc_type=doc_type)
    client.force_login(pemdes_a)

    first, second = (client.get(reverse("routing:pemdes_overdue"), {"page": n}) for n in (1, 2))
    items = [*first.context["page"].object_list, *second.context["page"].object_list]
    assert [i.batch_id for i in items] == [own.pk] * 4
    assert "Halaman 1 dari 2" in first.content.decode()
    assert theirs.number not in first.content.decode() + second.content.decode()

    first, second = (client.get(reverse("routing:pemdes_history"), {"page": n}) for n in (1, 2))
    batches = [*first.context["page"].object_list, *second.context["page"].object_list]
    assert {b.pk for b in batches} == {b.pk for b in closed}
    assert closed_b.number not in first.content.decode() + second.content.decode()
    assert f'href="{reverse("routing:batch_detail", args=[batches[0].pk])}"' in first.content.decode()


def test_full_lists_are_for_the_pemdes_only(client, officer, admin_user, pemdes_a):
    urls = [reverse("routing:pemdes_overdue"), reverse("routing:pemdes_history")]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    for user in (officer, admin_user):
        client.force_login(user)
        assert [client.get(url).status_code for url in urls] == [403, 403]
    client.force_login(pemdes_a)
    assert [client.get(url).status_code for url in urls] == [200, 200]


@pytest.mark.parametrize("name", ["routing:pemdes_overdue", "routing:pemdes_history"])
def test_full_list_query_count_does_not_grow(
    client, settings, officer, pemdes_a, desa_a, doc_type, name, django_assert_num_queries
):
    settings.DELIVERY_WAITING_DAYS = 14
    client.force_login(pemdes_a)

    def build():
        _overdue_batch(officer=officer, pemdes=pemdes_a, desa=desa_a, doc_type=doc_type, n=2)
        _closed_batch(officer=officer, pemdes=pemdes_a, desa=desa_a, doc_type=doc_type)

    build()
    # session, user; the list's count and page; the user's desa (nav, header); session save (3)
    with django_assert_num_queries(FULL_LIST_QUERIES):
        client.get(reverse(name))
    for _ in range(3):
        build()
    with django_assert_num_queries(FULL_LIST_QUERIES):
        assert client.get(reverse(name)).status_code == 200


FULL_LIST_QUERIES = 8


def test_pemdes_confirms_receipt_through_the_batch_page(client, pemdes_a, dispatched_a):
    client.force_login(pemdes_a)
    page = client.get(reverse("routing:batch_detail", args=[dispatched_a.pk]))
    assert page.status_code == 200 and "Konfirmasi diterima" in page.content.decode()
    url = reverse("routing:batch_confirm_receipt", args=[dispatched_a.pk])

    unchecked = client.post(url, {"version": dispatched_a.version})
    assert unchecked.status_code == 400 and "Cocokkan dulu" in unchecked.content.decode()
    dispatched_a.refresh_from_db()
    assert dispatched_a.status == DeliveryBatch.Status.DISPATCHED

    done = client.post(url, {"version": dispatched_a.version, "checked": "on"})

    assert done.status_code == 302
    dispatched_a.refresh_from_db()
    assert dispatched_a.status == DeliveryBatch.Status.RECEIVED
    assert OutboxMessage.objects.filter(event="at_desa").count() == 2


def test_confirm_with_an_old_version_says_the_batch_changed(client, officer, pemdes_a, dispatched_a):
    client.force_login(pemdes_a)
    response = client.post(
        reverse("routing:batch_confirm_receipt", args=[dispatched_a.pk]),
        {"version": dispatched_a.version - 1, "checked": "on"},
    )
    assert response.status_code == 400 and "baru saja diubah" in response.content.decode()
    dispatched_a.refresh_from_db()
    assert dispatched_a.status == DeliveryBatch.Status.DISPATCHED


def test_officer_cannot_confirm_receipt_or_hand_over(client, officer, dispatched_a, received_a):
    client.force_login(officer)
    assert (
        client.post(
            reverse("routing:batch_confirm_receipt", args=[dispatched_a.pk]),
            {"version": dispatched_a.version, "checked": "on"},
        ).status_code
        == 403
    )
    item = received_a.items.first()
    url = reverse("routing:batch_hand_over_item", args=[received_a.pk, item.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"received_by_name": "X", "handed_over_on": "2026-01-01"}).status_code == 403


def test_pemdes_cannot_dispatch_or_remove_items(client, pemdes_a, received_a):
    client.force_login(pemdes_a)
    item = received_a.items.first()
    assert client.post(reverse("routing:batch_dispatch", args=[received_a.pk]), POST_DATA).status_code == 403
    assert client.post(reverse("routing:batch_remove_item", args=[received_a.pk, item.pk])).status_code == 403
    assert BatchItem.objects.filter(pk=item.pk).exists()


def test_hand_over_page_records_the_resident_and_relation(client, pemdes_a, received_a):
    client.force_login(pemdes_a)
    item = received_a.items.select_related("application").first()
    url = reverse("routing:batch_hand_over_item", args=[received_a.pk, item.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["form"]["received_by_name"].initial == item.application.applicant_name
    today = timezone.localdate().isoformat()

    missing_relation = client.post(url, {"received_by_name": "Ahmad Tetangga", "handed_over_on": today})
    assert missing_relation.status_code == 400
    assert "relation" in missing_relation.context["form"].errors
    item.refresh_from_db()
    assert item.status == BatchItem.Status.IN_BATCH

    response = client.post(
        url, {"received_by_name": "Ahmad Suami", "relation": "suami", "handed_over_on": today}
    )

    assert response.status_code == 302 and response["Location"].endswith(f"#item-{item.pk}")
    item.refresh_from_db()
    assert (item.status, item.received_by_name, item.relation) == ("handed_over", "Ahmad Suami", "suami")
    assert item.application.status == Application.Status.HANDED_OVER


def test_hand_over_page_refuses_a_future_date_with_a_field_error(client, pemdes_a, received_a):
    client.force_login(pemdes_a)
    item = received_a.items.select_related("application").first()
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = client.post(
        reverse("routing:batch_hand_over_item", args=[received_a.pk, item.pk]),
        {"received_by_name": item.application.applicant_name, "handed_over_on": tomorrow},
    )
    assert response.status_code == 400
    assert "masa depan" in str(response.context["form"].errors["handed_over_on"])


def test_return_page_needs_a_reason_and_returns_the_document(client, pemdes_a, received_a):
    client.force_login(pemdes_a)
    item = received_a.items.first()
    url = reverse("routing:batch_return_item", args=[received_a.pk, item.pk])
    assert client.get(url).status_code == 200

    empty = client.post(url, {"reason": "  "})
    assert empty.status_code == 400 and "reason" in empty.context["form"].errors

    response = client.post(url, {"reason": "Pemohon pindah domisili"})

    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == BatchItem.Status.RETURNED
    assert item.application.status == Application.Status.READY


def test_pemdes_downloads_the_manifest_of_its_own_batch(client, pemdes_a, received_a):
    client.force_login(pemdes_a)
    pdf = client.get(reverse("routing:batch_pdf", args=[received_a.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    assert pdf["Cache-Control"] == "private, no-store"
    csv = client.get(reverse("routing:batch_csv", args=[received_a.pk]))
    assert csv.status_code == 200 and received_a.number in csv["Content-Disposition"]
    xlsx = client.get(reverse("routing:batch_xlsx", args=[received_a.pk]))
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
