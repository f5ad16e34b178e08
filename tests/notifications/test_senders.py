"""The WhatsApp senders against a real HTTP fake (tests/fakes/fake_whatsapp.py); no mocks."""

import json
import logging
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
import requests
from django.core.exceptions import ImproperlyConfigured

from notifications.senders import (
    CloudApiSender,
    ConsoleSender,
    HttpGatewaySender,
    OutgoingMessage,
    PermanentSendError,
    TemporarySendError,
    get_sender,
    mask_phone,
)

pytest_plugins = ["tests.fakes.fake_whatsapp"]

NUMBER = "+6281234567890"
NUMBER_DIGITS = "6281234567890"
MASKED = "+62812****890"
TEXT = "Dokumen Kartu Keluarga Anda sudah jadi dan dikirim ke Kantor Desa Sila."


def _message(**overrides) -> OutgoingMessage:
    values = {"to": NUMBER, "text": TEXT, "idempotency_key": "outbox-17"}
    values.update(overrides)
    return OutgoingMessage(**values)


@pytest.fixture
def cloud(fake_whatsapp, settings):
    fake_whatsapp.configure_cloud(settings)
    return fake_whatsapp


@pytest.fixture
def gateway(fake_whatsapp, settings):
    fake_whatsapp.configure_gateway(settings)
    return fake_whatsapp


def _assert_no_full_number(error: Exception) -> None:
    assert NUMBER_DIGITS not in str(error)
    assert NUMBER_DIGITS not in repr(error.args)


# --- Cloud API: what goes over the wire ---------------------------------------------------------


def test_cloud_text_message_arrives_with_expected_json_and_bearer_token(cloud, settings):
    sender = get_sender()
    assert isinstance(sender, CloudApiSender)

    result = sender.send(_message())

    [got] = cloud.received
    assert got["path"] == f"/v21.0/{settings.WHATSAPP_CLOUD_PHONE_NUMBER_ID}/messages"
    assert got["authorization"] == "Bearer test-token"
    assert got["content_type"] == "json"
    assert got["payload"] == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": NUMBER_DIGITS,
        "type": "text",
        "text": {"body": TEXT},
        "biz_opaque_callback_data": "outbox-17",
    }
    assert got["idempotency_key"] == "outbox-17"
    assert result.provider_message_id.startswith("wamid.")
    assert result.provider_message_id == got["provider_message_id"]


def test_cloud_template_message_carries_body_parameters(cloud):
    message = _message(
        template_name="dokumen_siap_diambil",
        template_language="id",
        template_params=["Siti Aminah", "Kartu Keluarga", "Kantor Desa Sila"],
    )

    get_sender().send(message)

    [got] = cloud.received
    assert got["payload"]["type"] == "template"
    assert "text" not in got["payload"]
    assert got["payload"]["template"] == {
        "name": "dokumen_siap_diambil",
        "language": {"code": "id"},
        "components": [
            {
                "type": "body",
                "parameters": [
                    {"type": "text", "text": "Siti Aminah"},
                    {"type": "text", "text": "Kartu Keluarga"},
                    {"type": "text", "text": "Kantor Desa Sila"},
                ],
            }
        ],
    }


def test_cloud_template_without_parameters_has_no_components(cloud):
    get_sender().send(_message(template_name="hello_world", template_language="en_US"))

    [got] = cloud.received
    assert got["payload"]["template"] == {"name": "hello_world", "language": {"code": "en_US"}}


def test_same_message_sent_twice_arrives_twice(cloud):
    # The fake deduplicates nothing, so tests of the outbox can see a double send.
    sender = get_sender()
    sender.send(_message())
    sender.send(_message())

    received = cloud.received
    assert len(received) == 2
    assert {r["idempotency_key"] for r in received} == {"outbox-17"}
    assert received[0]["provider_message_id"] != received[1]["provider_message_id"]


# --- Cloud API: temporary failures ----------------------------------------------------------------


def test_cloud_429_is_temporary_with_retry_after_and_the_next_call_succeeds(cloud):
    cloud.script({"status": 429, "retry_after": 7})
    sender = get_sender()

    with pytest.raises(TemporarySendError) as excinfo:
        sender.send(_message())

    assert excinfo.value.retry_after == 7.0
    assert "130429" in str(excinfo.value)
    _assert_no_full_number(excinfo.value)
    assert cloud.received == []
    assert sender.send(_message()).provider_message_id.startswith("wamid.")
    assert len(cloud.received) == 1


