"""WhatsApp senders: one interface, three ways to deliver a message.

The outbox hands an `OutgoingMessage` to `get_sender().send(...)` and gets back a `SendResult` or
one of two exceptions:

- `TemporarySendError`: a retry can fix it (HTTP 429, 5xx, provider throttling, timeouts, broken
  connections). `retry_after` carries the provider's Retry-After when it sent one.
- `PermanentSendError`: a retry cannot fix it (number not on WhatsApp, invalid request, rejected
  token). `code` is the provider's error code as a string ("131026") or one of ours
  ("invalid_number", "http_401", "gateway_rejected", "unreadable_response").

Exception messages and log lines never carry a full phone number: numbers are masked
(+62812****890) because logs are scanned for personal data.

A read timeout is ambiguous: the provider may have accepted the message before the reply was lost.
It is still reported as temporary (the alternative is silently losing the message); neither the
Cloud API nor the usual gateways offer idempotency on send, so the outbox should keep its retry count
low for timeouts. The idempotency key is passed along where the provider will echo it back
(`biz_opaque_callback_data` on the Cloud API, returned in status webhooks) and as an
`Idempotency-Key` header that providers ignore but our fake server records.
"""

from __future__ import annotations

import abc
import email.utils
import logging
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

logger = logging.getLogger(__name__)

E164_RE = re.compile(r"^\+[1-9]\d{7,14}$")
# Any run of 8+ digits (optionally with +) is treated as a possible phone number or NIK.
_LONG_DIGITS_RE = re.compile(r"\+?\d{8,}")
_MAX_REASON_CHARS = 300


def mask_phone(number: str) -> str:
    """Mask a phone number for logs: +6281234567890 -> +62812****890."""
    number = (number or "").strip()
    if len(number) <= 8:
        return "*" * max(len(number) - 2, 0) + number[-2:]
    return f"{number[:6]}****{number[-3:]}"


def scrub(text: str) -> str:
    """Mask every long digit run in free text (provider error bodies may echo the number)."""
    text = _LONG_DIGITS_RE.sub(lambda m: mask_phone(m.group(0)), str(text))
    if len(text) > _MAX_REASON_CHARS:
        text = text[:_MAX_REASON_CHARS] + "…"
    return text


@dataclass
class OutgoingMessage:
    to: str  # E.164, e.g. +6281234567890
    text: str  # always the rendered text; senders without templates send this
    template_name: str | None = None  # Cloud API only: an approved Meta template
    template_language: str = "id"
    template_params: list[str] = field(default_factory=list)
    idempotency_key: str = ""


@dataclass
class SendResult:
    provider_message_id: str


class SendError(Exception):
    """Base of both outcomes; the message is scrubbed of phone numbers on construction."""

    def __init__(self, reason: str) -> None:
        self.reason = scrub(reason)
        super().__init__(self.reason)


class TemporarySendError(SendError):
    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class PermanentSendError(SendError):
    def __init__(self, code: str, reason: str) -> None:
        self.code = str(code)
        super().__init__(reason)

    def __str__(self) -> str:
        return f"[{self.code}] {self.reason}"


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After is either delta-seconds or an HTTP date (RFC 9110 §10.2.3)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - datetime.now(UTC)).total_seconds(), 0.0)


def _check_recipient(to: str) -> None:
    # Refuse before any network call: a malformed number can never succeed.
    if not E164_RE.match(to or ""):
        raise PermanentSendError("invalid_number", f"recipient {mask_phone(to)} is not an E.164 number")


class Sender(abc.ABC):
    name: str

    @abc.abstractmethod
    def send(self, message: OutgoingMessage) -> SendResult: ...


class ConsoleSender(Sender):
    """Development sender: logs the message (masked) and pretends it went out."""

    name = "console"

    def send(self, message: OutgoingMessage) -> SendResult:
        _check_recipient(message.to)
        message_id = f"console-{uuid.uuid4().hex}"
        logger.info(
            "whatsapp[console] to=%s template=%s chars=%d key=%s id=%s",
            mask_phone(message.to),
            message.template_name or "-",
            len(message.text),
            message.idempotency_key or "-",
            message_id,
        )
        # The text may name the citizen; only at DEBUG, and NIK-like digit runs masked.
        logger.debug("whatsapp[console] text=%s", scrub(message.text))
        return SendResult(provider_message_id=message_id)


