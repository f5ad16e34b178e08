"""A fake WhatsApp provider: a real HTTP server that speaks like the Cloud API and like a gateway.

Endpoints
- POST /[vXX.X/]<phone_number_id>/messages: the Cloud API messages endpoint. Checks
  `Authorization: Bearer <token>`, validates the payload the way Meta does for the fields we use,
  answers {"messages": [{"id": "wamid..."}]} or a Meta error body ({"error": {"code": ...}}).
- POST /send and /api/send-message: a Fonnte/Wablas-style gateway. Checks `Authorization: <token>`,
  accepts a form or JSON body with configurable target/message field names, answers
  {"status": true, "id": [...]} or {"status": false, "reason": ...} (HTTP 200, as Fonnte does).
- GET /_received: JSON of everything received (for a test driving a worker in another process).
- POST /_script: JSON {"responses": [spec, ...], "not_on_whatsapp": ["+62..."]}.
- POST /_reset: forget everything.

A scripted response spec is a dict, consumed one per message request, in order:
  {"status": 429, "retry_after": 7}   answer 429 with Retry-After (Meta 130429 body on the Cloud path)
  {"status": 500} / {"status": 503}   server errors (Meta 131000 / 2 bodies on the Cloud path)
  {"meta_error": 131056}              a Meta error body with that code (HTTP 400 unless status given)
  {"delay": 2.0}                      sleep, then handle the request normally (it is still accepted:
                                      this is the "client timed out but the message went out" case)
  {"body": {...}}                     any JSON body (status 200 unless given)
Nothing is deduplicated: two identical sends are two entries in `received`, so tests can detect
double sends.

`received` lists the messages the fake accepted (what a citizen would get); `requests` lists every
message request with the HTTP status it was answered with.

Standalone, for a worker in another process:
    python -m tests.fakes.fake_whatsapp --port 8999 [--token test-token]
"""

from __future__ import annotations

import argparse
import copy
import itertools
import json
import re
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

DEFAULT_TOKEN = "test-token"
DEFAULT_PHONE_NUMBER_ID = "106540352242922"

CLOUD_PATH_RE = re.compile(r"^(?:/v\d+(?:\.\d+)?)?/(?P<phone_number_id>[^/]+)/messages/?$")
GATEWAY_PATHS = frozenset({"/send", "/api/send-message"})
SPEC_KEYS = frozenset({"status", "retry_after", "delay", "body", "meta_error"})

# Bodies as Meta returns them (shape from Meta's "Error codes" page; titles in `message`,
# explanation in `error_data.details`).
META_ERRORS: dict[int, tuple[str, str | None]] = {
    2: ("(#2) Service temporarily unavailable", "Temporary due to downtime or due to being overloaded."),
    100: (
        "(#100) Invalid parameter",
        "The request included one or more unsupported or misspelled parameters.",
    ),
    131000: ("(#131000) Something went wrong", "Something went wrong"),
    131026: ("(#131026) Message Undeliverable.", "Message Undeliverable."),
    131030: (
        "(#131030) Recipient phone number not in allowed list",
        "Recipient phone number not in allowed list",
    ),
    130429: ("(#130429) Rate limit hit", "Cloud API message throughput has been reached."),
    131048: (
        "(#131048) Spam rate limit hit",
        "Message failed to send because there are restrictions on how many "
        "messages can be sent from this phone number.",
    ),
    131056: (
        "(#131056) (Business Account, Consumer Account) pair rate limit hit",
        "Too many messages sent from the sender phone number to the same recipient phone number in a "
        "short period of time.",
    ),
    190: ("Invalid OAuth access token - Cannot parse access token", None),
}


def meta_error_body(code: int, message: str | None = None) -> dict[str, Any]:
    title, details = META_ERRORS.get(code, (f"(#{code}) Error", None))
    error: dict[str, Any] = {
        "message": message or title,
        "type": "OAuthException",
        "code": code,
        "fbtrace_id": uuid.uuid4().hex[:24],
    }
    if details:
        error["error_data"] = {"messaging_product": "whatsapp", "details": details}
    return {"error": error}


def _digits(number: str) -> str:
    return "".join(ch for ch in str(number) if ch.isdigit())


