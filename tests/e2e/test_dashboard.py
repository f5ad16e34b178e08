"""The kepala bidang's dashboard in a real browser, filled by seed_demo, and the public tracking page.

Screenshots go to test-artifacts/: dashboard-kabid.png (desktop), dashboard-kabid-mobile.png (360 px),
dashboard-kadis.png, track-result.png, track-limited.png.
"""

import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.cache import caches
from django.core.management import call_command
from django.utils import timezone
from openpyxl import load_workbook

from applications.models import Application, RequirementCheck
from dukcapil.accounts.models import User
from notifications.models import OutboxMessage
from routing.models import DeliveryBatch, RecordingBooking, RecordingDay
from tests import factories as f
from tests.e2e.field_helpers import load_axe
from tests.two_factor_support import browser_pass_two_factor

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture
def demo_office(transactional_db):
    """seed_demo (accounts and applications walked through the real services) plus bulk history, and
    the traces the delivery, quota and messaging pages leave: a batch on the road, bookings, a failed
    message and requirement verdicts."""
    call_command("seed_demo", applications=3000)
    officer = User.objects.get(username="petugas1")
    now = timezone.now()
    for app in Application.objects.filter(bidang="dafduk", status="revision_required")[:8]:
        check = RequirementCheck.objects.filter(application=app).order_by("id").first()
        if check:
            RequirementCheck.objects.filter(pk=check.pk).update(verdict="unreadable")
    for i, app in enumerate(
        Application.objects.filter(bidang="dafduk", status="ready", delivery_method="via_pemdes")[:4]
    ):
        batch = f.DeliveryBatchFactory(
            desa=app.desa,
            created_by=officer,
            status=DeliveryBatch.Status.DISPATCHED,
            dispatched_at=now - timedelta(days=1 + 2 * i),
            item_count=1,
        )
        f.BatchItemFactory(batch=batch, application=app)
    today = timezone.localdate()
    for offset in range(-10, 8):
        day = today + timedelta(days=offset)
        if day.weekday() >= 5:
            continue
        RecordingDay.objects.get_or_create(date=day, defaults={"cap": 8})
        for k in range((offset * 7) % 9):
            f.RecordingBookingFactory(
                date=day,
                status=RecordingBooking.Status.PENDING_APPROVAL if k == 0 else RecordingBooking.Status.BOOKED,
                desa=app.desa,
                created_by=officer,
            )
    for app in Application.objects.filter(bidang="dafduk").order_by("-created_at")[:3]:
        f.OutboxMessageFactory(
            application=app, status=OutboxMessage.Status.PERMANENT_FAILURE, event="received"
        )


def login(page, live_server, username):
    page.goto(f"{live_server.url}/akun/masuk/")
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(f.DEMO_PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    browser_pass_two_factor(page, username)
    page.wait_for_load_state("networkidle")


def charts_drawn(page) -> int:
    return page.evaluate("() => Object.keys(window.Chart ? Chart.instances : {}).length")


def axe_violations(page) -> list[dict]:
    """Serious WCAG 2 AA problems inside <main> (the shared layout around it is checked elsewhere)."""
    load_axe(page)
    return page.evaluate(
        """async () => (await axe.run('#main', {runOnly: ['wcag2a', 'wcag2aa']})).violations
              .filter(v => v.impact === 'serious' || v.impact === 'critical')
              .map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}))"""
    )


@pytest.mark.browser
def test_kepala_bidang_sees_where_documents_are_stuck(demo_office, live_server, page):
    ARTIFACTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 1366, "height": 900})
    login(page, live_server, "kabid.dafduk")
    page.get_by_role("link", name="Dasbor").first.click()
    page.wait_for_load_state("networkidle")
    assert "Dasbor Bidang Pendaftaran Penduduk" in page.locator("h1").inner_text()
    assert charts_drawn(page) >= 6  # backlog, flow, officers, turnaround, kecamatan, quota
    # the first things on the page: the totals and what needs attention
    assert page.get_by_text("sudah lewat batas waktu layanan").first.is_visible()
    backlog = page.locator("#table-backlog")
    assert backlog.is_visible()
    assert backlog.locator("tfoot").inner_text().startswith("Jumlah")
    assert page.locator("#table-batches tbody tr").count() == 4
    page.screenshot(path=str(ARTIFACTS / "dashboard-kabid.png"), full_page=True)

    violations = axe_violations(page)
    assert violations == [], violations

    # every table can be downloaded; the workbook holds them all
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Unduh semua tabel (XLSX)").click()
    download = download_info.value
    assert download.suggested_filename.endswith("-semua.xlsx")
    workbook = load_workbook(io.BytesIO(Path(download.path()).read_bytes()))
    assert "Permohonan terbuka menurut st" in workbook.sheetnames[0]

    # quick range keeps working and the status link opens the queue on that status
    page.get_by_role("link", name="90 hari").click()
    page.wait_for_load_state("networkidle")
    assert "date_from=" in page.url and charts_drawn(page) >= 6

    page.set_viewport_size({"width": 360, "height": 780})
    page.reload()
    page.wait_for_load_state("networkidle")
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"page wider than the screen by {overflow}px"
    page.screenshot(path=str(ARTIFACTS / "dashboard-kabid-mobile.png"), full_page=True)


