"""Passwords, login throttling, session limits and deactivation."""

import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dukcapil.accounts.sessions import LOGIN_AT_KEY, SessionStore
from tests import factories as f

LOGIN = "/akun/masuk/"


class TestPasswords:
    @pytest.mark.parametrize(
        "password", ["pendek-12", "password1234", "Dukcapil2020!!", "bimaSehat-2020x", "123456789012"]
    )
    def test_weak_passwords_refused(self, password, db):
        with pytest.raises(ValidationError):
            validate_password(password)

    def test_office_word_message_is_indonesian(self, db):
        with pytest.raises(ValidationError) as exc:
            validate_password("Disdukcapil-Aman-77")
        assert any("nama kantor" in m for m in exc.value.messages)

    def test_long_unrelated_passphrase_accepted(self, db):
        validate_password("kopi-pagi-di-sape-tiga")


def _fail(client, username, ip, times):
    for _ in range(times):
        client.post(LOGIN, {"username": username, "password": "salah-sekali-123"}, REMOTE_ADDR=ip)


@pytest.mark.django_db
class TestThrottling:
    def test_locked_after_limit_with_429_and_indonesian_page(self, client, officer, settings):
        _fail(client, officer.username, "10.0.0.5", settings.AXES_FAILURE_LIMIT)
        response = client.post(
            LOGIN, {"username": officer.username, "password": "dukcapil-demo"}, REMOTE_ADDR="10.0.0.5"
        )
        assert response.status_code == 429
        assert "Terlalu banyak percobaan" in response.content.decode()
        assert "_auth_user_id" not in client.session

    def test_colleague_behind_same_nat_address_can_still_log_in(self, client, officer, kabid, settings):
        _fail(client, officer.username, "10.0.0.5", settings.AXES_FAILURE_LIMIT)
        response = client.post(
            LOGIN, {"username": kabid.username, "password": "dukcapil-demo"}, REMOTE_ADDR="10.0.0.5"
        )
        assert response.status_code == 302
        assert client.session["_auth_user_id"] == str(kabid.pk)

    def test_same_user_from_another_address_is_not_locked(self, client, officer, settings):
        _fail(client, officer.username, "10.0.0.5", settings.AXES_FAILURE_LIMIT)
        response = client.post(
            LOGIN, {"username": officer.username, "password": "dukcapil-demo"}, REMOTE_ADDR="10.0.0.9"
        )
        assert response.status_code == 302


@pytest.mark.django_db
class TestSessions:
    def test_idle_timeout_is_30_minutes_and_renewed(self, settings):
        assert settings.SESSION_COOKIE_AGE == 30 * 60
        assert settings.SESSION_SAVE_EVERY_REQUEST is True

    def test_session_ends_12_hours_after_login_even_when_active(self, client, officer):
        client.post(LOGIN, {"username": officer.username, "password": "dukcapil-demo"})
        assert client.get(reverse("home")).status_code == 200
        session = client.session
        session[LOGIN_AT_KEY] = int(time.time()) - 12 * 3600 - 1
        session.save()
        response = client.get(reverse("home"))
        assert response.status_code == 302
        assert response["Location"].startswith(LOGIN)
        assert "_auth_user_id" not in client.session

    def test_deactivating_an_officer_ends_all_their_sessions(self, client, officer, officer_capil):
        from django.test import Client

        other_device = Client()
        for c in (client, other_device):
            c.post(LOGIN, {"username": officer.username, "password": "dukcapil-demo"})
        colleague = Client()
        # a password-only role: a kepala bidang would stop at the 2FA step (tests/accounts/test_two_factor.py)
        colleague.post(LOGIN, {"username": officer_capil.username, "password": "dukcapil-demo"})
        assert Session.objects.count() == 3
        officer.is_active = False
        officer.save()
        assert Session.objects.count() == 1
        assert client.get(reverse("home")).status_code == 302
        assert other_device.get(reverse("home")).status_code == 302
        assert colleague.get(reverse("home")).status_code == 200


@pytest.mark.django_db(transaction=True)
class TestSessionStore:
    """Outside a transaction (a request in production) the save of every request is one UPDATE."""

    def test_save_of_every_request_is_one_update_that_renews_the_expiry(self, client, officer):
        client.force_login(officer)
        key = client.cookies[settings.SESSION_COOKIE_NAME].value
        Session.objects.filter(session_key=key).update(expire_date=timezone.now() + timedelta(minutes=1))
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("home")).status_code == 200
        writes = [q["sql"] for q in queries.captured_queries if not q["sql"].startswith("SELECT")]
        assert len(writes) == 1 and writes[0].startswith('UPDATE "django_session"'), writes
        expiry = Session.objects.get(session_key=key).expire_date
        assert expiry > timezone.now() + timedelta(minutes=29)

    def test_session_deleted_meanwhile_is_not_written_back(self, officer):
        store = SessionStore()
        store["_auth_user_id"] = str(officer.pk)
        store.create()
        Session.objects.filter(session_key=store.session_key).delete()
        store["seen"] = 1
        with pytest.raises(UpdateError):
            store.save()
        assert not Session.objects.exists()

    def test_new_session_is_created_as_by_django(self, officer):
        store = SessionStore()
        store["_auth_user_id"] = str(officer.pk)
        store.save()
        assert SessionStore(session_key=store.session_key).load()["_auth_user_id"] == str(officer.pk)


@pytest.mark.django_db
def test_logout_is_post_only(client, officer):
    client.force_login(officer)
    assert client.get("/akun/keluar/").status_code == 405
    assert client.post("/akun/keluar/").status_code == 302


@pytest.mark.django_db
def test_role_factory_users_are_in_one_group():
    user = f.PemdesFactory(username="grp.check")
    assert list(user.groups.values_list("name", flat=True)) == ["Operator Pemdes"]
