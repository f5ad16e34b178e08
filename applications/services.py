"""State changes of applications. Each runs in one transaction and leaves an event row."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from dukcapil.accounts.models import User
from dukcapil.core.audit import audit_record
from dukcapil.core.models import Counter

from .models import Application, ApplicationEvent, Attachment, DocumentType, RequirementCheck
from .workflow import Transition, find_transition

if TYPE_CHECKING:
    from .attachments import NewFile


class WorkflowError(Exception):
    """A state change that is not allowed; the message is for the user (Bahasa Indonesia)."""


class StaleApplication(WorkflowError):
    """Somebody else saved the application since this user loaded it."""


@dataclass(frozen=True)
class ApplicationData:
    applicant_name: str
    nik: str
    no_kk: str
    whatsapp: str
    desa_id: int
    document_type: DocumentType
    urgency: str = Application.Urgency.NONE
    urgency_reason: str = ""
    delivery_method: str = Application.Delivery.VIA_PEMDES


def registration_number_next(*, year: int, count: int = 1) -> int:
    """Reserve `count` consecutive registration serials for `year`; returns the first.

    The counter row is locked (select_for_update) for the rest of the caller's transaction, so
    numbers are unique per office and year and a rolled-back intake gives its number back.
    """
    counter, _created = Counter.objects.select_for_update().get_or_create(name="application", year=year)
    first = counter.value + 1
    Counter.objects.filter(pk=counter.pk).update(value=F("value") + count)
    return first


def registration_number_format(*, year: int, serial: int) -> str:
    return f"{settings.OFFICE_CODE}-{year}-{serial:07d}"


def user_can_act_on(user: User, application: Application) -> bool:
    """Object-level rule shared by every service: bidang for officers, desa for Pemdes."""
    if user.is_office_wide:
        return user.role == User.Role.ADMIN or user.is_superuser
    if user.role in (User.Role.PETUGAS, User.Role.KEPALA_BIDANG):
        return application.bidang == user.bidang
    if user.role == User.Role.PEMDES:
        return application.desa_id == user.desa_id
    return False


@transaction.atomic
def application_create(
    *,
    actor: User,
    data: ApplicationData,
    received_on=None,
    assigned_to: User | None = None,
    now=None,
) -> Application:
    """Register a submission: number, service-level deadline, checklist rows, event, 'received' message."""
    if not data.document_type.is_accepting:
        raise WorkflowError(
            _("Layanan %(name)s sedang ditangguhkan: %(reason)s")
            % {
                "name": data.document_type.name,
                "reason": data.document_type.suspended_reason or _("tidak menerima permohonan"),
            }
        )
    now = now or timezone.now()
    year = timezone.localtime(now).year
    serial = registration_number_next(year=year)
    if assigned_to is None:
        from routing.assignment import assignment_choose_officer

        assigned_to = assignment_choose_officer(
            bidang=data.document_type.bidang, received_on=received_on, today=timezone.localdate(now)
        )
    application = Application.objects.create(
        number=registration_number_format(year=year, serial=serial),
        applicant_name=data.applicant_name.strip(),
        nik=data.nik,
        no_kk=data.no_kk,
        whatsapp=data.whatsapp,
        desa_id=data.desa_id,
        document_type=data.document_type,
        bidang=data.document_type.bidang,
        urgency=data.urgency,
        urgency_reason=data.urgency_reason,
        delivery_method=data.delivery_method,
        received_on=received_on,
        assigned_to=assigned_to,
        created_by=actor,
        created_at=now,
        status_changed_at=now,
        due_at=now + timedelta(days=data.document_type.service_level_days),
    )
    RequirementCheck.objects.bulk_create(
        RequirementCheck(application=application, requirement=req)
        for req in data.document_type.requirements.all()
    )
    ApplicationEvent.objects.create(
        application=application, actor=actor, action="create", to_status=application.status
    )
    audit_record(actor=actor, action="create", application=application)
    _notify(application, "received")
    return application


def application_transition(
    *,
    application: Application,
    actor: User,
    action: str,
    note: str = "",
    expected_version: int | None = None,
    issued_document_number: str = "",
    batch_context: bool = False,
    message_extra: dict | None = None,
) -> Application:
    """Move an application along the transition table.

    Steps: find the transition for (action, current status); check the actor's role and their
    right to this application; claim the row with one conditional UPDATE on (status, version) so a
    concurrent change makes this one fail instead of overwriting it; write the event row; queue the
    citizen's message through the outbox (`message_extra` fills its placeholders, e.g. the
    dispatch date as {tanggal}). All in one transaction: on any error nothing changes.
    """
    with transaction.atomic():
        transition = find_transition(action, application.status)
        if transition is None:
            raise WorkflowError(
                _("Aksi ini tidak dapat dilakukan pada permohonan berstatus '%(status)s'.")
                % {"status": application.get_status_display()}
            )
        if actor.role not in transition.roles and not actor.is_superuser:
            raise WorkflowError(
                _("Peran Anda tidak berwenang melakukan aksi '%(label)s'.") % {"label": transition.label}
            )
        # delivery to the desa is office work for either bidang: one batch carries both bidang's documents
        office_delivery = batch_context and actor.role in (User.Role.PETUGAS, User.Role.KEPALA_BIDANG)
        if not office_delivery and not user_can_act_on(actor, application):
            raise WorkflowError(_("Permohonan ini di luar wilayah kerja Anda."))
        from .workflow import BATCH_ACTIONS

        if action in BATCH_ACTIONS and not batch_context:
            raise WorkflowError(_("Aksi ini hanya dapat dilakukan melalui batch pengiriman."))
        if transition.needs_note and not note.strip():
            raise WorkflowError(_("Alasan wajib diisi untuk aksi '%(label)s'.") % {"label": transition.label})
        if action == "mark_ready" and not issued_document_number.strip():
            raise WorkflowError(_("Nomor dokumen yang terbit wajib diisi."))
        if action == "hand_over_at_office" and application.delivery_method != Application.Delivery.PICKUP:
            raise WorkflowError(_("Dokumen ini diantar melalui Pemdes, bukan diambil di kantor."))
        if action == "dispatch" and application.delivery_method != Application.Delivery.VIA_PEMDES:
            raise WorkflowError(_("Dokumen ini diambil di kantor, tidak dikirim ke desa."))

        now = timezone.now()
        version = application.version if expected_version is None else expected_version
        updates = {"status": transition.target, "status_changed_at": now, "version": F("version") + 1}
        if transition.target == Application.Status.READY:
            # the first time it was ready: a document returned by the desa is ready again, not anew
            # (the dashboards and the workload count it as finished once)
            updates["ready_at"] = Coalesce(F("ready_at"), Value(now))
            if issued_document_number:
                updates["issued_document_number"] = issued_document_number.strip()
        if transition.target in Application.CLOSED_STATUSES:
            updates["closed_at"] = now
        if transition.target in (Application.Status.REJECTED, Application.Status.CANCELLED):
            updates["closing_reason"] = note.strip()[:255]
        if transition.target == Application.Status.REVISION_REQUIRED:
            updates["revision_count"] = F("revision_count") + 1
        claimed = Application.objects.filter(
            pk=application.pk, status=transition.source, version=version
        ).update(**updates)
        if claimed != 1:
            raise _stale_error(application)
        application.refresh_from_db()
        if transition.target == Application.Status.REVISION_REQUIRED and application.revision_count == 1:
            from reports.services import summary_revision_counted

            summary_revision_counted(application)  # the dashboard's summary of its intake day
        ApplicationEvent.objects.create(
            application=application,
            actor=actor,
            action=action,
            from_status=transition.source,
            to_status=transition.target,
            note=note.strip(),
        )
        audit_record(
            actor=actor, action=f"status:{transition.target}", application=application, detail=action
        )
        _notify_for_transition(application, transition, note=note, extra=message_extra)
    return application


def _stale_error(application: Application) -> StaleApplication:
    last = (
        ApplicationEvent.objects.filter(application=application)
        .select_related("actor")
        .order_by("-created_at", "-id")
        .first()
    )
    who = str(last.actor) if last and last.actor else _("pengguna lain")
    when = timezone.localtime(last.created_at).strftime("%H:%M") if last else ""
    return StaleApplication(
        _(
            "Permohonan ini baru saja diubah oleh %(who)s (pukul %(when)s). Muat ulang halaman untuk melihat perubahan; isian Anda belum disimpan."
        )
        % {"who": who, "when": when}
    )


def _notify_for_transition(
    application: Application, transition: Transition, *, note: str = "", extra: dict | None = None
) -> None:
    S = Application.Status
    target = transition.target
    if transition.action == "return_to_office":
        # the citizen was told once that it is ready; the next batch's dispatch message is the news
        return
    if target == S.REVISION_REQUIRED:
        _notify(
            application,
            "revision_required",
            extra={"kekurangan": note},
            occurrence=application.revision_count,
        )
    elif target == S.VERIFIED:
        _notify(application, "verified")
    elif target == S.READY and application.delivery_method == Application.Delivery.PICKUP:
        _notify(application, "ready_pickup")
    elif target == S.READY:
        _notify(application, "ready_pemdes", occurrence=application.version)
    elif target == S.IN_DELIVERY:
        _notify(application, "dispatched", extra=extra, occurrence=application.version)
    elif target == S.AT_DESA:
        _notify(application, "at_desa", occurrence=application.version)
    elif target == S.REJECTED:
        _notify(application, "rejected", extra={"alasan": note})


def _notify(application: Application, event: str, *, extra: dict | None = None, occurrence: int = 0) -> None:
    from notifications.services import outbox_enqueue_for_application

    outbox_enqueue_for_application(
        application=application, event=event, extra=extra or {}, occurrence=occurrence
    )


# --- Officer workspace: intake with files, the checklist, resubmission, page actions ------------


@dataclass(frozen=True)
class VerdictInput:
    """One requirement's verdict as the officer entered it."""

    requirement_id: int
    verdict: str
    reason: str = ""


