"""The application page and its forms: checklist verdicts, workflow actions, resubmission, NIK reveal.

Every form carries the `version` the page was loaded with. When somebody else saved first, the page
is rendered again (409) with the fresh data, a message naming who changed it, and the user's own
input kept in the form, so nothing is overwritten and nothing typed is lost.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from dukcapil.accounts.models import User
from dukcapil.core.audit import audit_record

from ..forms import (
    REJECT_REASONS,
    VERDICT_KEYS,
    ActionForm,
    ChecklistForm,
    ResubmitForm,
    upload_field_name,
)
from ..models import Application, RequirementCheck
from ..selectors import (
    application_page,
    get_application_for_user,
    requirement_alternatives,
    revision_message_draft,
)
from ..services import (
    StaleApplication,
    WorkflowError,
    application_act,
    application_check_version,
    application_nik_reveal,
    application_resubmit,
    checklist_save,
    user_can_act_on,
)
from ..uploads import UploadRejected
from ..validators import mask_nik, mask_phone
from ..workflow import BATCH_ACTIONS, TRANSITIONS, actions_from
from .common import FULL_NIK_ROLES, workspace_required
from .intake import ALL_FILES, clean_uploads, upload_limits

# the page's action buttons: green for the way forward, red for the way out
ACTION_STYLES = {
    "start_verification": "btn-brand",
    "verify": "btn-success",
    "start_processing": "btn-brand",
    "mark_ready": "btn-success",
    "hand_over_at_office": "btn-success",
    "request_revision": "btn-warning",
    "resubmit": "btn-brand",
    "reject": "btn-outline-danger",
    "cancel": "btn-outline-secondary",
}


def page_transitions(user, application: Application):
    """The transitions this user may take here: the table's, minus batch moves and pickup for Pemdes delivery."""
    if not user_can_act_on(user, application):
        return []
    return [
        t
        for t in actions_from(application.status, user.role)
        if t.action not in BATCH_ACTIONS
        and not (
            t.action == "hand_over_at_office" and application.delivery_method != Application.Delivery.PICKUP
        )
    ]


def render_page(
    request,
    application: Application,
    *,
    status: int = 200,
    checklist_form: ChecklistForm | None = None,
    action_form: ActionForm | None = None,
    resubmit_form: ResubmitForm | None = None,
    upload_errors: dict | None = None,
    revealed_nik: str = "",
):
    """Render the application page. Queries: the application, checks, attachments, events."""
    user = request.user
    page = application_page(application)
    transitions = page_transitions(user, application)
    version = {"version": application.version}
    draft = revision_message_draft(page.checks)
    forms = {}
    for t in transitions:
        if action_form is not None and action_form.transition.action == t.action:
            forms[t.action] = action_form
        elif t.action != "resubmit":
            initial = {**version, "note": draft} if t.action == "request_revision" else version
            forms[t.action] = ActionForm(initial=initial, transition=t)
    revision_preview = None
    if any(t.action == "request_revision" for t in transitions):
        revision_preview = _revision_preview(application)
    can_check = application.status == Application.Status.VERIFYING and bool(transitions)
    if can_check and checklist_form is None:
        checklist_form = ChecklistForm(initial=version, checks=page.checks)
    if any(t.action == "resubmit" for t in transitions) and resubmit_form is None:
        resubmit_form = ResubmitForm(initial=version)
    sees_full_nik = user.role in FULL_NIK_ROLES or user.is_superuser
    upload_errors = upload_errors or {}
    rows = page.rows
    alternatives = requirement_alternatives([row.requirement for row in rows])
    ok_groups = {
        row.requirement.alternative_group
        for row in rows
        if row.requirement.alternative_group and row.check.verdict == RequirementCheck.Verdict.OK
    }
    for row in rows:
        row.upload_name = upload_field_name(row.requirement.pk)
        row.upload_errors = upload_errors.get(row.upload_name, [])
        row.requirement.alternatives = alternatives.get(row.requirement.pk, [])
        # "belum diperiksa" is no worry when another member of the group is accepted
        row.met_by_alternative = (
            row.requirement.alternative_group in ok_groups
            and row.check.verdict != RequirementCheck.Verdict.OK
        )
    _decorate_attachments(application, page)
    _decorate_events(page.events)
    context = {
        "application": application,
        "page": page,
        "rows": rows,
        "attachments": page.attachments,
        "transitions": [
            (t, forms.get(t.action), ACTION_STYLES.get(t.action, "btn-outline-secondary"))
            for t in transitions
        ],
        "open_action": action_form.transition.action if action_form is not None else "",
        "checklist_form": checklist_form if can_check else None,
        "checklist_rows": [
            (row, *fields[1:]) for row, fields in zip(rows, checklist_form.rows(), strict=True)
        ]
        if can_check
        else None,
        "resubmit_form": resubmit_form if any(t.action == "resubmit" for t in transitions) else None,
        "other_upload_name": upload_field_name(None),
        "other_upload_errors": upload_errors.get(upload_field_name(None), []),
        "all_files_errors": upload_errors.get(ALL_FILES, []),
        "limits": upload_limits(),
        "nik_display": application.nik if (sees_full_nik or revealed_nik) else mask_nik(application.nik),
        "no_kk_display": application.no_kk
        if (sees_full_nik or revealed_nik)
        else mask_nik(application.no_kk),
        "nik_masked": not (sees_full_nik or revealed_nik),
        "can_reveal_nik": not (sees_full_nik or revealed_nik)
        and user.role == User.Role.PETUGAS
        and user_can_act_on(user, application),
        # the office contacts the citizen on this number; the head of office only reads
        "whatsapp_display": mask_phone(application.whatsapp)
        if user.role == User.Role.KEPALA_DINAS
        else application.whatsapp,
        "verdict_keys": VERDICT_KEYS,
        "verdict_choices": [
            (v, label, VERDICT_KEYS.get(v)) for v, label in RequirementCheck.Verdict.choices if v != "pending"
        ],
        "reject_reasons": REJECT_REASONS,
        "revision_preview": revision_preview,
        "is_overdue": application.is_open and application.due_at < timezone.now(),
    }
    return render(request, "applications/detail.html", context, status=status)