class FakeWhatsApp:
    """Start with `.start()` (or as a context manager); `.url` is the base URL for both APIs."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        token: str = DEFAULT_TOKEN,
        gateway_target_field: str = "target",
        gateway_message_field: str = "message",
    ) -> None:
        self.host = host
        self.port = port
        self.token = token
        self.gateway_target_field = gateway_target_field
        self.gateway_message_field = gateway_message_field
        self._lock = threading.Lock()
        self._received: list[dict[str, Any]] = []
        self._requests: list[dict[str, Any]] = []
        self._script: list[dict[str, Any]] = []
        self._not_on_whatsapp: set[str] = set()
        self._ids = itertools.count(80367170)
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ------------------------------------------------------------------------------
    def start(self) -> FakeWhatsApp:
        self._stopping.clear()
        self._server = _Server((self.host, self.port), _Handler)
        self._server.fake = self
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fake-whatsapp",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes handlers sleeping on a scripted delay
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> FakeWhatsApp:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def gateway_url(self) -> str:
        return f"{self.url}/send"

    # --- what the tests read --------------------------------------------------------------------
    @property
    def received(self) -> list[dict[str, Any]]:
        """Accepted messages, oldest first (a copy)."""
        with self._lock:
            return copy.deepcopy(self._received)

    @property
    def requests(self) -> list[dict[str, Any]]:
        """Every message request with the status it got, oldest first (a copy)."""
        with self._lock:
            return copy.deepcopy(self._requests)

    def wait_for_received(self, count: int, timeout: float = 5.0) -> list[dict[str, Any]]:
        """Wait until at least `count` messages were accepted; return them (maybe fewer on timeout)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self._received) >= count:
                    break
            time.sleep(0.02)
        return self.received

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "received": copy.deepcopy(self._received),
                "requests": copy.deepcopy(self._requests),
                "pending_script": len(self._script),
            }

    # --- how the tests steer it -----------------------------------------------------------------
    def script(self, *responses: dict[str, Any]) -> None:
        """Queue responses for the next len(responses) message requests (see the module docstring)."""
        for spec in responses:
            unknown = set(spec) - SPEC_KEYS
            if unknown:
                raise ValueError(f"unknown keys in scripted response: {sorted(unknown)}")
        with self._lock:
            self._script.extend(dict(spec) for spec in responses)

    def not_on_whatsapp(self, *numbers: str) -> None:
        """Numbers (any format) that get Meta's 131026 / a gateway's {"status": false}."""
        with self._lock:
            self._not_on_whatsapp.update(_digits(n) for n in numbers)

    def reset(self) -> None:
        with self._lock:
            self._received.clear()
            self._requests.clear()
            self._script.clear()
            self._not_on_whatsapp.clear()

    def configure_cloud(self, settings: Any, *, phone_number_id: str = DEFAULT_PHONE_NUMBER_ID) -> None:
        """Point Django settings (pytest-django's `settings` fixture) at this fake's Cloud API."""
        settings.WHATSAPP_SENDER = "cloud"
        settings.WHATSAPP_CLOUD_API_URL = f"{self.url}/v21.0"
        settings.WHATSAPP_CLOUD_TOKEN = self.token
        settings.WHATSAPP_CLOUD_PHONE_NUMBER_ID = phone_number_id

    def configure_gateway(self, settings: Any) -> None:
        """Point Django settings at this fake's gateway endpoint with its field names."""
        settings.WHATSAPP_SENDER = "gateway"
        settings.WHATSAPP_GATEWAY_URL = self.gateway_url
        settings.WHATSAPP_GATEWAY_TOKEN = self.token
        settings.WHATSAPP_GATEWAY_TARGET_FIELD = self.gateway_target_field
        settings.WHATSAPP_GATEWAY_MESSAGE_FIELD = self.gateway_message_field

    # --- request handling (called from server threads) ------------------------------------------
    def _next_script(self) -> dict[str, Any] | None:
        with self._lock:
            return self._script.pop(0) if self._script else None

    def _is_not_on_whatsapp(self, number: str) -> bool:
        with self._lock:
            return _digits(number) in self._not_on_whatsapp

    def _record(self, entry: dict[str, Any], status: int, accepted: bool) -> None:
        entry = {**entry, "status": status, "at": time.time()}
        with self._lock:
            self._requests.append(entry)
            if accepted:
                self._received.append(entry)

    def handle_message(
        self, kind: str, path: str, headers: dict[str, str], fields: dict[str, Any] | None, content_type: str
    ) -> tuple[int, dict[str, str], Any]:
        """Decide the answer to one message request; returns (status, extra headers, JSON body).

        Steps: take the next scripted response (sleeping first if it has a delay); a scripted status,
        error or body is answered as is; otherwise check the token, validate the payload, refuse
        numbers marked not on WhatsApp, and accept (record) the rest.
        """
        entry: dict[str, Any] = {
            "kind": kind,
            "path": path,
            "authorization": headers.get("authorization", ""),
            "idempotency_key": headers.get("idempotency-key", ""),
            "content_type": content_type,
            "payload": fields,
        }
        if kind == "cloud":
            match = CLOUD_PATH_RE.match(path)
            entry["phone_number_id"] = match["phone_number_id"] if match else ""
            entry.update(self._cloud_summary(fields))
        else:
            entry.update(self._gateway_summary(fields))

        spec = self._next_script()
        if spec and spec.get("delay"):
            self._stopping.wait(float(spec["delay"]))
        if spec and ({"status", "meta_error", "body"} & set(spec)):
            status, extra, body = self._scripted(kind, spec)
            self._record(entry, status, accepted=False)
            return status, extra, body

        status, body = self._cloud_answer(entry) if kind == "cloud" else self._gateway_answer(entry)
        accepted = status == 200 and (kind == "cloud" or body.get("status") is True)
        if accepted:
            entry["provider_message_id"] = body["messages"][0]["id"] if kind == "cloud" else body["id"][0]
        self._record(entry, status, accepted=accepted)
        return status, {}, body

    def _scripted(self, kind: str, spec: dict[str, Any]) -> tuple[int, dict[str, str], Any]:
        extra = {"Retry-After": str(spec["retry_after"])} if spec.get("retry_after") is not None else {}
        if "body" in spec:
            return int(spec.get("status", 200)), extra, spec["body"]
        if spec.get("meta_error") is not None:
            code = int(spec["meta_error"])
            if kind == "cloud":
                return int(spec.get("status", 400)), extra, meta_error_body(code)
            return int(spec.get("status", 200)), extra, {"status": False, "reason": f"error {code}"}
        status = int(spec["status"])
        if kind == "gateway":
            reason = "rate limit" if status == 429 else "server error"
            return status, extra, {"status": False, "reason": reason}
        code = {429: 130429, 503: 2}.get(status, 131000 if status >= 500 else 100)
        return status, extra, meta_error_body(code)

    def _cloud_summary(self, payload: Any) -> dict[str, Any]:
        if not isinstance(payload, dict):
            return {"to": "", "type": "", "text": None, "template": None}
        text = payload.get("text") if isinstance(payload.get("text"), dict) else {}
        return {
            "to": "+" + _digits(payload.get("to", "")) if payload.get("to") else "",
            "type": payload.get("type", ""),
            "text": text.get("body"),
            "template": payload.get("template"),
        }

    def _gateway_summary(self, fields: Any) -> dict[str, Any]:
        fields = fields if isinstance(fields, dict) else {}
        target = str(fields.get(self.gateway_target_field, ""))
        return {
            "to": "+" + target if target.isdigit() else target,
            "type": "text",
            "text": fields.get(self.gateway_message_field),
            "template": None,
        }

    def _cloud_answer(self, entry: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if entry["authorization"] != f"Bearer {self.token}":
            return 401, meta_error_body(190)
        payload = entry["payload"]
        problem = _cloud_payload_problem(payload)
        if problem:
            return 400, meta_error_body(100, f"(#100) {problem}")
        if self._is_not_on_whatsapp(payload["to"]):
            return 400, meta_error_body(131026)
        wa_id = _digits(payload["to"])
        return 200, {
            "messaging_product": "whatsapp",
            "contacts": [{"input": payload["to"], "wa_id": wa_id}],
            "messages": [{"id": f"wamid.{uuid.uuid4().hex}"}],
        }

    def _gateway_answer(self, entry: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        # Fonnte answers HTTP 200 with status false for nearly every refusal, including a bad token.
        if entry["authorization"] != self.token:
            return 200, {"status": False, "reason": "invalid token"}
        fields = entry["payload"] if isinstance(entry["payload"], dict) else {}
        target = str(fields.get(self.gateway_target_field, "")).strip()
        if not target or not target.isdigit():
            return 200, {"status": False, "reason": "target invalid"}
        if not fields.get(self.gateway_message_field):
            return 200, {"status": False, "reason": "message is empty"}
        if self._is_not_on_whatsapp(target):
            return 200, {"status": False, "reason": "invalid number"}
        with self._lock:
            message_id = str(next(self._ids))
        return 200, {
            "status": True,
            "detail": "success! message in queue",
            "id": [message_id],
            "process": "pending",
            "target": [target],
        }


def _cloud_payload_problem(payload: Any) -> str | None:
    """What Meta would reject in the fields we send (None when the payload is fine)."""
    if not isinstance(payload, dict):
        return "Invalid parameter: body must be JSON"
    if payload.get("messaging_product") != "whatsapp":
        return "The parameter messaging_product is required."
    if not re.fullmatch(r"\d{8,15}", str(payload.get("to", ""))):
        return "Invalid parameter: to"
    kind = payload.get("type", "text")
    if kind == "text":
        body = (payload.get("text") or {}).get("body") if isinstance(payload.get("text"), dict) else None
        if not isinstance(body, str) or not body:
            return "The parameter text['body'] is required."
        return None
    if kind == "template":
        template = payload.get("template")
        if not isinstance(template, dict) or not template.get("name"):
            return "The parameter template['name'] is required."
        language = template.get("language")
        if not isinstance(language, dict) or not language.get("code"):
            return "The parameter template['language']['code'] is required."
        for component in template.get("components", []):
            for parameter in component.get("parameters", []):
                if parameter.get("type") == "text" and not isinstance(parameter.get("text"), str):
                    return "Invalid parameter: template parameter text"
        return None
    return f"Invalid parameter: unsupported type {kind!r}"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeWhatsApp

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that timed out closes its socket while a scripted delay sleeps; that is expected.
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "FakeWhatsApp/1.0"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - BaseHTTPRequestHandler's name
        pass  # keep pytest output and worker logs quiet

    def do_GET(self) -> None:  # noqa: N802 - http.server naming
        path = urlsplit(self.path).path
        if path == "/_received":
            self._send_json(200, self.server.fake.snapshot())
        elif path == "/_health":
            self._send_json(200, {"ok": True})
        else:
            self._send_json(404, {"error": "not found"})

    def do_POST(self) -> None:  # noqa: N802 - http.server naming
        fake = self.server.fake
        path = urlsplit(self.path).path
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()

        if path == "/_script":
            try:
                spec = json.loads(raw or b"{}")
                fake.script(*spec.get("responses", []))
                fake.not_on_whatsapp(*spec.get("not_on_whatsapp", []))
            except (ValueError, AttributeError, TypeError) as exc:
                self._send_json(400, {"error": str(exc)})
                return
            self._send_json(200, {"queued": len(spec.get("responses", []))})
            return
        if path == "/_reset":
            fake.reset()
            self._send_json(200, {"ok": True})
            return

        if CLOUD_PATH_RE.match(path):
            kind = "cloud"
        elif path in GATEWAY_PATHS:
            kind = "gateway"
        else:
            self._send_json(404, {"error": "not found"})
            return

        fields: Any
        if content_type == "application/json":
            try:
                fields = json.loads(raw)
                body_format = "json"
            except ValueError:
                fields, body_format = None, "invalid-json"
        else:
            parsed = parse_qs(raw.decode("utf-8", "replace"), keep_blank_values=True)
            fields = {key: values[-1] for key, values in parsed.items()}
            body_format = "form"
        headers = {key.lower(): value for key, value in self.headers.items()}
        status, extra, body = fake.handle_message(kind, path, headers, fields, body_format)
        self._send_json(status, body, extra)

    def _send_json(self, status: int, body: Any, extra_headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (extra_headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def fake_whatsapp():
    """A running FakeWhatsApp for one test; import this fixture in the root conftest."""
    with FakeWhatsApp() as fake:
        yield fake


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Fake WhatsApp Cloud API and gateway for tests.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8999)
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    parser.add_argument("--target-field", default="target")
    parser.add_argument("--message-field", default="message")
    args = parser.parse_args(argv)
    fake = FakeWhatsApp(
        host=args.host,
        port=args.port,
        token=args.token,
        gateway_target_field=args.target_field,
        gateway_message_field=args.message_field,
    )
    fake.start()
    print(f"fake WhatsApp listening on {fake.url} (token {args.token!r})", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        fake.stop()


if __name__ == "__main__":
    main()
