from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django_htmx.http import HttpResponseClientRedirect

from .two_factor import totp_device_confirmed, user_requires_otp


class OfficeLanguageMiddleware:
    """Bahasa Indonesia unless the user picked English with the language switcher (cookie).

    Django's LocaleMiddleware would follow the browser's Accept-Language, and many office PCs
    and phones are set to English; the product speaks Indonesian by default.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.available = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in self.available:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class TwoFactorRequiredMiddleware:
    """Send a logged-in user whose role needs 2FA to the second step until this session passed it.

    Runs after django-otp's OTPMiddleware (which sets `user.is_verified()`). Users without a
    confirmed device go to the enrolment page, the others to the verification page; the page they
    asked for comes back as `next`. Exempt: the pages a half-logged-in user needs (login, logout,
    the two 2FA pages, the language switch) and the URL names in OTP_EXEMPT_URL_NAMES (health
    checks). The admin site (/kelola/) is behind it like every other page.
    """

    ALWAYS_EXEMPT = frozenset({"login", "logout", "otp_enrol", "otp_verify", "set_language"})

    def __init__(self, get_response):
        self.get_response = get_response
        self.exempt = self.ALWAYS_EXEMPT | frozenset(getattr(settings, "OTP_EXEMPT_URL_NAMES", ()))

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user_requires_otp(user) or user.is_verified():
            return None
        if request.resolver_match.view_name in self.exempt:
            return None
        target = "otp_verify" if totp_device_confirmed(user=user) else "otp_enrol"
        next_path = request.get_full_path() if request.method == "GET" else reverse("home")
        url = f"{reverse(target)}?{urlencode({'next': next_path})}"
        if getattr(request, "htmx", False):
            return HttpResponseClientRedirect(url)
        return redirect(url)
