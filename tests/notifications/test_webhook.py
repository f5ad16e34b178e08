"""The Cloud API webhook: handshake, signature, statuses and inbound messages, replays handled once."""

import io
import json

import pytest
from django.utils import timezone
from PIL import Image

from notifications.models import InboundMedia, InboundMessage, OutboxMessage, WebhookReceipt
from notifications.sending import outbox_due_ids
from notifications.webhook_security import compute_signature
from tests import factories as f
from tests.malicious_files import exif_jpeg_bytes

pytest_plugins = ["tests.fakes.fake_media"]

S = OutboxMessage.Status
URL = "/notifikasi/webhook/whatsapp/"
SECRET = "test-app-secret"
BUSINESS = "6281300000001"
CITIZEN = "6281234567890"


def _post(client, payload, *, secret=SECRET, signature=None, raw=None):
    body = raw if raw is not None else json.dumps(payload).encode()
    headers = {}
    if signature is not None:
        headers["HTTP_X_HUB_SIGNATURE_256"] = signature
    elif secret is not None:
        headers["HTTP_X_HUB_SIGNATURE_256"] = compute_signature(body, secret)
    return client.post(URL, data=body, content_type="application/json", **headers)


def _envelope(value):
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": BUSINESS, "phone_number_id": "1065"},
        **value,
    }
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "WABA", "changes": [{"field": "messages", "value": value}]}],
    }


def _status(wamid, status, *, ts=1760000000, **extra):
    return _envelope(
        {
            "statuses": [
                {"id": wamid, "status": status, "timestamp": str(ts), "recipient_id": CITIZEN, **extra}
            ]
        }
    )


def _text_message(wamid="wamid.IN1", text="Selamat pagi, saya mau urus KK", ts=1760000000):
    return _envelope(
        {
            "contacts": [{"profile": {"name": "Budi"}, "wa_id": CITIZEN}],
            "messages": [
                {"from": CITIZEN, "id": wamid, "timestamp": str(ts), "type": "text", "text": {"body": text}}
            ],
        }
    )


def _image_message(wamid="wamid.IMG1", media_id="MEDIA1", caption="KK saya"):
    return _envelope(
        {
            "contacts": [{"profile": {"name": "Budi"}, "wa_id": CITIZEN}],
            "messages": [
                {
                    "from": CITIZEN,
                    "id": wamid,
                    "timestamp": "1760000000",
                    "type": "image",
                    "image": {"id": media_id, "mime_type": "image/jpeg", "sha256": "x", "caption": caption},
                }
            ],
        }
    )


@pytest.fixture
def sent_message(db):
    return f.OutboxMessageFactory(
        status=S.SENT, provider_message_id="wamid.OUT1", sent_at=timezone.now(), attempts=1
    )


@pytest.fixture
def number(db, officer):
    return f.OfficerNumberFactory(officer=officer, phone=f"+{BUSINESS}")


# --- handshake ----------------------------------------------------------------------------------


def test_handshake_echoes_the_challenge_with_our_token(client):
    response = client.get(
        URL, {"hub.mode": "subscribe", "hub.verify_token": "test-verify-token", "hub.challenge": "1158201444"}
    )
    assert response.status_code == 200
    assert response.content == b"1158201444"
    assert response["Content-Type"].startswith("text/plain")


@pytest.mark.parametrize(
    "params",
    [
        {"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"},
        {"hub.mode": "unsubscribe", "hub.verify_token": "test-verify-token", "hub.challenge": "1"},
        {"hub.verify_token": "test-verify-token", "hub.challenge": "1"},
        {},
    ],
)
def test_handshake_refuses_anything_else(client, params):
    assert client.get(URL, params).status_code == 403


