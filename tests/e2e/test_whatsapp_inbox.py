"""An officer turns a WhatsApp conversation into an application; the admin reads the outbox."""

import io
from pathlib import Path

import pytest
from django.core.files.base import ContentFile

from applications.models import Application
from applications.uploads import sanitize_upload
from notifications.models import OutboxMessage
from tests import factories as f
from tests.malicious_files import plain_jpeg_bytes
from tests.two_factor_support import browser_pass_two_factor

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


class _Named(io.BytesIO):
    name = "kk.jpg"


def _login(page, live_server, username):
    page.goto(f"{live_server.url}/akun/masuk/")
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(f.DEMO_PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    browser_pass_two_factor(page, username)
    page.wait_for_load_state("networkidle")


@pytest.fixture
def conversation(transactional_db, officer, doc_type, desa_a):
    number = f.OfficerNumberFactory(officer=officer, phone="+6281300000001", bidang="dafduk")
    first = f.InboundMessageFactory(
        officer_number=number,
        sender="+6281234567890",
        sender_name="Budi Santoso",
        text="Selamat pagi, KK saya hilang. Ini foto KTP dan surat kehilangan.",
    )
    for i, name in enumerate(["ktp-budi.jpg", "surat-kehilangan.jpg"]):
        clean = sanitize_upload(_Named(plain_jpeg_bytes((900 + i * 50, 600))))
        media = f.InboundMediaFactory(message=first, fetched=True, mime_type="image/jpeg", display_name=name)
        media.file.save(f"m{media.pk}.jpg", ContentFile(clean.content), save=False)
        media.thumbnail.save(f"t{media.pk}.jpg", ContentFile(clean.thumbnail), save=False)
        media.save()
    f.InboundMediaFactory(
        message=f.InboundMessageFactory(
            officer_number=number, sender="+6281234567890", sender_name="Budi Santoso", text=""
        ),
        display_name="IMG_0042.HEIC",
        error="Berkas 'IMG_0042.HEIC' berformat HEIC/HEIF (format foto iPhone) yang belum bisa kami terima. Kirim sebagai foto JPEG.",
    )
    f.InboundMessageFactory(
        officer_number=number,
        sender="+6281298765432",
        sender_name="Siti",
        text="Apakah akta kelahiran anak saya sudah jadi?",
    )
    return first


@pytest.mark.browser
@pytest.mark.parametrize("width", [1366, 360])
def test_officer_registers_an_application_from_whatsapp(
    conversation, live_server, page, settings, width, officer
):
    settings.WHATSAPP_SENDER = "console"
    ARTIFACTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": width, "height": 900})
    _login(page, live_server, officer.username)
    page.goto(f"{live_server.url}/notifikasi/wa-masuk/")
    assert page.locator("h1").inner_text() == "WhatsApp masuk"
    page.screenshot(path=str(ARTIFACTS / f"wa-inbox-{width}.png"), full_page=True)
    page.get_by_role("link", name="Budi Santoso").click()
    page.wait_for_load_state("networkidle")
    assert "HEIC" in page.content()
    page.screenshot(path=str(ARTIFACTS / f"wa-conversation-{width}.png"), full_page=True)

    form = page.locator("#pane-create")
    form.get_by_label("NIK").fill(f.make_nik(serial=12))
    form.get_by_label("No. KK").fill(f.make_no_kk(serial=13))
    form.get_by_label("Desa/kelurahan").select_option(label="Tolotangga")
    form.get_by_label("Jenis dokumen").select_option(label="KK hilang/rusak")
    assert form.get_by_label("ktp-budi.jpg").is_checked()  # every usable file is ticked at first
    form.get_by_label("surat-kehilangan.jpg").check()
    form.get_by_role("button", name="Daftarkan permohonan").click()
    page.wait_for_load_state("networkidle")
    application = Application.objects.get()
    assert page.url.endswith(f"/permohonan/{application.pk}/")
    assert application.attachments.count() == 2
    assert OutboxMessage.objects.filter(application=application).count() == 1
    page.screenshot(path=str(ARTIFACTS / f"wa-created-{width}.png"), full_page=True)


@pytest.mark.browser
def test_admin_outbox_page(transactional_db, live_server, page, admin_user, doc_type, desa_a):
    ARTIFACTS.mkdir(exist_ok=True)
    S = OutboxMessage.Status
    for i, (status, error) in enumerate(
        [
            (
                S.PERMANENT_FAILURE,
                "[131026] cloud: HTTP 400 code 131026 to +62812****890: Message Undeliverable.",
            ),
            (
                S.FAILED,
                "[temporary] cloud: HTTP 503 code 2 to +62812****891: Service temporarily unavailable",
            ),
            (S.READ, ""),
            (S.DELIVERED, ""),
            (S.SENT, ""),
        ]
    ):
        application = f.ApplicationFactory(document_type=doc_type, desa=desa_a)
        f.OutboxMessageFactory(
            application=application, status=status, last_error=error, attempts=1 + i % 2, event="ready_pemdes"
        )
    page.set_viewport_size({"width": 1366, "height": 800})
    _login(page, live_server, admin_user.username)
    page.goto(f"{live_server.url}/notifikasi/pesan-keluar/")
    assert "Pesan keluar WhatsApp" in page.locator("h1").inner_text()
    page.screenshot(path=str(ARTIFACTS / "outbox-admin.png"), full_page=True)
    page.get_by_role("button", name="Kirim ulang").first.click()
    page.wait_for_load_state("networkidle")
    assert "antrean kirim" in page.content()
    page.set_viewport_size({"width": 360, "height": 800})
    page.screenshot(path=str(ARTIFACTS / "outbox-admin-360.png"), full_page=True)


@pytest.mark.browser
def test_admin_template_editor_previews_live(transactional_db, live_server, page, admin_user):
    ARTIFACTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 1366, "height": 900})
    _login(page, live_server, admin_user.username)
    page.goto(f"{live_server.url}/kelola/notifications/messagetemplate/add/?event=at_desa")
    preview = page.locator("#template-live-preview")
    preview.get_by_text("Siti Aminah").first.wait_for()
    assert "Tolotangga" in preview.inner_text()
    page.locator("#id_body").fill("Yth. {nama}, dokumen {nomor} siap di {tempat_ambl}.")
    preview.get_by_text("Tempat isian tidak dikenal").wait_for()
    page.screenshot(path=str(ARTIFACTS / "template-preview.png"), full_page=True)
