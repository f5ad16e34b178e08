"""An officer's whole day with one application, in a real browser: intake with real photos, verification
with keyboard shortcuts, revision request, resubmission, verified, processing, ready."""

import re
from pathlib import Path

import pytest
from django.core.management import call_command
from PIL import Image, ImageDraw, ImageFont
from playwright.sync_api import expect

from applications.models import Application, Attachment, Requirement
from tests.e2e.field_helpers import load_axe
from tests.factories import DEMO_PASSWORD, make_nik, make_no_kk
from tests.malicious_files import real_pdf_bytes

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
TYPE_NAME = "KTP-el cetak ulang (hilang/rusak)"


@pytest.fixture
def demo_data(transactional_db):
    call_command("seed_demo")


def _photo(path: Path, title: str, size=(1600, 1200), *, blur: bool = False) -> Path:
    """A phone-photo-like JPEG of a document: paper on a table, a heading and lines of 'text'."""
    image = Image.new("RGB", size, (112, 84, 62))
    draw = ImageDraw.Draw(image)
    w, h = size
    paper = (int(w * 0.08), int(h * 0.06), int(w * 0.92), int(h * 0.94))
    draw.rectangle(paper, fill=(246, 244, 236))
    try:
        font = ImageFont.truetype("DejaVuSans-Bold.ttf", size=int(h * 0.045))
        small = ImageFont.truetype("DejaVuSans.ttf", size=int(h * 0.025))
    except OSError:
        font = small = ImageFont.load_default()
    draw.text((paper[0] + 60, paper[1] + 50), title, fill=(20, 20, 20), font=font)
    for i in range(14):
        y = paper[1] + 160 + i * int(h * 0.05)
        draw.text(
            (paper[0] + 60, y),
            f"{i + 1:02d}. ................................................",
            fill=(60, 60, 60),
            font=small,
        )
    if blur:
        from PIL import ImageFilter

        image = image.filter(ImageFilter.GaussianBlur(9))
    image.save(path, "JPEG", quality=88)
    return path


def _shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _axe(page) -> list[str]:
    """Serious and critical axe-core (WCAG 2 A/AA) violations on the page."""
    load_axe(page)
    violations = page.evaluate(
        """async () => (await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa']})).violations
            .filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => v.id + ': ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '))"""
    )
    return violations


def _status(page, label: str) -> None:
    expect(page.locator(".page-header .status-badge")).to_have_text(label)


