"""Urgent in-person KTP-el recording: bookings under a daily cap, approvals, the desk."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.models import Application
from dukcapil.accounts.models import User
from dukcapil.core.audit import audit_record

from .. import selectors
from ..models import Desa, RecordingBooking, RecordingDay
from ..rota import working_days
from .common import RecordingQuotaFull, RoutingError, _require_manager, day_label

URGENT_REASONS = (
    Application.Urgency.BPJS,
    Application.Urgency.HOSPITAL,
    Application.Urgency.TNI_POLRI,
    Application.Urgency.OTHER,
)


def _open_booking_exists() -> RoutingError:
    return RoutingError(_("NIK ini sudah memiliki jadwal perekaman yang masih berlaku."))


def _check_recording_day(day: date, *, today: date) -> None:
    if day < today:
        raise RoutingError(_("Tanggal perekaman sudah lewat."))
    closed = selectors.closed_days_between(day, day)
    if not working_days(day, day, closed):
        raise RoutingError(_("%(day)s bukan hari kerja kantor.") % {"day": day_label(day)})
    if not selectors.recording_staff_present(day):
        raise RoutingError(
            _(
                "Tidak ada petugas perekaman (Dafduk) yang dijadwalkan di kantor pada %(day)s. Pilih tanggal lain."
            )
            % {"day": day_label(day)}
        )


def _claim_slot(day: date) -> None:
    """Take one place on ``day`` with one conditional UPDATE, or raise RecordingQuotaFull.

    The row is created first if missing (ON CONFLICT DO NOTHING, so concurrent first bookings of a
    day do not fail). The UPDATE locks the row; a concurrent one waits and then re-checks
    ``booked < cap`` against the committed value, so the cap holds without a check-then-insert race.
    """
    RecordingDay.objects.bulk_create([RecordingDay(date=day)], ignore_conflicts=True)
    default = settings.URGENT_RECORDING_DAILY_CAP
    room = Q(cap__isnull=True, booked__lt=default) | Q(cap__isnull=False, booked__lt=F("cap"))
    if RecordingDay.objects.filter(room, date=day).update(booked=F("booked") + 1) != 1:
        cap = selectors.recording_cap(RecordingDay.objects.filter(date=day).first())
        raise RecordingQuotaFull(
            _("Kuota perekaman %(day)s sudah penuh (%(cap)d orang). Pilih tanggal lain.")
            % {"day": day_label(day), "cap": cap}
        )


def _release_slot(day: date) -> None:
    RecordingDay.objects.filter(date=day, booked__gt=0).update(booked=F("booked") - 1)


def _tell_citizen(booking: RecordingBooking, event: str, *, reason: str = "") -> None:
    from notifications.services import outbox_enqueue, template_render

    body = template_render(
        event=event, context={"nama": booking.name, "tanggal": day_label(booking.date), "alasan": reason}
    )
    outbox_enqueue(
        event=event,
        dedupe_key=f"recording:{booking.pk}:{event}:{booking.status}",
        recipient=booking.whatsapp,
        body=body,
        application=booking.application,
    )


@transaction.atomic
def recording_book(
    *,
    actor: User,
    day: date,
    name: str,
    nik: str,
    whatsapp: str,
    desa: Desa,
    urgency: str,
    justification: str = "",
    application: Application | None = None,
    today: date | None = None,
) -> RecordingBooking:
    """Book an urgent in-person KTP-el recording on ``day``.

    Steps: check the actor (Dafduk staff or admin), the reason (BPJS, hospital, TNI/Polri, or other
    with a justification), the day (not past, a working day, recording staff in the office per the
    published rota) and that the NIK has no open booking. "Other" is stored pending a kepala bidang's
    approval and takes no place yet. Otherwise claim a place (`_claim_slot`); if the day is full
    nothing is stored and RecordingQuotaFull says so. The citizen is told the date via the outbox.
    """
    if not selectors.user_works_recording(actor):
        raise RoutingError(_("Hanya petugas Pendaftaran Penduduk yang dapat menjadwalkan perekaman."))
    if urgency not in URGENT_REASONS:
        raise RoutingError(
            _("Perekaman hanya untuk keperluan mendesak (BPJS, rumah sakit, TNI/Polri, lainnya).")
        )
    if urgency == Application.Urgency.OTHER and not justification.strip():
        raise RoutingError(_("Alasan 'lainnya' memerlukan penjelasan."))
    _check_recording_day(day, today=today or timezone.localdate())
    open_statuses = [RecordingBooking.Status.PENDING_APPROVAL, RecordingBooking.Status.BOOKED]
    if RecordingBooking.objects.filter(nik=nik, status__in=open_statuses).exists():
        raise _open_booking_exists()

    pending = urgency == Application.Urgency.OTHER
    if not pending:
        _claim_slot(day)
    try:
        with transaction.atomic():  # savepoint: a concurrent booking of the same NIK wins the index
            booking = RecordingBooking.objects.create(
                date=day,
                application=application,
                name=name.strip(),
                nik=nik,
                whatsapp=whatsapp,
                desa=desa,
                urgency=urgency,
                justification=justification.strip(),
                status=RecordingBooking.Status.PENDING_APPROVAL
                if pending
                else RecordingBooking.Status.BOOKED,
                created_by=actor,
            )
    except IntegrityError:
        # raised out of the outer transaction, which rolls back the place claimed above
        raise _open_booking_exists() from None
    _audit_booking(actor=actor, action="create", booking=booking)
    if not pending:
        _tell_citizen(booking, "recording_booked")
    return booking


def _audit_booking(*, actor: User, action: str, booking: RecordingBooking) -> None:
    """One audit row 'booking:<action>' on the booking, with its desa and NIK digest."""
    audit_record(
        actor=actor,
        action=f"booking:{action}",
        obj=booking,
        desa_id=booking.desa_id,
        nik=booking.nik,
        detail=booking.status,
    )


def _lock_booking(booking: RecordingBooking) -> RecordingBooking:
    return RecordingBooking.objects.select_for_update().get(pk=booking.pk)


@transaction.atomic
def recording_approve(
    *, actor: User, booking: RecordingBooking, day: date | None = None, today: date | None = None
) -> RecordingBooking:
    """A kepala bidang approves an 'other' reason; the cap is checked now (optionally on another day)."""
    _require_manager(actor, selectors.RECORDING_BIDANG)
    locked = _lock_booking(booking)
    if locked.status != RecordingBooking.Status.PENDING_APPROVAL:
        raise RoutingError(_("Pemesanan ini tidak sedang menunggu persetujuan."))
    day = day or locked.date
    _check_recording_day(day, today=today or timezone.localdate())
    _claim_slot(day)
    locked.date = day
    locked.status = RecordingBooking.Status.BOOKED
    locked.decided_by = actor
    locked.save(update_fields=["date", "status", "decided_by"])
    _audit_booking(actor=actor, action="approve", booking=locked)
    _tell_citizen(locked, "recording_booked")
    return locked


@transaction.atomic
def recording_decline(*, actor: User, booking: RecordingBooking, reason: str) -> RecordingBooking:
    """A kepala bidang declines a pending request; the citizen is told why."""
    _require_manager(actor, selectors.RECORDING_BIDANG)
    if not reason.strip():
        raise RoutingError(_("Alasan penolakan wajib diisi."))
    locked = _lock_booking(booking)
    if locked.status != RecordingBooking.Status.PENDING_APPROVAL:
        raise RoutingError(_("Pemesanan ini tidak sedang menunggu persetujuan."))
    locked.status = RecordingBooking.Status.DECLINED
    locked.decided_by = actor
    locked.decline_reason = reason.strip()[:255]
    locked.save(update_fields=["status", "decided_by", "decline_reason"])
    _audit_booking(actor=actor, action="decline", booking=locked)
    _tell_citizen(locked, "recording_declined", reason=locked.decline_reason)
    return locked


@transaction.atomic
def recording_cancel(*, actor: User, booking: RecordingBooking, reason: str) -> RecordingBooking:
    """Cancel a pending or booked slot (the booking officer, a kepala bidang or the admin); frees the place."""
    if not (
        selectors.user_manages_bidang(actor, selectors.RECORDING_BIDANG) or booking.created_by_id == actor.pk
    ):
        raise RoutingError(_("Hanya pembuat pemesanan atau kepala bidang yang dapat membatalkannya."))
    if not reason.strip():
        raise RoutingError(_("Alasan pembatalan wajib diisi."))
    locked = _lock_booking(booking)
    if locked.status not in (RecordingBooking.Status.PENDING_APPROVAL, RecordingBooking.Status.BOOKED):
        raise RoutingError(_("Pemesanan ini sudah tidak aktif."))
    if locked.status == RecordingBooking.Status.BOOKED:
        _release_slot(locked.date)
    locked.status = RecordingBooking.Status.CANCELLED
    locked.decided_by = actor
    locked.decline_reason = reason.strip()[:255]
    locked.save(update_fields=["status", "decided_by", "decline_reason"])
    _audit_booking(actor=actor, action="cancel", booking=locked)
    _tell_citizen(locked, "recording_declined", reason=locked.decline_reason)
    return locked


@transaction.atomic
def recording_attend(*, actor: User, booking: RecordingBooking) -> RecordingBooking:
    """The desk marks a booked citizen as recorded (the place stays used)."""
    if not selectors.user_works_recording(actor):
        raise RoutingError(_("Hanya petugas Pendaftaran Penduduk yang dapat mencatat kehadiran."))
    changed = RecordingBooking.objects.filter(pk=booking.pk, status=RecordingBooking.Status.BOOKED).update(
        status=RecordingBooking.Status.ATTENDED
    )
    if not changed:
        raise RoutingError(_("Hanya pemesanan berstatus terjadwal yang dapat ditandai sudah direkam."))
    booking.status = RecordingBooking.Status.ATTENDED
    _audit_booking(actor=actor, action="attend", booking=booking)
    return booking


@transaction.atomic
def recording_day_set_cap(*, actor: User, day: date, cap: int | None) -> RecordingDay:
    """Override the daily cap for one date (None: back to the default). Existing bookings stay."""
    _require_manager(actor, selectors.RECORDING_BIDANG)
    if cap is not None and cap < 0:
        raise RoutingError(_("Kuota tidak boleh negatif."))
    row, _created = RecordingDay.objects.select_for_update().get_or_create(date=day)
    row.cap = cap
    row.save(update_fields=["cap"])
    audit_record(
        actor=actor,
        action="recording_day:cap",
        obj=row,
        detail=f"{day:%Y-%m-%d} kuota {'bawaan' if cap is None else cap}",
    )
    return row
