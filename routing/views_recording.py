"""Urgent KTP-el recording: the quota calendar, bookings, approvals and the desk's daily list."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from applications.models import Application
from applications.validators import mask_nik, mask_phone

from . import selectors, services
from .forms import ReasonForm, RecordingApproveForm, RecordingBookingForm, RecordingCapForm
from .models import RecordingBooking
from .views_staff import _page, allowed_if

# Dafduk petugas and kepala bidang, and the admin, work the bookings; others get 403
recording_staff_required = allowed_if(selectors.user_works_recording)
# ...and the kepala dinas reads the lists (office-wide, read-only: the pages hide the actions)
recording_reader_required = allowed_if(
    lambda user: selectors.user_works_recording(user) or selectors.user_reads_office(user)
)


def _can_decide(user) -> bool:
    return selectors.user_manages_bidang(user, selectors.RECORDING_BIDANG)


URGENCY_LABELS = dict(Application.Urgency.choices)


def _masked(bookings):
    """NIK and WhatsApp masked for display, and the urgency's label (the booking field has no choices)."""
    for booking in bookings:
        booking.nik_masked = mask_nik(booking.nik)
        booking.whatsapp_masked = mask_phone(booking.whatsapp)
        booking.urgency_label = URGENCY_LABELS.get(booking.urgency, booking.urgency)
    return bookings


def _parse_day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@recording_reader_required
def recording_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    status = request.GET.get("status", "")
    if status not in RecordingBooking.Status.values:
        status = ""
    day = _parse_day(request.GET.get("tanggal"))
    page = _page(request, selectors.booking_list(request.user, status=status, day=day))
    _masked(page.object_list)
    pending = []
    if _can_decide(request.user):
        pending = _masked(
            list(selectors.booking_list(request.user, status=RecordingBooking.Status.PENDING_APPROVAL)[:50])
        )
    return render(
        request,
        "routing/staff/recording_list.html",
        {
            "calendar": selectors.recording_calendar(start=today, days=10),
            "page": page,
            "pending": pending,
            "status": status,
            "day": day,
            "statuses": RecordingBooking.Status.choices,
            "can_decide": _can_decide(request.user),
            "cap_form": RecordingCapForm(initial={"day": today}) if _can_decide(request.user) else None,
            "default_cap": settings.URGENT_RECORDING_DAILY_CAP,
            "can_book": selectors.user_works_recording(request.user),
        },
    )


def _next_days_with_room(start: date) -> list[selectors.RecordingDayInfo]:
    return [d for d in selectors.recording_calendar(start=start, days=15) if d.staffed and d.left > 0][:3]


@recording_staff_required
def recording_create(request: HttpRequest) -> HttpResponse:
    initial_day = _parse_day(request.GET.get("tanggal")) or timezone.localdate()
    form = RecordingBookingForm(request.POST or None, initial={"day": initial_day})
    suggestions = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            booking = services.recording_book(
                actor=request.user,
                day=data["day"],
                name=data["name"],
                nik=data["nik"],
                whatsapp=data["whatsapp"],
                desa=data["desa"],
                urgency=data["urgency"],
                justification=data["justification"],
            )
        except services.RoutingError as exc:
            suggestions = _next_days_with_room(data["day"])
            form.add_error("day" if isinstance(exc, services.RecordingQuotaFull) else None, str(exc))
        else:
            if booking.status == RecordingBooking.Status.PENDING_APPROVAL:
                messages.info(
                    request,
                    _(
                        "Permintaan perekaman dicatat dan menunggu persetujuan kepala bidang; kuota diperiksa saat disetujui."
                    ),
                )
            else:
                messages.success(
                    request,
                    _("Perekaman dijadwalkan pada %(day)s. Warga dikabari lewat WhatsApp.")
                    % {"day": formats.date_format(booking.date, "l, j F Y")},
                )
            return redirect("routing:recording_detail", pk=booking.pk)
    return render(request, "routing/staff/recording_form.html", {"form": form, "suggestions": suggestions})


@login_required
def recording_detail(request: HttpRequest, pk: int) -> HttpResponse:
    booking = selectors.get_booking_for_user(request.user, pk)  # 404 for whoever may not see it
    _masked([booking])
    return render(
        request,
        "routing/staff/recording_detail.html",
        {
            "booking": booking,
            "can_decide": _can_decide(request.user),
            "can_cancel": _can_decide(request.user) or booking.created_by_id == request.user.pk,
            "approve_form": RecordingApproveForm(initial={"day": booking.date}),
            "reason_form": ReasonForm(),
            "suggestions": _next_days_with_room(booking.date)
            if booking.status == RecordingBooking.Status.PENDING_APPROVAL
            else [],
        },
    )


