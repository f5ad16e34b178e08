"""Delivery to the desa in a real browser: an officer builds and dispatches batches and prints the manifest;
pemdes1 downloads PDF, CSV and XLSX, confirms receipt and records a hand-over; pemdes2 reaches none of it."""

import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from applications.models import Application, DocumentType
from dukcapil.accounts.models import User
from dukcapil.core.models import BackgroundJob
from routing.models import BatchItem, DeliveryBatch, Desa
from tests import factories as f
from tests.e2e.field_helpers import load_axe

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PASSWORD = "dukcapil-demo"
RESIDENT = "Siti Aminah Tolotangga"


@pytest.fixture
def demo_data(transactional_db):
    call_command("seed_demo")
    # one document we know about, ready and going to pemdes1's desa (the demo data is random)
    desa = User.objects.get(username="pemdes1").desa
    now = timezone.now()
    f.ApplicationFactory(
        desa=desa,
        document_type=DocumentType.objects.filter(category__code="dafduk").first(),
        applicant_name=RESIDENT,
        status=Application.Status.READY,
        delivery_method=Application.Delivery.VIA_PEMDES,
        issued_document_number="5206010101260099",
        ready_at=now,
        status_changed_at=now,
    )
    return desa


def _login(page, base: str, username: str) -> None:
    page.goto(f"{base}/akun/masuk/")
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_load_state("networkidle")


def _logout(page) -> None:
    page.get_by_role("button", name="Keluar").click()
    page.wait_for_url(re.compile(r"/akun/masuk/"))


def _shot(page, name: str, full_page: bool = True) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)


def _axe(page, where: str = "#main") -> list[dict]:
    """Serious or critical WCAG 2 A/AA problems on the current page."""
    load_axe(page)
    return page.evaluate(
        """async (where) => (await axe.run(where, {runOnly: ['wcag2a', 'wcag2aa']})).violations
              .filter(v => v.impact === 'serious' || v.impact === 'critical')
              .map(v => ({id: v.id, nodes: v.nodes.map(n => n.target.join(' ') + ' :: ' + (n.any[0] || {}).message).slice(0, 5)}))""",
        where,
    )


