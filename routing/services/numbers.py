"""Officers' published WhatsApp numbers."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from applications.models import DocumentType
from dukcapil.accounts.models import Bidang, User
from dukcapil.core.audit import audit_record

from ..models import OfficerNumber
from .common import RoutingError, _require_manager


def _check_number(*, officer: User, bidang: str, services: Iterable[DocumentType]) -> None:
    if bidang not in Bidang.values:
        raise RoutingError(_("Bidang tidak dikenal."))
    if officer.role not in (User.Role.PETUGAS, User.Role.KEPALA_BIDANG) or officer.bidang != bidang:
        raise RoutingError(_("Nomor hanya dapat diberikan kepada petugas bidang yang sama."))
    wrong = [s.name for s in services if s.category.code != bidang]
    if wrong:
        raise RoutingError(
            _("Layanan berikut bukan layanan bidang ini: %(names)s.") % {"names": ", ".join(wrong)}
        )


@transaction.atomic
def officer_number_create(
    *,
    actor: User,
    officer: User,
    phone: str,
    bidang: str,
    services: Iterable[DocumentType] = (),
    label: str = "",
    is_active: bool = True,
) -> OfficerNumber:
    """Publish a WhatsApp number (already normalised to E.164 by the form) for an officer."""
    _require_manager(actor, bidang)
    services = list(services)
    _check_number(officer=officer, bidang=bidang, services=services)
    try:
        with transaction.atomic():
            number = OfficerNumber.objects.create(
                officer=officer, phone=phone, bidang=bidang, label=label.strip(), is_active=is_active
            )
    except IntegrityError:
        raise RoutingError(_("Nomor WhatsApp ini sudah terdaftar.")) from None
    number.services.set(services)
    audit_record(actor=actor, action="number:add", obj=number, detail=f"petugas #{officer.pk}")
    return number


@transaction.atomic
def officer_number_update(
    *,
    actor: User,
    number: OfficerNumber,
    officer: User,
    phone: str,
    services: Iterable[DocumentType] = (),
    label: str = "",
    is_active: bool = True,
) -> OfficerNumber:
    """Change a number's officer, digits, services, label or active flag (its bidang stays)."""
    _require_manager(actor, number.bidang)
    services = list(services)
    _check_number(officer=officer, bidang=number.bidang, services=services)
    if OfficerNumber.objects.filter(phone=phone).exclude(pk=number.pk).exists():
        raise RoutingError(_("Nomor WhatsApp ini sudah terdaftar."))
    number.officer = officer
    number.phone = phone
    number.label = label.strip()
    number.is_active = is_active
    number.save(update_fields=["officer", "phone", "label", "is_active"])
    number.services.set(services)
    audit_record(actor=actor, action="number:edit", obj=number, detail=f"petugas #{officer.pk}")
    return number


@transaction.atomic
def officer_number_set_active(*, actor: User, number: OfficerNumber, is_active: bool) -> OfficerNumber:
    _require_manager(actor, number.bidang)
    OfficerNumber.objects.filter(pk=number.pk).update(is_active=is_active)
    number.is_active = is_active
    audit_record(actor=actor, action="number:toggle", obj=number, detail="aktif" if is_active else "nonaktif")
    return number