def test_handshake_refused_when_no_verify_token_is_configured(client, settings):
    settings.WHATSAPP_VERIFY_TOKEN = ""
    response = client.get(URL, {"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "1"})
    assert response.status_code == 403


# --- signature ------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "how",
    ["unsigned", "wrong_secret", "garbage", "sha1", "body_changed"],
)
def test_forged_or_unsigned_calls_get_403_and_change_nothing(client, sent_message, number, how):
    payload = _status("wamid.OUT1", "read")
    body = json.dumps(payload).encode()
    signature = {
        "unsigned": None,
        "wrong_secret": compute_signature(body, "not-the-secret"),
        "garbage": "sha256=deadbeef",
        "sha1": "sha1=" + "0" * 40,
        "body_changed": compute_signature(json.dumps(_text_message()).encode(), SECRET),
    }[how]
    response = (
        _post(client, payload, secret=None, signature=signature, raw=body)
        if signature
        else _post(client, payload, secret=None)
    )
    assert response.status_code == 403
    sent_message.refresh_from_db()
    assert sent_message.status == S.SENT and sent_message.read_at is None
    assert WebhookReceipt.objects.count() == 0
    assert InboundMessage.objects.count() == 0


@pytest.mark.django_db
def test_empty_app_secret_refuses_even_a_matching_signature(client, settings, sent_message):
    settings.WHATSAPP_APP_SECRET = ""
    response = _post(client, _status("wamid.OUT1", "read"), secret="")
    assert response.status_code == 403
    sent_message.refresh_from_db()
    assert sent_message.status == S.SENT


@pytest.mark.django_db
def test_signed_but_not_json_is_400(client):
    assert _post(client, None, raw=b"not json").status_code == 400


def test_webhook_is_csrf_exempt(db):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    assert _post(client, _status("wamid.NONE", "sent")).status_code == 200


# --- statuses ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_delivered_then_read_update_the_row(client, sent_message):
    assert _post(client, _status("wamid.OUT1", "delivered", ts=1760000010)).status_code == 200
    sent_message.refresh_from_db()
    assert sent_message.status == S.DELIVERED
    assert sent_message.delivered_at.timestamp() == 1760000010
    _post(client, _status("wamid.OUT1", "read", ts=1760000020))
    sent_message.refresh_from_db()
    assert sent_message.status == S.READ and sent_message.read_at.timestamp() == 1760000020


@pytest.mark.django_db
def test_statuses_out_of_order_never_move_backwards(client, sent_message):
    _post(client, _status("wamid.OUT1", "read", ts=1760000020))
    _post(client, _status("wamid.OUT1", "delivered", ts=1760000010))
    _post(client, _status("wamid.OUT1", "sent", ts=1760000005))
    sent_message.refresh_from_db()
    assert sent_message.status == S.READ
    # read implies delivered: the time is filled from the first report that tells us
    assert sent_message.delivered_at is not None


@pytest.mark.django_db
def test_failed_status_marks_the_message_permanent_with_the_code(client, sent_message):
    payload = _status(
        "wamid.OUT1",
        "failed",
        errors=[
            {"code": 131026, "title": "Message undeliverable", "error_data": {"details": f"to +{CITIZEN}"}}
        ],
    )
    _post(client, payload)
    sent_message.refresh_from_db()
    assert sent_message.status == S.PERMANENT_FAILURE
    assert sent_message.last_error.startswith("[131026] Message undeliverable")
    assert CITIZEN not in sent_message.last_error


@pytest.mark.django_db
def test_failed_after_delivered_is_ignored(client, sent_message):
    _post(client, _status("wamid.OUT1", "delivered"))
    _post(client, _status("wamid.OUT1", "failed", errors=[{"code": 131000, "title": "x"}]))
    sent_message.refresh_from_db()
    assert sent_message.status == S.DELIVERED


@pytest.mark.django_db
def test_replayed_status_is_handled_once(client, sent_message):
    payload = _status("wamid.OUT1", "failed", errors=[{"code": 131026, "title": "undeliverable"}])
    _post(client, payload)
    # the officer fixes the number and resends; a replay of the old failure must not undo that
    OutboxMessage.objects.filter(pk=sent_message.pk).update(status=S.SENT, last_error="")
    assert _post(client, payload).status_code == 200
    sent_message.refresh_from_db()
    assert sent_message.status == S.SENT
    assert WebhookReceipt.objects.count() == 1


@pytest.mark.django_db
def test_status_for_a_timed_out_send_stops_its_retries(client):
    """The reply was lost to a timeout but Meta reports the message: match by our callback data."""
    message = f.OutboxMessageFactory(
        status=S.FAILED, attempts=1, last_error="[timeout] no answer", next_attempt_at=timezone.now()
    )
    _post(client, _status("wamid.LOST", "delivered", biz_opaque_callback_data=f"outbox:{message.pk}"))
    message.refresh_from_db()
    assert message.status == S.DELIVERED
    assert message.provider_message_id == "wamid.LOST"
    assert message.pk not in outbox_due_ids()


@pytest.mark.django_db
def test_status_for_an_unknown_message_is_accepted_quietly(client):
    assert _post(client, _status("wamid.NOBODY", "delivered")).status_code == 200


# --- inbound messages ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_text_to_an_officer_number_lands_in_that_officers_inbox(client, number):
    assert _post(client, _text_message()).status_code == 200
    [message] = InboundMessage.objects.all()
    assert message.officer_number == number
    assert message.sender == f"+{CITIZEN}" and message.sender_name == "Budi"
    assert message.text == "Selamat pagi, saya mau urus KK"
    assert message.received_at.timestamp() == 1760000000
    assert message.status == InboundMessage.Status.NEW


@pytest.mark.django_db
def test_replayed_inbound_message_is_stored_once(client, number):
    _post(client, _text_message())
    _post(client, _text_message())
    assert InboundMessage.objects.count() == 1


@pytest.mark.django_db
def test_message_to_an_unknown_number_is_dropped(client, officer):
    f.OfficerNumberFactory(officer=officer, phone="+6281399999999")
    assert _post(client, _text_message()).status_code == 200
    assert InboundMessage.objects.count() == 0


@pytest.mark.django_db
def test_unsupported_type_is_kept_with_a_note_for_the_officer(client, number):
    payload = _envelope(
        {
            "messages": [
                {
                    "from": CITIZEN,
                    "id": "wamid.A",
                    "timestamp": "1760000000",
                    "type": "audio",
                    "audio": {"id": "M"},
                }
            ]
        }
    )
    _post(client, payload)
    [message] = InboundMessage.objects.all()
    assert "Pesan suara" in message.text
    assert InboundMedia.objects.count() == 0


# --- media -----------------------------------------------------------------------------------------


@pytest.fixture
def media_server(fake_media, settings):
    fake_media.configure(settings)
    settings.WHATSAPP_TIMEOUT_SECONDS = 2
    return fake_media


@pytest.mark.django_db
def test_photo_is_fetched_cleaned_and_stored_privately(
    client, number, media_server, django_capture_on_commit_callbacks, private_media
):
    photo = exif_jpeg_bytes()
    media_server.add("MEDIA1", photo, "image/jpeg")
    with django_capture_on_commit_callbacks(execute=True):
        _post(client, _image_message())
    [media] = InboundMedia.objects.all()
    assert media.fetched and media.error == ""
    assert media.message.text == "KK saya"
    assert media.file.name.startswith("inbound/") and media.file.name.endswith(".jpg")
    assert "MEDIA1" not in media.file.name
    stored = media.file.read()
    assert stored != photo  # re-encoded
    image = Image.open(io.BytesIO(stored))
    assert not image.getexif()  # EXIF (GPS, orientation) stripped
    assert media.thumbnail.name
    assert media_server.downloads() == ["MEDIA1"]


@pytest.mark.django_db
def test_refused_file_gets_the_upload_message_for_the_officer(
    client, number, media_server, django_capture_on_commit_callbacks
):
    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64
    media_server.add("MEDIA1", heic, "image/heic")
    with django_capture_on_commit_callbacks(execute=True):
        _post(client, _image_message())
    [media] = InboundMedia.objects.all()
    assert not media.fetched
    assert "HEIC" in media.error
    assert not media.file


@pytest.mark.django_db
def test_expired_media_id_is_reported_not_retried(
    client, number, media_server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _post(client, _image_message(media_id="GONE"))
    [media] = InboundMedia.objects.all()
    assert "kedaluwarsa" in media.error
    from notifications.inbound import inbound_media_due_ids

    assert inbound_media_due_ids() == []


@pytest.mark.django_db
def test_provider_error_is_retried_by_the_sweep(
    client, number, media_server, django_capture_on_commit_callbacks
):
    from notifications.tasks import inbound_media_sweep

    media_server.add("MEDIA1", exif_jpeg_bytes(), "image/jpeg")
    media_server.script({"status": 500}, {"wrong_sha256": True}, {})
    with django_capture_on_commit_callbacks(execute=True):
        _post(client, _image_message())
    media = InboundMedia.objects.get()
    assert not media.fetched and media.error == "" and media.fetch_attempts == 1
    inbound_media_sweep.apply()  # metadata with a wrong sha256: an incomplete download, retry
    media.refresh_from_db()
    assert not media.fetched and media.error == "" and media.fetch_attempts == 2
    inbound_media_sweep.apply()
    media.refresh_from_db()
    assert media.fetched and media.fetch_attempts == 3


@pytest.mark.django_db
def test_media_fetch_gives_up_after_the_limit(
    client, number, media_server, settings, django_capture_on_commit_callbacks
):
    from notifications.tasks import inbound_media_sweep

    settings.INBOUND_MEDIA_MAX_ATTEMPTS = 2
    media_server.add("MEDIA1", exif_jpeg_bytes(), "image/jpeg")
    media_server.script({"status": 503}, {"status": 503})
    with django_capture_on_commit_callbacks(execute=True):
        _post(client, _image_message())
    inbound_media_sweep.apply()
    media = InboundMedia.objects.get()
    assert not media.fetched and "tidak berhasil diambil" in media.error
    assert inbound_media_sweep.apply().get() == 0


@pytest.mark.django_db
def test_media_task_run_twice_downloads_once(number, media_server):
    from notifications.tasks import inbound_media_fetch

    media_server.add("MEDIA1", exif_jpeg_bytes(), "image/jpeg")
    media = f.InboundMediaFactory(message=f.InboundMessageFactory(officer_number=number), media_id="MEDIA1")
    assert inbound_media_fetch.apply(args=(media.pk,)).get() == "fetched"
    assert inbound_media_fetch.apply(args=(media.pk,)).get() == "skipped"
    assert media_server.downloads() == ["MEDIA1"]
