"""Officers' delivery pages: access per view, the create-all job, single items, dispatch, query pins."""

import pytest
from django.urls import reverse
from django.utils import timezone

from applications.models import Application
from dukcapil.core.models import AuditEntry, BackgroundJob
from notifications.models import OutboxMessage
from routing.models import BatchItem, DeliveryBatch
from tests import factories as f
from tests.routing.delivery_helpers import batch_with, ready_app

pytestmark = pytest.mark.django_db

OFFICE_PAGES = ["routing:batch_list", "routing:batch_ready"]
BUILDER_POSTS = ["routing:batch_create_all", "routing:batch_add_item"]


@pytest.fixture
def kadis(db):
    return f.UserFactory(username="kadis.uji", role="kepala_dinas", bidang="")


# --- access --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", OFFICE_PAGES + BUILDER_POSTS)
def test_anonymous_is_sent_to_login(client, name):
    response = client.post(reverse(name)) if name in BUILDER_POSTS else client.get(reverse(name))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", OFFICE_PAGES + BUILDER_POSTS)
def test_pemdes_cannot_use_office_pages(client, pemdes_a, name):
    client.force_login(pemdes_a)
    response = client.post(reverse(name)) if name in BUILDER_POSTS else client.get(reverse(name))
    assert response.status_code == 403


@pytest.mark.parametrize("user", ["officer", "officer_capil", "kabid", "kabid_capil", "admin_user", "kadis"])
def test_office_reads_the_batch_list_and_the_batch_of_any_desa(
    client, request, user, officer, desa_a, doc_type
):
    batch = batch_with(officer=officer, desa=desa_a, document_type=doc_type)
    client.force_login(request.getfixturevalue(user))
    assert client.get(reverse("routing:batch_list")).status_code == 200
    page = client.get(reverse("routing:batch_detail", args=[batch.pk]))
    assert page.status_code == 200 and batch.number in page.content.decode()


def test_head_of_office_reads_but_does_not_build(client, kadis, officer, desa_a, doc_type):
    app = ready_app(desa=desa_a, document_type=doc_type)
    batch = batch_with(officer=officer, desa=desa_a, document_type=doc_type)
    client.force_login(kadis)
    assert client.post(reverse("routing:batch_create_all")).status_code == 403
    assert client.post(reverse("routing:batch_add_item"), {"application": app.pk}).status_code == 403
    assert client.post(reverse("routing:batch_dispatch", args=[batch.pk])).status_code == 403
    page = client.get(reverse("routing:batch_detail", args=[batch.pk]))
    assert "dispatch_form" not in page.context
    assert not BackgroundJob.objects.exists()


# --- the list ------------------------------------------------------------------------------


def test_batch_list_filters_by_status_and_search(client, officer, pemdes_a, desa_a, desa_b, doc_type):
    open_b = batch_with(officer=officer, desa=desa_b, document_type=doc_type)
    sent = batch_with(officer=officer, desa=desa_a, document_type=doc_type, status="dispatched")
    client.force_login(officer)

    dispatched = client.get(reverse("routing:batch_list"), {"status": "dispatched"})
    assert [b.pk for b in dispatched.context["page"]] == [sent.pk]
    found = client.get(reverse("routing:batch_list"), {"q": desa_b.name})
    assert [b.pk for b in found.context["page"]] == [open_b.pk]
    assert found.context["counts"]["all"] == 2


def test_batch_list_shows_how_many_ready_documents_wait(client, officer, desa_a, desa_b, doc_type):
    ready_app(desa=desa_a, document_type=doc_type)
    ready_app(desa=desa_a, document_type=doc_type)
    ready_app(desa=desa_b, document_type=doc_type)
    client.force_login(officer)
    response = client.get(reverse("routing:batch_list"))
    assert response.context["ready"] == {"documents": 3, "more": False, "desa": 2}
    assert "Buat batch untuk semua desa" in response.content.decode()


def test_batch_list_counts_waiting_documents_up_to_a_cap_and_every_desa(
    client, officer, desa_a, desa_b, doc_type, monkeypatch
):
    monkeypatch.setattr("routing.delivery_selectors.READY_COUNT_CAP", 2)
    for desa in (desa_a, desa_a, desa_b):
        ready_app(desa=desa, document_type=doc_type)
    client.force_login(officer)
    response = client.get(reverse("routing:batch_list"))
    assert response.context["ready"] == {"documents": 2, "more": True, "desa": 2}
    assert "Lebih dari 2 dokumen siap dikirim" in response.content.decode()