PREVIEW_MARK = "\u2063KEKURANGAN\u2063"


def _revision_preview(application: Application) -> tuple[str, str] | None:
    """The citizen's "perlu perbaikan" message around the list, as (before, after), for a live preview."""
    from notifications.services import application_message_context, template_render

    try:
        text = template_render(
            event="revision_required",
            context=application_message_context(application, {"kekurangan": PREVIEW_MARK}),
        )
    except (KeyError, ValueError):  # a broken template must not break the page; the send path reports it
        return None
    before, mark, after = text.partition(PREVIEW_MARK)
    return (before, after) if mark else None


def _decorate_attachments(application: Application, page) -> None:
    """URLs and a caption (the requirement's name) for the viewer; no query. The viewer shows a
    photo's screen version when it has one (`screen_url`), the full file is `viewer_url`."""
    names = {row.requirement.pk: row.requirement.name for row in page.rows}
    for a in page.attachments:
        a.viewer_url = reverse("applications:attachment", args=[application.pk, a.pk])
        a.screen_url = f"{a.viewer_url}?ukuran=layar" if a.screen else a.viewer_url
        a.thumb_url = reverse("applications:attachment_thumb", args=[application.pk, a.pk])
        a.caption = names.get(a.requirement_id, _("Lainnya"))


EVENT_LABELS = {
    "create": _lazy("Permohonan didaftarkan"),
    "checklist": _lazy("Hasil pemeriksaan disimpan"),
    **{t.action: t.label for t in TRANSITIONS},
}


def _decorate_events(events) -> None:
    statuses = dict(Application.Status.choices)
    for event in events:
        event.label = EVENT_LABELS.get(event.action, event.action)
        event.from_label = statuses.get(event.from_status, event.from_status)
        event.to_label = statuses.get(event.to_status, event.to_status)


@never_cache
@require_safe
@workspace_required
def application_detail(request, pk: int):
    application = get_application_for_user(request.user, pk)
    # personal data was shown: who, when, from where (UU PDP)
    audit_record(request=request, action="view_application", application=application)
    return render_page(request, application)


def _fresh(request, pk: int) -> Application:
    return get_application_for_user(request.user, pk)


def _with_fresh_version(post, application: Application):
    data = post.copy()
    data["version"] = str(application.version)
    return data


@never_cache
@require_POST
@workspace_required
def application_checklist(request, pk: int):
    """Save the verdicts. Invalid input or a stale version re-renders the page with the input kept."""
    application = get_application_for_user(request.user, pk)
    page = application_page(application)
    form = ChecklistForm(request.POST, checks=page.checks)
    if not form.is_valid():
        messages.error(request, _("Hasil pemeriksaan belum disimpan; periksa isian yang ditandai."))
        return render_page(request, application, status=400, checklist_form=form)
    try:
        checklist_save(
            application=application,
            actor=request.user,
            verdicts=form.verdicts(),
            expected_version=form.cleaned_data["version"],
        )
    except StaleApplication as exc:
        messages.error(request, str(exc))
        fresh = _fresh(request, pk)
        checks = application_page(fresh).checks
        return render_page(
            request,
            fresh,
            status=409,
            checklist_form=ChecklistForm(_with_fresh_version(request.POST, fresh), checks=checks),
        )
    except WorkflowError as exc:
        messages.error(request, str(exc))
        return render_page(request, application, status=400, checklist_form=form)
    messages.success(request, _("Hasil pemeriksaan disimpan."))
    return redirect(f"{application_url(application)}#persyaratan")


