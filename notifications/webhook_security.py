"""Checks for Meta's webhook calls: the payload signature and the subscription handshake.

Meta signs every POST with X-Hub-Signature-256: "sha256=" + hex HMAC-SHA256 of the raw body, keyed
with the app secret. The subscription handshake is a GET with hub.mode=subscribe, hub.verify_token
and hub.challenge; we echo the challenge only when the token is ours.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

SIGNATURE_PREFIX = "sha256="


def compute_signature(body: bytes, app_secret: str) -> str:
    """The header value Meta would send for this body (also handy for tests)."""
    digest = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return SIGNATURE_PREFIX + digest


def verify_signature(body: bytes, header: str | None, app_secret: str) -> bool:
    """True only when the header carries a valid sha256 HMAC of the raw body.

    An empty app secret never verifies: an HMAC keyed with "" is one anyone can forge.
    """
    if not app_secret or not header:
        return False
    header = header.strip()
    if not header.lower().startswith(SIGNATURE_PREFIX):
        return False
    received = header[len(SIGNATURE_PREFIX) :].strip().lower()
    expected = compute_signature(body, app_secret)[len(SIGNATURE_PREFIX) :]
    # Bytes, so a non-ASCII header cannot raise inside compare_digest; constant time either way.
    return hmac.compare_digest(expected.encode(), received.encode("utf-8", "replace"))


def verify_handshake(params: Mapping[str, str], verify_token: str) -> str | None:
    """Return hub.challenge when the subscription request is ours, else None."""
    if not verify_token:
        return None
    if params.get("hub.mode") != "subscribe":
        return None
    token = params.get("hub.verify_token") or ""
    challenge = params.get("hub.challenge")
    if not challenge:
        return None
    if not hmac.compare_digest(token.encode("utf-8", "replace"), verify_token.encode()):
        return None
    return challenge