def application_check_version(*, application: Application, expected_version: int) -> None:
    """Raise StaleApplication (who changed it, when) if the page was loaded before the last change."""
    if application.version != expected_version:
        raise _stale_error(application)


def _require_office_actor(actor: User, application: Application) -> None:
    from .workflow import OFFICE_ROLES

    if actor.role not in OFFICE_ROLES and not actor.is_superuser:
        raise WorkflowError(_("Peran Anda tidak berwenang mengubah permohonan ini."))
    if not user_can_act_on(actor, application):
        raise WorkflowError(_("Permohonan ini di luar wilayah kerja Anda."))


def application_intake(
    *,
    actor: User,
    data: ApplicationData,
    files: Sequence["NewFile"] = (),
    received_on=None,
    now=None,
) -> Application:
    """Register a submission together with the files that came with it.

    Steps: check the number of files; open a file guard and a transaction; create the application
    (number, deadline, checklist rows, event, 'received' message); write every file under a
    server-made name and its Attachment row. Any error undoes the rows and removes the files.
    """
    from .attachments import FileWriteGuard, attachments_store
    from .uploads import check_file_count

    check_file_count(0, len(files))
    with FileWriteGuard() as guard, transaction.atomic():
        application = application_create(actor=actor, data=data, received_on=received_on, now=now)
        if files:
            attachments_store(
                application=application,
                files=files,
                actor=actor,
                source=Attachment.Source.INTAKE,
                guard=guard,
            )
            ApplicationEvent.objects.filter(application=application, action="create").update(
                note=_files_note(files)
            )
    return application


