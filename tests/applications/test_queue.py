"""The queue ("Kotak masuk"): scope, filters, search (NIK by POST only), order, counts, keyset pages."""

import re
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from applications.models import Application
from applications.selectors import QUEUE_PAGE_SIZE
from tests import factories as f

from .workspace import page_queries

URL = reverse("applications:queue")
NIK_URL = reverse("applications:queue_nik")


def _numbers(response) -> list[str]:
    """Registration numbers in the table, in order."""
    return re.findall(
        r'<a class="fw-semibold" href="/permohonan/\d+/">([^<]+)</a>', response.content.decode()
    )


@pytest.fixture
def other_officer(db):
    return f.OfficerFactory(username="petugas.lain", bidang="dafduk")


@pytest.fixture
def apps(officer, other_officer, doc_type, doc_type_capil, desa_a, desa_b):
    now = timezone.now()

    def make(number, **kwargs):
        kwargs.setdefault("document_type", doc_type)
        kwargs.setdefault("desa", desa_a)
        kwargs.setdefault("assigned_to", officer)
        kwargs.setdefault("created_at", now - timedelta(days=1))
        return f.ApplicationFactory(number=number, **kwargs)

    return {
        "mine_old": make("A-OLD", created_at=now - timedelta(days=3)),
        "mine_new": make("A-NEW", created_at=now - timedelta(hours=2), applicant_name="Budi Santoso"),
        "mine_urgent": make("A-URGENT", created_at=now - timedelta(hours=1), urgency="bpjs"),
        "mine_done": make("A-DONE", status="handed_over"),
        "mine_desa_b": make("A-DESA-B", desa=desa_b, status="verifying"),
        "colleague": make("B-COLLEAGUE", assigned_to=other_officer),
        "capil": make("C-CAPIL", document_type=doc_type_capil, assigned_to=None),
    }


@pytest.mark.django_db
def test_officer_sees_own_open_applications_urgent_then_oldest_first(client, officer, apps):
    client.force_login(officer)
    response = client.get(URL)
    assert response.status_code == 200
    assert _numbers(response) == ["A-URGENT", "A-OLD", "A-DESA-B", "A-NEW"]


@pytest.mark.django_db
def test_bidang_scope_adds_colleagues_but_never_another_bidang(client, officer, apps):
    client.force_login(officer)
    numbers = _numbers(client.get(URL, {"scope": "bidang"}))
    assert "B-COLLEAGUE" in numbers and "C-CAPIL" not in numbers


@pytest.mark.django_db
def test_kepala_bidang_sees_whole_bidang_by_default(client, kabid, apps):
    client.force_login(kabid)
    numbers = _numbers(client.get(URL))
    assert set(numbers) == {"A-URGENT", "A-OLD", "A-DESA-B", "A-NEW", "B-COLLEAGUE"}


@pytest.mark.django_db
def test_admin_sees_every_bidang_and_can_narrow_to_one(client, admin_user, apps):
    client.force_login(admin_user)
    assert "C-CAPIL" in _numbers(client.get(URL))
    assert _numbers(client.get(URL, {"bidang": "capil"})) == ["C-CAPIL"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "verifying"}, ["A-DESA-B"]),
        ({"status": "handed_over"}, ["A-DONE"]),
        ({"status": "all"}, ["A-URGENT", "A-OLD", "A-DONE", "A-DESA-B", "A-NEW"]),
        ({"urgency": "urgent"}, ["A-URGENT"]),
        ({"urgency": "bpjs"}, ["A-URGENT"]),
        ({"urgency": "hospital"}, []),
        ({"q": "budi"}, ["A-NEW"]),
        ({"q": "A-OL"}, []),  # no digit: treated as a name
        ({"q": "NEW"}, []),
    ],
)
def test_filters_and_search(client, officer, apps, params, expected):
    client.force_login(officer)
    assert _numbers(client.get(URL, params)) == expected


@pytest.mark.django_db
def test_search_by_registration_number(client, officer, apps):
    client.force_login(officer)
    app = f.ApplicationFactory(
        number="BIMA-2026-0000123", document_type=apps["mine_old"].document_type, assigned_to=officer
    )
    for q in ("2026-0000123", "2026-123", "bima-2026-123", "123", "0000123", "26-000012"):
        assert _numbers(client.get(URL, {"q": q})) == [app.number], q
    assert _numbers(client.get(URL, {"q": "2025-123"})) == []