def test_batch_list_query_count_does_not_grow_with_batches(
    client, officer, desa_a, doc_type, django_assert_num_queries
):
    client.force_login(officer)
    url = reverse("routing:batch_list")

    def build(n):
        for _ in range(n):
            desa = f.DesaFactory()
            batch_with(officer=officer, desa=desa, document_type=doc_type, status="dispatched")

    build(2)
    # session, user; tab counts (also the page count), ready documents (capped), desa with ready
    # documents, page rows (desa, kecamatan, courier joined; item counts as subqueries); session
    # save (savepoint, update, release)
    with django_assert_num_queries(LIST_QUERIES):
        client.get(url)
    build(8)
    with django_assert_num_queries(LIST_QUERIES):
        assert client.get(url).status_code == 200


LIST_QUERIES = 9


def test_batch_list_tabs_count_every_status_and_the_pages_follow_them(
    client, officer, pemdes_a, desa_a, doc_type, monkeypatch
):
    monkeypatch.setattr("routing.views_delivery.BATCHES_PER_PAGE", 2)
    for _ in range(2):
        batch_with(officer=officer, desa=f.DesaFactory(), document_type=doc_type, status="dispatched")
    received = [
        batch_with(officer=officer, desa=desa_a, document_type=doc_type, status="received", pemdes=pemdes_a)
        for _ in range(3)
    ]
    DeliveryBatch.objects.filter(pk__in=[b.pk for b in received[:2]]).update(status="closed")
    batch_with(officer=officer, desa=f.DesaFactory(), document_type=doc_type)  # open
    client.force_login(officer)

    response = client.get(reverse("routing:batch_list"))
    counts = response.context["counts"]
    assert counts == {"open": 1, "dispatched": 2, "received": 1, "closed": 2, "all": 6}
    assert "Halaman 1 dari 3" in response.content.decode()
    closed_tab = client.get(reverse("routing:batch_list"), {"status": "closed"})
    assert closed_tab.context["page"].paginator.num_pages == 1
    assert len(closed_tab.context["page"].object_list) == 2
    # a search is counted on its own
    searched = client.get(reverse("routing:batch_list"), {"q": desa_a.name})
    assert searched.context["page"].paginator.count == 3


def test_batch_list_and_portal_count_each_batchs_items_by_status(client, officer, pemdes_a, desa_a, doc_type):
    """The per-row counts (subqueries since the 1M bench) equal the items' own statuses."""
    from routing import delivery

    received = batch_with(
        officer=officer, desa=desa_a, document_type=doc_type, n=4, status="received", pemdes=pemdes_a
    )
    first, second, *_rest = received.items.order_by("position")
    delivery.batch_hand_over_item(
        actor=pemdes_a,
        item=first,
        received_by_name="Siti",
        relation="Ibu",
        handed_over_on=timezone.localdate(),
    )
    delivery.batch_return_item(actor=pemdes_a, item=second, reason="Pemohon pindah")
    open_batch = batch_with(officer=officer, desa=f.DesaFactory(), document_type=doc_type, n=1)
    expected = {
        b.pk: tuple(b.items.filter(status=s).count() for s in ("in_batch", "handed_over", "returned"))
        for b in (received, open_batch)
    }
    assert expected == {received.pk: (2, 1, 1), open_batch.pk: (1, 0, 0)}

    client.force_login(officer)
    rows = {b.pk: b for b in client.get(reverse("routing:batch_list")).context["page"].object_list}
    for pk, counts in expected.items():
        assert (rows[pk].n_waiting, rows[pk].n_handed_over, rows[pk].n_returned) == counts
    assert rows[received.pk].item_count == 4  # a returned item stays on the manifest
    client.force_login(pemdes_a)
    (at_desa,) = client.get(reverse("routing:pemdes_home")).context["at_desa"]
    assert (at_desa.n_waiting, at_desa.n_handed_over, at_desa.n_returned) == (2, 1, 1)


# --- building ------------------------------------------------------------------------------


def test_create_all_runs_the_job_and_shows_its_result(
    client, officer, desa_a, desa_b, doc_type, django_capture_on_commit_callbacks
):
    ready_app(desa=desa_a, document_type=doc_type)
    ready_app(desa=desa_b, document_type=doc_type)
    client.force_login(officer)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("routing:batch_create_all"))

    job = BackgroundJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("routing:batch_job", args=[job.pk])
    assert DeliveryBatch.objects.filter(status="open").count() == 2
    page = client.get(response["Location"])
    assert page.status_code == 200 and "2 dokumen dimasukkan ke batch untuk 2 desa" in page.content.decode()
    status = client.get(reverse("routing:batch_job_status", args=[job.pk])).json()
    assert status == {
        "status": "done",
        "done": 2,
        "total": 2,
        "percent": 100,
        "result": job.result | {},
        "error": "",
    }
    fragment = client.get(reverse("routing:batch_job_status", args=[job.pk]), headers={"HX-Request": "true"})
    assert b'id="job-progress"' in fragment.content and b"hx-trigger" not in fragment.content