def checklist_save(
    *, application: Application, actor: User, verdicts: Sequence[VerdictInput], expected_version: int
) -> Application:
    """Save the officer's verdict per requirement.

    Steps: check role, bidang and that the application is being verified; validate each verdict
    (a requirement of this application; "tidak sah" needs a reason); claim the row with a
    conditional UPDATE on (status, version) so a concurrent save fails instead of overwriting;
    update only the checks that changed and write one event listing them.
    """
    _require_office_actor(actor, application)
    application_check_version(application=application, expected_version=expected_version)
    if application.status != Application.Status.VERIFYING:
        raise WorkflowError(_("Hasil pemeriksaan hanya dapat disimpan saat permohonan sedang diverifikasi."))
    V = RequirementCheck.Verdict
    with transaction.atomic():
        checks = {c.requirement_id: c for c in application.checks.select_related("requirement")}
        changed: list[RequirementCheck] = []
        now = timezone.now()
        for item in verdicts:
            check = checks.get(item.requirement_id)
            if check is None:
                raise WorkflowError(_("Persyaratan tidak termasuk dalam permohonan ini."))
            if item.verdict not in V.values:
                raise WorkflowError(_("Hasil pemeriksaan tidak dikenal."))
            reason = item.reason.strip()[:255]
            if item.verdict == V.INVALID and not reason:
                raise WorkflowError(
                    _("Alasan wajib diisi untuk '%(name)s' yang tidak sah.")
                    % {"name": check.requirement.name}
                )
            if (check.verdict, check.reason) == (item.verdict, reason):
                continue
            check.verdict, check.reason = item.verdict, reason
            check.checked_by, check.checked_at = actor, now
            changed.append(check)
        claimed = Application.objects.filter(
            pk=application.pk, status=Application.Status.VERIFYING, version=expected_version
        ).update(**({"version": F("version") + 1, "updated_at": now} if changed else {"updated_at": now}))
        if claimed != 1:
            raise _stale_error(application)
        if changed:
            RequirementCheck.objects.bulk_update(changed, ["verdict", "reason", "checked_by", "checked_at"])
            ApplicationEvent.objects.create(
                application=application,
                actor=actor,
                action="checklist",
                note="\n".join(
                    f"{c.requirement.name}: {c.get_verdict_display()}"
                    + (f" ({c.reason})" if c.reason else "")
                    for c in changed
                ),
            )
            audit_record(
                actor=actor, action="checklist", application=application, detail=f"{len(changed)} persyaratan"
            )
        application.refresh_from_db(fields=["version", "updated_at"])
    return application


