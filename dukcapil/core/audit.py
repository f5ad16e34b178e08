"""The audit trail: who saw or changed which personal data, when, from where, with what outcome.

Rows are append-only (on PostgreSQL a trigger refuses UPDATE and DELETE). No full NIK or phone
number is stored: a NIK is kept as a keyed digest so "every access to this NIK" stays answerable.
"""

import hashlib
import hmac
import logging

from django.conf import settings
from django.db.models import QuerySet

from .middleware import current_request
from .models import AuditEntry

logger = logging.getLogger(__name__)


def nik_digest(nik: str) -> str:
    """Keyed SHA-256 of a NIK: equal NIKs give equal digests; the NIK cannot be read back."""
    key = (getattr(settings, "AUDIT_NIK_KEY", "") or settings.SECRET_KEY).encode()
    return hmac.new(key, nik.encode(), hashlib.sha256).hexdigest()


def client_ip(request) -> str | None:
    if request is None:
        return None
    if getattr(settings, "AUDIT_TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip() or None
    return request.META.get("REMOTE_ADDR") or None


def audit_record(
    *,
    request=None,
    actor=None,
    action: str,
    obj=None,
    application=None,
    desa_id: int | None = None,
    nik: str = "",
    object_id: str = "",
    outcome: str = AuditEntry.Outcome.ALLOWED,
    detail: str = "",
) -> AuditEntry:
    """Write one audit row. `application` fills the application id, its desa and its NIK digest.

    Without `request` the request being served is used (set by AuditRequestMiddleware), so a
    service records the IP and, when no `actor` is given, the signed-in user; a Celery task or a
    command has no request and records no IP. `object_id` names an object without loading it.
    """
    request = request if request is not None else current_request()
    if outcome == AuditEntry.Outcome.DENIED and request is not None:
        request._audit_denied_recorded = True  # the middleware writes no second row for it
    if (
        actor is None
        and request is not None
        and getattr(request, "user", None) is not None
        and request.user.is_authenticated
    ):
        actor = request.user
    if application is not None:
        desa_id = desa_id or application.desa_id
        nik = nik or application.nik
    return AuditEntry.objects.create(
        actor=actor,
        actor_username=getattr(actor, "username", "") or "",
        action=action[:80],
        object_type=obj._meta.model_name
        if obj is not None
        else (application._meta.model_name if application is not None else ""),
        object_id=str(
            obj.pk if obj is not None else (application.pk if application is not None else object_id)
        )[:40],
        application_id=application.pk if application is not None else None,
        desa_id=desa_id,
        nik_digest=nik_digest(nik) if nik else "",
        ip=client_ip(request),
        outcome=outcome,
        detail=detail[:255],
    )


def audit_search(
    *, nik: str = "", desa_id: int | None = None, start=None, end=None, actor_id: int | None = None
) -> QuerySet[AuditEntry]:
    """Every access to this NIK / this desa / by this user between two moments (newest first)."""
    qs = AuditEntry.objects.select_related("actor")
    if nik:
        qs = qs.filter(nik_digest=nik_digest(nik))
    if desa_id:
        qs = qs.filter(desa_id=desa_id)
    if actor_id:
        qs = qs.filter(actor_id=actor_id)
    if start:
        qs = qs.filter(at__gte=start)
    if end:
        qs = qs.filter(at__lt=end)
    return qs.order_by("-at", "-id")
