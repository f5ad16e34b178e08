"""Shared fixtures: one per role, a private media folder per test, and the service markers."""

import os
import shutil
import socket

import pytest
from django.db import connection
from django.test import Client

from tests import factories as f
from tests.two_factor_support import client_pass_two_factor

pytest_plugins = ["tests.fakes.fake_whatsapp"]

CHROMIUM = "/usr/bin/chromium"


def pytest_collection_modifyitems(config, items):
    """Skip service-bound tests with a clear reason when the service is not there.

    Under `.ci/run` (REQUIRE_SERVICES=1) nothing may skip for that reason: the run fails instead.
    """
    require = os.environ.get("REQUIRE_SERVICES") == "1"
    from django.conf import settings

    on_postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    redis_up = _port_open("127.0.0.1", 6379)
    chromium = shutil.which(CHROMIUM) is not None
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(
                pytest.mark.skip(reason="needs PostgreSQL (row locks / real concurrency); set DATABASE_URL")
            )
        if "redis" in item.keywords and not redis_up:
            if require:
                raise pytest.UsageError("Redis is required under .ci/run but 127.0.0.1:6379 is closed")
            item.add_marker(pytest.mark.skip(reason="needs Redis on 127.0.0.1:6379"))
        if "browser" in item.keywords and not chromium:
            if require:
                raise pytest.UsageError("chromium is required under .ci/run but /usr/bin/chromium is missing")
            item.add_marker(
                pytest.mark.skip(
                    reason="needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)"
                )
            )


def _port_open(host: str, port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.3)
        return s.connect_ex((host, port)) == 0


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    """Attachments go to a fresh temporary folder in every test."""
    root = tmp_path / "private_media"
    root.mkdir()
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root), "base_url": None},
        },
    }
    settings.PRIVATE_MEDIA_ROOT = root
    settings.MEDIA_ROOT = root
    return root


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: the tracking page's per-address failure counts (and
    anything else kept there) must not carry over from the tests that ran before it."""
    from django.core.cache import caches

    for cache in caches.all():
        cache.clear()
    yield


@pytest.fixture(autouse=True)
def _force_login_passes_two_factor(request, monkeypatch):
    """`client.force_login(user)` also passes the 2FA step for roles that need it.

    Without this every test of a kepala bidang's or admin's page would only see the redirect to
    the verification page. Tests of the 2FA itself opt out with `@pytest.mark.otp_unverified`.
    """
    if request.node.get_closest_marker("otp_unverified"):
        return
    original = Client.force_login

    def force_login(self, user, backend=None):
        original(self, user, backend)
        client_pass_two_factor(self, user)

    monkeypatch.setattr(Client, "force_login", force_login)


@pytest.fixture
def is_postgres():
    return connection.vendor == "postgresql"


@pytest.fixture
def desa_a(db):
    return f.DesaFactory(code="52.06.01.2005", name="Tolotangga")


@pytest.fixture
def desa_b(db):
    return f.DesaFactory(code="52.06.01.2006", name="Sondo")


@pytest.fixture
def dafduk(db):
    return f.ServiceCategoryFactory(code="dafduk")


@pytest.fixture
def capil(db):
    return f.ServiceCategoryFactory(code="capil")


@pytest.fixture
def officer(db):
    return f.OfficerFactory(username="petugas.uji", first_name="Petugas", last_name="Dafduk", bidang="dafduk")


@pytest.fixture
def officer_capil(db):
    return f.OfficerFactory(username="petugas.capil", first_name="Petugas", last_name="Capil", bidang="capil")


@pytest.fixture
def kabid(db):
    return f.KabidFactory(username="kabid.uji", first_name="Kabid", last_name="Dafduk", bidang="dafduk")


@pytest.fixture
def kabid_capil(db):
    return f.KabidFactory(username="kabid.capil.uji", bidang="capil")


@pytest.fixture
def admin_user(db):
    return f.AdminFactory(username="admin.uji")


@pytest.fixture
def pemdes_a(db, desa_a):
    return f.PemdesFactory(username="pemdes.a", desa=desa_a)


@pytest.fixture
def pemdes_b(db, desa_b):
    return f.PemdesFactory(username="pemdes.b", desa=desa_b)


@pytest.fixture
def doc_type(dafduk):
    dt = f.DocumentTypeFactory(
        code="kk-hilang", name="KK hilang/rusak", category=dafduk, service_level_days=7
    )
    f.RequirementFactory(document_type=dt, name="Surat kehilangan dari kepolisian", alternative_group="bukti")
    f.RequirementFactory(document_type=dt, name="KK yang rusak", alternative_group="bukti")
    f.RequirementFactory(document_type=dt, name="KTP-el")
    return dt


@pytest.fixture
def doc_type_capil(capil):
    dt = f.DocumentTypeFactory(
        code="akta-kelahiran", name="Akta kelahiran", category=capil, service_level_days=7
    )
    f.RequirementFactory(document_type=dt, name="Surat keterangan kelahiran")
    return dt


# --- Browser (Playwright + Debian chromium) ---------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    }


@pytest.fixture(scope="session", autouse=True)
def _allow_async_unsafe():
    # pytest-playwright runs an event loop in the test thread; Django's ORM calls from there are fine here
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