def _decision_view(request: HttpRequest, pk: int, action) -> HttpResponse:
    booking = selectors.get_booking_for_user(request.user, pk)
    try:
        message = action(booking)
    except services.RoutingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, message)
    return redirect("routing:recording_detail", pk=booking.pk)


@require_POST
@login_required
def recording_approve(request: HttpRequest, pk: int) -> HttpResponse:
    selectors.get_booking_for_user(request.user, pk)
    if not _can_decide(request.user):
        raise PermissionDenied
    form = RecordingApproveForm(request.POST)

    def act(booking):
        if not form.is_valid():
            raise services.RoutingError(_("Tanggal perekaman tidak valid."))
        booking = services.recording_approve(
            actor=request.user, booking=booking, day=form.cleaned_data["day"]
        )
        return _("Disetujui: perekaman %(day)s. Warga dikabari lewat WhatsApp.") % {
            "day": formats.date_format(booking.date, "l, j F Y")
        }

    return _decision_view(request, pk, act)


@require_POST
@login_required
def recording_decline(request: HttpRequest, pk: int) -> HttpResponse:
    selectors.get_booking_for_user(request.user, pk)
    if not _can_decide(request.user):
        raise PermissionDenied
    form = ReasonForm(request.POST)

    def act(booking):
        reason = form.cleaned_data["reason"] if form.is_valid() else ""
        services.recording_decline(actor=request.user, booking=booking, reason=reason)
        return _("Permintaan ditolak; warga dikabari alasannya.")

    return _decision_view(request, pk, act)


@require_POST
@login_required
def recording_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    form = ReasonForm(request.POST)

    def act(booking):
        reason = form.cleaned_data["reason"] if form.is_valid() else ""
        services.recording_cancel(actor=request.user, booking=booking, reason=reason)
        return _("Jadwal perekaman dibatalkan; tempatnya kembali tersedia dan warga dikabari.")

    booking = selectors.get_booking_for_user(request.user, pk)
    if not (_can_decide(request.user) or booking.created_by_id == request.user.pk):
        raise PermissionDenied
    return _decision_view(request, pk, act)


@require_POST
@login_required
def recording_attend(request: HttpRequest, pk: int) -> HttpResponse:
    booking = selectors.get_booking_for_user(request.user, pk)
    if not selectors.user_works_recording(request.user):
        raise PermissionDenied
    try:
        services.recording_attend(actor=request.user, booking=booking)
    except services.RoutingError as exc:
        messages.error(request, str(exc))
    return redirect(f"{_desk_url()}?tanggal={booking.date.isoformat()}")


def _desk_url() -> str:
    from django.urls import reverse

    return reverse("routing:recording_desk")


@require_POST
@recording_staff_required
def recording_cap(request: HttpRequest) -> HttpResponse:
    if not _can_decide(request.user):
        raise PermissionDenied
    form = RecordingCapForm(request.POST)
    if form.is_valid():
        try:
            row = services.recording_day_set_cap(
                actor=request.user, day=form.cleaned_data["day"], cap=form.cleaned_data["cap"]
            )
        except services.RoutingError as exc:
            messages.error(request, str(exc))
        else:
            day = formats.date_format(row.date, "l, j F Y")
            if row.cap is None:
                messages.success(request, _("Kuota %(day)s kembali ke bawaan.") % {"day": day})
            else:
                messages.success(
                    request, _("Kuota %(day)s menjadi %(cap)d orang.") % {"day": day, "cap": row.cap}
                )
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect("routing:recording_list")


@recording_reader_required
def recording_desk(request: HttpRequest) -> HttpResponse:
    """The printable daily list for the recording desk (booked and already recorded)."""
    day = _parse_day(request.GET.get("tanggal")) or timezone.localdate()
    bookings = _masked(list(selectors.desk_list(request.user, day)))
    info = next(iter(selectors.recording_calendar(start=day, days=1)), None)
    return render(
        request,
        "routing/staff/recording_desk.html",
        {
            "day": day,
            "bookings": bookings,
            "info": info if info and info.day == day else None,
            "office_address": settings.OFFICE_ADDRESS,
            "can_attend": selectors.user_works_recording(request.user),
        },
    )
