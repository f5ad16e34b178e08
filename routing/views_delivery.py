"""Pages of the delivery to the desa: the officers' batch work, and the batch pages the Pemdes share.

Every view that takes a batch id calls `get_batch_for_user` first: a batch the user may not see
answers 404 exactly like one that does not exist, before any role check could tell them apart.
"""

import logging
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from applications.models import Application
from applications.services import WorkflowError
from applications.validators import mask_nik
from dukcapil.accounts.models import User
from dukcapil.core.audit import audit_record
from dukcapil.core.models import BackgroundJob

from . import delivery_selectors as sel
from .delivery import (
    BATCH_BUILDER_ROLES,
    batch_add_item,
    batch_confirm_receipt,
    batch_dispatch,
    batch_hand_over_item,
    batch_remove_item,
    batch_return_item,
)
from .forms_delivery import (
    RETURN_REASON_SUGGESTIONS,
    BatchFilterForm,
    ConfirmReceiptForm,
    DispatchForm,
    HandOverForm,
    ReadySearchForm,
    ReturnItemForm,
)
from .manifest import manifest_context, manifest_csv_text, manifest_xlsx_bytes
from .models import BatchItem, DeliveryBatch
from .tasks import batch_create_all, batch_pdf_ensure, batch_render_pdf, job_start, pdf_is_fresh

logger = logging.getLogger(__name__)

BATCHES_PER_PAGE = 25
ITEMS_PER_PAGE = 100
READY_PER_PAGE = 50


# --- who may do what -----------------------------------------------------------------------


def _is_builder(user: User) -> bool:
    return user.is_superuser or user.role in BATCH_BUILDER_ROLES


def _is_desa_side(user: User, batch: DeliveryBatch) -> bool:
    if user.is_superuser or user.role == User.Role.ADMIN:
        return True
    return user.role == User.Role.PEMDES and user.desa_id == batch.desa_id


def _require_office_reader(user: User) -> None:
    if not sel.is_office_reader(user):
        raise PermissionDenied


def _require_builder(user: User) -> None:
    if not _is_builder(user):
        raise PermissionDenied


def _can_return(user: User, batch: DeliveryBatch) -> bool:
    if user.role == User.Role.PEMDES:
        return _is_desa_side(user, batch) and batch.status == DeliveryBatch.Status.RECEIVED
    return _is_builder(user) and batch.status in (
        DeliveryBatch.Status.DISPATCHED,
        DeliveryBatch.Status.RECEIVED,
    )


def _batch_url(batch_or_pk, anchor: str = "") -> str:
    pk = getattr(batch_or_pk, "pk", batch_or_pk)
    return reverse("routing:batch_detail", args=[pk]) + (f"#{anchor}" if anchor else "")


def _audit(request: HttpRequest, batch: DeliveryBatch, action: str) -> None:
    """Who took the residents' names out of the system, and when (UU PDP)."""
    audit_record(request=request, action=action, obj=batch, desa_id=batch.desa_id)


def _private(response: HttpResponse) -> HttpResponse:
    # personal data: never kept by a shared browser or proxy cache
    response["Cache-Control"] = "private, no-store"
    return response


# --- officers: the list, single items, the create-all job ----------------------------------


@login_required
@require_GET
def batch_list(request: HttpRequest) -> HttpResponse:
    _require_office_reader(request.user)
    form = BatchFilterForm(request.GET or None)
    status = q = ""
    if form.is_valid():
        status, q = form.cleaned_data["status"], form.cleaned_data["q"].strip()
    counts = sel.office_batch_counts()
    paginator = Paginator(sel.office_batch_list(status=status, q=q), BATCHES_PER_PAGE)
    if not q:
        paginator.count = counts[status or "all"]  # the tab's count: no second COUNT of the batches
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "routing/delivery/batch_list.html",
        {
            "form": form,
            "page": page,
            "status": status,
            "q": q,
            "counts": counts,
            "ready": sel.ready_summary(),
            "can_build": _is_builder(request.user),
            "status_choices": DeliveryBatch.Status.choices,
            "waiting_days": sel.waiting_days_limit(),
        },
    )


