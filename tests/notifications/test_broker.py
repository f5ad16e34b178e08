"""The outbox with the real broker: Redis on 127.0.0.1, a real Celery worker and the fake WhatsApp
server, both as subprocesses.

Why PostgreSQL: the worker is another process and must read the rows the test writes. pytest-django
keeps an SQLite test database in memory (invisible to another process), whereas on PostgreSQL a
`transaction=True` test commits for real into the test database (`test_<name>`), and the worker is
pointed at that same database name. So these tests are marked `redis` and `postgres`:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dukcapil_notif \
        .venv/bin/pytest tests/notifications/test_broker.py -q -p no:randomly

The broker is a spare Redis database (NOTIFICATIONS_TEST_REDIS_DB, default 13) so nobody else's
queue is touched; "Redis down" is simulated by pointing the web side at a closed port (6390): the
machine's Redis is never stopped.
"""

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.db import connection, transaction

from applications.services import ApplicationData, application_create
from dukcapil.celery import app as celery_app
from notifications.models import OutboxMessage
from tests import factories as f

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
REDIS_DB = int(os.environ.get("NOTIFICATIONS_TEST_REDIS_DB", "13"))
BROKER = f"redis://127.0.0.1:6379/{REDIS_DB}"
DEAD_BROKER = "redis://127.0.0.1:6390/0"
TOKEN = "test-token"
PHONE_NUMBER_ID = "106540352242922"
S = OutboxMessage.Status


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=2) as response:
        return json.loads(response.read())


def _wait(predicate, timeout: float, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    value = predicate()
    while not value and time.monotonic() < deadline:
        time.sleep(interval)
        value = predicate()
    return value


@pytest.fixture(scope="module")
def fake_server():
    """`python -m tests.fakes.fake_whatsapp` in its own process (the worker sends to it over HTTP)."""
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.fake_whatsapp", "--port", str(port), "--token", TOKEN],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"

    def healthy():
        with contextlib.suppress(OSError):
            return _get_json(f"{url}/_health").get("ok")
        return False

    assert _wait(healthy, 10, 0.1), "fake WhatsApp server did not start"
    yield url
    proc.terminate()
    proc.wait(timeout=10)


class FakeClient:
    def __init__(self, url: str) -> None:
        self.url = url

    def reset(self) -> None:
        urllib.request.urlopen(
            urllib.request.Request(f"{self.url}/_reset", data=b"{}", method="POST"), timeout=2
        )

    def received(self) -> list[dict]:
        return _get_json(f"{self.url}/_received")["received"]

    def wait_for(self, count: int, timeout: float) -> list[dict]:
        """Wait until at least `count` messages arrived; return what arrived (maybe fewer)."""
        _wait(lambda: len(self.received()) >= count, timeout)
        return self.received()


@pytest.fixture
def fake(fake_server):
    client = FakeClient(fake_server)
    client.reset()
    return client


def _purge_queue() -> None:
    import redis

    r = redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB)
    r.delete("celery", "unacked", "unacked_index", "unacked_mutex")