@pytest.mark.browser
def test_officer_takes_an_application_from_intake_to_ready(demo_data, live_server, page, tmp_path):
    ARTIFACTS.mkdir(exist_ok=True)
    police = _photo(tmp_path / "surat_kehilangan.jpg", "SURAT KETERANGAN KEHILANGAN")
    kk_blurred = _photo(tmp_path / "kk_buram.jpg", "KARTU KELUARGA", size=(2400, 1700), blur=True)
    kk_sharp = _photo(tmp_path / "kk_jelas.jpg", "KARTU KELUARGA", size=(2400, 1700))
    reqs = {r.name: r for r in Requirement.objects.filter(document_type__name=TYPE_NAME)}
    police_req = next(r for n, r in reqs.items() if n.lower().startswith("surat keterangan hilang"))
    kk_req = next(r for n, r in reqs.items() if n.startswith("KK") or "Kartu Keluarga" in n)
    nik = make_nik("520601", female=True, serial=4321)

    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(f"{live_server.url}/akun/masuk/")
    page.get_by_label("Nama pengguna").fill("petugas1")
    page.get_by_label("Kata sandi").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Masuk").click()

    # --- intake ---------------------------------------------------------------------------------
    page.goto(f"{live_server.url}/permohonan/baru/")
    page.locator("#id_applicant_name").fill("Nurhayati Abdullah")
    page.locator("#id_nik").fill(nik)
    page.locator("#id_no_kk").fill(make_no_kk("520601", serial=77))
    page.locator("#id_whatsapp").fill("0813-3900-1234")
    page.locator("#id_document_type").select_option(label=TYPE_NAME)
    expect(page.locator(f'fieldset[data-doc-type="{police_req.document_type_id}"]')).to_be_visible()
    page.locator("#desa-filter").fill("tolota")
    expect(page.locator("#id_desa")).to_have_value(str(_desa_pk("Tolotangga")))
    page.locator("#id_urgency").select_option("bpjs")
    page.locator(f'input[name="files_{police_req.pk}"]').set_input_files(str(police))
    page.locator(f'input[name="files_{kk_req.pk}"]').set_input_files(str(kk_blurred))
    letter = tmp_path / "surat_pengantar_desa.pdf"
    letter.write_bytes(real_pdf_bytes())
    page.locator(
        f'fieldset[data-doc-type="{police_req.document_type_id}"] input[name="files_other"]'
    ).set_input_files(str(letter))
    expect(page.locator(".dropzone-list li")).to_have_count(3)
    _shot(page, "officer-01-intake")
    assert _axe(page) == []
    page.get_by_role("button", name="Daftarkan permohonan").click()

    expect(page.locator(".alert-success")).to_contain_text("terdaftar dengan 3 berkas")
    app = Application.objects.get(nik=nik)
    assert page.url.endswith(f"/permohonan/{app.pk}/")
    assert app.attachments.count() == 3 and app.urgency == "bpjs"
    _status(page, "Diterima")
    # the viewer shows the first photo; rotate and zoom work
    image = page.locator("[data-viewer-image]")
    expect(image).to_be_visible()
    page.wait_for_function("document.querySelector('[data-viewer-image]').naturalWidth > 0")
    page.keyboard.press("r")
    assert "rotate(90deg)" in image.get_attribute("style")
    page.keyboard.press("+")
    page.keyboard.press("0")
    page.keyboard.press("R")
    assert "rotate(0deg)" in image.get_attribute("style")
    _shot(page, "officer-02-received")
    # the PDF ("lainnya", last in the strip) opens inline in the frame; the image tools step aside
    page.locator("[data-viewer-item][data-kind=pdf]").click()
    pdf_frame = page.locator("[data-viewer-pdf]")
    expect(pdf_frame).to_be_visible()
    assert pdf_frame.get_attribute("src").endswith(f"/lampiran/{app.attachments.get(kind='pdf').pk}/")
    expect(page.locator("[data-image-tools]")).to_be_hidden()
    page.wait_for_timeout(800)
    _shot(page, "officer-02b-pdf")
    page.locator("[data-viewer-item]").first.click()

    # --- verification with the keyboard ----------------------------------------------------------
    page.get_by_role("button", name="Mulai verifikasi").click()
    _status(page, "Diverifikasi")
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("1")  # first file: the police letter → sesuai
    expect(page.locator(f"#v{police_req.pk}_ok")).to_be_checked()
    page.keyboard.press("j")  # next file: the blurred KK
    expect(page.locator("[data-viewer-title]")).to_have_text("kk_buram.jpg")
    page.keyboard.press("3")  # tidak terbaca → the reason field gets the focus
    expect(page.locator(f"#v{kk_req.pk}_unreadable")).to_be_checked()
    page.keyboard.type("Foto buram, tulisan tidak terbaca")
    _shot(page, "officer-03-verifying")
    assert _axe(page) == []
    page.get_by_role("button", name="Simpan hasil pemeriksaan").click()
    expect(page.locator(".alert-success")).to_contain_text("Hasil pemeriksaan disimpan")

    # --- revision request ------------------------------------------------------------------------
    page.locator("summary", has_text="Minta perbaikan").click()
    note = page.locator("#id_request_revision_note")
    expect(note).to_have_value(re.compile(r"tidak terbaca \(Foto buram, tulisan tidak terbaca\)"))
    note.fill(note.input_value() + "\n- Mohon foto di tempat terang, tanpa kilau.")
    _shot(page, "officer-04-revision-request")
    page.get_by_role("button", name="Kirim permintaan perbaikan").click()
    _status(page, "Perlu perbaikan")
    message = app.messages.get(event="revision_required")
    assert "Foto buram" in message.body and "tanpa kilau" in message.body

    # --- resubmission ----------------------------------------------------------------------------
    page.locator("summary", has_text="Catat perbaikan diterima").click()
    page.locator(f'form[action$="/perbaikan/"] input[name="files_{kk_req.pk}"]').set_input_files(
        str(kk_sharp)
    )
    page.locator("#id_note").fill("KK difoto ulang, dikirim lewat WhatsApp.")
    page.get_by_role("button", name="Catat perbaikan", exact=True).click()
    _status(page, "Perbaikan dikirim")
    expect(page.locator(".viewer-thumb.is-replaced")).to_have_count(1)
    expect(page.locator(".viewer-thumb")).to_have_count(4)
    assert Attachment.objects.filter(application=app, replaced_at__isnull=False).count() == 1

    # --- verified, processing, ready ------------------------------------------------------------
    page.get_by_role("button", name="Mulai verifikasi").click()
    _status(page, "Diverifikasi")
    page.locator(f'label[for="v{kk_req.pk}_ok"]').click()
    page.get_by_role("button", name="Simpan hasil pemeriksaan").click()
    expect(page.locator(".alert-success")).to_contain_text("Hasil pemeriksaan disimpan")
    page.get_by_role("button", name="Tandai terverifikasi").click()
    _status(page, "Terverifikasi")
    page.get_by_role("button", name="Mulai proses").click()
    _status(page, "Diproses")
    page.locator("summary", has_text="Tandai siap").click()
    page.locator("#id_mark_ready_number").fill("5206-KTP-2026-000123")
    page.locator('form[action$="/aksi/mark_ready/"] button[type=submit]').click()
    _status(page, "Siap")
    expect(page.locator(".timeline-item")).to_have_count(10)
    _shot(page, "officer-05-ready")
    app.refresh_from_db()
    assert (app.status, app.issued_document_number) == ("ready", "5206-KTP-2026-000123")

    # --- the queue, wide and on a phone ---------------------------------------------------------------
    page.goto(f"{live_server.url}/permohonan/?status=all")
    expect(page.locator(".queue-table")).to_be_visible()
    _shot(page, "officer-06-queue")
    assert _axe(page) == []
    page.set_viewport_size({"width": 360, "height": 740})
    for path, name in [
        ("/permohonan/", "officer-07-queue-360"),
        (f"/permohonan/{app.pk}/", "officer-08-detail-360"),
        ("/permohonan/baru/", "officer-09-intake-360"),
    ]:
        page.goto(f"{live_server.url}{path}")
        _shot(page, name)
        # nothing wider than the phone's screen except inside scrolling tables and strips
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 1, name


def _desa_pk(name: str) -> int:
    from routing.models import Desa

    return Desa.objects.get(name=name, code__startswith="52.06.").pk
