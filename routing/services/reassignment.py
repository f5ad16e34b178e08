"""Reassignment of open applications by a kepala bidang; each move leaves an event row."""

from __future__ import annotations

from collections import defaultdict

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.models import Application, ApplicationEvent
from dukcapil.accounts.models import User
from dukcapil.core.audit import audit_record
from reports.services import summary_officer_moved

from .. import selectors
from ..assignment import assignment_day, officer_pool, officers_with_load
from .common import RoutingError


def _reassign_row(*, actor: User, application: Application, to_officer: User, note: str) -> None:
    old = application.assigned_to
    Application.objects.filter(pk=application.pk).update(assigned_to=to_officer, updated_at=timezone.now())
    old_name = str(old) if old else _("belum ada petugas")
    text = _("Dialihkan dari %(old)s ke %(new)s.") % {"old": old_name, "new": str(to_officer)}
    ApplicationEvent.objects.create(
        application=application,
        actor=actor,
        action="reassign",
        # status does not change: from/to stay empty so status statistics do not count this row
        note=f"{text} {note.strip()}".strip(),
    )
    audit_record(actor=actor, action="reassign", application=application, detail=f"petugas #{to_officer.pk}")
    application.assigned_to = to_officer
    # a ready document counts as finished by its officer on the dashboard's summary of its ready day
    summary_officer_moved(application, old.pk if old else None)


def _check_target(application: Application, to_officer: User) -> None:
    if not (
        to_officer.is_active
        and to_officer.role == User.Role.PETUGAS
        and to_officer.bidang == application.bidang
    ):
        raise RoutingError(
            _("%(name)s bukan petugas aktif bidang permohonan %(number)s.")
            % {"name": to_officer, "number": application.number}
        )


def application_reassign(
    *, actor: User, application: Application, to_officer: User, note: str = ""
) -> Application:
    """Give one application to another officer of its bidang; leaves a 'reassign' event row."""
    return applications_reassign(
        actor=actor, application_ids=[application.pk], to_officer=to_officer, note=note
    )[0]


@transaction.atomic
def applications_reassign(
    *, actor: User, application_ids: list[int], to_officer: User | None, note: str = ""
) -> list[Application]:
    """Reassign several open applications; each leaves a 'reassign' event row.

    Steps: lock the applications (ordered by id); refuse the whole request if one is closed or
    outside the bidang the actor manages. With ``to_officer`` every application goes to that
    officer. Without it they are spread: the available officers of the bidang (active, not on
    leave, as in `assignment_choose_officer`) are locked in id order and each application goes to the
    least loaded one other than its current owner, ties to the lowest id, loads updated as we go.
    Applications already with the target are left alone (no event).
    """
    if not application_ids:
        raise RoutingError(_("Pilih minimal satu permohonan."))
    applications = list(
        Application.objects.select_for_update(of=("self",))
        .filter(pk__in=set(application_ids))
        .select_related("assigned_to")
        .order_by("id")
    )
    if len(applications) != len(set(application_ids)):
        raise RoutingError(_("Sebagian permohonan tidak ditemukan."))
    for application in applications:
        if not selectors.user_manages_bidang(actor, application.bidang):
            raise RoutingError(
                _("Permohonan %(number)s di luar bidang Anda.") % {"number": application.number}
            )
        if not application.is_open:
            raise RoutingError(
                _("Permohonan %(number)s sudah selesai dan tidak dapat dialihkan.")
                % {"number": application.number}
            )

    if to_officer is not None:
        for application in applications:
            _check_target(application, to_officer)
            if application.assigned_to_id != to_officer.pk:
                _reassign_row(actor=actor, application=application, to_officer=to_officer, note=note)
        return applications

    by_bidang: dict[str, list[Application]] = defaultdict(list)
    for application in applications:
        by_bidang[application.bidang].append(application)
    day = assignment_day(timezone.localdate())
    for bidang, group in sorted(by_bidang.items()):
        ids = list(officer_pool(bidang).select_for_update().order_by("id").values_list("id", flat=True))
        officers = [o for o in officers_with_load(ids, day=day) if not o.on_leave]
        load = {o.pk: o.open_count for o in officers}
        for application in group:
            choices = [o for o in officers if o.pk != application.assigned_to_id]
            if not choices:
                raise RoutingError(_("Tidak ada petugas lain yang tersedia di bidang ini."))
            target = min(choices, key=lambda o: (load[o.pk], o.pk))
            if application.assigned_to_id in load:
                load[application.assigned_to_id] -= 1
            load[target.pk] += 1
            _reassign_row(actor=actor, application=application, to_officer=target, note=note)
    return applications
