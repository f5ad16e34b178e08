"""Two-factor authentication (TOTP): who must pass it, enrolment, verification, throttling, audit, reset.

These tests log in through the real login form (or `force_login` without the 2FA shortcut of
conftest: `otp_unverified`), so the second step is really exercised.
"""

import base64
import io
from datetime import timedelta
from urllib.parse import quote

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from dukcapil.accounts.models import User
from dukcapil.accounts.two_factor import ENROL_KEY_SESSION_KEY, totp_device_ensure
from dukcapil.core.models import AuditEntry
from tests import factories as f
from tests.admin import changelist_url, messages_of, run_action
from tests.two_factor_support import client_pass_two_factor, codes_around, totp_code_now, wrong_code

pytestmark = [pytest.mark.django_db, pytest.mark.otp_unverified]

LOGIN = "/akun/masuk/"
ENROL = "/akun/2fa/daftar/"
VERIFY = "/akun/2fa/verifikasi/"
HOME = "/"


def password_login(client, user) -> None:
    response = client.post(LOGIN, {"username": user.username, "password": f.DEMO_PASSWORD})
    assert response.status_code == 302, "the password step itself must pass"


def key_from_secret(secret_text: str) -> bytes:
    secret = secret_text.replace(" ", "")
    return base64.b32decode(secret + "=" * (-len(secret) % 8))


def audit_rows(action: str) -> list[tuple[str, str, str]]:
    return list(
        AuditEntry.objects.filter(action=action)
        .order_by("id")
        .values_list("actor_username", "outcome", "detail")
    )


@pytest.fixture
def kadis(db):
    return f.UserFactory(username="kadis.uji", role=User.Role.KEPALA_DINAS, bidang="")


@pytest.fixture
def kabid_device(kabid):
    return totp_device_ensure(user=kabid)


# --- who is asked ---------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["kabid", "admin_user", "kadis"])
def test_roles_with_office_keys_are_sent_to_enrolment_after_the_password(client, request, who):
    user = request.getfixturevalue(who)
    password_login(client, user)
    response = client.get(reverse("applications:queue"))
    assert response.status_code == 302
    assert response["Location"] == f"{ENROL}?next={quote('/permohonan/', safe='')}"


def test_superuser_is_asked_whatever_the_role(client, officer):
    officer.is_superuser = True
    officer.save(update_fields=["is_superuser"])
    password_login(client, officer)
    assert client.get(HOME)["Location"].startswith(ENROL)


@pytest.mark.parametrize("who", ["officer", "pemdes_a"])
def test_petugas_and_pemdes_are_not_asked(client, request, who):
    user = request.getfixturevalue(who)
    password_login(client, user)
    assert client.get(HOME).status_code == 200
    # the 2FA pages send them on instead of asking
    assert client.get(VERIFY)["Location"] == reverse("home")
    assert client.get(ENROL)["Location"] == reverse("home")
    assert not TOTPDevice.objects.filter(user=user).exists()


def test_anonymous_2fa_pages_go_to_login(client):
    for url in (ENROL, VERIFY):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(LOGIN)


# --- enrolment ------------------------------------------------------------------------------


def test_enrolment_shows_the_secret_as_qr_and_text_then_a_wrong_then_right_code(client, kabid):
    password_login(client, kabid)
    page = client.get(f"{ENROL}?next=/permohonan/")
    assert page.status_code == 200
    html = page.content.decode()
    assert not TOTPDevice.objects.filter(user=kabid).exists()  # showing the page writes no row
    assert "<svg" in html and 'role="img"' in html  # QR code made on the server, inline
    secret = page.context["secret"]
    assert secret in html
    key = key_from_secret(secret)
    assert 'inputmode="numeric"' in html and 'autocomplete="one-time-code"' in html

    refused = client.post(ENROL, {"code": wrong_code(key), "next": "/permohonan/"})
    assert refused.status_code == 400
    assert "Kode salah atau sudah kedaluwarsa" in refused.content.decode()
    assert refused.context["form"]["code"].value() == ""  # the next try is a new code
    device = TOTPDevice.objects.get(user=kabid)
    assert device.bin_key == key and not device.confirmed
    assert client.get(HOME)["Location"].startswith(ENROL)  # still not through

    device.throttle_reset()  # the wrong code's wait (1 s) is tested on its own below
    accepted = client.post(ENROL, {"code": totp_code_now(device), "next": "/permohonan/"})
    assert accepted.status_code == 302 and accepted["Location"] == "/permohonan/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert ENROL_KEY_SESSION_KEY not in client.session
    assert client.get(HOME).status_code == 200
    assert audit_rows("otp_enrol") == [
        (kabid.username, "denied", "kode salah"),
        (kabid.username, "allowed", ""),
    ]


def test_reloading_the_enrolment_keeps_the_same_secret(client, kabid):
    password_login(client, kabid)
    first = client.get(ENROL).context["secret"]
    assert client.get(ENROL).context["secret"] == first
    from django.test import Client

    elsewhere = Client()
    password_login(elsewhere, kabid)
    assert elsewhere.get(ENROL).context["secret"] != first  # a new login, a new secret