class _HttpSender(Sender):
    """Shared request handling: timeouts and connection failures are temporary."""

    def __init__(self, *, timeout: float) -> None:
        self.timeout = timeout

    def _post(self, url: str, *, to: str, **kwargs: Any) -> requests.Response:
        try:
            return requests.post(url, timeout=self.timeout, **kwargs)
        except requests.Timeout as exc:
            raise TemporarySendError(
                f"{self.name}: no answer within {self.timeout:g}s sending to {mask_phone(to)}"
            ) from exc
        except requests.ConnectionError as exc:
            raise TemporarySendError(
                f"{self.name}: connection failed sending to {mask_phone(to)}: {type(exc).__name__}"
            ) from exc
        except requests.RequestException as exc:
            raise TemporarySendError(f"{self.name}: request failed: {type(exc).__name__}") from exc


# Meta error codes, by what a retry can do about them. Meta says to branch on `error.code`, not on the
# HTTP status or the title ("Error codes", developers.facebook.com/documentation/business-messaging/
# whatsapp/support/error-codes). Codes and meanings as listed there and in mirrors of that table
# (niswey.com/knowledge-base/error-codes-meta, bitbybit.studio, help.chakrahq.com):
#   130429 "Rate limit hit" (throughput), 131048 "Spam rate limit hit", 131056 pair rate limit (one
#   business number -> one customer, about one message per 6 s), 4 "API Too Many Calls" and 80007
#   WABA rate limit (both HTTP 400), 2 "API Service" temporary downtime (503), 131000 "Something went
#   wrong" (500, "Retry").
#   131026 "Message Undeliverable" (not a WhatsApp number, old client, terms not accepted; HTTP 400),
#   131030 "Recipient phone number not in allowed list" (test numbers; seen in Neurotech-HQ/heyoo#40),
#   100 "Invalid parameter".
#   0 AuthException and 190 "Access token has expired" (HTTP 401), 3 "API Method" capability or
#   permission issue (HTTP 500 although no retry helps), 10 and 200-299 permission errors.
CLOUD_RATE_LIMIT_CODES = frozenset({4, 80007, 130429, 131048, 131056})
CLOUD_TEMPORARY_CODES = frozenset({2, 131000})
CLOUD_INVALID_RECIPIENT_CODES = frozenset({131026, 131030, 100})
CLOUD_CONFIG_CODES = frozenset({0, 3, 10, 190, *range(200, 300)})
# The pair limit is documented as one message per six seconds; wait at least that long.
CLOUD_DEFAULT_RETRY_AFTER = {131056: 6.0}


