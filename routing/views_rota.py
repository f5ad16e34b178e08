"""Rota pages: generate, edit, swap, publish and print; every officer's schedule and iCal feed."""

from __future__ import annotations

import calendar
import time
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_POST
from icalendar import Calendar, Event

from dukcapil.accounts.models import User

from . import selectors, services
from .forms import RotaDayForm, RotaGenerateForm, RotaMoveForm, RotaSwapForm
from .models import Rota, ShiftAssignment
from .rota import working_days
from .views_staff import _page, manager_or_reader_required, manager_required


@manager_or_reader_required
def rota_list(request: HttpRequest) -> HttpResponse:
    page = _page(request, selectors.rota_list(request.user), per_page=25)
    # the kepala dinas reads: each rota opens as its A4 print, not in the editor
    can_edit = selectors.user_is_manager(request.user)
    return render(request, "routing/staff/rota_list.html", {"page": page, "can_edit": can_edit})


def _generate_initial(user: User) -> dict:
    """Defaults: next month, and the rules of the bidang's latest rota (the office rarely changes them)."""
    today = timezone.localdate()
    next_month = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    initial = {
        "period": "month",
        "month": next_month.strftime("%Y-%m"),
        "week_of": today,
        "min_per_bidang": 1,
    }
    bidang = selectors.managed_bidang(user)
    if bidang:
        initial["bidang"] = bidang[0]
        last = selectors.rotas_for_user(user).filter(bidang=bidang[0]).order_by("-created_at").first()
        if last:
            initial.update(
                max_in_office=last.max_in_office,
                max_share=int(last.max_share * 100) if last.max_share is not None else None,
                min_per_bidang=last.min_per_bidang,
            )
        else:
            initial["max_share"] = 50
    return initial