@pytest.mark.browser
def test_head_of_office_sees_the_whole_office_and_filters_a_bidang(demo_office, live_server, page):
    ARTIFACTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 1366, "height": 900})
    login(page, live_server, "kadis")
    page.goto(f"{live_server.url}/permohonan/dasbor/")
    assert "Dasbor Seluruh kantor" in page.locator("h1").inner_text()
    page.screenshot(path=str(ARTIFACTS / "dashboard-kadis.png"), full_page=True)
    page.get_by_label("Bidang").select_option("capil")
    page.get_by_role("button", name="Terapkan").click()
    page.wait_for_load_state("networkidle")
    assert "Dasbor Bidang Pencatatan Sipil" in page.locator("h1").inner_text()
    assert page.locator("#sec-quota").count() == 0  # the recording quota is Dafduk's


@pytest.mark.browser
def test_officer_gets_no_dashboard(demo_office, live_server, page):
    login(page, live_server, "petugas1")
    assert page.get_by_role("link", name="Dasbor").count() == 0
    response = page.goto(f"{live_server.url}/permohonan/dasbor/")
    assert response.status == 403


@pytest.mark.browser
def test_citizen_checks_status_from_the_login_page(demo_office, live_server, page):
    ARTIFACTS.mkdir(exist_ok=True)
    app = (
        Application.objects.filter(status="ready", delivery_method="pickup").first()
        or Application.objects.first()
    )
    Application.objects.filter(pk=app.pk).update(status="ready", delivery_method="pickup")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/akun/masuk/")
    page.get_by_role("link", name="Warga: cek status permohonan Anda").click()
    page.get_by_label("Nomor registrasi").fill(app.number.lower())
    page.get_by_label("4 digit terakhir NIK pemohon").fill(app.nik[-4:])
    page.get_by_role("button", name="Cek status").click()
    assert page.get_by_role("heading", name="Dokumen sudah jadi").is_visible()
    assert "Tempat pengambilan" in page.content()
    assert app.number not in page.url and app.nik[-4:] not in page.url
    assert app.applicant_name not in page.content()
    page.screenshot(path=str(ARTIFACTS / "track-result.png"), full_page=True)
    violations = axe_violations(page)
    assert violations == [], violations

    caches["default"].clear()
    for i in range(11):  # ten wrong tries are allowed; the eleventh is refused
        page.get_by_label("Nomor registrasi").fill(app.number)
        page.get_by_label("4 digit terakhir NIK pemohon").fill(f"{(int(app.nik[-4:]) + i + 1) % 10000:04d}")
        page.get_by_role("button", name="Cek status").click()
    assert page.get_by_role("heading", name="Terlalu banyak percobaan").is_visible()
    page.screenshot(path=str(ARTIFACTS / "track-limited.png"), full_page=True)