class CloudApiSender(_HttpSender):
    """Meta's WhatsApp Cloud API: POST {api_url}/{phone_number_id}/messages with a Bearer token."""

    name = "cloud"

    def __init__(self, *, api_url: str, token: str, phone_number_id: str, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self.endpoint = f"{api_url.rstrip('/')}/{phone_number_id}/messages"
        self.token = token

    @classmethod
    def from_settings(cls) -> CloudApiSender:
        if not settings.WHATSAPP_CLOUD_TOKEN or not settings.WHATSAPP_CLOUD_PHONE_NUMBER_ID:
            raise ImproperlyConfigured(
                "WHATSAPP_SENDER=cloud needs WHATSAPP_CLOUD_TOKEN and WHATSAPP_CLOUD_PHONE_NUMBER_ID"
            )
        return cls(
            api_url=settings.WHATSAPP_CLOUD_API_URL,
            token=settings.WHATSAPP_CLOUD_TOKEN,
            phone_number_id=settings.WHATSAPP_CLOUD_PHONE_NUMBER_ID,
            timeout=settings.WHATSAPP_TIMEOUT_SECONDS,
        )

    def build_payload(self, message: OutgoingMessage) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": message.to.lstrip("+"),
        }
        if message.template_name:
            template: dict[str, Any] = {
                "name": message.template_name,
                "language": {"code": message.template_language},
            }
            if message.template_params:
                template["components"] = [
                    {
                        "type": "body",
                        "parameters": [{"type": "text", "text": p} for p in message.template_params],
                    }
                ]
            payload.update(type="template", template=template)
        else:
            payload.update(type="text", text={"body": message.text})
        if message.idempotency_key:
            # Echoed back in status webhooks, so a delivery report can be matched to the outbox row.
            payload["biz_opaque_callback_data"] = message.idempotency_key[:512]
        return payload

    def send(self, message: OutgoingMessage) -> SendResult:
        _check_recipient(message.to)
        headers = {"Authorization": f"Bearer {self.token}"}
        if message.idempotency_key:
            headers["Idempotency-Key"] = message.idempotency_key
        response = self._post(self.endpoint, to=message.to, json=self.build_payload(message), headers=headers)
        body = _json_or_none(response)
        if 200 <= response.status_code < 300:
            try:
                return SendResult(provider_message_id=str(body["messages"][0]["id"]))
            except (TypeError, KeyError, IndexError):
                # The message may well have gone out; resending could duplicate it.
                raise PermanentSendError(
                    "unreadable_response", f"cloud: HTTP {response.status_code} without messages[0].id"
                ) from None
        raise self._error_for(response, body, message.to)

    def _error_for(self, response: requests.Response, body: Any, to: str) -> Exception:
        """Classify a non-2xx answer.

        Steps: read `error.code`; known configuration codes are permanent whatever the HTTP status
        (code 3 comes with a 500); rate-limit codes or HTTP 429 are temporary with Retry-After;
        other 5xx and known transient codes are temporary; everything else is permanent.
        """
        status = response.status_code
        error = body.get("error") if isinstance(body, dict) else None
        error = error if isinstance(error, dict) else {}
        code = error.get("code")
        code = code if isinstance(code, int) else None
        error_data = error.get("error_data") if isinstance(error.get("error_data"), dict) else {}
        text = error_data.get("details") or error.get("message") or response.reason or ""
        code_label = str(code) if code is not None else f"http_{status}"
        reason = f"cloud: HTTP {status} code {code_label} to {mask_phone(to)}: {text}"
        retry_after = parse_retry_after(response.headers.get("Retry-After"))

        if code in CLOUD_CONFIG_CODES or (status in (401, 403) and code is None):
            return PermanentSendError(
                code_label, reason + " (check WHATSAPP_CLOUD_TOKEN and the app's permissions)"
            )
        if code in CLOUD_RATE_LIMIT_CODES or status == 429:
            if retry_after is None:
                retry_after = CLOUD_DEFAULT_RETRY_AFTER.get(code)
            return TemporarySendError(reason, retry_after=retry_after)
        if status >= 500 or code in CLOUD_TEMPORARY_CODES:
            return TemporarySendError(reason, retry_after=retry_after)
        return PermanentSendError(code_label, reason)


# Gateways such as Fonnte answer HTTP 200 with {"status": false, "reason": ...} for most failures.
# These reasons mean the officer's phone or the gateway is briefly unavailable, not that the message
# is wrong; anything else with status false is treated as permanent.
GATEWAY_TEMPORARY_REASON_WORDS = ("disconnect", "timeout", "try again", "rate limit", "too many", "busy")


