"""The admin site at /kelola/: office staff only, one login page for the whole product.

Kept apart from `admin_tools` because INSTALLED_APPS imports this module before the models are
ready: nothing here may import a model at module level.
"""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class OfficeAdminSite(admin.AdminSite):
    site_header = _("Kelola Disdukcapil")
    site_title = _("Kelola Disdukcapil")
    index_title = _("Data dan pengaturan kantor")
    # the product's home page, not "/": the admin's "Lihat situs" goes back to where staff work
    site_url = "/"
    # the wide changelists (the application list has ten columns and nine filters) need the room
    enable_nav_sidebar = False

    def has_permission(self, request: HttpRequest) -> bool:
        """Active office staff flagged `is_staff`; never an operator Pemdes, whatever their flags.

        A Pemdes account reaches only its own desa's batches, which the Pemdes portal already
        serves; keeping them out of the admin entirely is simpler to keep true than scoping every
        admin page by desa.
        """
        user = request.user
        if not (user.is_active and user.is_staff):
            return False
        return getattr(user, "role", None) != "pemdes"

    def login(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        """One login page for the product and the admin (the same throttling, the same form).

        Somebody already logged in without the right to the admin gets 403 rather than a second
        login form that invites them to try another account.
        """
        from django.contrib.auth.views import redirect_to_login  # needs the models loaded

        if request.user.is_authenticated:
            if self.has_permission(request):
                return super().login(request, extra_context)  # redirects to the index
            raise PermissionDenied
        target = request.GET.get("next") or reverse("admin:index", current_app=self.name)
        return redirect_to_login(target, reverse("login"))


class OfficeAdminConfig(AdminConfig):
    default_site = "dukcapil.core.admin_site.OfficeAdminSite"
