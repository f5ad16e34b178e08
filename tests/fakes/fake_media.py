"""A fake of the WhatsApp Cloud API media endpoints: a real HTTP server on 127.0.0.1.

How Meta serves an inbound photo or document (Cloud API "Media" reference):
1. GET {api}/{media-id} with `Authorization: Bearer <token>` answers
   {"messaging_product": "whatsapp", "url": "...", "mime_type": "...", "sha256": "...",
    "file_size": n, "id": "<media-id>"}; an unknown or expired id answers a Meta error (HTTP 400/404).
2. GET <url> with the same Bearer token answers the bytes. The URL is short-lived (about five
   minutes); without the token the download is refused.

Scripted responses (consumed one per request, in order, whichever endpoint) steer failures:
  {"status": 500}          answer that status (Meta 131000 body on the metadata endpoint)
  {"delay": 2.0}           sleep first, then answer normally
  {"wrong_sha256": true}   metadata carries a sha256 that does not match the bytes
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.fakes.fake_whatsapp import DEFAULT_TOKEN, meta_error_body

META_PATH_RE = re.compile(r"^(?:/v\d+(?:\.\d+)?)?/(?P<media_id>[A-Za-z0-9._-]+)/?$")
DOWNLOAD_PATH_RE = re.compile(r"^/whatsapp_business/attachments/(?P<media_id>[A-Za-z0-9._-]+)$")


class FakeMedia:
    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, token: str = DEFAULT_TOKEN) -> None:
        self.host = host
        self.port = port
        self.token = token
        self._lock = threading.Lock()
        self._media: dict[str, tuple[bytes, str]] = {}
        self._script: list[dict[str, Any]] = []
        self.requests: list[dict[str, Any]] = []
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> FakeMedia:
        self._server = _Server((self.host, self.port), _Handler)
        self._server.fake = self
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeMedia:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def configure(self, settings: Any) -> None:
        """Point Django settings at this fake's Cloud API (media lives on the same base URL)."""
        settings.WHATSAPP_CLOUD_API_URL = f"{self.url}/v21.0"
        settings.WHATSAPP_CLOUD_TOKEN = self.token

    def add(self, media_id: str, content: bytes, mime_type: str) -> None:
        with self._lock:
            self._media[media_id] = (content, mime_type)

    def script(self, *responses: dict[str, Any]) -> None:
        with self._lock:
            self._script.extend(dict(r) for r in responses)

    def downloads(self) -> list[str]:
        with self._lock:
            return [r["media_id"] for r in self.requests if r["kind"] == "download" and r["status"] == 200]

    # --- request handling ------------------------------------------------------------------------
    def _next_script(self) -> dict[str, Any]:
        with self._lock:
            return self._script.pop(0) if self._script else {}

    def _log(self, kind: str, media_id: str, status: int) -> None:
        with self._lock:
            self.requests.append({"kind": kind, "media_id": media_id, "status": status})

    def answer(self, path: str, authorization: str) -> tuple[int, str, bytes]:
        spec = self._next_script()
        if spec.get("delay"):
            self._stopping.wait(float(spec["delay"]))
        download = DOWNLOAD_PATH_RE.match(path)
        meta = None if download else META_PATH_RE.match(path)
        kind = "download" if download else "meta"
        media_id = (download or meta)["media_id"] if (download or meta) else ""
        if spec.get("status"):
            status = int(spec["status"])
            self._log(kind, media_id, status)
            return status, "application/json", json.dumps(meta_error_body(131000)).encode()
        if authorization != f"Bearer {self.token}":
            self._log(kind, media_id, 401)
            return 401, "application/json", json.dumps(meta_error_body(190)).encode()
        with self._lock:
            item = self._media.get(media_id)
        if not (download or meta) or item is None:
            self._log(kind, media_id, 404)
            body = meta_error_body(100, "(#100) Invalid parameter: media id not found or expired")
            return 404, "application/json", json.dumps(body).encode()
        content, mime_type = item
        self._log(kind, media_id, 200)
        if download:
            return 200, mime_type, content
        digest = hashlib.sha256(content).hexdigest()
        if spec.get("wrong_sha256"):
            digest = hashlib.sha256(content + b"x").hexdigest()
        body = {
            "messaging_product": "whatsapp",
            "url": f"{self.url}/whatsapp_business/attachments/{media_id}",
            "mime_type": mime_type,
            "sha256": digest,
            "file_size": len(content),
            "id": media_id,
        }
        return 200, "application/json", json.dumps(body).encode()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeMedia


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass

    def do_GET(self) -> None:  # noqa: N802
        status, content_type, body = self.server.fake.answer(
            urlsplit(self.path).path, self.headers.get("Authorization") or ""
        )
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass


@pytest.fixture
def fake_media():
    with FakeMedia() as fake:
        yield fake


def wait_until(predicate, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False