class HttpGatewaySender(_HttpSender):
    """Generic Indonesian gateway (Fonnte, Wablas style): token in `Authorization`, form or JSON body."""

    name = "gateway"

    def __init__(
        self,
        *,
        url: str,
        token: str,
        target_field: str = "target",
        message_field: str = "message",
        body_format: str = "form",
        timeout: float,
    ) -> None:
        super().__init__(timeout=timeout)
        if body_format not in ("form", "json"):
            raise ImproperlyConfigured(
                f"WHATSAPP_GATEWAY_BODY_FORMAT must be form or json, not {body_format!r}"
            )
        self.url = url
        self.token = token
        self.target_field = target_field
        self.message_field = message_field
        self.body_format = body_format

    @classmethod
    def from_settings(cls) -> HttpGatewaySender:
        if not settings.WHATSAPP_GATEWAY_URL or not settings.WHATSAPP_GATEWAY_TOKEN:
            raise ImproperlyConfigured(
                "WHATSAPP_SENDER=gateway needs WHATSAPP_GATEWAY_URL and WHATSAPP_GATEWAY_TOKEN"
            )
        return cls(
            url=settings.WHATSAPP_GATEWAY_URL,
            token=settings.WHATSAPP_GATEWAY_TOKEN,
            target_field=settings.WHATSAPP_GATEWAY_TARGET_FIELD,
            message_field=settings.WHATSAPP_GATEWAY_MESSAGE_FIELD,
            body_format=getattr(settings, "WHATSAPP_GATEWAY_BODY_FORMAT", "form"),
            timeout=settings.WHATSAPP_TIMEOUT_SECONDS,
        )

    def send(self, message: OutgoingMessage) -> SendResult:
        _check_recipient(message.to)
        # Gateways want the number without "+" (Fonnte and Wablas both accept 62...).
        fields = {self.target_field: message.to.lstrip("+"), self.message_field: message.text}
        headers = {"Authorization": self.token}
        if message.idempotency_key:
            headers["Idempotency-Key"] = message.idempotency_key
        body_kwargs = {"json": fields} if self.body_format == "json" else {"data": fields}
        response = self._post(self.url, to=message.to, headers=headers, **body_kwargs)
        status = response.status_code
        body = _json_or_none(response)
        masked = mask_phone(message.to)

        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        if status == 429 or status >= 500:
            reason = _gateway_reason(body) or response.reason or ""
            raise TemporarySendError(f"gateway: HTTP {status} to {masked}: {reason}", retry_after=retry_after)
        if not isinstance(body, dict):
            # A wrong URL (404 page) or a captive portal; a 2xx we cannot read may have been sent.
            code = f"http_{status}" if status >= 400 else "unreadable_response"
            raise PermanentSendError(code, f"gateway: HTTP {status} with a non-JSON body")
        if status >= 400 or body.get("status") is not True:
            reason = _gateway_reason(body) or f"HTTP {status}"
            text = f"gateway: rejected message to {masked}: {reason}"
            if any(word in reason.lower() for word in GATEWAY_TEMPORARY_REASON_WORDS):
                raise TemporarySendError(text, retry_after=retry_after)
            code = f"http_{status}" if status >= 400 else "gateway_rejected"
            raise PermanentSendError(code, text)
        message_id = _gateway_message_id(body)
        if not message_id:
            raise PermanentSendError("unreadable_response", "gateway: status true without a message id")
        return SendResult(provider_message_id=message_id)


def _gateway_reason(body: Any) -> str:
    if not isinstance(body, dict):
        return ""
    for key in ("reason", "message", "detail", "error"):
        value = body.get(key)
        if isinstance(value, str) and value:
            return value
    return ""


def _gateway_message_id(body: dict[str, Any]) -> str:
    """Fonnte answers {"id": ["80367170"]}, others {"id": "..."} or {"data": {"messages": [{"id": ...}]}}."""
    candidates: list[Any] = [body.get("id")]
    data = body.get("data")
    if isinstance(data, dict):
        candidates.append(data.get("id"))
        messages = data.get("messages")
        if isinstance(messages, list) and messages and isinstance(messages[0], dict):
            candidates.append(messages[0].get("id"))
    for value in candidates:
        if isinstance(value, list):
            value = value[0] if value else None
        if value not in (None, ""):
            return str(value)
    return ""


def _json_or_none(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


SENDERS: dict[str, Any] = {
    "console": ConsoleSender,
    "cloud": CloudApiSender.from_settings,
    "gateway": HttpGatewaySender.from_settings,
}


def get_sender() -> Sender:
    """Return the sender named by settings.WHATSAPP_SENDER, read at call time."""
    name = settings.WHATSAPP_SENDER
    try:
        factory = SENDERS[name]
    except KeyError:
        raise ImproperlyConfigured(
            f"Unknown WHATSAPP_SENDER {name!r}; expected one of {', '.join(sorted(SENDERS))}"
        ) from None
    return factory()