def test_cloud_429_from_a_proxy_without_meta_body_is_temporary(cloud):
    cloud.script({"status": 429, "retry_after": 3, "body": "Too Many Requests"})

    with pytest.raises(TemporarySendError) as excinfo:
        get_sender().send(_message())

    assert excinfo.value.retry_after == 3.0


def test_cloud_502_from_a_load_balancer_is_temporary(cloud):
    cloud.script({"status": 502, "body": "<html><body>502 Bad Gateway</body></html>"})

    with pytest.raises(TemporarySendError):
        get_sender().send(_message())


def test_cloud_retry_after_as_http_date_is_converted_to_seconds(cloud):
    when = datetime.now(UTC) + timedelta(seconds=30)
    cloud.script({"status": 429, "retry_after": format_datetime(when, usegmt=True)})

    with pytest.raises(TemporarySendError) as excinfo:
        get_sender().send(_message())

    assert 20 <= excinfo.value.retry_after <= 31


@pytest.mark.parametrize("status", [500, 502, 503])
def test_cloud_server_errors_are_temporary(cloud, status):
    cloud.script({"status": status})

    with pytest.raises(TemporarySendError) as excinfo:
        get_sender().send(_message())

    assert f"HTTP {status}" in str(excinfo.value)
    assert excinfo.value.retry_after is None
    _assert_no_full_number(excinfo.value)


@pytest.mark.parametrize("code", [130429, 131048, 131056, 4, 80007])
def test_cloud_rate_limit_codes_are_temporary_even_with_http_400(cloud, code):
    cloud.script({"meta_error": code})  # HTTP 400, as Meta answers these

    with pytest.raises(TemporarySendError):
        get_sender().send(_message())


def test_cloud_pair_rate_limit_waits_at_least_six_seconds(cloud):
    cloud.script({"meta_error": 131056})

    with pytest.raises(TemporarySendError) as excinfo:
        get_sender().send(_message())

    assert excinfo.value.retry_after == 6.0


def test_cloud_timeout_is_temporary_and_the_message_may_still_have_arrived(cloud, settings):
    settings.WHATSAPP_TIMEOUT_SECONDS = 0.3
    cloud.script({"delay": 1.0})

    with pytest.raises(TemporarySendError) as excinfo:
        get_sender().send(_message())

    assert "0.3s" in str(excinfo.value)
    assert MASKED in str(excinfo.value)
    _assert_no_full_number(excinfo.value)
    # The provider accepted it after we gave up: why the outbox must cap retries on timeouts.
    assert len(cloud.wait_for_received(1, timeout=3)) == 1


def test_connection_refused_is_temporary(cloud):
    cloud.stop()  # nothing listens on its port any more

    with pytest.raises(TemporarySendError) as excinfo:
        get_sender().send(_message())

    assert "connection failed" in str(excinfo.value)


# --- Cloud API: permanent failures ----------------------------------------------------------------


def test_cloud_number_not_on_whatsapp_is_permanent_with_meta_code(cloud):
    cloud.not_on_whatsapp(NUMBER)

    with pytest.raises(PermanentSendError) as excinfo:
        get_sender().send(_message())

    assert excinfo.value.code == "131026"
    assert "Undeliverable" in str(excinfo.value)
    assert MASKED in str(excinfo.value)
    _assert_no_full_number(excinfo.value)
    assert cloud.received == []
    assert [r["status"] for r in cloud.requests] == [400]


@pytest.mark.parametrize("code", [131030, 100])
def test_cloud_other_invalid_recipient_codes_are_permanent(cloud, code):
    cloud.script({"meta_error": code})

    with pytest.raises(PermanentSendError) as excinfo:
        get_sender().send(_message())

    assert excinfo.value.code == str(code)


def test_malformed_number_is_refused_before_any_request(cloud):
    with pytest.raises(PermanentSendError) as excinfo:
        get_sender().send(_message(to="081234567890"))

    assert excinfo.value.code == "invalid_number"
    assert "081234567890" not in str(excinfo.value)
    assert cloud.requests == []


def test_cloud_wrong_token_is_permanent_and_points_at_the_setting(cloud, settings):
    settings.WHATSAPP_CLOUD_TOKEN = "expired-token"

    with pytest.raises(PermanentSendError) as excinfo:
        get_sender().send(_message())

    assert excinfo.value.code == "190"
    assert "WHATSAPP_CLOUD_TOKEN" in str(excinfo.value)
    [request] = cloud.requests
    assert request["status"] == 401
    assert request["authorization"] == "Bearer expired-token"


