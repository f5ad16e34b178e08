"""The public tracking page: status by number + last four NIK digits, nothing else, rate-limited."""

import re

import pytest
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from applications.models import Application
from applications.tracking import tracking_lookup
from routing.models import Desa
from tests import factories as f

URL = reverse("applications:track")
S = Application.Status
NIK = f.make_nik(female=True, serial=4321)  # ends in 4321


@pytest.fixture(autouse=True)
def fresh_cache():
    caches["default"].clear()
    yield
    caches["default"].clear()


@pytest.fixture
def application(db, doc_type, desa_a):
    return f.ApplicationFactory(
        number="BIMA-2026-0004567",
        applicant_name="Siti Aminah Rahmawati",
        nik=NIK,
        document_type=doc_type,
        desa=desa_a,
        status=S.PROCESSING,
    )


def ask(client, number="BIMA-2026-0004567", digits="4321", ip="10.0.0.1"):
    return client.post(URL, {"number": number, "nik_last4": digits}, REMOTE_ADDR=ip)


def visible_text(response) -> str:
    """The page without its CSRF token (which differs per response)."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


@pytest.mark.django_db
def test_page_is_public_and_linked_from_the_login_page(client):
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Cek status permohonan" in html and 'method="post"' in html
    assert "Nomor registrasi" in html and "4 digit terakhir NIK pemohon" in html
    assert "noindex" in html
    login = client.get(reverse("login")).content.decode()
    assert f'href="{URL}"' in login and "Warga: cek status permohonan Anda" in login


def test_right_combination_gives_the_status_and_nothing_personal(client, application):
    response = ask(client)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Dokumen sedang diproses" in html
    assert "BIMA-2026-0004567" in html
    for secret in ("Siti", "Aminah", NIK, NIK[:6], application.document_type.name, application.whatsapp):
        assert secret not in html, secret
    assert "no-store" in response["Cache-Control"]


def test_number_is_forgiving_about_case_and_spaces(client, application):
    assert "Dokumen sedang diproses" in ask(client, number=" bima-2026-0004567 ").content.decode()


def test_nothing_is_answered_from_the_url(client, application):
    response = client.get(URL, {"number": application.number, "nik_last4": "4321"})
    assert response.status_code == 200
    assert "Dokumen sedang diproses" not in response.content.decode()


def test_wrong_digits_and_unknown_number_get_the_same_generic_answer(client, application):
    wrong_digits = ask(client, digits="1234")
    unknown = ask(client, number="BIMA-2026-0009999", digits="1234")
    for response in (wrong_digits, unknown):
        assert response.status_code == 200
        html = response.content.decode()
        assert "tidak cocok dengan data kami" in html
        assert "Dokumen sedang diproses" not in html
    # apart from the number the visitor typed, the two answers are the same page
    assert visible_text(wrong_digits).replace("BIMA-2026-0004567", "X") == visible_text(unknown).replace(
        "BIMA-2026-0009999", "X"
    )


def test_form_errors_are_in_indonesian_and_count_no_try(client, application):
    response = ask(client, digits="12a")
    html = response.content.decode()
    assert "Isi dengan 4 angka terakhir NIK." in html
    assert "tidak cocok" not in html
    for _ in range(12):
        ask(client, digits="12a")
    assert ask(client).status_code == 200  # malformed input spent no try


@pytest.mark.parametrize(
    ("status", "delivery", "headline", "place"),
    [
        (S.RECEIVED, "via_pemdes", "Permohonan sudah diterima", None),
        (S.VERIFYING, "via_pemdes", "Persyaratan sedang diperiksa", None),
        (S.REVISION_REQUIRED, "via_pemdes", "Persyaratan perlu diperbaiki", None),
        (S.RESUBMITTED, "via_pemdes", "Perbaikan sedang diperiksa", None),
        (S.VERIFIED, "via_pemdes", "Dokumen sedang diproses", None),
        (S.READY, "pickup", "Dokumen sudah jadi", "office"),
        (S.READY, "via_pemdes", "Dokumen sudah jadi", None),
        (S.IN_DELIVERY, "via_pemdes", "Dokumen sedang diantar ke desa", None),
        (S.AT_DESA, "via_pemdes", "Dokumen siap diambil di desa", "desa"),
        (S.HANDED_OVER, "via_pemdes", "Dokumen sudah diserahkan", None),
        (S.REJECTED, "via_pemdes", "Permohonan tidak dapat diproses", None),
        (S.CANCELLED, "via_pemdes", "Permohonan dibatalkan", None),
    ],
)
def test_every_status_in_plain_indonesian_with_the_place_to_collect(
    client, settings, application, status, delivery, headline, place
):
    settings.OFFICE_PICKUP_PLACE = "Loket 3 Disdukcapil Kabupaten Bima"
    Application.objects.filter(pk=application.pk).update(status=status, delivery_method=delivery)
    html = ask(client).content.decode()
    assert headline in html
    office_shown = "Loket 3 Disdukcapil Kabupaten Bima" in html
    desa_shown = "Tempat pengambilan" in html and "Kantor Desa Tolotangga" in html
    assert office_shown == (place == "office")
    assert desa_shown == (place == "desa")
    if status in (S.READY, S.IN_DELIVERY) and delivery == "via_pemdes":
        assert "Kantor Desa Tolotangga" in html  # where it is going


def test_kelurahan_is_named_as_such(db, doc_type):
    kelurahan = f.DesaFactory(name="Paruga", kind=Desa.Kind.KELURAHAN)
    app = f.ApplicationFactory(nik=NIK, document_type=doc_type, desa=kelurahan, status=S.AT_DESA)
    assert tracking_lookup(number=app.number, nik_last4="4321").place == "Kantor Kelurahan Paruga"


def test_ten_wrong_tries_from_one_address_then_429(client, application):
    for i in range(10):
        assert ask(client, number=f"BIMA-2026-00{i:05d}", digits="0000").status_code == 200
    response = ask(client)  # even the right answer, so the limit cannot be probed
    assert response.status_code == 429
    html = response.content.decode()
    assert "Terlalu banyak percobaan" in html and "15 menit" in html
    assert "Dokumen sedang diproses" not in html
    # another address is not affected
    assert "Dokumen sedang diproses" in ask(client, ip="10.0.0.2").content.decode()


def test_ten_wrong_tries_on_one_number_from_many_addresses_then_429(client, application):
    for i in range(10):
        assert ask(client, digits=f"{i:04d}", ip=f"10.1.0.{i}").status_code == 200
    assert ask(client, ip="10.9.9.9").status_code == 429
    # other numbers can still be checked from that fresh address
    other = f.ApplicationFactory(nik=NIK, document_type=application.document_type, desa=application.desa)
    assert ask(client, number=other.number, ip="10.9.9.9").status_code == 200


def test_right_answers_do_not_count_towards_the_limit(client, application):
    for _ in range(15):
        assert ask(client).status_code == 200


def test_limit_window_expires(client, application, settings):
    settings.TRACKING_WINDOW_SECONDS = 1
    for i in range(10):
        ask(client, digits=f"{i:04d}")
    assert ask(client).status_code == 429
    import time

    time.sleep(1.2)
    assert ask(client).status_code == 200


def test_post_needs_the_csrf_token(application):
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(URL, {"number": application.number, "nik_last4": "4321"})
    assert response.status_code == 403


def test_proxy_header_gives_the_client_address_when_configured(client, application, settings):
    settings.TRACKING_CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    for i in range(10):
        client.post(
            URL,
            {"number": f"BIMA-2026-00{i:05d}", "nik_last4": "0000"},
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_REAL_IP="203.0.113.7",
        )
    blocked = client.post(URL, {"number": "X-1234", "nik_last4": "0000"}, HTTP_X_REAL_IP="203.0.113.7")
    assert blocked.status_code == 429
    # a different citizen behind the same proxy is not
    assert ask(client, ip="127.0.0.1").status_code == 200


@pytest.mark.redis
def test_limit_holds_with_the_redis_cache_production_uses(client, application, settings):
    """The counters through Django's RedisCache (shared by every worker), as advised for production."""
    from applications.tracking import _keys

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/14",
            "KEY_PREFIX": "test-tracking",
        }
    }
    ips = [f"10.7.0.{i}" for i in range(11)]
    used = [k for ip in ips for k in _keys(ip=ip, number=application.number)]
    caches["default"].delete_many(used)
    try:
        for i in range(10):
            assert ask(client, digits=f"{i:04d}", ip=ips[i]).status_code == 200
        assert ask(client, ip=ips[10]).status_code == 429
    finally:
        caches["default"].delete_many(used)