@pytest.mark.django_db
def test_desa_kecamatan_type_and_date_filters(client, officer, apps, desa_b, doc_type):
    client.force_login(officer)
    assert _numbers(client.get(URL, {"desa": desa_b.pk})) == ["A-DESA-B"]
    other_kec = f.DesaFactory(
        name="Lewintana", kecamatan=f.KecamatanFactory(code="52.06.02", name="Soromandi")
    )
    far = f.ApplicationFactory(number="A-FAR", document_type=doc_type, desa=other_kec, assigned_to=officer)
    assert _numbers(client.get(URL, {"kecamatan": other_kec.kecamatan_id})) == [far.number]
    assert "A-FAR" not in _numbers(client.get(URL, {"kecamatan": desa_b.kecamatan_id}))
    assert _numbers(client.get(URL, {"document_type": doc_type.pk}))[0] == "A-URGENT"
    today = timezone.localdate()
    three_days_ago = (today - timedelta(days=3)).isoformat()
    assert _numbers(client.get(URL, {"date_from": three_days_ago, "date_to": three_days_ago})) == ["A-OLD"]
    bad = client.get(URL, {"date_from": today.isoformat(), "date_to": date(2020, 1, 1).isoformat()})
    assert "Tanggal akhir sebelum tanggal awal" in bad.content.decode()


@pytest.mark.django_db
def test_overdue_rows_stand_out_and_can_be_filtered(client, officer, apps):
    late = apps["mine_old"]
    Application.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(hours=1))
    client.force_login(officer)
    response = client.get(URL)
    html = response.content.decode()
    row = re.search(
        r'<tr class="([^"]*)">\s*<td class="text-nowrap"><a class="fw-semibold" href="[^"]+">A-OLD<', html
    )
    assert row and "row-overdue" in row.group(1)
    assert "Lewat batas" in html
    assert _numbers(client.get(URL, {"overdue": "on"})) == ["A-OLD"]


@pytest.mark.django_db
def test_status_tabs_show_counts_for_the_current_filters(client, officer, apps):
    client.force_login(officer)
    response = client.get(URL)
    tabs = {value: count.n for value, _label, count in response.context["tabs"]}
    assert tabs["open"] == 4 and tabs["received"] == 3 and tabs["verifying"] == 1
    assert tabs["handed_over"] == 1 and tabs["all"] == 5 and tabs["rejected"] == 0
    narrowed = {v: c.n for v, _l, c in client.get(URL, {"urgency": "urgent"}).context["tabs"]}
    assert narrowed["open"] == 1 and narrowed["all"] == 1


@pytest.mark.django_db
def test_nik_search_is_post_only_and_keeps_the_nik_out_of_urls(client, officer, apps):
    target = apps["colleague"]  # NIK search covers the whole bidang, not only my own
    client.force_login(officer)
    assert client.get(NIK_URL, {"nik": target.nik}).status_code == 302
    response = client.post(NIK_URL, {"nik": target.nik})
    assert response.status_code == 200
    html = response.content.decode()
    assert _numbers(response) == [target.number]
    assert target.nik not in html  # the heading shows it masked, the field is emptied
    assert target.nik[:6] + "******" + target.nik[12:] in html
    assert "no-store" in response["Cache-Control"]
    # nothing in the page leads to a URL that carries it
    assert not re.search(r'href="[^"]*nik=', html)
    assert 'method="post" action="/permohonan/cari-nik/"' in html


@pytest.mark.django_db
def test_nik_search_never_crosses_the_bidang(client, officer_capil, apps):
    client.force_login(officer_capil)
    response = client.post(NIK_URL, {"nik": apps["mine_old"].nik})
    assert _numbers(response) == []
    assert "Tidak ada permohonan dengan NIK ini" in response.content.decode()


@pytest.mark.django_db
def test_nik_search_with_a_bad_number_says_so(client, officer, apps):
    client.force_login(officer)
    response = client.post(NIK_URL, {"nik": "12345"})
    assert response.status_code == 400
    assert "NIK harus 16 digit angka" in response.content.decode()