def test_cloud_permission_error_is_permanent_even_with_http_500(cloud):
    # Meta answers code 3 ("API Method", missing permission) with a 500; retrying cannot fix it.
    cloud.script({"status": 500, "meta_error": 3})

    with pytest.raises(PermanentSendError) as excinfo:
        get_sender().send(_message())

    assert excinfo.value.code == "3"


def test_cloud_success_without_message_id_is_not_retried(cloud):
    cloud.script({"body": {"messaging_product": "whatsapp"}})

    with pytest.raises(PermanentSendError) as excinfo:
        get_sender().send(_message())

    assert excinfo.value.code == "unreadable_response"


# --- HTTP gateway -----------------------------------------------------------------------------------


def test_gateway_sends_form_body_with_raw_token_header(gateway):
    sender = get_sender()
    assert isinstance(sender, HttpGatewaySender)

    result = sender.send(_message())

    [got] = gateway.received
    assert got["path"] == "/send"
    assert got["authorization"] == "test-token"  # no "Bearer": Fonnte-style gateways want the bare token
    assert got["content_type"] == "form"
    assert got["payload"] == {"target": NUMBER_DIGITS, "message": TEXT}
    assert result.provider_message_id == got["provider_message_id"] == "80367170"


def test_gateway_uses_custom_field_names_and_json(gateway, settings):
    gateway.gateway_target_field = "phone"
    gateway.gateway_message_field = "text"
    settings.WHATSAPP_GATEWAY_TARGET_FIELD = "phone"
    settings.WHATSAPP_GATEWAY_MESSAGE_FIELD = "text"
    settings.WHATSAPP_GATEWAY_BODY_FORMAT = "json"

    get_sender().send(_message())

    [got] = gateway.received
    assert got["content_type"] == "json"
    assert got["payload"] == {"phone": NUMBER_DIGITS, "text": TEXT}


def test_gateway_with_mismatched_field_names_is_rejected(gateway):
    gateway.gateway_target_field = "phone"  # the gateway expects "phone", settings still say "target"

    with pytest.raises(PermanentSendError) as excinfo:
        get_sender().send(_message())

    assert "target invalid" in str(excinfo.value)
    assert gateway.received == []


def test_gateway_template_message_sends_the_rendered_text(gateway):
    get_sender().send(_message(template_name="dokumen_siap_diambil", template_params=["Siti"]))

    [got] = gateway.received
    assert got["payload"] == {"target": NUMBER_DIGITS, "message": TEXT}


def test_gateway_invalid_number_is_permanent(gateway):
    gateway.not_on_whatsapp(NUMBER)

    with pytest.raises(PermanentSendError) as excinfo:
        get_sender().send(_message())

    assert excinfo.value.code == "gateway_rejected"
    assert "invalid number" in str(excinfo.value)
    _assert_no_full_number(excinfo.value)


def test_gateway_wrong_token_is_permanent(gateway, settings):
    settings.WHATSAPP_GATEWAY_TOKEN = "wrong"

    with pytest.raises(PermanentSendError) as excinfo:
        get_sender().send(_message())

    assert "invalid token" in str(excinfo.value)
    assert gateway.received == []


def test_gateway_429_is_temporary_with_retry_after(gateway):
    gateway.script({"status": 429, "retry_after": 12})

    with pytest.raises(TemporarySendError) as excinfo:
        get_sender().send(_message())

    assert excinfo.value.retry_after == 12.0


@pytest.mark.parametrize("status", [500, 503])
def test_gateway_server_errors_are_temporary(gateway, status):
    gateway.script({"status": status})

    with pytest.raises(TemporarySendError):
        get_sender().send(_message())


def test_gateway_timeout_is_temporary(gateway, settings):
    settings.WHATSAPP_TIMEOUT_SECONDS = 0.3
    gateway.script({"delay": 1.0})

    with pytest.raises(TemporarySendError):
        get_sender().send(_message())


def test_gateway_disconnected_device_is_temporary(gateway):
    # The officer's phone behind the gateway is offline: nothing wrong with the message itself.
    gateway.script({"body": {"status": False, "reason": "disconnected device"}})

    with pytest.raises(TemporarySendError):
        get_sender().send(_message())


