"""A kepala bidang sets up 2FA in the browser, then passes it at the next login (with axe checks)."""

import base64
import re
from pathlib import Path

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from tests import factories as f
from tests.e2e.field_helpers import axe_problems, overflow
from tests.two_factor_support import CODE_LABEL, device_ready_for_browser_login, totp_code_now, wrong_code

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _password(page, base: str, username: str, path: str = "/") -> None:
    page.goto(f"{base}{path}")
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(f.DEMO_PASSWORD)
    page.get_by_role("button", name="Masuk").click()


def _key_from_secret(secret_text: str) -> bytes:
    """What the phone app stores from the secret typed by hand."""
    secret = secret_text.replace(" ", "").strip()
    return base64.b32decode(secret + "=" * (-len(secret) % 8))


@pytest.mark.browser
def test_kabid_enrols_then_verifies_at_the_next_login(transactional_db, live_server, page):
    ARTIFACTS.mkdir(exist_ok=True)
    kabid = f.KabidFactory(username="kabid.2fa", first_name="Hj. Nurhayati", bidang="dafduk")
    base = live_server.url

    # --- enrolment: after the password, the page asked for comes back after the first code -----
    page.set_viewport_size({"width": 360, "height": 800})
    _password(page, base, kabid.username, "/permohonan/")
    page.wait_for_url(re.compile(r"/akun/2fa/daftar/"))
    expect(page.get_by_role("heading", name="Aktifkan verifikasi dua langkah")).to_be_visible()
    expect(page.get_by_role("img", name="Kode QR untuk aplikasi autentikator")).to_be_visible()
    code_box = page.get_by_label(CODE_LABEL)
    assert code_box.get_attribute("inputmode") == "numeric"
    assert code_box.get_attribute("autocomplete") == "one-time-code"
    assert page.locator("nav.navbar").count() == 0  # no menu of pages that would only bounce back
    box = overflow(page)
    assert box["scrollWidth"] <= box["innerWidth"], box["culprits"]
    page.screenshot(path=str(ARTIFACTS / "otp-enrol-phone.png"), full_page=True)
    assert axe_problems(page) == []

    secret_shown = page.locator("#otp-secret").inner_text()
    key = _key_from_secret(secret_shown)
    code_box.fill(wrong_code(key))
    page.get_by_role("button", name="Aktifkan").click()
    expect(page.get_by_text("Kode salah atau sudah kedaluwarsa")).to_be_visible()
    assert TOTPDevice.objects.get(user=kabid, confirmed=False).bin_key == key
    assert page.locator("#otp-secret").inner_text() == secret_shown  # same secret after the error
    assert axe_problems(page) == []
    page.screenshot(path=str(ARTIFACTS / "otp-enrol-wrong-code.png"), full_page=True)

    TOTPDevice.objects.filter(user=kabid).update(
        throttling_failure_count=0, throttling_failure_timestamp=None
    )
    page.get_by_label(CODE_LABEL).fill(f"{totp(key):06d}")
    page.get_by_role("button", name="Aktifkan").click()
    page.wait_for_url(re.compile(r"/permohonan/$"))
    assert TOTPDevice.objects.get(user=kabid).confirmed

    # --- the next login asks for the code -------------------------------------------------------
    page.set_viewport_size({"width": 1366, "height": 768})  # the menu (with "Keluar") unfolded
    page.get_by_role("button", name="Keluar").click()
    _password(page, base, kabid.username)
    page.wait_for_url(re.compile(r"/akun/2fa/verifikasi/"))
    expect(page.get_by_role("heading", name="Verifikasi dua langkah")).to_be_visible()
    assert axe_problems(page) == []
    page.screenshot(path=str(ARTIFACTS / "otp-verify.png"), full_page=True)

    device = device_ready_for_browser_login(kabid)  # the enrolment used this 30-second step already
    page.get_by_label(CODE_LABEL).fill(wrong_code(device.bin_key))
    page.get_by_role("button", name="Verifikasi").click()
    expect(page.get_by_text("Kode salah atau sudah kedaluwarsa")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "otp-verify-wrong-code.png"), full_page=True)

    device = device_ready_for_browser_login(kabid)
    page.get_by_label(CODE_LABEL).fill(totp_code_now(device))
    page.get_by_role("button", name="Verifikasi").click()
    page.wait_for_url(lambda url: "/akun/2fa/" not in url)
    expect(page.locator("h1").first).to_contain_text("Bidang Pendaftaran Penduduk")