def test_one_pending_device_per_user(client, kabid):
    """A secret abandoned in an earlier session is removed when another is being confirmed."""
    from django.test import Client

    earlier = Client()
    password_login(earlier, kabid)
    earlier.get(ENROL)
    earlier.post(ENROL, {"code": "000000"})
    password_login(client, kabid)
    key = key_from_secret(client.get(ENROL).context["secret"])
    client.post(ENROL, {"code": wrong_code(key)})
    assert list(TOTPDevice.objects.filter(user=kabid).values_list("key", flat=True)) == [key.hex()]


def test_enrolment_is_closed_once_a_device_is_confirmed(client, kabid, kabid_device):
    """Whoever knows only the password cannot put their own phone in place of the owner's."""
    password_login(client, kabid)
    response = client.get(ENROL)
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)
    assert client.post(ENROL, {"code": "123456"})["Location"].startswith(VERIFY)
    assert TOTPDevice.objects.filter(user=kabid).count() == 1


def test_malformed_code_gets_an_indonesian_message_and_counts_nothing(client, kabid, kabid_device):
    password_login(client, kabid)
    response = client.post(VERIFY, {"code": "12ab"})
    assert response.status_code == 400
    assert "Kode terdiri dari 6 angka" in response.content.decode()
    kabid_device.refresh_from_db()
    assert kabid_device.throttling_failure_count == 0
    assert not AuditEntry.objects.filter(action="otp_verify").exists()


# --- verification ---------------------------------------------------------------------------


def test_verification_is_required_after_login_and_lasts_until_logout(client, kabid, kabid_device):
    password_login(client, kabid)
    response = client.get(reverse("applications:queue"))
    assert response["Location"] == f"{VERIFY}?next={quote('/permohonan/', safe='')}"
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert 'autocomplete="one-time-code"' in page.content.decode()

    before = client.session.session_key
    done = client.post(VERIFY, {"code": totp_code_now(kabid_device), "next": "/permohonan/"})
    assert done["Location"] == "/permohonan/"
    assert client.session.session_key != before  # a new session id once verified
    for _ in range(3):
        assert client.get(reverse("applications:queue")).status_code == 200
    assert client.get(VERIFY)["Location"] == reverse("home")  # nothing more to ask

    client.post(reverse("logout"))
    password_login(client, kabid)
    assert client.get(HOME)["Location"].startswith(VERIFY)


def test_wrong_code_is_refused_with_a_clear_message_and_audited(client, kabid, kabid_device):
    password_login(client, kabid)
    response = client.post(VERIFY, {"code": wrong_code(kabid_device.bin_key)})
    assert response.status_code == 400
    assert "Kode salah atau sudah kedaluwarsa" in response.content.decode()
    assert DEVICE_ID_SESSION_KEY not in client.session
    assert client.get(HOME)["Location"].startswith(VERIFY)
    assert audit_rows("otp_verify") == [(kabid.username, "denied", "kode salah")]
    entry = AuditEntry.objects.get(action="otp_verify")
    assert entry.object_type == "totpdevice" and entry.object_id == str(kabid_device.pk)
    assert entry.ip == "127.0.0.1"


def test_a_used_code_cannot_be_replayed_in_another_session(client, kabid, kabid_device):
    from django.test import Client

    code = totp_code_now(kabid_device)
    password_login(client, kabid)
    assert client.post(VERIFY, {"code": code})["Location"] == reverse("home")
    other = Client()
    password_login(other, kabid)
    assert other.post(VERIFY, {"code": code}).status_code == 400


def test_wrong_codes_are_throttled_then_allowed_again(client, kabid, kabid_device):
    password_login(client, kabid)
    for _ in range(3):
        client.post(VERIFY, {"code": wrong_code(kabid_device.bin_key)})
        TOTPDevice.objects.filter(pk=kabid_device.pk).update(throttling_failure_timestamp=timezone.now())
    kabid_device.refresh_from_db()
    # 3 failures in a row: the next try must wait 4 s, even with the right code
    right = totp_code_now(kabid_device)
    throttled = client.post(VERIFY, {"code": right})
    assert throttled.status_code == 400
    html = throttled.content.decode()
    assert "Terlalu banyak kode salah" in html and "detik" in html
    assert DEVICE_ID_SESSION_KEY not in client.session
    assert audit_rows("otp_verify")[-1] == (kabid.username, "denied", "dibatasi")

    TOTPDevice.objects.filter(pk=kabid_device.pk).update(
        throttling_failure_timestamp=timezone.now() - timedelta(seconds=5)
    )
    assert client.post(VERIFY, {"code": right})["Location"] == reverse("home")
    kabid_device.refresh_from_db()
    assert kabid_device.throttling_failure_count == 0
    assert audit_rows("otp_verify")[-1] == (kabid.username, "allowed", "")


def test_next_is_kept_on_this_site_only(client, kabid, kabid_device):
    password_login(client, kabid)
    response = client.post(VERIFY, {"code": totp_code_now(kabid_device), "next": "https://contoh.example/"})
    assert response["Location"] == reverse("home")


