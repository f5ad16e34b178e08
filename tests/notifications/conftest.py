"""Fixtures of the notification tests: a fresh broker circuit and no waiting in the sweep."""

import pytest


@pytest.fixture(autouse=True)
def _outbox_defaults(settings):
    from notifications import services

    services._broker_down_until = 0.0
    settings.OUTBOX_SWEEP_PENDING_GRACE_SECONDS = 0
    settings.WHATSAPP_APP_SECRET = "test-app-secret"
    settings.WHATSAPP_VERIFY_TOKEN = "test-verify-token"
    yield
    services._broker_down_until = 0.0