class Worker:
    """A real `celery worker` (solo pool) with embedded beat, on the spare Redis db and the test DB."""

    def __init__(self, fake_url: str, tmp_path: Path) -> None:
        db = connection.settings_dict
        database_url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "dukcapil.settings_test",
            "DATABASE_URL": database_url,
            "CELERY_BROKER_URL": BROKER,
            "WHATSAPP_SENDER": "cloud",
            "WHATSAPP_CLOUD_API_URL": f"{fake_url}/v21.0",
            "WHATSAPP_CLOUD_TOKEN": TOKEN,
            "WHATSAPP_CLOUD_PHONE_NUMBER_ID": PHONE_NUMBER_ID,
            "WHATSAPP_TIMEOUT_SECONDS": "5",
            "OUTBOX_SWEEP_SECONDS": "1",
            "OUTBOX_SWEEP_PENDING_GRACE_SECONDS": "0",
            "PYTHONUNBUFFERED": "1",
        }
        self.log = tmp_path / "worker.log"
        self.proc = subprocess.Popen(
            [
                str(ROOT / ".venv/bin/celery"),
                "-A",
                "dukcapil",
                "worker",
                "-P",
                "solo",
                "-B",
                "--schedule",
                str(tmp_path / "beat-schedule"),
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-l",
                "info",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
        )
        ready = _wait(lambda: "ready." in self.log.read_text() or self.proc.poll() is not None, 60)
        if not ready or self.proc.poll() is not None:
            self.stop()
            pytest.fail(f"celery worker did not start:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


@pytest.fixture
def start_worker(fake_server, tmp_path):
    workers = []

    def start():
        worker = Worker(fake_server, tmp_path)
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()


@contextlib.contextmanager
def web_broker(url: str):
    """Point this process's Celery app (the web side) at a broker, not eager, then restore it."""
    from notifications import services

    saved = (celery_app.conf.broker_url, celery_app.conf.task_always_eager)

    def switch(broker_url, eager):
        celery_app.conf.broker_url = broker_url
        celery_app.conf.task_always_eager = eager
        # drop pooled connections made for the previous URL (kombu keeps a process-wide registry)
        from kombu import pools

        pools.reset()
        celery_app._pool = None
        celery_app.amqp._producer_pool = None
        services._broker_down_until = 0.0

    switch(url, False)
    try:
        yield
    finally:
        switch(*saved)


@pytest.fixture
def intake(db, officer, doc_type, desa_a):
    """An officer's real action: registering an application queues the 'received' message."""
    numbers = iter(range(1, 10_000))

    def register(name: str | None = None):
        i = next(numbers)
        data = ApplicationData(
            applicant_name=name or f"Warga {i}",
            nik=f.make_nik(serial=i),
            no_kk=f.make_no_kk(serial=i),
            whatsapp=f"+62812{i:08d}",
            desa_id=desa_a.pk,
            document_type=doc_type,
        )
        return application_create(actor=officer, data=data, assigned_to=officer)

    return register


@pytest.fixture(autouse=True)
def _clean_queue():
    _purge_queue()
    yield
    _purge_queue()


def _keys(received):
    return sorted(r["idempotency_key"] for r in received)


@pytest.mark.django_db(transaction=True)
def test_many_notifications_all_arrive_once(start_worker, fake, intake):
    start_worker()
    with web_broker(BROKER):
        applications = [intake() for _ in range(40)]
    expected = sorted(
        f"outbox:{pk}"
        for pk in OutboxMessage.objects.filter(application__in=applications).values_list("pk", flat=True)
    )
    assert len(expected) == 40
    received = fake.wait_for(40, 60)
    assert len(received) >= 40, f"only {len(received)} of 40 messages arrived"
    assert _keys(received) == expected  # every message, each once
    assert _wait(lambda: set(OutboxMessage.objects.values_list("status", flat=True)) == {S.SENT}, 10)
    # the task running again and the sweep racing it change nothing
    with web_broker(BROKER):
        from notifications.tasks import outbox_send, outbox_sweep

        for message in OutboxMessage.objects.all()[:5]:
            outbox_send.delay(message.pk)
            outbox_send.delay(message.pk)
        outbox_sweep.delay()
    time.sleep(3)
    assert _keys(fake.received()) == expected


@pytest.mark.django_db(transaction=True)
def test_redis_down_officers_work_and_the_backlog_drains_when_it_returns(start_worker, fake, intake):
    # Redis "down" for the web side; no worker can run without it either.
    with web_broker(DEAD_BROKER):
        timings = []
        for _ in range(12):
            started = time.monotonic()
            intake()  # must not raise
            timings.append(time.monotonic() - started)
    assert OutboxMessage.objects.filter(status=S.PENDING).count() == 12
    # the first action finds the broker down quickly; later ones do not even try for a while
    assert max(timings) < 2.0, timings
    assert fake.received() == []

    # Redis is back: the worker and its beat start; the sweep sends the backlog
    start_worker()
    received = fake.wait_for(12, 60)
    assert len(received) >= 12, f"only {len(received)} of 12 messages arrived after Redis returned"
    assert _keys(received) == sorted(
        f"outbox:{pk}" for pk in OutboxMessage.objects.values_list("pk", flat=True)
    )
    assert _wait(lambda: set(OutboxMessage.objects.values_list("status", flat=True)) == {S.SENT}, 10)


@pytest.mark.django_db(transaction=True)
def test_rolled_back_transaction_sends_nothing(start_worker, fake, intake):
    start_worker()
    with web_broker(BROKER):
        with contextlib.suppress(RuntimeError), transaction.atomic():
            intake(name="Tidak Jadi")
            raise RuntimeError("the officer's change failed after the message was queued")
        marker = intake(name="Jadi")
    fake.wait_for(1, 30)
    time.sleep(2)  # a sweep or two more: still nothing from the rolled-back intake
    received = fake.received()
    assert [r["idempotency_key"] for r in received] == [f"outbox:{marker.messages.get().pk}"]
    assert "Tidak Jadi" not in json.dumps(received)
    assert OutboxMessage.objects.count() == 1
