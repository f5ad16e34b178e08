"""Every demo role logs in through the real login page and lands on its own home page."""

import re
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.two_factor_support import browser_pass_two_factor

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

HOME_HEADINGS = {
    "petugas1": "Selamat bekerja",
    "petugas4": "Selamat bekerja",
    "kabid.dafduk": "Bidang Pendaftaran Penduduk",
    "kabid.capil": "Bidang Pencatatan Sipil",
    "kadis": "Seluruh kantor",
    "admin": "Administrasi sistem",
    "pemdes1": "Kantor Desa Tolotangga",
    "pemdes2": "Kantor Desa",
}


@pytest.fixture
def demo_data(transactional_db):
    call_command("seed_demo")


@pytest.mark.browser
@pytest.mark.parametrize("username", list(HOME_HEADINGS))
def test_each_role_logs_in_and_sees_its_home(username, demo_data, live_server, page):
    ARTIFACTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"{live_server.url}/")
    assert "/akun/masuk/" in page.url
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill("dukcapil-demo")
    page.get_by_role("button", name="Masuk").click()
    browser_pass_two_factor(page, username)
    page.wait_for_load_state("networkidle")
    heading = page.locator("h1").first.inner_text()
    assert HOME_HEADINGS[username] in heading
    page.screenshot(path=str(ARTIFACTS / f"home-{username}.png"), full_page=True)
    page.get_by_role("button", name="Keluar").click()
    assert re.search(r"/akun/masuk/", page.url)


@pytest.mark.browser
def test_wrong_password_shows_indonesian_error(demo_data, live_server, page):
    page.goto(f"{live_server.url}/akun/masuk/")
    page.get_by_label("Nama pengguna").fill("petugas1")
    page.get_by_label("Kata sandi").fill("salah-sandi-sekali")
    page.get_by_role("button", name="Masuk").click()
    assert (
        page.get_by_text("Masukkan nama pengguna dan kata sandi").first.is_visible()
        or page.locator(".alert-danger, .invalid-feedback").count()
    )
    page.screenshot(path=str(ARTIFACTS / "login-error.png"))