@login_required
@require_GET
def batch_ready(request: HttpRequest) -> HttpResponse:
    _require_office_reader(request.user)
    form = ReadySearchForm(request.GET or None)
    q = form.cleaned_data["q"].strip() if form.is_valid() else ""
    page = Paginator(sel.ready_applications(q=q), READY_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "routing/delivery/batch_ready.html",
        {"form": form, "page": page, "q": q, "can_build": _is_builder(request.user)},
    )


@login_required
@require_POST
def batch_add(request: HttpRequest) -> HttpResponse:
    _require_builder(request.user)
    try:
        app_id = int(request.POST.get("application", ""))
    except ValueError:
        raise Http404 from None
    application = get_object_or_404(Application.objects.select_related("desa"), pk=app_id)
    try:
        batch = batch_add_item(actor=request.user, application=application)
    except WorkflowError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("%(number)s dimasukkan ke batch %(batch)s (%(desa)s).")
            % {"number": application.number, "batch": batch.number, "desa": application.desa.name},
        )
    return redirect(_safe_next(request, reverse("routing:batch_ready")))


def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


@login_required
@require_POST
def batch_create_all_start(request: HttpRequest) -> HttpResponse:
    """Start "create batches for every desa"; a second click while one runs opens the running one."""
    _require_builder(request.user)
    running = (
        BackgroundJob.objects.filter(
            kind=sel.BATCH_JOB_KIND,
            created_by=request.user,
            status__in=[BackgroundJob.Status.QUEUED, BackgroundJob.Status.RUNNING],
            created_at__gte=timezone.now() - timedelta(minutes=10),
        )
        .order_by("-pk")
        .first()
    )
    if running:
        return redirect("routing:batch_job", pk=running.pk)
    with transaction.atomic():
        job = BackgroundJob.objects.create(kind=sel.BATCH_JOB_KIND, created_by=request.user)
        transaction.on_commit(lambda: job_start(job.pk, batch_create_all))
    return redirect("routing:batch_job", pk=job.pk)


@login_required
@require_GET
def batch_job(request: HttpRequest, pk: int) -> HttpResponse:
    job = sel.get_job_for_user(request.user, pk)
    return render(request, "routing/delivery/job.html", {"job": job})


@login_required
@require_GET
def batch_job_status(request: HttpRequest, pk: int) -> HttpResponse:
    """Progress for the polling page: an htmx fragment, or JSON for anything else."""
    job = sel.get_job_for_user(request.user, pk)
    if request.htmx:
        return render(request, "routing/delivery/_job_progress.html", {"job": job})
    return JsonResponse(
        {
            "status": job.status,
            "done": job.done,
            "total": job.total,
            "percent": job.percent,
            "result": job.result,
            "error": job.error,
        }
    )