def application_url(application: Application) -> str:
    return reverse("applications:detail", args=[application.pk])


@never_cache
@require_POST
@workspace_required
def application_action(request, pk: int, action: str):
    """One workflow button. The allowed set comes from the transition table for this user and status."""
    application = get_application_for_user(request.user, pk)
    transitions = {t.action: t for t in page_transitions(request.user, application)}
    transition = transitions.get(action)
    posted_version = request.POST.get("version", "")
    if transition is None:
        if posted_version.isdigit() and int(posted_version) != application.version:
            # the button was there when the page was loaded: somebody moved the application since
            try:
                application_check_version(application=application, expected_version=int(posted_version))
            except StaleApplication as exc:
                messages.error(request, str(exc))
                return render_page(request, application, status=409)
        if not user_can_act_on(request.user, application) or not actions_from(
            application.status, request.user.role
        ):
            raise PermissionDenied
        messages.error(
            request,
            _("Aksi ini tidak tersedia untuk permohonan berstatus '%(status)s'.")
            % {"status": application.get_status_display()},
        )
        return render_page(request, application, status=400)
    form = ActionForm(request.POST, transition=transition)
    if not form.is_valid():
        messages.error(
            request,
            _("Aksi '%(label)s' belum dilakukan; lengkapi isian yang ditandai.")
            % {"label": transition.label},
        )
        return render_page(request, application, status=400, action_form=form)
    try:
        application_act(
            application=application,
            actor=request.user,
            action=action,
            expected_version=form.cleaned_data["version"],
            note=form.cleaned_data.get("note", ""),
            issued_document_number=form.cleaned_data.get("issued_document_number", ""),
        )
    except StaleApplication as exc:
        messages.error(request, str(exc))
        fresh = _fresh(request, pk)
        fresh_transitions = {t.action: t for t in page_transitions(request.user, fresh)}
        kept = None
        if action in fresh_transitions:
            kept = ActionForm(_with_fresh_version(request.POST, fresh), transition=fresh_transitions[action])
        return render_page(request, fresh, status=409, action_form=kept)
    except WorkflowError as exc:
        messages.error(request, str(exc))
        return render_page(request, application, status=400, action_form=form)
    messages.success(request, _("%(label)s: berhasil.") % {"label": transition.label})
    return redirect("applications:detail", pk=application.pk)


@never_cache
@require_POST
@workspace_required
def application_resubmission(request, pk: int):
    """Record a resubmission: the new files (all checked before any is stored), then the status move."""
    application = get_application_for_user(request.user, pk)
    transitions = {t.action for t in page_transitions(request.user, application)}
    form = ResubmitForm(request.POST)
    if "resubmit" not in transitions:
        if not user_can_act_on(request.user, application):
            raise PermissionDenied
        messages.error(
            request, _("Perbaikan hanya dapat dicatat saat permohonan berstatus 'Perlu perbaikan'.")
        )
        return render_page(
            request, application, status=409 if form.data.get("version") != str(application.version) else 400
        )
    if not form.is_valid():
        return render_page(request, application, status=400, resubmit_form=form)
    requirements = [row.requirement for row in application_page(application).rows]
    files, upload_errors = clean_uploads(request, requirements, existing=application.attachments.count())
    if upload_errors:
        messages.error(
            request, _("Perbaikan belum dicatat: ada berkas yang ditolak. Tidak ada berkas yang disimpan.")
        )
        return render_page(request, application, status=400, resubmit_form=form, upload_errors=upload_errors)
    try:
        application_resubmit(
            application=application,
            actor=request.user,
            files=files,
            note=form.cleaned_data["note"],
            expected_version=form.cleaned_data["version"],
        )
    except StaleApplication as exc:
        messages.error(request, str(exc))
        fresh = _fresh(request, pk)
        return render_page(
            request, fresh, status=409, resubmit_form=ResubmitForm(_with_fresh_version(request.POST, fresh))
        )
    except UploadRejected as exc:
        return render_page(
            request, application, status=400, resubmit_form=form, upload_errors={ALL_FILES: [exc.message]}
        )
    except WorkflowError as exc:
        messages.error(request, str(exc))
        return render_page(request, application, status=400, resubmit_form=form)
    messages.success(
        request,
        _("Perbaikan dicatat (%(n)d berkas baru). Permohonan siap diverifikasi ulang.") % {"n": len(files)},
    )
    return redirect("applications:detail", pk=application.pk)


@never_cache
@require_POST
@workspace_required
def nik_reveal(request, pk: int):
    """Show the full NIK once, in this response only (never stored in the session or a URL), and audit it."""
    application = get_application_for_user(request.user, pk)
    try:
        nik = application_nik_reveal(application=application, actor=request.user, request=request)
    except WorkflowError as exc:
        raise PermissionDenied(str(exc)) from exc
    return render_page(request, application, revealed_nik=nik)