@pytest.fixture
def many(officer, doc_type, desa_a):
    """130 of my applications, every fifth one urgent, all created at distinct times."""
    start = timezone.now() - timedelta(days=30)
    for i in range(130):
        f.ApplicationFactory(
            number=f"P-{i:04d}",
            document_type=doc_type,
            desa=desa_a,
            assigned_to=officer,
            urgency="bpjs" if i % 5 == 0 else "none",
            created_at=start + timedelta(minutes=i),
        )
    urgent = [f"P-{i:04d}" for i in range(130) if i % 5 == 0]
    return urgent + [f"P-{i:04d}" for i in range(130) if i % 5]


@pytest.mark.django_db
def test_keyset_pages_cover_every_row_once_forward_and_backward(client, officer, many):
    client.force_login(officer)
    pages, response = [], client.get(URL)
    while True:
        pages.append(_numbers(response))
        next_cursor = response.context["page"].next_cursor
        if not next_cursor:
            break
        response = client.get(URL, {"setelah": next_cursor})
    assert [len(p) for p in pages] == [QUEUE_PAGE_SIZE, QUEUE_PAGE_SIZE, 130 - 2 * QUEUE_PAGE_SIZE]
    assert sum(pages, []) == many
    # and back from the last page
    back = client.get(URL, {"sebelum": response.context["page"].prev_cursor})
    assert _numbers(back) == pages[1]
    first = client.get(URL, {"sebelum": back.context["page"].prev_cursor})
    assert _numbers(first) == pages[0] and first.context["page"].prev_cursor is None
    # a tampered cursor just starts again at the top
    assert _numbers(client.get(URL, {"setelah": "x.y.z"})) == pages[0]


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [3, 40])
def test_queue_queries_do_not_grow_with_rows(client, officer, doc_type, desa_a, rows):
    kec2 = f.KecamatanFactory(code="52.06.02", name="Soromandi")
    for i in range(rows):
        f.ApplicationFactory(
            document_type=doc_type,
            desa=desa_a if i % 2 else f.DesaFactory(kecamatan=kec2),
            assigned_to=officer,
            urgency="bpjs" if i % 3 == 0 else "none",
        )
    client.force_login(officer)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(URL, {"scope": "bidang"})
    assert len(response.context["rows"]) == rows
    # user, filter choices (document types, kecamatan, desa), status counts, the page's rows
    assert len(page_queries(captured)) == 6


@pytest.mark.django_db
def test_empty_queue_says_what_to_do(client, officer, doc_type):
    client.force_login(officer)
    html = client.get(URL).content.decode()
    assert "Kotak masuk Anda kosong" in html and reverse("applications:intake") in html


@pytest.mark.django_db
def test_office_wide_pages_merge_every_bidang_in_queue_order(
    client, admin_user, doc_type, doc_type_capil, desa_a
):
    """Admin's queue reads each bidang by its own index and merges them (PostgreSQL); same order as one sort."""
    start = timezone.now() - timedelta(days=10)
    expected = []
    for i in range(70):
        app = f.ApplicationFactory(
            number=f"M-{i:03d}",
            document_type=doc_type if i % 2 else doc_type_capil,
            desa=desa_a,
            urgency="hospital" if i % 7 == 0 else "none",
            created_at=start + timedelta(minutes=i),
        )
        expected.append(app)
    expected.sort(key=lambda a: (not a.is_urgent, a.created_at, a.pk))
    client.force_login(admin_user)
    first = client.get(URL)
    second = client.get(URL, {"setelah": first.context["page"].next_cursor})
    assert _numbers(first) + _numbers(second) == [a.number for a in expected]
    back = client.get(URL, {"sebelum": second.context["page"].prev_cursor})
    assert _numbers(back) == _numbers(first)


@pytest.mark.django_db
def test_nik_search_is_audited_by_digest_only(client, officer, apps):
    from dukcapil.core.audit import nik_digest
    from dukcapil.core.models import AuditEntry

    client.force_login(officer)
    nik = apps["mine_old"].nik
    client.post(NIK_URL, {"nik": nik})
    entry = AuditEntry.objects.get(action="search_nik")
    assert entry.actor == officer and entry.nik_digest == nik_digest(nik)
    assert all(nik not in str(value) for value in AuditEntry.objects.values_list().get())
