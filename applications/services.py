"""State changes of applications. Each runs in one transaction and leaves an event row."""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from dukcapil.accounts.models import User
from dukcapil.core.models import Counter

from .models import Application, ApplicationEvent, DocumentType, RequirementCheck
from .workflow import find_transition


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
) -> Application:
    """Move an application along the transition table.

    Steps: find the transition for (action, current status); check the actor's role and their
    right to this application; claim the row with one conditional UPDATE on (status, version) so a
    concurrent change makes this one fail instead of overwriting it; write the event row; queue the
    citizen's message through the outbox. All in one transaction: on any error nothing changes.
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
            updates["ready_at"] = now
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
        ApplicationEvent.objects.create(
            application=application,
            actor=actor,
            action=action,
            from_status=transition.source,
            to_status=transition.target,
            note=note.strip(),
        )
        _notify_for_transition(application, transition.target, note=note)
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


def _notify_for_transition(application: Application, target: str, *, note: str = "") -> None:
    S = Application.Status
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
        _notify(application, "dispatched", occurrence=application.version)
    elif target == S.AT_DESA:
        _notify(application, "at_desa", occurrence=application.version)
    elif target == S.REJECTED:
        _notify(application, "rejected", extra={"alasan": note})


def _notify(application: Application, event: str, *, extra: dict | None = None, occurrence: int = 0) -> None:
    from notifications.services import outbox_enqueue_for_application

    outbox_enqueue_for_application(
        application=application, event=event, extra=extra or {}, occurrence=occurrence
    )