@login_required
@require_GET
def batch_job_file(request: HttpRequest, pk: int) -> HttpResponse:
    """The file a finished job made (the merged manifests): to its starter or an office-wide reader,
    never from a public URL; each download is audited."""
    job = sel.get_job_for_user(request.user, pk)
    if job.status != BackgroundJob.Status.DONE or not job.result_file:
        raise Http404
    audit_record(
        request=request, action="manifest_merged_pdf", obj=job, detail=", ".join(job.result["merged"])
    )
    stamp = timezone.localtime(job.created_at).strftime("%Y%m%d-%H%M")
    response = FileResponse(
        job.result_file.open("rb"),
        as_attachment=True,
        filename=f"manifest-{stamp}.pdf",
        content_type="application/pdf",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return _private(response)


# --- one batch -----------------------------------------------------------------------------


@login_required
@require_GET
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = sel.get_batch_for_user(request.user, pk)
    return render(request, "routing/delivery/batch_detail.html", _detail_context(request, batch))


def _detail_context(request: HttpRequest, batch: DeliveryBatch, **forms) -> dict:
    user = request.user
    page = Paginator(sel.batch_items(batch), ITEMS_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    for item in page.object_list:
        item.nik_masked = mask_nik(item.application.nik)
    counts = batch.items.aggregate(
        waiting=Count("id", filter=Q(status=BatchItem.Status.IN_BATCH)),
        handed_over=Count("id", filter=Q(status=BatchItem.Status.HANDED_OVER)),
        returned=Count("id", filter=Q(status=BatchItem.Status.RETURNED)),
    )
    S = DeliveryBatch.Status
    can_edit = batch.status == S.OPEN and _is_builder(user)
    can_confirm = batch.status == S.DISPATCHED and _is_desa_side(user, batch)
    limit = sel.waiting_days_limit()
    waiting_too_long = (
        batch.status == S.RECEIVED
        and batch.received_at is not None
        and batch.received_at < timezone.now() - timedelta(days=limit)
    )
    context = {
        "batch": batch,
        "page": page,
        "counts": counts,
        "can_edit": can_edit,
        "can_confirm": can_confirm,
        "can_hand_over": batch.status == S.RECEIVED and _is_desa_side(user, batch),
        "can_return": _can_return(user, batch),
        "is_pemdes": user.role == User.Role.PEMDES,
        "waiting_days": limit,
        "waiting_too_long": waiting_too_long,
        "pdf_ready": pdf_is_fresh(batch),
    }
    if can_edit:
        context["dispatch_form"] = forms.get("dispatch_form") or DispatchForm(
            initial={"version": batch.version}
        )
    if can_confirm:
        context["confirm_form"] = forms.get("confirm_form") or ConfirmReceiptForm(
            initial={"version": batch.version}
        )
    return context


@login_required
@require_POST
def batch_remove(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    item = sel.get_batch_item_for_user(request.user, pk, item_pk)
    _require_builder(request.user)
    try:
        batch_remove_item(actor=request.user, item=item)
    except WorkflowError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("%(number)s dikeluarkan dari batch. Dokumen menunggu batch berikutnya.")
            % {"number": item.application.number},
        )
    return redirect(_batch_url(pk))


@login_required
@require_POST
def batch_dispatch_view(request: HttpRequest, pk: int) -> HttpResponse:
    batch = sel.get_batch_for_user(request.user, pk)
    _require_builder(request.user)
    form = DispatchForm(request.POST)
    if form.is_valid():
        try:
            batch = batch_dispatch(
                actor=request.user,
                batch=batch,
                courier=form.cleaned_data["courier"],
                dispatch_date=form.cleaned_data["dispatch_date"],
                expected_version=form.cleaned_data["version"],
            )
        except WorkflowError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("Batch %(number)s dikirim ke Desa %(desa)s. Warga diberi tahu melalui WhatsApp.")
                % {"number": batch.number, "desa": batch.desa.name},
            )
            return redirect(_batch_url(batch))
    batch = sel.get_batch_for_user(request.user, pk)
    return render(
        request,
        "routing/delivery/batch_detail.html",
        _detail_context(request, batch, dispatch_form=form),
        status=400,
    )


@login_required
@require_POST
def batch_confirm_view(request: HttpRequest, pk: int) -> HttpResponse:
    batch = sel.get_batch_for_user(request.user, pk)
    if not _is_desa_side(request.user, batch):
        raise PermissionDenied
    form = ConfirmReceiptForm(request.POST)
    if form.is_valid():
        try:
            batch = batch_confirm_receipt(
                actor=request.user, batch=batch, expected_version=form.cleaned_data["version"]
            )
        except WorkflowError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _(
                    "Penerimaan batch %(number)s dicatat. Warga diberi tahu bahwa dokumennya dapat diambil di desa."
                )
                % {"number": batch.number},
            )
            return redirect(_batch_url(batch))
    batch = sel.get_batch_for_user(request.user, pk)
    return render(
        request,
        "routing/delivery/batch_detail.html",
        _detail_context(request, batch, confirm_form=form),
        status=400,
    )


