from django.http import QueryDict

from notifications.webhook_security import compute_signature, verify_handshake, verify_signature

BODY = b'{"object":"whatsapp_business_account","entry":[]}'
SECRET = "app-secret-123"
# Computed independently: printf '%s' "$BODY" | openssl dgst -sha256 -hmac app-secret-123
VALID_HEADER = "sha256=20e391a99a86fc5adf7e3a453236d20c906360291977896cf2f671e03bb95703"


def test_valid_signature_is_accepted():
    assert verify_signature(BODY, VALID_HEADER, SECRET) is True


def test_compute_signature_matches_openssl():
    assert compute_signature(BODY, SECRET) == VALID_HEADER


def test_signature_of_another_body_is_rejected():
    tampered = BODY.replace(b"[]", b'[{"id":"1"}]')
    assert verify_signature(tampered, VALID_HEADER, SECRET) is False


def test_forged_digest_is_rejected():
    forged = VALID_HEADER[:-4] + "0000"
    assert verify_signature(BODY, forged, SECRET) is False


def test_missing_or_empty_header_is_rejected():
    assert verify_signature(BODY, None, SECRET) is False
    assert verify_signature(BODY, "", SECRET) is False
    assert verify_signature(BODY, "sha256=", SECRET) is False


def test_signature_made_with_another_secret_is_rejected():
    assert verify_signature(BODY, compute_signature(BODY, "other-secret"), SECRET) is False


def test_empty_app_secret_never_verifies():
    # An HMAC keyed with "" is forgeable by anyone, so an unconfigured secret must refuse everything.
    assert verify_signature(BODY, compute_signature(BODY, ""), "") is False


def test_other_algorithm_prefix_is_rejected():
    digest = VALID_HEADER.removeprefix("sha256=")
    assert verify_signature(BODY, "sha1=" + digest, SECRET) is False
    assert verify_signature(BODY, digest, SECRET) is False


def test_uppercase_hex_and_surrounding_spaces_are_tolerated():
    header = "  sha256=" + VALID_HEADER.removeprefix("sha256=").upper() + " "
    assert verify_signature(BODY, header, SECRET) is True


def test_non_ascii_header_is_rejected_without_raising():
    assert verify_signature(BODY, "sha256=ünïcode", SECRET) is False


def _params(query: str) -> QueryDict:
    return QueryDict(query)


def test_handshake_with_our_token_returns_the_challenge():
    params = _params("hub.mode=subscribe&hub.verify_token=s3cret&hub.challenge=1158201444")
    assert verify_handshake(params, "s3cret") == "1158201444"


def test_handshake_with_wrong_token_returns_none():
    params = _params("hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1158201444")
    assert verify_handshake(params, "s3cret") is None


def test_handshake_with_other_mode_returns_none():
    params = _params("hub.mode=unsubscribe&hub.verify_token=s3cret&hub.challenge=1158201444")
    assert verify_handshake(params, "s3cret") is None


def test_handshake_without_challenge_or_token_returns_none():
    assert verify_handshake(_params("hub.mode=subscribe&hub.verify_token=s3cret"), "s3cret") is None
    assert verify_handshake(_params("hub.mode=subscribe&hub.challenge=42"), "s3cret") is None


def test_handshake_refuses_everything_when_no_token_is_configured():
    params = _params("hub.mode=subscribe&hub.verify_token=&hub.challenge=42")
    assert verify_handshake(params, "") is None


def test_handshake_accepts_a_plain_dict():
    params = {"hub.mode": "subscribe", "hub.verify_token": "s3cret", "hub.challenge": "abc"}
    assert verify_handshake(params, "s3cret") == "abc"
