"""Intake: an officer registers a submission that reached their WhatsApp number, with its files."""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from ..attachments import NewFile
from ..forms import ACCEPT_UPLOADS, DuplicateCheckForm, IntakeForm, upload_field_name
from ..models import DocumentType, Requirement
from ..selectors import duplicate_open_applications, requirement_alternatives
from ..services import WorkflowError, application_intake
from ..uploads import UploadRejected, check_file_count, sanitize_upload
from .common import intake_required

ALL_FILES = "__all__"


def clean_uploads(request, requirements: list[Requirement], *, existing: int = 0):
    """Check every file sent for these requirements (and "lainnya"); nothing is written here.

    Returns (files, errors): the cleaned files in form order, and refusal messages per input name
    (ALL_FILES for the file-count limit). Inputs of other requirements are ignored.
    """
    wanted: list[tuple[Requirement | None, str]] = [(r, upload_field_name(r.pk)) for r in requirements]
    wanted.append((None, upload_field_name(None)))
    sent = [(req, name, request.FILES.getlist(name)) for req, name in wanted]
    errors: dict[str, list[str]] = {}
    try:
        check_file_count(existing, sum(len(uploads) for _req, _name, uploads in sent))
    except UploadRejected as exc:
        return [], {ALL_FILES: [exc.message]}
    files: list[NewFile] = []
    for req, name, uploads in sent:
        for upload in uploads:
            try:
                files.append(NewFile(requirement=req, clean=sanitize_upload(upload)))
            except UploadRejected as exc:
                errors.setdefault(name, []).append(exc.message)
    return files, errors


def upload_limits() -> dict:
    return {
        "max_mb": settings.UPLOAD_MAX_BYTES // (1024 * 1024),
        "max_bytes": settings.UPLOAD_MAX_BYTES,
        "max_files": settings.UPLOAD_MAX_FILES_PER_APPLICATION,
        "accept": ACCEPT_UPLOADS,
    }


@never_cache
@sensitive_post_parameters("nik", "no_kk", "whatsapp")
@intake_required
def intake(request):
    """The intake form, and its POST: validate data, warn on duplicates, clean files, then store all at once.

    Nothing is written unless every field and every file passes; the files are checked completely
    before the first one is stored.
    """
    user = request.user
    form = IntakeForm(request.POST or None, user=user)
    upload_errors: dict[str, list[str]] = {}
    duplicates = []
    if request.method == "POST" and form.is_valid():
        data = form.application_data()
        duplicates = duplicate_open_applications(nik=data.nik, document_type_id=data.document_type.pk)
        if duplicates and not form.cleaned_data["confirm_duplicate"]:
            form.add_error(
                "confirm_duplicate",
                _(
                    "Sudah ada permohonan terbuka untuk NIK dan jenis dokumen ini. Periksa dahulu, lalu centang."
                ),
            )
        else:
            requirements = list(data.document_type.requirements.order_by("order", "id"))
            files, upload_errors = clean_uploads(request, requirements)
            if not upload_errors:
                try:
                    application = application_intake(
                        actor=user, data=data, files=files, received_on=form.cleaned_data["received_on"]
                    )
                except UploadRejected as exc:
                    upload_errors[ALL_FILES] = [exc.message]
                except WorkflowError as exc:
                    form.add_error(None, str(exc))
                else:
                    messages.success(
                        request,
                        _(
                            "Permohonan %(number)s terdaftar dengan %(n)d berkas. "
                            "Pesan konfirmasi dikirim ke WhatsApp pemohon."
                        )
                        % {"number": application.number, "n": len(files)},
                    )
                    return redirect("applications:detail", pk=application.pk)
    document_types = list(form.fields["document_type"].queryset.prefetch_related("requirements"))
    for document_type in document_types:
        # every type's fieldset has its own "lainnya" box under the same field name: ids must differ
        document_type.other_upload_id = f"{upload_field_name(None)}_{document_type.pk}"
        alternatives = requirement_alternatives(document_type.requirements.all())
        for requirement in document_type.requirements.all():
            requirement.alternatives = alternatives.get(requirement.pk, [])
            requirement.upload_name = upload_field_name(requirement.pk)
            requirement.upload_errors = upload_errors.get(requirement.upload_name, [])
    selected_type = _selected_type_id(form)
    context = {
        "form": form,
        "document_types": document_types,
        "selected_type": selected_type,
        "upload_errors": upload_errors,
        "all_files_errors": upload_errors.get(ALL_FILES, []),
        "other_upload_errors": upload_errors.get(upload_field_name(None), []),
        "duplicates": duplicates,
        "files_lost": request.method == "POST" and bool(request.FILES),
        "limits": upload_limits(),
    }
    return render(
        request, "applications/intake.html", context, status=400 if request.method == "POST" else 200
    )


def _selected_type_id(form: IntakeForm) -> int | None:
    value = form["document_type"].value()
    try:
        return int(value) if value else None
    except (TypeError, ValueError):
        return None


@never_cache
@require_POST
@sensitive_post_parameters("nik")
@intake_required
def intake_duplicates(request):
    """The live warning under the NIK field: open applications for the same NIK and document type.

    POST so that the NIK never sits in a URL or an access log; answers an HTML fragment.
    """
    form = DuplicateCheckForm(request.POST)
    duplicates = []
    if form.is_valid():
        in_bidang = DocumentType.objects.filter(
            pk=form.cleaned_data["document_type"], category__code=request.user.bidang
        ).exists()
        if in_bidang:
            duplicates = duplicate_open_applications(
                nik=form.cleaned_data["nik"], document_type_id=form.cleaned_data["document_type"]
            )
    return render(request, "applications/_duplicates.html", {"duplicates": duplicates, "live": True})