@login_required
def batch_hand_over(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    item = sel.get_batch_item_for_user(request.user, pk, item_pk)
    batch = item.batch
    if not _is_desa_side(request.user, batch):
        raise PermissionDenied
    not_before = timezone.localdate(batch.received_at) if batch.received_at else None
    kwargs = {"applicant_name": item.application.applicant_name, "not_before": not_before}
    if request.method == "POST":
        form = HandOverForm(request.POST, **kwargs)
        if form.is_valid():
            try:
                batch_hand_over_item(actor=request.user, item=item, **form.cleaned_data)
            except WorkflowError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request,
                    _("Penyerahan %(doc)s kepada %(name)s dicatat.")
                    % {"doc": item.application.number, "name": form.cleaned_data["received_by_name"]},
                )
                return redirect(_batch_url(pk, f"item-{item.pk}"))
        status = 400
    else:
        form = HandOverForm(**kwargs)
        status = 200
    return render(
        request,
        "routing/delivery/hand_over.html",
        {"item": item, "batch": batch, "form": form, "usable": _item_actionable(item, batch)},
        status=status,
    )


@login_required
def batch_return(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    item = sel.get_batch_item_for_user(request.user, pk, item_pk)
    batch = item.batch
    if not (_is_desa_side(request.user, batch) or _is_builder(request.user)):
        raise PermissionDenied
    if request.method == "POST":
        form = ReturnItemForm(request.POST)
        if form.is_valid():
            try:
                batch_return_item(actor=request.user, item=item, reason=form.cleaned_data["reason"])
            except WorkflowError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request,
                    _("%(doc)s dicatat dikembalikan ke kantor.") % {"doc": item.application.number},
                )
                return redirect(_batch_url(pk, f"item-{item.pk}"))
        status = 400
    else:
        form = ReturnItemForm()
        status = 200
    return render(
        request,
        "routing/delivery/return_item.html",
        {
            "item": item,
            "batch": batch,
            "form": form,
            "suggestions": RETURN_REASON_SUGGESTIONS,
            "usable": _item_actionable(item, batch) and _can_return(request.user, batch),
        },
        status=status,
    )


def _item_actionable(item: BatchItem, batch: DeliveryBatch) -> bool:
    return item.status == BatchItem.Status.IN_BATCH and batch.status in (
        DeliveryBatch.Status.DISPATCHED,
        DeliveryBatch.Status.RECEIVED,
    )


# --- manifest and downloads ----------------------------------------------------------------


@login_required
@require_GET
def batch_manifest(request: HttpRequest, pk: int) -> HttpResponse:
    """The print page: the same template the PDF is made from, with a toolbar for the screen."""
    batch = sel.get_batch_for_user(request.user, pk)
    _audit(request, batch, "manifest_print")
    return _private(
        render(request, "routing/delivery/manifest.html", manifest_context(batch, request=request))
    )


@login_required
@require_GET
def batch_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The stored PDF of the current version; rendered first (by the task) when it is missing or old."""
    batch = sel.get_batch_for_user(request.user, pk)
    if not pdf_is_fresh(batch):
        try:
            batch_render_pdf.delay(batch.pk)  # eager in development: rendered right here
        except Exception:  # noqa: BLE001 - no broker: render in the request rather than fail
            logger.warning("broker unavailable; rendering the PDF of batch %s in the request", batch.pk)
            batch_pdf_ensure(batch_id=batch.pk)
        batch.refresh_from_db(fields=["pdf", "pdf_version", "version"])
    if not pdf_is_fresh(batch):
        response = render(request, "routing/delivery/pdf_pending.html", {"batch": batch}, status=202)
        response["Refresh"] = "3"
        return _private(response)
    _audit(request, batch, "manifest_pdf")
    return _private(
        FileResponse(
            batch.pdf.open("rb"),
            as_attachment=True,
            filename=f"{batch.number}.pdf",
            content_type="application/pdf",
        )
    )


@login_required
@require_GET
def batch_csv(request: HttpRequest, pk: int) -> HttpResponse:
    batch = sel.get_batch_for_user(request.user, pk)
    _audit(request, batch, "manifest_csv")
    response = HttpResponse(manifest_csv_text(batch), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{batch.number}.csv"'
    return _private(response)


@login_required
@require_GET
def batch_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    batch = sel.get_batch_for_user(request.user, pk)
    _audit(request, batch, "manifest_xlsx")
    response = HttpResponse(
        manifest_xlsx_bytes(batch),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{batch.number}.xlsx"'
    return _private(response)