def test_htmx_requests_are_sent_to_the_verification_page_whole(client, kabid, kabid_device):
    password_login(client, kabid)
    response = client.get(reverse("applications:queue"), headers={"HX-Request": "true"})
    assert response["HX-Redirect"].startswith(VERIFY)


def test_language_switch_and_logout_work_before_the_second_step(client, kabid, kabid_device):
    password_login(client, kabid)
    assert client.post(reverse("set_language"), {"language": "en", "next": VERIFY})["Location"] == VERIFY
    assert client.post(reverse("logout"))["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session


# --- the admin site -------------------------------------------------------------------------


def test_admin_site_needs_the_second_step(client, admin_user):
    device = totp_device_ensure(user=admin_user)
    password_login(client, admin_user)
    for url in ("/kelola/", changelist_url(User), "/kelola/login/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(VERIFY) or response["Location"] == "/kelola/"
    assert client.get("/kelola/")["Location"].startswith(VERIFY)
    client.post(VERIFY, {"code": totp_code_now(device)})
    assert client.get("/kelola/").status_code == 200
    assert client.get(changelist_url(User)).status_code == 200


def test_device_models_are_not_in_the_admin(client, admin_user):
    admin_user.is_superuser = True
    admin_user.save(update_fields=["is_superuser"])
    client.force_login(admin_user)
    client_pass_two_factor(client, admin_user)
    assert client.get("/kelola/").status_code == 200
    assert client.get("/kelola/otp_totp/totpdevice/").status_code == 404


def test_admin_resets_a_users_device_and_it_is_audited(client, admin_user, kabid, kabid_device):
    from django.test import Client

    kabid_client = Client()
    password_login(kabid_client, kabid)
    kabid_client.post(VERIFY, {"code": totp_code_now(kabid_device)})
    assert kabid_client.get(HOME).status_code == 200

    admin_device = totp_device_ensure(user=admin_user)
    password_login(client, admin_user)
    client.post(VERIFY, {"code": totp_code_now(admin_device)})
    listing = client.get(changelist_url(User))
    assert "Atur ulang verifikasi dua langkah" in listing.content.decode()
    response = run_action(client, User, "otp_reset_action", [kabid])
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=kabid).exists()
    assert audit_rows("otp_reset") == [(admin_user.username, "allowed", "1 perangkat dihapus")]
    assert AuditEntry.objects.get(action="otp_reset").object_id == str(kabid.pk)
    # the kabid's verified session stops counting at once: next request goes to a new enrolment
    assert kabid_client.get(HOME)["Location"].startswith(ENROL)


def test_kabid_cannot_reset_devices(client, kabid, kabid_device, officer):
    kabid.is_staff = True
    kabid.save(update_fields=["is_staff"])
    other = totp_device_ensure(user=officer)  # any device: the action must not touch it
    password_login(client, kabid)
    client.post(VERIFY, {"code": totp_code_now(kabid_device)})
    response = run_action(client, User, "otp_reset_action", [officer])
    assert TOTPDevice.objects.filter(pk=other.pk).exists()
    assert not AuditEntry.objects.filter(action="otp_reset").exists()
    assert response.status_code in (200, 302, 403)


def test_admin_cannot_reset_a_superusers_device(client, admin_user):
    boss = f.AdminFactory(username="super.uji", is_superuser=True)
    boss_device = totp_device_ensure(user=boss)
    client.force_login(admin_user)
    client_pass_two_factor(client, admin_user)
    response = run_action(client, User, "otp_reset_action", [boss])
    assert TOTPDevice.objects.filter(pk=boss_device.pk).exists()
    assert any("hanya superuser" in m for m in messages_of(response))


# --- demo ------------------------------------------------------------------------------------


def test_demo_otp_code_prints_the_code_of_a_seeded_demo_account(settings, transactional_db):
    call_command("seed_demo")
    kabid = User.objects.get(username="kabid.dafduk")
    device = TOTPDevice.objects.get(user=kabid, confirmed=True)
    with pytest.raises(CommandError, match="DJANGO_DEBUG"):
        call_command("demo_otp_code", "kabid.dafduk")
    out = io.StringIO()
    call_command("demo_otp_code", "kabid.dafduk", "--force", stdout=out)
    assert out.getvalue().strip() in codes_around(device.bin_key)
    settings.DEBUG = True
    with pytest.raises(CommandError, match="bukan akun demo"):
        call_command("demo_otp_code", "petugas1")
    device.key = "00" * 20  # re-enrolled with a private key: no code from the command any more
    device.save(update_fields=["key"])
    with pytest.raises(CommandError, match="kunci demo"):
        call_command("demo_otp_code", "kabid.dafduk")
    assert not TOTPDevice.objects.filter(user__username__in=["petugas1", "pemdes1"]).exists()
    assert (
        TOTPDevice.objects.filter(
            user__username__in=["admin", "kadis", "kabid.capil"], confirmed=True
        ).count()
        == 3
    )
