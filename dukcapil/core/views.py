from datetime import datetime, time, timedelta

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from .audit import audit_record, audit_search
from .forms import AuditSearchForm

AUDIT_PAGE_SIZE = 200


@login_required
@require_http_methods(["GET", "POST"])
def audit_page(request):
    """Admin only: every access to a NIK or a desa between two dates (the NIK travels by POST only)."""
    if not (request.user.role == "admin" or request.user.is_superuser):
        audit_record(request=request, action="audit_search", outcome="denied")
        raise PermissionDenied
    form = AuditSearchForm(request.POST if request.method == "POST" else None)
    entries = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        tz = timezone.get_current_timezone()
        start = datetime.combine(data["start"], time.min, tz) if data.get("start") else None
        end = datetime.combine(data["end"] + timedelta(days=1), time.min, tz) if data.get("end") else None
        desa = data.get("desa")
        entries = list(
            audit_search(nik=data["nik"], desa_id=desa.pk if desa else None, start=start, end=end)[
                : AUDIT_PAGE_SIZE + 1
            ]
        )
        # searching the trail is itself an access to personal data
        audit_record(
            request=request, action="audit_search", nik=data["nik"], desa_id=desa.pk if desa else None
        )
    return render(
        request,
        "core/audit.html",
        {
            "form": form,
            "entries": entries[:AUDIT_PAGE_SIZE] if entries else entries,
            "more": bool(entries and len(entries) > AUDIT_PAGE_SIZE),
        },
    )
