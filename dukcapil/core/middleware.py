"""The request being served, for the audit trail, and the audit row of a refused request."""

from contextvars import ContextVar

from django.http import HttpRequest, HttpResponse

_current_request: ContextVar[HttpRequest | None] = ContextVar("audit_current_request", default=None)

# URL keyword arguments that name one object: a 404 on such a URL may be another bidang's or desa's
# object answered "not found" by design, so the attempt is audited
OBJECT_KWARGS = ("pk", "id", "number")


def current_request() -> HttpRequest | None:
    """The request this thread or task is serving, or None outside a request (Celery, commands)."""
    return _current_request.get()


def _object_ids(kwargs: dict) -> dict[str, str]:
    """The URL's arguments that name objects (`pk`, `id`, `number`, `<x>_id`, `<x>_pk`), in order."""
    return {
        key: str(value)
        for key, value in kwargs.items()
        if key in OBJECT_KWARGS or key.endswith(("_id", "_pk"))
    }


def _audit_refusal(request: HttpRequest, response: HttpResponse) -> None:
    """Write one 'denied:<url name>' row for a signed-in user's 403, or 404 on an object URL.

    Steps: only 403/404 answers to a signed-in user; skip when the view already wrote its own
    denied row; a 404 counts only when the URL resolved to a view with an object id (a mistyped
    address is no attempt at someone's data); the object id comes from the URL, never a NIK.
    """
    if response.status_code not in (403, 404) or getattr(request, "_audit_denied_recorded", False):
        return
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return
    match = getattr(request, "resolver_match", None)
    ids = _object_ids(match.kwargs) if match is not None else {}
    if response.status_code == 404 and not ids:
        return
    from .audit import audit_record

    url_name = (match.view_name if match is not None else "") or request.path[:30]
    audit_record(
        request=request,
        action=f"denied:{url_name}",
        object_id=next(iter(ids.values()), ""),
        outcome="denied",
        detail=" ".join(
            [f"HTTP {response.status_code} {request.method}", *(f"{k}={v}" for k, v in ids.items())]
        ),
    )


class AuditRequestMiddleware:
    """Keeps the request in a context variable while it is served (the audit's actor and IP) and
    writes the audit row of a refused request (403, or 404 on another bidang's or desa's object)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _current_request.set(request)
        try:
            response = self.get_response(request)
            _audit_refusal(request, response)
            return response
        finally:
            _current_request.reset(token)
