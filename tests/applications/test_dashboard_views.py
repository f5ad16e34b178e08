"""The dashboard pages: who may open them, what they show, constant queries, XLSX downloads."""

import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from applications.models import Application, RequirementCheck
from dukcapil.accounts.models import User
from notifications.models import OutboxMessage
from reports.selectors import summary_through
from reports.services import summaries_refresh
from routing.models import DeliveryBatch
from tests import factories as f

URL = reverse("applications:dashboard")


def xlsx_url(table: str) -> str:
    return reverse("applications:dashboard_xlsx", args=[table])


@pytest.fixture
def kadis(db):
    return f.UserFactory(username="kadis.uji", role=User.Role.KEPALA_DINAS, bidang="")


def page_queries(captured) -> list[str]:
    """The page's own queries: the session middleware's read and save are left out."""
    return [
        q["sql"]
        for q in captured.captured_queries
        if "django_session" not in q["sql"] and not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))
    ]


# --- access -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_anonymous_goes_to_login(client):
    for url in (URL, xlsx_url("backlog")):
        response = client.get(url)
        assert response.status_code == 302 and "/akun/masuk/" in response["Location"]


@pytest.mark.parametrize("who", ["officer", "officer_capil", "pemdes_a"])
def test_officer_and_pemdes_have_no_dashboard(client, request, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(URL).status_code == 403
    assert client.get(xlsx_url("backlog")).status_code == 403


@pytest.mark.django_db
def test_kepala_bidang_sees_only_their_bidang(client, kabid, doc_type, doc_type_capil, desa_a):
    mine = f.ApplicationFactory(document_type=doc_type, desa=desa_a)
    f.ApplicationFactory(document_type=doc_type_capil, desa=desa_a)
    f.ApplicationFactory(document_type=doc_type_capil, desa=desa_a)
    client.force_login(kabid)
    for query in ({}, {"bidang": "capil"}, {"document_type": doc_type_capil.pk}):
        response = client.get(URL, query)
        assert response.status_code == 200
        dash = response.context["dash"]
        assert dash.bidang == "dafduk"
        # the capil document type is not even a valid choice for them: the filter is refused
        assert dash.open_total == 1
    html = client.get(URL).content.decode()
    assert "Dasbor Bidang Pendaftaran Penduduk" in html
    assert doc_type_capil.name not in html  # not even as a filter choice
    assert 'name="bidang"' not in html
    assert mine.number not in html  # figures, not personal rows


@pytest.mark.parametrize("who", ["admin_user", "kadis"])
def test_admin_and_head_of_office_see_everything_and_can_filter_a_bidang(
    client, request, who, doc_type, doc_type_capil, desa_a
):
    f.ApplicationFactory(document_type=doc_type, desa=desa_a)
    f.ApplicationFactory(document_type=doc_type_capil, desa=desa_a)
    client.force_login(request.getfixturevalue(who))
    response = client.get(URL)
    assert response.status_code == 200
    assert response.context["dash"].open_total == 2
    assert "Dasbor Seluruh kantor" in response.content.decode()
    capil = client.get(URL, {"bidang": "capil"})
    assert capil.context["dash"].bidang == "capil" and capil.context["dash"].open_total == 1


# --- content ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_page_shows_figures_tables_and_chart_data(client, kabid, officer, doc_type, desa_a):
    now = timezone.now()
    f.ApplicationFactory(
        document_type=doc_type, desa=desa_a, assigned_to=officer, created_at=now - timedelta(days=20)
    )
    f.ApplicationFactory(
        document_type=doc_type,
        desa=desa_a,
        assigned_to=officer,
        created_at=now - timedelta(days=3),
        status=Application.Status.HANDED_OVER,
        ready_at=now - timedelta(days=1),
        closed_at=now,
    )
    client.force_login(kabid)
    response = client.get(URL)
    html = response.content.decode()
    # the 20-day-old application is overdue (service level 7 days) and older than two weeks
    assert "1 permohonan terbuka sudah lewat batas waktu layanan." in html
    assert "1 permohonan terbuka sudah lebih dari 14 hari." in html
    for heading in (
        "Di mana permohonan tertahan",
        "Masuk dan selesai per hari",
        "Beban kerja petugas",
        "Waktu penyelesaian dibanding standar layanan",
        "Perbaikan persyaratan per jenis dokumen",
        "Persyaratan paling sering belum sesuai",
        "Per wilayah",
        "Kuota perekaman KTP-el mendesak",
        "Batch dikirim, belum dikonfirmasi desa",
        "Notifikasi WhatsApp gagal",
    ):
        assert heading in html, heading
    assert 'id="dashboard-charts"' in html and "chart.umd.min.js" in html and "js/dashboard.js" in html
    assert "cdn" not in html.lower()
    # every chart has an accessible table with the same numbers
    charts = response.context["charts"]
    tables = response.context["tables"]
    assert set(charts) <= set(tables)
    assert sum(charts["flow"]["datasets"][0]["data"]) == tables["flow"].footer[1].value == 2
    assert charts["backlog"]["labels"][0] == "Diterima"
    # every table offers its XLSX
    for key, table in tables.items():
        if table.rows or key != "failed_latest":  # "latest failures" only shows when there are some
            assert xlsx_url(key) in html
    # the status links open the queue on that status
    assert "status=received" in html and reverse("applications:queue") in html


@pytest.mark.django_db
def test_empty_dashboard_says_so(client, kabid):
    client.force_login(kabid)
    html = client.get(URL).content.decode()
    assert "Tidak ada yang mendesak" in html
    assert "Belum ada dokumen yang selesai dalam periode ini." in html
    assert "Semua batch yang dikirim sudah dikonfirmasi desa." in html


@pytest.mark.django_db
def test_bad_dates_show_an_error_and_fall_back_to_the_last_30_days(client, kabid):
    client.force_login(kabid)
    response = client.get(URL, {"date_from": "2026-03-10", "date_to": "2026-03-01"})
    assert response.status_code == 200
    assert "Tanggal akhir tidak boleh sebelum tanggal awal." in response.content.decode()
    filters = response.context["dash"].filters
    assert filters.date_to == timezone.localdate()
    assert (filters.date_to - filters.date_from).days == 29
    too_long = client.get(URL, {"date_from": "2024-01-01", "date_to": "2026-01-01"})
    assert "Rentang paling panjang 366 hari." in too_long.content.decode()
    garbage = client.get(URL, {"date_from": "kemarin", "kecamatan": "x"})
    assert garbage.status_code == 200 and "Masukkan tanggal yang valid." in garbage.content.decode()


@pytest.mark.django_db
def test_dashboard_changes_nothing_and_only_answers_get(client, kabid):
    client.force_login(kabid)
    assert client.post(URL).status_code == 405


# --- constant queries -------------------------------------------------------------------------


def _fill(n: int, *, doc_type, officer, desas) -> None:
    """n applications in every state the figures look at, plus checks, batches and failed messages."""
    now = timezone.now()
    statuses = [s.value for s in Application.Status]
    requirement = doc_type.requirements.first()
    for i in range(n):
        created = now - timedelta(days=i % 40, hours=i % 7)
        status = statuses[i % len(statuses)]
        ready = created + timedelta(days=2) if status in ("ready", "at_desa", "handed_over") else None
        app = f.ApplicationFactory(
            document_type=doc_type,
            desa=desas[i % len(desas)],
            assigned_to=officer if i % 5 else None,
            created_at=created,
            status=status,
            ready_at=min(ready, now) if ready else None,
            revision_count=i % 3,
        )
        RequirementCheck.objects.create(application=app, requirement=requirement, verdict="missing")
        if i % 10 == 0:
            batch = f.DeliveryBatchFactory(
                desa=app.desa,
                created_by=officer,
                status=DeliveryBatch.Status.DISPATCHED,
                dispatched_at=now - timedelta(days=i % 4),
            )
            f.BatchItemFactory(batch=batch, application=app)
            f.OutboxMessageFactory(application=app, status=OutboxMessage.Status.PERMANENT_FAILURE)
            f.RecordingBookingFactory(
                date=timezone.localdate() + timedelta(days=i % 5), desa=app.desa, created_by=officer
            )


@pytest.mark.django_db
@pytest.mark.parametrize("summarised", [False, True])
def test_query_count_does_not_grow_with_the_data(client, kabid, officer, doc_type, summarised):
    desas = [f.DesaFactory() for _ in range(12)]
    client.force_login(kabid)
    counts = []
    for n in (10, 190):  # 10 rows, then 200 in all
        _fill(n, doc_type=doc_type, officer=officer, desas=desas)
        if summarised:
            summaries_refresh()
        with CaptureQueriesContext(connection) as captured:
            response = client.get(URL)
        assert response.status_code == 200
        counts.append(len(page_queries(captured)))
    assert response.context["dash"].open_total > 100
    # user; the session's 2FA device (django-otp, kepala bidang); filter choices: document types,
    # kecamatan; figures: the summaries' marker, intake, finished, turnaround, the tallies' clock,
    # backlog (open-work tally, then the applications due today), missing
    # requirements, officers, open per desa, intake per desa, quota bookings, quota days, batches,
    # failed counts, failed latest; with summarised days, one summary read each for intake (TypeDay),
    # finished per officer, turnaround and intake per desa
    expected = 20 + (4 if summarised else 0)
    assert counts == [expected, expected]
    assert summary_through() == (timezone.localdate() - timedelta(days=1) if summarised else None)


@pytest.mark.django_db
def test_query_count_pinned_with_django_assert_num_queries(
    client, kabid, officer, doc_type, django_assert_num_queries
):
    """The same pin with pytest-django's helper, session bookkeeping included (read + save)."""
    desas = [f.DesaFactory() for _ in range(3)]
    client.force_login(kabid)
    client.get(URL)  # the first request may rotate the session; pin a steady one
    expected = None
    for n in (10, 190):
        _fill(n, doc_type=doc_type, officer=officer, desas=desas)
        with CaptureQueriesContext(connection) as captured:
            client.get(URL)
        expected = expected or len(captured.captured_queries)
        with django_assert_num_queries(expected):
            client.get(URL)


# --- XLSX ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_each_table_downloads_as_xlsx_with_the_page_numbers(client, admin_user, officer, doc_type, desa_a):
    now = timezone.now()
    for days in (1, 5, 20):
        f.ApplicationFactory(
            document_type=doc_type, desa=desa_a, assigned_to=officer, created_at=now - timedelta(days=days)
        )
    client.force_login(admin_user)
    tables = client.get(URL).context["tables"]
    for key, table in tables.items():
        response = client.get(xlsx_url(key))
        assert response.status_code == 200, key
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
        assert f"-{key}.xlsx" in response["Content-Disposition"]
        sheet = load_workbook(io.BytesIO(response.content)).active
        rows = list(sheet.iter_rows(values_only=True))
        assert rows[0][0] == table.title
        assert list(rows[3]) == [c.label for c in table.columns]
        body = rows[4 : 4 + len(table.rows)]
        assert len(body) == len(table.rows)
        for got, want in zip(body, table.rows, strict=True):
            for value, c in zip(got, want, strict=True):
                if isinstance(c.value, (int, float)) and not isinstance(c.value, bool):
                    assert value == pytest.approx(c.value), (key, c)
    backlog = load_workbook(io.BytesIO(client.get(xlsx_url("backlog")).content)).active
    values = {r[0]: r for r in backlog.iter_rows(min_row=5, values_only=True)}
    assert values["Diterima"][1] == 3 and values["Jumlah"][1] == 3
    assert values["Diterima"][2] == 1  # the 20-day-old one is overdue


@pytest.mark.django_db
def test_all_tables_in_one_workbook_and_filters_apply(client, kabid, doc_type, desa_a):
    f.ApplicationFactory(document_type=doc_type, desa=desa_a)
    client.force_login(kabid)
    response = client.get(xlsx_url("semua"), {"date_from": "2026-01-01", "date_to": "2026-01-31"})
    workbook = load_workbook(io.BytesIO(response.content))
    assert len(workbook.sheetnames) == len(client.get(URL).context["tables"])
    assert "20260101-20260131-semua" in response["Content-Disposition"]
    assert "dafduk" in response["Content-Disposition"]
    assert all(len(name) <= 31 for name in workbook.sheetnames)


@pytest.mark.django_db
def test_unknown_table_is_404(client, kabid):
    client.force_login(kabid)
    assert client.get(xlsx_url("rahasia")).status_code == 404


@pytest.mark.django_db
def test_batches_beyond_the_oldest_ones_link_to_the_full_list(client, admin_user, monkeypatch):
    """The dashboard lists the oldest batches on the road; the rest are one click away."""
    monkeypatch.setattr("applications.dashboard.figures.MAX_BATCHES", 2)
    now = timezone.now()
    for days in (5, 3, 1):
        f.DeliveryBatchFactory(
            status=DeliveryBatch.Status.DISPATCHED, dispatched_at=now - timedelta(days=days)
        )
    client.force_login(admin_user)
    html = client.get(URL).content.decode()
    assert "Hanya 2 batch terlama yang ditampilkan." in html
    link = reverse("routing:batch_list") + "?status=dispatched"
    assert f'href="{link}"' in html
    listed = client.get(link)
    assert listed.status_code == 200 and listed.context["page"].paginator.count == 3
