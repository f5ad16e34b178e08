"""Users in the admin: the role decides the groups, the bidang and the desa; Pemdes never get in.

- `role` is the source of truth for access; saving a user puts them in exactly the group of their
  role (`user_sync_role_group`), so groups and single permissions are not edited by hand.
- "Akses halaman kelola" (`is_staff`) is open to office roles only. An operator Pemdes cannot
  have it (the form refuses, and the admin site refuses them anyway).
- Only a superuser grants or edits superusers.
- "Atur ulang verifikasi dua langkah" removes a user's authenticator (lost phone), audited; the
  device models themselves are not in the admin (their secret keys must not be readable there).
- A kepala bidang may look at (not change) the staff of their own bidang: the admin's officer
  pickers (leave, numbers) search through this list.
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.db.models import Exists, OuterRef
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp.plugins.otp_totp.models import TOTPDevice

from dukcapil.core.admin_tools import ActionReport, OfficeAdmin
from dukcapil.core.audit import audit_record

from .models import User
from .roles import user_sync_role_group
from .two_factor import otp_devices_reset

# django-otp registers its device admins (which show or edit the secret keys); resets go through
# the user list's action instead.
if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)

OFFICER_ROLES = (User.Role.PETUGAS, User.Role.KEPALA_BIDANG)


class RoleFieldsMixin:
    """Role, bidang and desa that fit together, with messages in place of the database's constraints."""

    def clean(self):
        data = super().clean()
        role = data.get("role")
        bidang = data.get("bidang")
        desa = data.get("desa")
        if role == User.Role.PEMDES:
            if not desa:
                self.add_error("desa", _("Operator Pemdes harus terikat ke satu desa."))
            if data.get("is_staff"):
                self.add_error(
                    "is_staff",
                    _("Operator Pemdes tidak diberi akses halaman kelola; mereka memakai portal desa."),
                )
            data["bidang"] = ""
        elif role:
            if desa:
                self.add_error("desa", _("Hanya operator Pemdes yang terikat ke satu desa."))
            if role in OFFICER_ROLES and not bidang:
                self.add_error("bidang", _("Petugas dan kepala bidang harus memiliki bidang."))
        return data


class OfficeUserCreationForm(RoleFieldsMixin, AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("username", "first_name", "last_name", "role", "bidang", "desa", "is_staff")


class OfficeUserChangeForm(RoleFieldsMixin, UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User


@admin.register(User)
class OfficeUserAdmin(OfficeAdmin, DjangoUserAdmin):
    form = OfficeUserChangeForm
    add_form = OfficeUserCreationForm
    list_display = (
        "username",
        "full_name",
        "role",
        "bidang",
        "desa",
        "is_active",
        "is_staff",
        "otp_enabled",
        "last_login",
    )
    actions = ["otp_reset_action"]
    list_select_related = ("desa",)
    list_filter = ("role", "bidang", "is_active", "is_staff")
    search_fields = ("username", "first_name", "last_name", "email")
    autocomplete_fields = ("desa",)
    ordering = ("username",)
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (gettext_lazy("Data pribadi"), {"fields": ("first_name", "last_name", "email", "phone")}),
        (
            gettext_lazy("Peran dan wilayah kerja"),
            {
                "fields": ("role", "bidang", "desa"),
                "description": gettext_lazy(
                    "Peran menentukan hak akses (grup diatur otomatis). Petugas dan kepala bidang memilih "
                    "bidang; operator Pemdes memilih satu desa."
                ),
            },
        ),
        (gettext_lazy("Akses"), {"fields": ("is_active", "is_staff", "is_superuser")}),
        (gettext_lazy("Tanggal penting"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "usable_password", "password1", "password2"),
            },
        ),
        (gettext_lazy("Data pribadi"), {"fields": ("first_name", "last_name")}),
        (gettext_lazy("Peran dan wilayah kerja"), {"fields": ("role", "bidang", "desa", "is_staff")}),
    )

    def get_queryset(self, request: HttpRequest):
        confirmed = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
        return super().get_queryset(request).annotate(has_otp=Exists(confirmed))

    def scope_queryset(self, request: HttpRequest, qs):
        user = request.user
        if user.is_superuser or user.role == User.Role.ADMIN:
            return qs
        if user.role == User.Role.KEPALA_BIDANG and user.bidang:
            return qs.filter(role__in=OFFICER_ROLES, bidang=user.bidang)
        return qs.none()

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        # a kepala bidang sees their own staff (scope_queryset): the officer pickers need it
        return super().has_view_permission(request, obj) or request.user.role == User.Role.KEPALA_BIDANG

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False  # no way up to superuser through somebody else's account
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # accounts hold history (events, audit rows): deactivate instead

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        readonly = ["last_login", "date_joined"]
        if not request.user.is_superuser:
            readonly.append("is_superuser")
        return readonly

    def get_search_results(self, request: HttpRequest, queryset, search_term: str):
        """The officer pickers (autocomplete for leave and numbers) offer active officers only."""
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if request.GET.get("field_name") == "officer":
            from routing.selectors import managed_bidang

            queryset = queryset.filter(
                role__in=OFFICER_ROLES, is_active=True, bidang__in=managed_bidang(request.user)
            )
        return queryset, may_have_duplicates

    def save_model(self, request: HttpRequest, obj: User, form, change: bool) -> None:
        """Save, and audit a (de)activation: the admin's change form is the one place it happens."""
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data:
            audit_record(
                request=request, action="user:activate" if obj.is_active else "user:deactivate", obj=obj
            )

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        # after the form's many-to-many save, so nothing puts the old groups back
        user_sync_role_group(user=form.instance)

    @admin.display(description=gettext_lazy("nama lengkap"), ordering="first_name")
    def full_name(self, obj: User) -> str:
        return obj.get_full_name()

    @admin.display(description=gettext_lazy("2FA aktif"), boolean=True, ordering="has_otp")
    def otp_enabled(self, obj: User) -> bool:
        return obj.has_otp

    @admin.action(description=gettext_lazy("Atur ulang verifikasi dua langkah"), permissions=["change"])
    def otp_reset_action(self, request: HttpRequest, queryset) -> None:
        """Remove the authenticator of each selected user; they enrol a new one at their next login."""
        report = ActionReport(verb=_("verifikasi dua langkah diatur ulang"))
        for user in queryset:
            if user.is_superuser and not request.user.is_superuser:
                report.refuse(user.username, _("hanya superuser yang dapat mengubah akun superuser."))
                continue
            otp_devices_reset(request=request, user=user)
            report.ok(user.username)
        report.send(self, request)