def checklist_unmet(checks: Sequence[RequirementCheck]) -> list[str]:
    """Names of mandatory requirements (or alternative groups) without an "ok" verdict.

    A requirement in an alternative group is met when any member of its group is ok.
    """
    ok_groups = {
        c.requirement.alternative_group
        for c in checks
        if c.requirement.alternative_group and c.verdict == RequirementCheck.Verdict.OK
    }
    unmet: list[str] = []
    seen_groups: set[str] = set()
    for c in checks:
        req = c.requirement
        if not req.is_mandatory:
            continue
        if req.alternative_group:
            if req.alternative_group in ok_groups or req.alternative_group in seen_groups:
                continue
            seen_groups.add(req.alternative_group)
            members = [
                x.requirement.name for x in checks if x.requirement.alternative_group == req.alternative_group
            ]
            unmet.append(_(" atau ").join(members))
        elif c.verdict != RequirementCheck.Verdict.OK:
            unmet.append(req.name)
    return unmet


def application_act(
    *,
    application: Application,
    actor: User,
    action: str,
    expected_version: int,
    note: str = "",
    issued_document_number: str = "",
) -> Application:
    """A button on the application page: the page's own rules, then `application_transition`.

    Batch actions are refused here (they need a delivery batch), and "verify" needs every mandatory
    requirement (or one of each alternative group) checked as ok.
    """
    from .workflow import BATCH_ACTIONS

    application_check_version(application=application, expected_version=expected_version)
    if action in BATCH_ACTIONS:
        raise WorkflowError(_("Aksi ini hanya dapat dilakukan melalui batch pengiriman."))
    if action == "verify":
        checks = list(application.checks.select_related("requirement").order_by("requirement__order", "id"))
        unmet = checklist_unmet(checks)
        if unmet:
            raise WorkflowError(
                _("Belum dapat ditandai terverifikasi; persyaratan wajib belum sesuai: %(names)s.")
                % {"names": "; ".join(unmet)}
            )
    return application_transition(
        application=application,
        actor=actor,
        action=action,
        note=note,
        expected_version=expected_version,
        issued_document_number=issued_document_number,
    )


def application_resubmit(
    *,
    application: Application,
    actor: User,
    files: Sequence["NewFile"],
    expected_version: int,
    note: str = "",
) -> Application:
    """Record the citizen's corrections: new files next to the earlier ones, then "resubmit".

    Steps: check the file limit; in a file guard and a transaction, mark the current files of each
    requirement that gets a new one as replaced (they are kept), write the new files, set those
    requirements' verdicts back to "belum diperiksa", and move the status through
    `application_transition` with the loaded version (a stale version undoes everything).
    """
    from .attachments import FileWriteGuard, attachments_mark_replaced, attachments_store
    from .uploads import check_file_count

    _require_office_actor(actor, application)
    application_check_version(application=application, expected_version=expected_version)
    if application.status != Application.Status.REVISION_REQUIRED:
        raise WorkflowError(_("Perbaikan hanya dapat dicatat saat permohonan berstatus 'Perlu perbaikan'."))
    if not files and not note.strip():
        raise WorkflowError(
            _("Lampirkan berkas perbaikan atau tulis catatan tentang perbaikan yang diterima.")
        )
    check_file_count(application.attachments.count(), len(files))
    now = timezone.now()
    with FileWriteGuard() as guard, transaction.atomic():
        requirement_ids = {f.requirement.pk for f in files if f.requirement is not None}
        attachments_mark_replaced(application=application, requirement_ids=requirement_ids, now=now)
        attachments_store(
            application=application,
            files=files,
            actor=actor,
            source=Attachment.Source.RESUBMISSION,
            guard=guard,
        )
        RequirementCheck.objects.filter(application=application, requirement_id__in=requirement_ids).update(
            verdict=RequirementCheck.Verdict.PENDING, reason="", checked_by=None, checked_at=None
        )
        text = "\n".join(part for part in (note.strip(), _files_note(files) if files else "") if part)
        application = application_transition(
            application=application,
            actor=actor,
            action="resubmit",
            note=text,
            expected_version=expected_version,
        )
    return application


def _files_note(files: Sequence["NewFile"]) -> str:
    counts: dict[str, int] = {}
    for f in files:
        name = f.requirement.name if f.requirement is not None else _("Lainnya")
        counts[name] = counts.get(name, 0) + 1
    parts = ", ".join(f"{name} ({n})" for name, n in counts.items())
    return _("%(n)d berkas: %(parts)s") % {"n": len(files), "parts": parts}


def application_nik_reveal(*, application: Application, actor: User, request=None) -> str:
    """Show an officer the full NIK and No. KK of one application, and leave an audit row.

    Officers see them masked by default; they need the full numbers only when entering the
    document in SIAK, so each look is deliberate and recorded.
    """
    _require_office_actor(actor, application)
    audit_record(request=request, actor=actor, action="reveal_nik", application=application)
    return application.nik