@pytest.mark.browser
def test_delivery_from_office_to_resident(demo_data, live_server, page):
    ARTIFACTS.mkdir(exist_ok=True)
    base = live_server.url
    desa: Desa = demo_data
    page.set_viewport_size({"width": 1366, "height": 900})

    # --- the officer builds every desa's batch in one action ----------------------------------
    _login(page, base, "petugas1")
    page.get_by_role("link", name="Pengiriman ke desa").first.click()
    page.wait_for_load_state("networkidle")
    _shot(page, "delivery-01-batch-list-before")
    page.get_by_role("link", name="Pilih dokumen satu per satu").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("cell", name=RESIDENT).is_visible()
    _shot(page, "delivery-01b-ready-list")
    problems = {"ready list": _axe(page)}
    page.go_back()
    page.get_by_role("button", name="Buat batch untuk semua desa").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text(re.compile(r"dokumen dimasukkan ke batch untuk \d+ desa")).is_visible()
    _shot(page, "delivery-02-create-all-done")

    batch = DeliveryBatch.objects.get(desa=desa, status="open")
    assert BatchItem.objects.filter(batch=batch, application__applicant_name=RESIDENT).exists()
    page.get_by_role("link", name="Lihat batch yang disiapkan").click()
    page.wait_for_load_state("networkidle")
    _shot(page, "delivery-02b-batch-list-open")
    problems["batch list"] = _axe(page)
    page.get_by_role("link", name=batch.number).click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("heading", level=1).inner_text().startswith(batch.number)
    _shot(page, "delivery-03-batch-open")
    problems["batch page"] = _axe(page)

    # the print manifest: same template as the PDF, no navigation bar
    page.get_by_role("link", name="Cetak daftar kiriman").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("Daftar kiriman dokumen kependudukan", exact=False).first.is_visible()
    assert page.locator("nav.navbar").count() == 0
    assert page.get_by_role("cell", name=RESIDENT).is_visible()
    _shot(page, "delivery-04-manifest-screen")
    problems["manifest"] = _axe(page, "body")
    # the browser's own print of the same page: A4, header row on every page, no toolbar
    page.emulate_media(media="print")
    printed = page.pdf(prefer_css_page_size=True)
    (ARTIFACTS / "delivery-05-manifest-chromium.pdf").write_bytes(printed)
    first_page = PdfReader(io.BytesIO(printed)).pages[0]
    assert round(float(first_page.mediabox.width)) == 595  # A4 in points
    assert (
        "Nomor registrasi" in first_page.extract_text()
        and "Kembali ke batch" not in first_page.extract_text()
    )
    page.emulate_media(media="screen")
    page.get_by_role("link", name="Kembali ke batch").click()

    # dispatch with a courier and today's date
    officer = User.objects.get(username="petugas1")
    page.get_by_label("Petugas pengantar (kurir)").select_option(str(officer.pk))
    page.get_by_role("button", name="Kirim sekarang").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text(f"Batch {batch.number} dikirim ke Desa {desa.name}").is_visible()
    _shot(page, "delivery-06-dispatched")
    batch.refresh_from_db()
    assert batch.status == "dispatched" and batch.courier == officer
    _logout(page)

    # --- pemdes1: downloads, receipt, hand-over ----------------------------------------------
    _login(page, base, "pemdes1")
    page.get_by_role("link", name="Kiriman dokumen").first.click()
    page.wait_for_load_state("networkidle")
    _shot(page, "delivery-07-pemdes-portal")
    problems["portal"] = _axe(page)
    page.get_by_role("link", name=batch.number).click()
    page.wait_for_load_state("networkidle")

    with page.expect_download() as pdf_info:
        page.get_by_role("link", name="PDF", exact=True).click()
    pdf_path = pdf_info.value.path()
    assert Path(pdf_path).read_bytes().startswith(b"%PDF")
    assert pdf_info.value.suggested_filename == f"{batch.number}.pdf"
    with page.expect_download() as xlsx_info:
        page.get_by_role("link", name="Excel (XLSX)").click()
    sheet = load_workbook(io.BytesIO(Path(xlsx_info.value.path()).read_bytes())).active
    assert RESIDENT in [c.value for row in sheet.iter_rows() for c in row]
    with page.expect_download() as csv_info:
        page.get_by_role("link", name="CSV", exact=True).click()
    assert RESIDENT in Path(csv_info.value.path()).read_text(encoding="utf-8-sig")

    page.get_by_label("Saya sudah mencocokkan dokumen yang diterima dengan daftar kiriman.").check()
    page.get_by_role("button", name="Konfirmasi diterima").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text(f"Penerimaan batch {batch.number} dicatat").is_visible()
    _shot(page, "delivery-08-received")

    page.get_by_role("link", name=f"Serahkan {RESIDENT}").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_label("Nama penerima").input_value() == RESIDENT
    _shot(page, "delivery-09-hand-over-form")
    problems["hand-over form"] = _axe(page)
    page.get_by_role("button", name="Simpan penyerahan").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text(f"kepada {RESIDENT} dicatat").is_visible()
    _shot(page, "delivery-10-handed-over")
    item = BatchItem.objects.select_related("application").get(
        batch=batch, application__applicant_name=RESIDENT
    )
    assert item.status == "handed_over" and item.application.status == "handed_over"

    # a week later than the limit: the portal lists what still waits, and the desa sends one back
    DeliveryBatch.objects.filter(pk=batch.pk).update(received_at=timezone.now() - timedelta(days=20))
    page.goto(f"{base}/rute/desa/")
    overdue = page.get_by_role("heading", name="Menunggu lebih dari 14 hari")
    assert overdue.is_visible()
    _shot(page, "delivery-10b-pemdes-overdue")
    waiting = BatchItem.objects.select_related("application").get(batch=batch, status="in_batch")
    page.get_by_role("row", name=re.compile(waiting.application.applicant_name)).get_by_role(
        "link", name="Kembalikan"
    ).click()
    page.get_by_label("Alasan dikembalikan ke kantor").fill("Pemohon pindah domisili")
    _shot(page, "delivery-10c-return-form")
    problems["return form"] = _axe(page)
    page.get_by_role("button", name="Kembalikan ke kantor").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("dicatat dikembalikan ke kantor").is_visible()
    batch.refresh_from_db()
    assert batch.status == "closed"  # nothing left waiting at the desa

    # the portal on a phone
    page.set_viewport_size({"width": 360, "height": 780})
    page.goto(f"{base}/rute/desa/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    _shot(page, "delivery-11-pemdes-portal-360")
    page.goto(f"{base}/rute/pengiriman/{batch.pk}/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # wide tables scroll inside
    _shot(page, "delivery-12-batch-360")
    page.set_viewport_size({"width": 1366, "height": 900})
    _logout(page)

    # --- pemdes2: nothing of desa 1 is reachable ---------------------------------------------
    _login(page, base, "pemdes2")
    paths = [
        f"/rute/pengiriman/{batch.pk}/",
        f"/rute/pengiriman/{batch.pk}/manifest/",
        f"/rute/pengiriman/{batch.pk}/manifest.pdf",
        f"/rute/pengiriman/{batch.pk}/manifest.csv",
        f"/rute/pengiriman/{batch.pk}/manifest.xlsx",
        f"/rute/pengiriman/{batch.pk}/dokumen/{item.pk}/serahkan/",
        f"/rute/pengiriman/{batch.pk}/dokumen/{item.pk}/kembalikan/",
    ]
    for path in paths:
        assert page.request.get(base + path).status == 404, path
    response = page.goto(base + paths[0])
    assert response.status == 404
    _shot(page, "delivery-13-pemdes2-404")
    csrf = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    for path in (
        f"/rute/pengiriman/{batch.pk}/terima/",
        f"/rute/pengiriman/{batch.pk}/dokumen/{item.pk}/serahkan/",
        f"/rute/pengiriman/{batch.pk}/dokumen/{item.pk}/kembalikan/",
    ):
        answer = page.request.post(
            base + path, form={"reason": "x", "checked": "on", "version": "1"}, headers={"X-CSRFToken": csrf}
        )
        assert answer.status == 404, path
    # pemdes2's own portal does not list desa 1's batch
    page.goto(f"{base}/rute/desa/")
    assert batch.number not in page.content()

    assert not {name: found for name, found in problems.items() if found}


@pytest.mark.browser
def test_batch_job_page_polls_until_the_job_is_done(transactional_db, live_server, page):
    """The progress page asks the server every second (htmx) and shows the result when the job ends."""
    ARTIFACTS.mkdir(exist_ok=True)
    officer = f.OfficerFactory(username="petugas.kirim", first_name="Petugas", last_name="Kirim")
    job = BackgroundJob.objects.create(
        kind="batch_create_all", created_by=officer, status="running", total=4, done=1
    )
    _login(page, live_server.url, "petugas.kirim")
    page.goto(f"{live_server.url}/rute/pengiriman/proses/{job.pk}/")
    assert page.get_by_text("Memproses desa 1 dari 4").is_visible()
    _shot(page, "delivery-job-running")

    BackgroundJob.objects.filter(pk=job.pk).update(done=3)
    page.get_by_text("Memproses desa 3 dari 4").wait_for(timeout=5000)
    BackgroundJob.objects.filter(pk=job.pk).update(
        status="done",
        done=4,
        result={
            "items_added": 9,
            "desa_count": 4,
            "batches_created": ["KRM-2026-5206012005-001"],
            "batches_extended": [],
        },
    )
    page.get_by_text("9 dokumen dimasukkan ke batch untuk 4 desa.").wait_for(timeout=5000)
    _shot(page, "delivery-job-done")