@manager_required
def rota_generate(request: HttpRequest) -> HttpResponse:
    form = RotaGenerateForm(
        request.POST or None,
        initial=_generate_initial(request.user),
        bidang_choices=selectors.managed_bidang(request.user),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        started = time.perf_counter()
        try:
            result = services.rota_generate(
                actor=request.user,
                bidang=data["bidang"],
                start=data["start"],
                end=data["end"],
                max_in_office=data["max_in_office"],
                max_share=data["max_share_decimal"],
                min_per_bidang=data["min_per_bidang"],
            )
        except services.RoutingError as exc:
            form.add_error(None, str(exc))
        else:
            elapsed = time.perf_counter() - started
            messages.success(
                request,
                _("Draf jadwal dibuat dalam %(s)s detik. Periksa, ubah bila perlu, lalu terbitkan.")
                % {"s": formats.number_format(elapsed, 2)},
            )
            for warning in result.warnings:
                messages.warning(request, warning)
            return redirect("routing:rota_detail", pk=result.rota.pk)
    return render(request, "routing/staff/rota_generate.html", {"form": form})


def _rota_context(
    request: HttpRequest,
    rota: Rota,
    *,
    swap_form: RotaSwapForm | None = None,
    move_form: RotaMoveForm | None = None,
) -> dict:
    state = selectors.rota_state(rota)
    rows, footer = selectors.rota_grid(state)
    names = {o.pk: str(o) for o in state.officers}
    violations = services.humanize_rota_messages([v.message for v in services.rota_violations(state)], names)
    return {
        "rota": rota,
        "state": state,
        "rows": rows,
        "footer": footer,
        "violations": violations,
        "cap": selectors.office_cap_of(state),
        "swap_form": swap_form or RotaSwapForm(officers=state.officers, days=state.days),
        "move_form": move_form or RotaMoveForm(officers=state.officers, days=state.days),
        "is_draft": rota.status == Rota.Status.DRAFT,
    }


@manager_required
def rota_detail(request: HttpRequest, pk: int) -> HttpResponse:
    rota = selectors.get_rota_for_user(request.user, pk)
    return render(request, "routing/staff/rota_detail.html", _rota_context(request, rota))


def _editor_response(request: HttpRequest, rota: Rota, **extra) -> HttpResponse:
    if request.htmx:
        rota.refresh_from_db()
        return render(request, "routing/staff/_rota_editor.html", _rota_context(request, rota) | extra)
    return redirect("routing:rota_detail", pk=rota.pk)


def _report_invalid(request: HttpRequest, exc: services.RoutingError) -> list[str]:
    if isinstance(exc, services.RotaInvalid):
        return [str(exc), *exc.messages]
    return [str(exc)]


@require_POST
@manager_required
def rota_day(request: HttpRequest, pk: int) -> HttpResponse:
    rota = selectors.get_rota_for_user(request.user, pk)
    form = RotaDayForm(request.POST)
    errors: list[str] = []
    if not form.is_valid():
        errors = [_("Sel jadwal tidak dikenali.")]
    else:
        officer_id, day, place = form.cleaned_data["cell"]
        try:
            services.rota_update_day(
                actor=request.user, rota=rota, officer_id=officer_id, day=day, place=place
            )
        except services.RoutingError as exc:
            errors = _report_invalid(request, exc)
    if not request.htmx:
        for error in errors:
            messages.error(request, error)
        if not errors:
            messages.success(request, _("Perubahan disimpan."))
    return _editor_response(request, rota, edit_errors=errors, edit_ok=not errors)


def _edit_response(
    request: HttpRequest, rota, form, *, incomplete: str, done: str, form_name: str, apply
) -> HttpResponse:
    """Validate an edit form, apply it through a service, answer as htmx fragment or redirect."""
    errors: list[str] = []
    if not form.is_valid():
        errors = [incomplete]
    else:
        try:
            apply(form.cleaned_data)
        except services.RoutingError as exc:
            errors = _report_invalid(request, exc)
    if request.htmx:
        return _editor_response(request, rota, edit_errors=errors, edit_ok=not errors, **{form_name: form})
    for error in errors:
        messages.error(request, error)
    if not errors:
        messages.success(request, done)
    return redirect("routing:rota_detail", pk=rota.pk)


@require_POST
@manager_required
def rota_swap(request: HttpRequest, pk: int) -> HttpResponse:
    rota = selectors.get_rota_for_user(request.user, pk)
    state = selectors.rota_state(rota)
    return _edit_response(
        request,
        rota,
        RotaSwapForm(request.POST, officers=state.officers, days=state.days),
        incomplete=_("Lengkapi pilihan petugas dan tanggal untuk ditukar."),
        done=_("Hari kantor ditukar."),
        form_name="swap_form",
        apply=lambda data: services.rota_swap(
            actor=request.user,
            rota=rota,
            officer_a=data["officer_a"],
            day_a=data["day_a"],
            officer_b=data["officer_b"],
            day_b=data["day_b"],
        ),
    )


@require_POST
@manager_required
def rota_move(request: HttpRequest, pk: int) -> HttpResponse:
    rota = selectors.get_rota_for_user(request.user, pk)
    state = selectors.rota_state(rota)
    return _edit_response(
        request,
        rota,
        RotaMoveForm(request.POST, officers=state.officers, days=state.days),
        incomplete=_("Lengkapi pilihan petugas dan kedua tanggal."),
        done=_("Hari kantor dipindahkan."),
        form_name="move_form",
        apply=lambda data: services.rota_move(
            actor=request.user,
            rota=rota,
            officer_id=data["officer"],
            from_day=data["from_day"],
            to_day=data["to_day"],
        ),
    )


@require_POST
@manager_required
def rota_publish(request: HttpRequest, pk: int) -> HttpResponse:
    rota = selectors.get_rota_for_user(request.user, pk)
    try:
        services.rota_publish(actor=request.user, rota=rota)
    except services.RoutingError as exc:
        for error in _report_invalid(request, exc):
            messages.error(request, error)
    else:
        messages.success(
            request, _("Jadwal diterbitkan. Petugas kini melihatnya di 'Jadwal saya' dan kalendernya.")
        )
    return redirect("routing:rota_detail", pk=rota.pk)


@require_POST
@manager_required
def rota_delete(request: HttpRequest, pk: int) -> HttpResponse:
    rota = selectors.get_rota_for_user(request.user, pk)
    try:
        services.rota_delete(actor=request.user, rota=rota)
    except services.RoutingError as exc:
        messages.error(request, str(exc))
        return redirect("routing:rota_detail", pk=rota.pk)
    messages.success(request, _("Draf jadwal dihapus."))
    return redirect("routing:rota_list")


@manager_or_reader_required
def rota_print(request: HttpRequest, pk: int) -> HttpResponse:
    rota = selectors.get_rota_for_user(request.user, pk, read_only=True)
    state = selectors.rota_state(rota)
    rows, _footer = selectors.rota_grid(state)
    return render(
        request,
        "routing/staff/rota_print.html",
        {
            "rota": rota,
            "days": selectors.roster_days(state),
            "rows": rows,
            "state": state,
            "can_edit": selectors.user_is_manager(request.user),
        },
    )


# --- my schedule and the iCal feed -------------------------------------------------------------


def _officer_required(view):
    @login_required
    def wrapper(request: HttpRequest, *args, **kwargs):
        if request.user.role not in (User.Role.PETUGAS, User.Role.KEPALA_BIDANG):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


def _month_from(value: str, today: date) -> date:
    try:
        year, month = (int(part) for part in value.split("-"))
        return date(year, month, 1)
    except ValueError:
        return today.replace(day=1)


@require_GET
@_officer_required
def my_schedule(request: HttpRequest) -> HttpResponse:
    """The month's weekdays as a calendar (office, home, leave, holiday) and the next office days."""
    user: User = request.user
    today = timezone.localdate()
    month = _month_from(request.GET.get("bulan", ""), today)
    last = date(month.year, month.month, calendar.monthrange(month.year, month.month)[1])
    grid_start = month - timedelta(days=month.weekday())
    grid_end = last + timedelta(days=4 - last.weekday()) if last.weekday() < 5 else last
    shifts = {s.date: s.place for s in selectors.officer_shifts(user, start=grid_start, end=grid_end)}
    leave = selectors.leave_days([user.pk], grid_start, grid_end).get(user.pk, set())
    closed = selectors.closed_days_between(grid_start, grid_end)
    working = set(working_days(grid_start, grid_end, closed))
    weeks = []
    day = grid_start
    while day <= grid_end:
        week = []
        for offset in range(5):
            d = day + timedelta(days=offset)
            if d in leave:
                state = "leave"
            elif d not in working:
                state = "closed"
            else:
                state = shifts.get(d, "none")
            week.append({"day": d, "state": state, "in_month": d.month == month.month, "today": d == today})
        weeks.append(week)
        day += timedelta(days=7)
    upcoming = [
        s
        for s in selectors.officer_shifts(user, start=today, end=today + timedelta(days=90))
        if s.place == ShiftAssignment.Place.OFFICE and s.date not in leave
    ][:8]
    counts = {"office": sum(1 for p in shifts.items() if p[1] == "office" and p[0].month == month.month)}
    prev_month = (month - timedelta(days=1)).replace(day=1)
    next_month = last + timedelta(days=1)
    feed_url = (
        request.build_absolute_uri(reverse("routing:ical", args=[user.ical_token])) if user.ical_token else ""
    )
    return render(
        request,
        "routing/staff/my_schedule.html",
        {
            "month": month,
            "weeks": weeks,
            "upcoming": upcoming,
            "counts": counts,
            "prev_month": prev_month,
            "next_month": next_month,
            "feed_url": feed_url,
            "today": today,
        },
    )


@require_POST
@_officer_required
def ical_token_reset(request: HttpRequest) -> HttpResponse:
    services.ical_token_reset(user=request.user)
    messages.success(
        request,
        _(
            "Alamat kalender baru dibuat. Alamat lama (bila ada) tidak berlaku lagi; jangan bagikan alamat ini."
        ),
    )
    return redirect("routing:my_schedule")


@require_GET
@cache_control(private=True, max_age=900)
def ical(request: HttpRequest, token: str) -> HttpResponse:
    """Office days of one officer as an iCalendar feed. No login: the private token is the key."""
    officer = selectors.get_officer_by_ical_token(token)
    today = timezone.localdate()
    leave = selectors.leave_days([officer.pk], today - timedelta(days=60), today + timedelta(days=366))
    feed = Calendar()
    feed.add("prodid", "-//Dukcapil back-office//Jadwal piket//ID")
    feed.add("version", "2.0")
    feed.add("x-wr-calname", _("Jadwal masuk kantor"))
    feed.add("x-wr-timezone", settings.TIME_ZONE)
    stamp = datetime.now(tz=timezone.get_current_timezone())
    for shift in selectors.officer_shifts(
        officer, start=today - timedelta(days=60), end=today + timedelta(days=366)
    ):
        if shift.place != ShiftAssignment.Place.OFFICE or shift.date in leave.get(officer.pk, ()):
            continue
        event = Event()
        event.add("uid", f"shift-{officer.pk}-{shift.date.isoformat()}@{request.get_host()}")
        event.add("dtstamp", stamp)
        event.add("dtstart", shift.date)
        event.add("dtend", shift.date + timedelta(days=1))
        event.add("summary", _("Masuk kantor (piket)"))
        event.add("location", settings.OFFICE_ADDRESS)
        event.add("transp", "OPAQUE")
        feed.add_component(event)
    response = HttpResponse(feed.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="jadwal-piket.ics"'
    response["X-Robots-Tag"] = "noindex"
    return response
