"""Staff pages: officers' WhatsApp numbers and their poster, workload, reassignment.

Rota pages are in `views_rota`, the recording desk in `views_recording`.
"""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import selectors, services
from .forms import OfficerNumberForm, ReassignForm


def allowed_if(check):
    """A view decorator: anonymous users go to the login page, then 403 unless ``check(user)``."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs):
            if not check(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


# kepala bidang and admin
manager_required = allowed_if(selectors.user_is_manager)
# ...and the kepala dinas, who reads (the page hides what it cannot do)
manager_or_reader_required = allowed_if(
    lambda user: selectors.user_is_manager(user) or selectors.user_reads_office(user)
)


def _page(request: HttpRequest, queryset, per_page: int = 50):
    return Paginator(queryset, per_page).get_page(request.GET.get("halaman"))


# --- numbers -----------------------------------------------------------------------------------


@manager_required
def number_list(request: HttpRequest) -> HttpResponse:
    page = _page(request, selectors.number_list(request.user))
    rows = [(n, selectors.format_phone(n.phone), selectors.wa_link(n.phone)) for n in page]
    return render(request, "routing/staff/number_list.html", {"page": page, "rows": rows})


def _number_form_view(request: HttpRequest, number=None) -> HttpResponse:
    bidang_choices = selectors.managed_bidang(request.user)
    initial = {"is_active": True}
    if number is not None:
        initial = {
            "phone": selectors.format_phone(number.phone),
            "bidang": number.bidang,
            "officer": number.officer_id,
            "services": list(number.services.values_list("pk", flat=True)),
            "label": number.label,
            "is_active": number.is_active,
        }
    form = OfficerNumberForm(
        request.POST or None, initial=initial, bidang_choices=bidang_choices, number=number
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if number is None:
                services.officer_number_create(
                    actor=request.user,
                    officer=data["officer"],
                    phone=data["phone"],
                    bidang=data["bidang"],
                    services=data["services"],
                    label=data["label"],
                    is_active=data["is_active"],
                )
                messages.success(request, _("Nomor WhatsApp ditambahkan."))
            else:
                services.officer_number_update(
                    actor=request.user,
                    number=number,
                    officer=data["officer"],
                    phone=data["phone"],
                    services=data["services"],
                    label=data["label"],
                    is_active=data["is_active"],
                )
                messages.success(request, _("Nomor WhatsApp disimpan."))
            return redirect("routing:number_list")
        except services.RoutingError as exc:
            form.add_error(None, str(exc))
    return render(request, "routing/staff/number_form.html", {"form": form, "number": number})


@manager_required
def number_create(request: HttpRequest) -> HttpResponse:
    return _number_form_view(request)


@manager_required
def number_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _number_form_view(request, selectors.get_number_for_user(request.user, pk))


@require_POST
@manager_required
def number_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    number = selectors.get_number_for_user(request.user, pk)
    services.officer_number_set_active(actor=request.user, number=number, is_active=not number.is_active)
    if number.is_active:
        messages.success(
            request, _("Nomor %(phone)s diaktifkan.") % {"phone": selectors.format_phone(number.phone)}
        )
    else:
        messages.info(
            request,
            _("Nomor %(phone)s dinonaktifkan dan tidak tampil di poster.")
            % {"phone": selectors.format_phone(number.phone)},
        )
    return redirect("routing:number_list")


@manager_required
def number_poster(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "routing/staff/number_poster.html",
        {"sections": selectors.poster_sections(request.user), "office_address": settings.OFFICE_ADDRESS},
    )


# --- workload and reassignment -----------------------------------------------------------------


@manager_or_reader_required
def workload(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    page = _page(request, selectors.workload_rows(request.user, now=now), per_page=100)
    totals = {
        "open": sum(o.open_count for o in page),
        "overdue": sum(o.overdue_count for o in page),
        "finished": sum(o.finished_week for o in page),
    }
    return render(
        request,
        "routing/staff/workload.html",
        {
            "page": page,
            "totals": totals,
            "week_start": timezone.localtime(selectors.week_start(now)).date(),
            "cap": settings.ASSIGNMENT_OPEN_CAP,
            "can_reassign": selectors.user_is_manager(request.user),
        },
    )


@manager_required
def reassign(request: HttpRequest) -> HttpResponse:
    officer_id = request.GET.get("petugas", "")
    try:
        officer_filter = int(officer_id) if officer_id != "" else None
    except ValueError:
        officer_filter = None
    visible = selectors.reassignable_applications(request.user)
    targets = list(selectors.reassign_targets(request.user))
    form = ReassignForm(request.POST or None, applications=visible, targets=targets)
    # ids of applications the user may not manage are not in the form's queryset: the form refuses them
    if request.method == "POST" and form.is_valid():
        ids = [a.pk for a in form.cleaned_data["applications"]]
        try:
            moved = services.applications_reassign(
                actor=request.user,
                application_ids=ids,
                to_officer=form.cleaned_data["target"],
                note=form.cleaned_data["note"],
            )
        except services.RoutingError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("%(n)d permohonan dialihkan.") % {"n": len(moved)})
            return redirect(request.get_full_path())
    listing = selectors.reassignable_applications(request.user, officer_id=officer_filter)
    page = _page(request, listing)
    selected = {str(v) for v in (request.POST.getlist("applications") if request.method == "POST" else [])}
    return render(
        request,
        "routing/staff/reassign.html",
        {
            "form": form,
            "page": page,
            "targets": targets,
            "officer_filter": officer_filter,
            "selected": selected,
            "action_url": reverse("routing:reassign")
            + (f"?petugas={officer_filter}" if officer_filter is not None else ""),
        },
    )
