"""The admin in a real browser: log in through the product's login, work through an action page."""

from pathlib import Path

import pytest

from applications.models import Application
from tests import factories as f
from tests.two_factor_support import browser_pass_two_factor

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture
def office(transactional_db):
    admin = f.AdminFactory(username="admin.kantor", first_name="Admin", last_name="Kantor")
    dafduk = f.ServiceCategoryFactory(code="dafduk")
    kk = f.DocumentTypeFactory(code="kk-baru", name="Kartu Keluarga baru", category=dafduk)
    ktp = f.RequirementFactory(document_type=kk, name="KTP-el kepala keluarga")
    f.RequirementFactory(document_type=kk, name="Surat pengantar RT/RW")
    desa = f.DesaFactory(name="Tolotangga", code="52.06.01.2005")
    officer = f.OfficerFactory(username="petugas.kk", first_name="Siti", last_name="Rahmah")
    names = ["Muhammad Yusuf", "Nurhayati", "Abdul Haris", "Fatimah Zahra", "Ilham Saputra"]
    for i, name in enumerate(names):
        app = f.ApplicationFactory(
            applicant_name=name,
            document_type=kk,
            desa=desa,
            assigned_to=officer,
            status=Application.Status.PROCESSING if i < 2 else Application.Status.VERIFYING,
            urgency="bpjs" if i == 1 else "none",
        )
        f.RequirementCheckFactory(application=app, requirement=ktp, verdict="unreadable", reason="foto buram")
    return admin


def _login(page, live_server, username):
    page.goto(f"{live_server.url}/kelola/")
    assert "/akun/masuk/" in page.url
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(f.DEMO_PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    browser_pass_two_factor(page, username)
    page.wait_for_load_state("networkidle")


@pytest.mark.browser
def test_admin_requests_revisions_from_the_changelist(office, live_server, page):
    ARTIFACTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 1366, "height": 900})
    _login(page, live_server, "admin.kantor")
    assert page.url.endswith("/kelola/")
    page.screenshot(path=str(ARTIFACTS / "admin-index.png"), full_page=True)

    page.goto(f"{live_server.url}/kelola/applications/application/")
    page.screenshot(path=str(ARTIFACTS / "admin-application-list.png"), full_page=True)
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 5
    for i in range(3):
        rows.nth(i).locator("input.action-select").check()
    page.locator("select[name=action]").select_option("request_revision_action")
    page.locator("button[name=index]").click()
    page.wait_for_load_state("networkidle")
    assert "Minta perbaikan persyaratan" in page.locator("h1").inner_text()
    notes = page.locator("textarea")
    assert notes.count() == 3
    assert "KTP-el kepala keluarga: tidak terbaca (foto buram)" in notes.first.input_value()
    page.screenshot(path=str(ARTIFACTS / "admin-revision-page.png"), full_page=True)
    page.get_by_role("button", name="Kirim permintaan perbaikan").click()
    page.wait_for_load_state("networkidle")
    assert "3 diminta perbaikan" in page.locator(".messagelist").inner_text()
    page.screenshot(path=str(ARTIFACTS / "admin-revision-done.png"), full_page=True)
    assert Application.objects.filter(status=Application.Status.REVISION_REQUIRED).count() == 3

    page.locator("#result_list tbody tr a").first.click()
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(ARTIFACTS / "admin-application-change.png"), full_page=True)
    assert "Ubah status" in page.content()


@pytest.mark.browser
def test_kepala_bidang_generates_a_rota_from_the_admin(office, live_server, page):
    from routing.models import Rota

    kabid = f.KabidFactory(username="kabid.kk", first_name="Kabid", last_name="Dafduk", is_staff=True)
    for i in range(3):
        f.OfficerFactory(username=f"petugas.rota{i}", first_name=f"Petugas {i}")
    ARTIFACTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 1366, "height": 900})
    _login(page, live_server, kabid.username)
    page.goto(f"{live_server.url}/kelola/routing/rota/add/")
    assert "Buat jadwal piket" in page.locator("h1").inner_text()
    page.get_by_label("Satu minggu").check()
    page.get_by_label("Minggu yang memuat tanggal").fill("2026-12-07")
    page.get_by_label("Maksimal porsi di kantor (%)").fill("50")
    page.screenshot(path=str(ARTIFACTS / "admin-rota-generate.png"), full_page=True)
    page.get_by_role("button", name="Buat draf jadwal").click()
    page.wait_for_load_state("networkidle")
    rota = Rota.objects.get()
    assert page.url.endswith(f"/kelola/routing/rota/{rota.pk}/change/")
    assert "Draf jadwal dibuat" in page.locator(".messagelist").inner_text()
    page.screenshot(path=str(ARTIFACTS / "admin-rota-change.png"), full_page=True)


@pytest.mark.browser
def test_admin_merges_manifests_in_a_job_and_downloads_the_pdf(office, live_server, page):
    """The admin's "one PDF of the selected manifests": a job page with the result and the file."""
    from routing.models import DeliveryBatch
    from tests.routing.delivery_helpers import batch_with

    officer = f.OfficerFactory(username="petugas.kirim", first_name="Rudi", last_name="Hartono")
    kk = Application.objects.first().document_type
    desas = [f.DesaFactory(name="Sondo"), f.DesaFactory(name="Monta")]
    for desa in desas:
        batch_with(officer=officer, desa=desa, document_type=kk, n=2, status="dispatched")
    ARTIFACTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 1366, "height": 900})
    _login(page, live_server, "admin.kantor")
    page.goto(f"{live_server.url}/kelola/routing/deliverybatch/")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == DeliveryBatch.objects.count() == 2
    page.locator("#action-toggle").check()
    page.locator("select[name=action]").select_option("download_manifests_action")
    page.locator("button[name=index]").click()
    page.wait_for_url("**/rute/pengiriman/proses/*/")
    page.get_by_text("2 manifest digabung dalam satu PDF.").wait_for()
    page.screenshot(path=str(ARTIFACTS / "admin-manifest-job.png"), full_page=True)
    with page.expect_download() as saved:
        page.get_by_role("link", name="Unduh PDF manifest").click()
    path = saved.value.path()
    assert Path(path).read_bytes().startswith(b"%PDF")
    assert saved.value.suggested_filename.startswith("manifest-")
