"""The queue ("Kotak masuk"): filters by GET, NIK search by POST only."""

from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_safe

from dukcapil.accounts.models import Bidang, User
from dukcapil.core.audit import audit_record

from ..forms import NikSearchForm, QueueFilterForm
from ..models import Application
from ..selectors import (
    COUNT_CAP,
    QueueFilters,
    queue_base,
    queue_filter_status,
    queue_nik_search,
    queue_page,
    queue_reference,
    queue_status_counts,
)
from ..validators import mask_nik
from .common import workspace_required

S = Application.Status
# the tabs above the table, in the order an application moves
STATUS_TABS = [
    ("open", _("Terbuka")),
    (S.RECEIVED, S.RECEIVED.label),
    (S.VERIFYING, S.VERIFYING.label),
    (S.REVISION_REQUIRED, S.REVISION_REQUIRED.label),
    (S.RESUBMITTED, S.RESUBMITTED.label),
    (S.VERIFIED, S.VERIFIED.label),
    (S.PROCESSING, S.PROCESSING.label),
    (S.READY, S.READY.label),
    (S.IN_DELIVERY, S.IN_DELIVERY.label),
    (S.AT_DESA, S.AT_DESA.label),
    (S.HANDED_OVER, S.HANDED_OVER.label),
    (S.REJECTED, S.REJECTED.label),
    (S.CANCELLED, S.CANCELLED.label),
    ("all", _("Semua")),
]


def default_scope(user: User) -> str:
    """An officer starts with what is assigned to them; heads and the admin with everything they see."""
    return "mine" if user.role == User.Role.PETUGAS else "bidang"


def filters_from(form: QueueFilterForm, user: User) -> QueueFilters:
    """The valid part of the filter form (an invalid field is simply not applied; its error is shown)."""
    form.is_valid()
    c = getattr(form, "cleaned_data", {})
    status = c.get("status") or "open"
    if status not in dict(STATUS_TABS):
        status = "open"
    return QueueFilters(
        scope=c.get("scope") or default_scope(user),
        status=status,
        bidang=c.get("bidang") or "",
        document_type_id=c.get("document_type"),
        kecamatan_id=c.get("kecamatan"),
        desa_id=c.get("desa"),
        urgency=c.get("urgency") or "",
        date_from=c.get("date_from"),
        date_to=c.get("date_to"),
        overdue=bool(c.get("overdue")),
        q=c.get("q") or "",
    )


@never_cache
@require_safe
@workspace_required
def queue(request):
    """Queries: session, user, the filter choices (types, kecamatan, desa: they also name the rows),
    status counts, one page of rows."""
    user = request.user
    reference = queue_reference()
    form = QueueFilterForm(request.GET, user=user, reference=reference)
    filters = filters_from(form, user)
    now = timezone.now()
    base = queue_base(user=user, filters=filters, now=now)
    counts = queue_status_counts(user=user, filters=filters, base=base)
    page = queue_page(
        queue_filter_status(base, filters.status),
        after=request.GET.get("setelah", ""),
        before=request.GET.get("sebelum", ""),
        bidangs=list(Bidang.values) if user.is_office_wide and not filters.bidang else None,
        reference=reference,
    )
    return render(
        request,
        "applications/queue.html",
        {
            "form": form,
            "filters": filters,
            "tabs": [(value, label, counts[value]) for value, label in STATUS_TABS],
            "count_cap": COUNT_CAP,
            "page": page,
            "rows": page.rows,
            "now": now,
            "officer_column": filters.scope != "mine",
            "nik_form": NikSearchForm(),
            "filtered": any(
                request.GET.get(k)
                for k in (
                    "document_type",
                    "kecamatan",
                    "desa",
                    "urgency",
                    "date_from",
                    "date_to",
                    "overdue",
                    "q",
                )
            ),
        },
    )


@never_cache
@sensitive_post_parameters("nik")
@workspace_required
def queue_nik(request):
    """Search by NIK. POST only, and the answer is rendered directly (no redirect, nothing in the session).

    A redirect would need the NIK in the next URL or stored server-side between requests; rendering
    the POST response keeps the number only in the request body, which no access log records.
    """
    if request.method != "POST":
        return redirect("applications:queue")
    user = request.user
    reference = queue_reference()
    nik_form = NikSearchForm(request.POST)
    rows = []
    searched = ""
    if nik_form.is_valid():
        nik = nik_form.cleaned_data["nik"]
        rows = queue_nik_search(user=user, nik=nik, reference=reference)
        searched = mask_nik(nik)
        # a search by NIK is an access to that person's data even when nothing is found
        audit_record(request=request, action="search_nik", nik=nik, detail=f"{len(rows)} ditemukan")
    form = QueueFilterForm({}, user=user, reference=reference)
    return render(
        request,
        "applications/queue.html",
        {
            "form": form,
            "filters": filters_from(form, user),
            "nik_mode": True,
            "searched_nik": searched,
            "rows": rows,
            "now": timezone.now(),
            "officer_column": True,
            # the field is left empty on purpose: the full NIK is not sent back in the page
            "nik_form": NikSearchForm() if nik_form.is_valid() else nik_form,
        },
        status=200 if nik_form.is_valid() else 400,
    )
