"""Pages of the notifications area and the WhatsApp webhook."""

from __future__ import annotations

import json
import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from .inbound import webhook_process
from .webhook_security import verify_handshake, verify_signature

logger = logging.getLogger(__name__)


@csrf_exempt  # Meta cannot send our CSRF token; the HMAC signature authenticates the call instead
@require_http_methods(["GET", "POST"])
def webhook(request: HttpRequest) -> HttpResponse:
    """Meta's webhook: GET is the subscription handshake, POST carries statuses and messages.

    A POST without a valid X-Hub-Signature-256 gets 403 before its body is even parsed. A signed
    call always gets 200 once processed, so Meta does not redeliver what we have handled.
    """
    if request.method == "GET":
        challenge = verify_handshake(request.GET, settings.WHATSAPP_VERIFY_TOKEN)
        if challenge is None or len(challenge) > 200:
            return HttpResponseForbidden()
        return HttpResponse(challenge, content_type="text/plain")
    signature = request.headers.get("X-Hub-Signature-256")
    if not verify_signature(request.body, signature, settings.WHATSAPP_APP_SECRET):
        logger.warning("webhook call refused: missing or wrong signature")
        return HttpResponseForbidden()
    try:
        payload = json.loads(request.body)
    except ValueError:
        return HttpResponseBadRequest()
    result = webhook_process(payload)
    logger.info(
        "webhook: %d status(es), %d message(s), %d duplicate(s), %d to unknown numbers",
        result.statuses,
        result.messages,
        result.duplicates,
        result.unknown_number,
    )
    return HttpResponse("ok", content_type="text/plain")
