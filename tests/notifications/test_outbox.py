"""The outbox against the fake WhatsApp server: one event gives one message, retries back off."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from notifications.models import OutboxMessage
from notifications.sending import outbox_due_ids, outbox_send_one, retry_delay
from notifications.services import outbox_enqueue, outbox_enqueue_for_application
from notifications.tasks import outbox_send, outbox_sweep
from tests import factories as f

S = OutboxMessage.Status
NUMBER = "+6281234567890"


@pytest.fixture
def cloud(fake_whatsapp, settings):
    fake_whatsapp.configure_cloud(settings)
    settings.WHATSAPP_TIMEOUT_SECONDS = 1.0
    return fake_whatsapp


@pytest.fixture
def gateway(fake_whatsapp, settings):
    fake_whatsapp.configure_gateway(settings)
    return fake_whatsapp


def _message(**kw):
    values = {"recipient": NUMBER, "body": "Dokumen Anda sudah jadi.", "next_attempt_at": timezone.now()}
    values.update(kw)
    return f.OutboxMessageFactory(**values)


# --- one event, one message -------------------------------------------------------------------


@pytest.mark.django_db
def test_enqueue_sends_after_commit_through_the_configured_sender(cloud, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = outbox_enqueue(event="received", dedupe_key="k1", recipient=NUMBER, body="Halo")
    message.refresh_from_db()
    assert message.status == S.SENT
    assert message.attempts == 1
    [received] = cloud.received
    assert received["to"] == NUMBER and received["text"] == "Halo"
    assert message.provider_message_id == received["provider_message_id"]
    assert received["idempotency_key"] == f"outbox:{message.pk}"


@pytest.mark.django_db
def test_same_dedupe_key_twice_writes_one_row_and_sends_once(cloud, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = outbox_enqueue(event="received", dedupe_key="k1", recipient=NUMBER, body="Halo")
        second = outbox_enqueue(event="received", dedupe_key="k1", recipient=NUMBER, body="Halo")
    assert first is not None and second is None
    assert OutboxMessage.objects.count() == 1
    assert len(cloud.received) == 1


@pytest.mark.django_db
def test_task_run_twice_sends_one_message(cloud):
    message = _message()
    assert outbox_send.apply(args=(message.pk,)).get() == "sent"
    assert outbox_send.apply(args=(message.pk,)).get() == "skipped"
    assert len(cloud.received) == 1
    message.refresh_from_db()
    assert message.attempts == 1


@pytest.mark.django_db
def test_sweep_after_the_task_sends_nothing_more(cloud):
    message = _message()
    outbox_send_one(message_id=message.pk)
    assert outbox_due_ids() == []
    outbox_sweep.apply()
    assert len(cloud.received) == 1


@pytest.mark.django_db
def test_sweep_sends_what_the_kick_missed(cloud):
    messages = [_message() for _ in range(3)]
    assert outbox_sweep.apply().get() == 3
    assert {m["to"] for m in cloud.received} == {NUMBER}
    assert len(cloud.received) == 3
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {S.SENT}
    assert sorted(outbox_due_ids()) == []
    assert all(m.pk for m in messages)


@pytest.mark.django_db
def test_sweep_waits_a_grace_period_for_fresh_pending_rows(cloud, settings):
    settings.OUTBOX_SWEEP_PENDING_GRACE_SECONDS = 30
    fresh = _message()
    old = _message(next_attempt_at=timezone.now() - timedelta(seconds=60))
    assert outbox_due_ids() == [old.pk]
    assert fresh.pk not in outbox_due_ids()


@pytest.mark.django_db
def test_rolled_back_transaction_sends_nothing(cloud, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                outbox_enqueue(event="received", dedupe_key="k1", recipient=NUMBER, body="Halo")
                raise RuntimeError("the officer's change failed")
        except RuntimeError:
            pass
    assert callbacks == []
    assert OutboxMessage.objects.count() == 0
    outbox_sweep.apply()
    assert cloud.received == []


@pytest.mark.django_db
def test_a_live_claim_is_not_taken_but_a_stale_one_is(cloud, settings):
    now = timezone.now()
    live = _message(status=S.SENDING, claimed_at=now - timedelta(seconds=5), attempts=1)
    stale = _message(
        status=S.SENDING,
        claimed_at=now - timedelta(seconds=settings.OUTBOX_CLAIM_STALE_SECONDS + 1),
        attempts=1,
    )
    assert outbox_send_one(message_id=live.pk).result == "skipped"
    assert outbox_send_one(message_id=stale.pk).result == "sent"
    assert outbox_due_ids() == []
    stale.refresh_from_db()
    assert stale.status == S.SENT and stale.attempts == 2
    assert len(cloud.received) == 1


@pytest.mark.django_db
def test_a_failed_row_is_not_resent_before_its_time(cloud):
    message = _message(status=S.FAILED, attempts=1, next_attempt_at=timezone.now() + timedelta(minutes=5))
    assert outbox_send_one(message_id=message.pk).result == "skipped"
    assert outbox_due_ids() == []
    assert cloud.received == []


# --- errors: temporary, permanent, timeouts ----------------------------------------------------


@pytest.mark.django_db
def test_rate_limit_is_retried_no_sooner_than_retry_after(cloud):
    cloud.script({"status": 429, "retry_after": 120})
    message = _message()
    before = timezone.now()
    outcome = outbox_send_one(message_id=message.pk)
    assert outcome.result == "retry"
    message.refresh_from_db()
    assert message.status == S.FAILED
    assert message.last_error.startswith("[temporary]")
    assert message.next_attempt_at >= before + timedelta(seconds=120)
    assert NUMBER not in message.last_error
    # once due, the next attempt sends it
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    assert outbox_send_one(message_id=message.pk).result == "sent"
    message.refresh_from_db()
    assert message.status == S.SENT and message.attempts == 2 and message.last_error == ""
    assert len(cloud.received) == 1


@pytest.mark.django_db
def test_server_errors_retry_until_the_limit_then_permanent(cloud, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    cloud.script({"status": 500}, {"status": 503}, {"status": 500})
    message = _message()
    results = []
    for _ in range(3):
        OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
        results.append(outbox_send_one(message_id=message.pk).result)
    assert results == ["retry", "retry", "permanent"]
    message.refresh_from_db()
    assert message.status == S.PERMANENT_FAILURE and message.attempts == 3
    assert message.next_attempt_at is None
    assert outbox_due_ids() == []
    assert cloud.received == []


@pytest.mark.django_db
def test_invalid_number_fails_permanently_at_once(cloud):
    cloud.not_on_whatsapp(NUMBER)
    message = _message()
    assert outbox_send_one(message_id=message.pk).result == "permanent"
    message.refresh_from_db()
    assert message.status == S.PERMANENT_FAILURE
    assert message.last_error.startswith("[131026]")
    assert message.attempts == 1
    assert outbox_due_ids() == []


@pytest.mark.django_db
def test_malformed_number_never_reaches_the_provider(cloud):
    message = _message(recipient="08123")
    assert outbox_send_one(message_id=message.pk).result == "permanent"
    message.refresh_from_db()
    assert message.last_error.startswith("[invalid_number]")
    assert cloud.requests == []


@pytest.mark.django_db
def test_timeouts_stop_sooner_than_other_errors(cloud, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 10
    settings.OUTBOX_MAX_TIMEOUT_ATTEMPTS = 2
    settings.WHATSAPP_TIMEOUT_SECONDS = 0.3
    cloud.script({"delay": 1.0}, {"delay": 1.0})
    message = _message()
    assert outbox_send_one(message_id=message.pk).result == "retry"
    message.refresh_from_db()
    assert message.last_error.startswith("[timeout]")
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    assert outbox_send_one(message_id=message.pk).result == "permanent"
    message.refresh_from_db()
    assert message.status == S.PERMANENT_FAILURE and message.attempts == 2


@pytest.mark.django_db
def test_success_without_an_id_is_permanent_not_resent(cloud):
    cloud.script({"body": {"messaging_product": "whatsapp"}})
    message = _message()
    assert outbox_send_one(message_id=message.pk).result == "permanent"
    message.refresh_from_db()
    assert message.last_error.startswith("[unreadable_response]")


@pytest.mark.django_db
def test_gateway_sender_is_used_when_configured(gateway):
    message = _message(body="Lewat gateway")
    assert outbox_send_one(message_id=message.pk).result == "sent"
    [received] = gateway.received
    assert received["kind"] == "gateway" and received["text"] == "Lewat gateway"
    message.refresh_from_db()
    assert message.provider_message_id == received["provider_message_id"]


@pytest.mark.django_db
def test_misconfigured_sender_keeps_the_message_for_later(settings):
    settings.WHATSAPP_SENDER = "cloud"
    settings.WHATSAPP_CLOUD_TOKEN = ""
    message = _message()
    assert outbox_send_one(message_id=message.pk).result == "retry"
    message.refresh_from_db()
    assert message.status == S.FAILED and message.last_error.startswith("[config]")


def test_retry_delay_grows_with_jitter_and_honours_retry_after(settings):
    settings.OUTBOX_RETRY_BASE_SECONDS = 30
    settings.OUTBOX_RETRY_MAX_SECONDS = 3600
    first = [retry_delay(attempts=1) for _ in range(50)]
    fourth = [retry_delay(attempts=4) for _ in range(50)]
    assert all(15 <= d <= 30 for d in first)
    assert all(120 <= d <= 240 for d in fourth)
    assert len(set(first)) > 1  # jitter
    assert all(d <= 3600 for d in (retry_delay(attempts=30) for _ in range(20)))
    assert retry_delay(attempts=1, retry_after=500) >= 500


# --- Cloud templates ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_cloud_template_is_used_with_params_in_placeholder_order(
    cloud, doc_type, desa_a, django_capture_on_commit_callbacks
):
    f.MessageTemplateFactory(
        event="revision_required",
        body="Yth. {nama}, nomor {nomor} perlu perbaikan: {kekurangan}",
        cloud_template_name="perbaikan_v1",
    )
    application = f.ApplicationFactory(
        document_type=doc_type, desa=desa_a, applicant_name="Siti", number="B-1"
    )
    with django_capture_on_commit_callbacks(execute=True):
        outbox_enqueue_for_application(
            application=application,
            event="revision_required",
            extra={"kekurangan": "- KK buram\n- KTP-el tidak ada"},
            occurrence=1,
        )
    [received] = cloud.received
    assert received["type"] == "template"
    template = received["template"]
    assert template["name"] == "perbaikan_v1"
    params = [p["text"] for p in template["components"][0]["parameters"]]
    assert params == ["Siti", "B-1", "KK buram; KTP-el tidak ada"]


@pytest.mark.django_db
def test_console_sender_marks_sent_without_network(settings, django_capture_on_commit_callbacks):
    settings.WHATSAPP_SENDER = "console"
    with django_capture_on_commit_callbacks(execute=True):
        message = outbox_enqueue(event="received", dedupe_key="c1", recipient=NUMBER, body="Halo")
    message.refresh_from_db()
    assert message.status == S.SENT and message.provider_message_id.startswith("console-")


# --- races on PostgreSQL --------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_task_and_sweep_racing_send_one_message(cloud):
    """Eight threads (tasks and sweeps) go for the same rows at once: each row is sent once."""
    messages = [_message() for _ in range(5)]
    barrier = threading.Barrier(8)
    errors = []

    def work(i):
        try:
            barrier.wait()
            if i % 2:
                outbox_sweep.apply()
            else:
                for m in messages:
                    outbox_send_one(message_id=m.pk)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(cloud.received) == 5
    assert sorted(r["idempotency_key"] for r in cloud.received) == sorted(f"outbox:{m.pk}" for m in messages)
    assert set(OutboxMessage.objects.values_list("attempts", flat=True)) == {1}