def test_gateway_reason_echoing_the_number_is_masked(gateway):
    gateway.script({"body": {"status": False, "reason": f"number {NUMBER_DIGITS} is not registered"}})

    with pytest.raises(PermanentSendError) as excinfo:
        get_sender().send(_message())

    _assert_no_full_number(excinfo.value)
    assert "not registered" in str(excinfo.value)


def test_gateway_wrong_url_is_permanent(gateway, settings):
    settings.WHATSAPP_GATEWAY_URL = f"{gateway.url}/api/v2/kirim"

    with pytest.raises(PermanentSendError) as excinfo:
        get_sender().send(_message())

    assert excinfo.value.code == "http_404"


def test_gateway_id_in_nested_data_is_read(gateway):
    gateway.script({"body": {"status": True, "data": {"messages": [{"id": "wablas-991"}]}}})

    assert get_sender().send(_message()).provider_message_id == "wablas-991"


# --- Console sender and configuration ----------------------------------------------------------------


def test_console_sender_logs_a_masked_number_only(settings, caplog):
    settings.WHATSAPP_SENDER = "console"
    caplog.set_level(logging.DEBUG, logger="notifications.senders")
    nik = "5206014501900001"

    result = get_sender().send(_message(text=f"NIK {nik}: {TEXT}"))

    assert result.provider_message_id.startswith("console-")
    assert MASKED in caplog.text
    assert NUMBER_DIGITS not in caplog.text
    assert nik not in caplog.text


def test_get_sender_defaults_to_console(settings):
    settings.WHATSAPP_SENDER = "console"
    assert isinstance(get_sender(), ConsoleSender)


def test_unknown_sender_name_is_improperly_configured(settings):
    settings.WHATSAPP_SENDER = "telegram"
    with pytest.raises(ImproperlyConfigured, match="telegram"):
        get_sender()


def test_cloud_sender_without_token_is_improperly_configured(settings):
    settings.WHATSAPP_SENDER = "cloud"
    settings.WHATSAPP_CLOUD_TOKEN = ""
    settings.WHATSAPP_CLOUD_PHONE_NUMBER_ID = "123"
    with pytest.raises(ImproperlyConfigured, match="WHATSAPP_CLOUD_TOKEN"):
        get_sender()


def test_gateway_sender_without_url_is_improperly_configured(settings):
    settings.WHATSAPP_SENDER = "gateway"
    settings.WHATSAPP_GATEWAY_URL = ""
    settings.WHATSAPP_GATEWAY_TOKEN = "x"
    with pytest.raises(ImproperlyConfigured, match="WHATSAPP_GATEWAY_URL"):
        get_sender()


@pytest.mark.parametrize(
    ("number", "masked"),
    [(NUMBER, MASKED), ("+6287712345678", "+62877****678"), ("12345", "***45"), ("", "")],
)
def test_mask_phone(number, masked):
    assert mask_phone(number) == masked


# --- The fake as a separate process (a Celery worker in another process sends to it) --------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def standalone_fake():
    port = _free_port()
    root = Path(__file__).resolve().parents[2]
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.fake_whatsapp", "--port", str(port)],
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                requests.get(f"{url}/_health", timeout=0.5)
                break
            except requests.ConnectionError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(process.stderr.read().decode()) from None
                time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=5)


def test_standalone_fake_records_and_can_be_scripted_over_http(standalone_fake):
    sender = CloudApiSender(
        api_url=f"{standalone_fake}/v21.0", token="test-token", phone_number_id="42", timeout=2
    )
    scripted = requests.post(
        f"{standalone_fake}/_script",
        timeout=2,
        json={"responses": [{"status": 503}], "not_on_whatsapp": ["+6289900000000"]},
    )
    assert scripted.json() == {"queued": 1}

    with pytest.raises(TemporarySendError):
        sender.send(_message())
    with pytest.raises(PermanentSendError):
        sender.send(_message(to="+6289900000000"))
    sender.send(_message())

    snapshot = requests.get(f"{standalone_fake}/_received", timeout=2).json()
    assert [r["status"] for r in snapshot["requests"]] == [503, 400, 200]
    assert [r["to"] for r in snapshot["received"]] == [NUMBER]
    assert json.dumps(snapshot)  # plain JSON, readable by a test in another process

    requests.post(f"{standalone_fake}/_reset", timeout=2)
    assert requests.get(f"{standalone_fake}/_received", timeout=2).json()["received"] == []