def test_running_job_page_keeps_polling(client, officer):
    job = BackgroundJob.objects.create(
        kind="batch_create_all", created_by=officer, status="running", total=4, done=1
    )
    client.force_login(officer)
    page = client.get(reverse("routing:batch_job", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in page and "1 dari 4" in page and "htmx" in page


def test_second_click_while_a_job_runs_opens_the_running_job(client, officer):
    job = BackgroundJob.objects.create(kind="batch_create_all", created_by=officer, status="running")
    client.force_login(officer)
    response = client.post(reverse("routing:batch_create_all"))
    assert response["Location"] == reverse("routing:batch_job", args=[job.pk])
    assert BackgroundJob.objects.count() == 1


def test_another_officers_job_is_404(client, officer, officer_capil):
    job = BackgroundJob.objects.create(kind="batch_create_all", created_by=officer)
    client.force_login(officer_capil)
    assert client.get(reverse("routing:batch_job", args=[job.pk])).status_code == 404
    assert client.get(reverse("routing:batch_job_status", args=[job.pk])).status_code == 404


def test_job_of_another_kind_is_404(client, officer):
    job = BackgroundJob.objects.create(kind="rota_generate", created_by=officer)
    client.force_login(officer)
    assert client.get(reverse("routing:batch_job", args=[job.pk])).status_code == 404


def test_get_never_starts_a_job(client, officer):
    client.force_login(officer)
    assert client.get(reverse("routing:batch_create_all")).status_code == 405
    assert not BackgroundJob.objects.exists()


def test_add_single_item_from_the_ready_list(client, officer, desa_a, doc_type):
    app = ready_app(desa=desa_a, document_type=doc_type)
    client.force_login(officer)
    ready = client.get(reverse("routing:batch_ready"))
    assert [a.pk for a in ready.context["page"]] == [app.pk]

    response = client.post(
        reverse("routing:batch_add_item"), {"application": app.pk, "next": reverse("routing:batch_ready")}
    )

    assert response.status_code == 302 and response["Location"] == reverse("routing:batch_ready")
    assert BatchItem.objects.get().application == app
    assert list(client.get(reverse("routing:batch_ready")).context["page"].object_list) == []


def test_add_item_ignores_an_offsite_next(client, officer, desa_a, doc_type):
    app = ready_app(desa=desa_a, document_type=doc_type)
    client.force_login(officer)
    response = client.post(
        reverse("routing:batch_add_item"), {"application": app.pk, "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("routing:batch_ready")


def test_add_item_that_is_not_ready_shows_the_reason(client, officer, desa_a, doc_type):
    app = ready_app(desa=desa_a, document_type=doc_type, status=Application.Status.PROCESSING)
    client.force_login(officer)
    response = client.post(reverse("routing:batch_add_item"), {"application": app.pk}, follow=True)
    assert "Siap" in response.content.decode()
    assert not BatchItem.objects.exists()


def test_add_item_of_unknown_application_is_404(client, officer):
    client.force_login(officer)
    assert client.post(reverse("routing:batch_add_item"), {"application": 999999}).status_code == 404
    assert client.post(reverse("routing:batch_add_item"), {"application": "x"}).status_code == 404


def test_ready_list_query_count_does_not_grow(client, officer, doc_type, django_assert_num_queries):
    client.force_login(officer)
    for _ in range(2):
        ready_app(desa=f.DesaFactory(), document_type=doc_type)
    # session, user; page count, page rows with desa, kecamatan and document type; session save (3)
    with django_assert_num_queries(READY_QUERIES):
        client.get(reverse("routing:batch_ready"))
    for _ in range(10):
        ready_app(desa=f.DesaFactory(), document_type=doc_type)
    with django_assert_num_queries(READY_QUERIES):
        client.get(reverse("routing:batch_ready"))


READY_QUERIES = 7


def test_remove_item_through_the_batch_page(client, officer, desa_a, doc_type):
    batch = batch_with(officer=officer, desa=desa_a, document_type=doc_type, n=2)
    item = batch.items.first()
    client.force_login(officer)
    response = client.post(reverse("routing:batch_remove_item", args=[batch.pk, item.pk]))
    assert response.status_code == 302
    assert not BatchItem.objects.filter(pk=item.pk).exists()
    assert client.get(reverse("routing:batch_remove_item", args=[batch.pk, item.pk])).status_code == 405


# --- dispatch ------------------------------------------------------------------------------


def test_dispatch_through_the_batch_page_records_courier_and_date(client, officer, kabid, desa_a, doc_type):
    batch = batch_with(officer=officer, desa=desa_a, document_type=doc_type, n=2)
    client.force_login(officer)
    page = client.get(reverse("routing:batch_detail", args=[batch.pk]))
    assert page.context["dispatch_form"]["version"].value() == batch.version
    today = timezone.localdate()

    response = client.post(
        reverse("routing:batch_dispatch", args=[batch.pk]),
        {"courier": kabid.pk, "dispatch_date": today.isoformat(), "version": batch.version},
    )

    assert response.status_code == 302
    batch.refresh_from_db()
    assert (batch.status, batch.courier, batch.dispatch_date) == ("dispatched", kabid, today)
    assert OutboxMessage.objects.filter(event="dispatched").count() == 2


def test_dispatch_with_bad_input_changes_nothing_and_says_why(client, officer, pemdes_a, desa_a, doc_type):
    batch = batch_with(officer=officer, desa=desa_a, document_type=doc_type)
    client.force_login(officer)
    url = reverse("routing:batch_dispatch", args=[batch.pk])

    no_courier = client.post(url, {"dispatch_date": "2026-01-01", "version": batch.version})
    pemdes_courier = client.post(
        url, {"courier": pemdes_a.pk, "dispatch_date": "2026-01-01", "version": batch.version}
    )
    stale = client.post(
        url, {"courier": officer.pk, "dispatch_date": "2026-01-01", "version": batch.version - 1}
    )

    assert no_courier.status_code == pemdes_courier.status_code == stale.status_code == 400
    assert "courier" in no_courier.context["dispatch_form"].errors
    assert "courier" in pemdes_courier.context["dispatch_form"].errors  # not in the choices
    assert "baru saja diubah" in stale.content.decode()
    batch.refresh_from_db()
    assert batch.status == "open"


# --- batch page, manifest and exports: constant queries -----------------------------------


def _pinned(client, url, n_queries, django_assert_num_queries):
    with django_assert_num_queries(n_queries):
        response = client.get(url)
    assert response.status_code == 200
    return response


@pytest.mark.parametrize(
    ("name", "queries"),
    [
        # every request: session, user, and the session save (savepoint, update, release) = 5;
        # + batch (desa, kecamatan, courier, received_by, created_by joined), item count, item rows
        # (application and document type joined), per-status counts
        ("routing:batch_detail", 9),
        # + batch, audit row, item rows
        ("routing:batch_manifest", 8),
        ("routing:batch_csv", 8),
        ("routing:batch_xlsx", 8),
    ],
)
def test_batch_pages_and_exports_keep_a_constant_query_count(
    client, officer, desa_a, desa_b, doc_type, name, queries, django_assert_num_queries
):
    small = batch_with(officer=officer, desa=desa_a, document_type=doc_type, n=2, status="dispatched")
    big = batch_with(officer=officer, desa=desa_b, document_type=doc_type, n=30, status="dispatched")
    client.force_login(officer)
    _pinned(client, reverse(name, args=[small.pk]), queries, django_assert_num_queries)
    _pinned(client, reverse(name, args=[big.pk]), queries, django_assert_num_queries)


def test_manifest_print_page_is_the_pdf_template_with_a_toolbar(client, officer, desa_a, doc_type):
    batch = batch_with(officer=officer, desa=desa_a, document_type=doc_type, status="dispatched")
    client.force_login(officer)
    response = client.get(reverse("routing:batch_manifest", args=[batch.pk]))
    body = response.content.decode()
    assert "routing/delivery/manifest.html" in [t.name for t in response.templates]
    # the print button is wired by common.js; the look comes from the static stylesheet, the page
    # footer naming the batch from the one inline style, allowed by the request's CSP nonce
    assert "data-print" in body and "js/common.js" in body and "css/manifest.css" in body
    nonce = response["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]
    assert f'<style nonce="{nonce}">' in body and "size: A4" in body
    assert 'class="navbar' not in body  # no site navigation on paper
    assert AuditEntry.objects.filter(action="manifest_print", object_id=str(batch.pk)).exists()


def test_pdf_download_renders_once_per_version(client, officer, desa_a, doc_type):
    batch = batch_with(officer=officer, desa=desa_a, document_type=doc_type, status="dispatched")
    client.force_login(officer)
    first = client.get(reverse("routing:batch_pdf", args=[batch.pk]))
    assert first.status_code == 200
    batch.refresh_from_db()
    name = batch.pdf.name
    second = client.get(reverse("routing:batch_pdf", args=[batch.pk]))
    assert b"".join(second.streaming_content) == batch.pdf.storage.open(name).read()
    batch.refresh_from_db()
    assert batch.pdf.name == name
    assert AuditEntry.objects.filter(action="manifest_pdf").count() == 2
