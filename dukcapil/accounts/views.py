from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from . import two_factor
from .forms import TotpCodeForm
from .models import User


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Each role lands on the page it works from; the home page links to it with a short summary."""
    user: User = request.user
    template = {
        User.Role.PETUGAS: "home/petugas.html",
        User.Role.KEPALA_BIDANG: "home/kepala_bidang.html",
        User.Role.KEPALA_DINAS: "home/kepala_bidang.html",
        User.Role.PEMDES: "home/pemdes.html",
        User.Role.ADMIN: "home/admin.html",
    }.get(user.role, "home/petugas.html")
    return render(request, template, {"summary": _summary_for(user)})


def _summary_for(user: User) -> dict:
    from applications.selectors import home_summary

    return home_summary(user=user)


def _next_url(request: HttpRequest) -> str:
    """The page the user asked for before the 2FA step if it is on this site, else ""."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if safe else ""


def _refuse(form: TotpCodeForm, result: two_factor.TotpResult) -> None:
    """Say why the code was refused and empty the field: the next try is a new code."""
    if result.throttled_until is not None:
        message = _("Terlalu banyak kode salah. Tunggu %(seconds)s detik, lalu coba lagi.") % {
            "seconds": result.wait_seconds
        }
    else:
        message = _(
            "Kode salah atau sudah kedaluwarsa. Periksa jam di ponsel Anda dan masukkan kode yang "
            "sedang tampil."
        )
    form.add_error("code", message)
    form.data = form.data.copy()
    form.data["code"] = ""


@never_cache
@login_required
def otp_verify(request: HttpRequest) -> HttpResponse:
    """Second step of the login: the code of the user's confirmed device.

    Steps: users who need no 2FA or already passed it go on; users without a confirmed device go to
    the enrolment; a posted code is checked (throttled and audited in `totp_check`); a right code
    marks the session verified until logout.
    """
    user = request.user
    if not two_factor.user_requires_otp(user) or user.is_verified():
        return redirect(_next_url(request) or "home")
    device = two_factor.totp_device_confirmed(user=user)
    if device is None:
        return redirect(f"{reverse('otp_enrol')}?{request.GET.urlencode()}")
    form = TotpCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = two_factor.totp_check(
            request=request, device_id=device.pk, code=form.cleaned_data["code"], action="otp_verify"
        )
        if result.ok:
            return redirect(_next_url(request) or "home")
        _refuse(form, result)
    return render(
        request,
        "registration/otp_verify.html",
        {"form": form, "next": _next_url(request)},
        status=200 if not form.errors else 400,
    )


@never_cache
@login_required
def otp_enrol(request: HttpRequest) -> HttpResponse:
    """First 2FA setup: the secret as a QR code and as text, confirmed with a first code.

    Only while the user has no confirmed device: a confirmed device is replaced through the admin's
    reset, never by whoever knows the password.
    """
    user = request.user
    if not two_factor.user_requires_otp(user):
        return redirect(_next_url(request) or "home")
    if two_factor.totp_device_confirmed(user=user) is not None:
        return redirect(f"{reverse('otp_verify')}?{request.GET.urlencode()}")
    device = two_factor.totp_enrolment_device(request=request)
    form = TotpCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        pending = two_factor.totp_enrolment_save(request=request, device=device)
        result = two_factor.totp_check(
            request=request, device_id=pending.pk, code=form.cleaned_data["code"], action="otp_enrol"
        )
        if result.ok:
            return redirect(_next_url(request) or "home")
        _refuse(form, result)
    context = {
        "form": form,
        "next": _next_url(request),
        "qr_svg": two_factor.totp_qr_svg(device),
        "secret": two_factor.totp_secret_text(device),
    }
    return render(request, "registration/otp_enrol.html", context, status=200 if not form.errors else 400)
