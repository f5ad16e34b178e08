"""Logging in as a role that needs 2FA, in tests (test client and browser) and in the bench.

The product is not weakened: the test client's `force_login` is followed by what a real second
step leaves in the session (django_otp.login: the device's persistent id), with a confirmed device
created for the user when they have none; browser logins type the current code on the real
verification page.
"""

import re
import sqlite3
import time

from django_otp.oath import TOTP, totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from dukcapil.accounts.models import User
from dukcapil.accounts.two_factor import session_mark_verified, totp_device_ensure, user_requires_otp
from dukcapil.core import demo

CODE_LABEL = "Kode 6 angka"


def totp_code_now(device: TOTPDevice) -> str:
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift)
    return f"{code:0{device.digits}d}"


def codes_around(key: bytes, *, step: int = 30, digits: int = 6, drift: int = 0) -> set[str]:
    """The codes of the time steps a device accepts right now (t-1, t, t+1, tolerance 1)."""
    clock = TOTP(key, step, 0, digits, drift)
    codes = set()
    for offset in (-1, 0, 1):
        clock.time = time.time() + offset * step
        codes.add(f"{clock.token():0{digits}d}")
    return codes


def wrong_code(key: bytes) -> str:
    """A well-formed code that no accepted time step gives: the product must refuse it."""
    valid = codes_around(key)
    return next(c for c in (f"{n:06d}" for n in range(1_000_000)) if c not in valid)


def client_pass_two_factor(client, user: User) -> None:
    """After `client.force_login(user)`: mark the session verified when the user's role needs 2FA."""
    if user_requires_otp(user):
        session_mark_verified(session=client.session, device=totp_device_ensure(user=user))


def device_ready_for_browser_login(user: User) -> TOTPDevice:
    """A confirmed device whose last used time step is forgotten.

    A test logs the same user in several times within one 30-second step; django-otp rightly
    refuses a code of a step already used, so the test forgets it (test data only).
    """
    device = totp_device_ensure(user=user)
    TOTPDevice.objects.filter(pk=device.pk).update(
        last_t=-1, throttling_failure_count=0, throttling_failure_timestamp=None
    )
    device.refresh_from_db()
    return device


def browser_pass_two_factor(page, username: str) -> None:
    """After the password step in the browser: type the current code when the role needs 2FA."""
    user = User.objects.get(username=username)
    if not user_requires_otp(user):
        return
    device = device_ready_for_browser_login(user)
    page.wait_for_url(re.compile(r"/akun/2fa/(verifikasi|daftar)/"))
    if "/2fa/daftar/" in page.url:  # the device was made by this helper just after the redirect
        page.goto(page.url.replace("/2fa/daftar/", "/2fa/verifikasi/"))
    page.get_by_label(CODE_LABEL).fill(totp_code_now(device))
    page.get_by_role("button", name="Verifikasi").click()
    page.wait_for_url(lambda url: "/akun/2fa/" not in url)


def browser_pass_two_factor_demo_site(page, username: str, db_path) -> None:
    """The same against a server with its own SQLite database seeded by `seed_demo` (field suite).

    The code comes from the documented demo key; the used time step is forgotten in that database
    (test data only), as in `device_ready_for_browser_login`.
    """
    if "/akun/2fa/verifikasi/" not in page.url:
        return
    with sqlite3.connect(db_path, timeout=20) as conn:
        conn.execute(
            "UPDATE otp_totp_totpdevice SET last_t = -1, throttling_failure_count = 0, "
            "throttling_failure_timestamp = NULL "
            "WHERE user_id = (SELECT id FROM accounts_user WHERE username = ?)",
            (username,),
        )
    code = totp(bytes.fromhex(demo.DEMO_OTP_KEYS[username]))
    page.get_by_label(CODE_LABEL).fill(f"{code:06d}")
    page.get_by_role("button", name="Verifikasi").click()
    page.wait_for_url(lambda url: "/akun/2fa/" not in url)
