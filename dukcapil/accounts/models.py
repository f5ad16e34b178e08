from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Bidang(models.TextChoices):
    """The two service sections of a Disdukcapil office."""

    DAFDUK = "dafduk", _("Pendaftaran Penduduk")
    CAPIL = "capil", _("Pencatatan Sipil")


class User(AbstractUser):
    class Role(models.TextChoices):
        PETUGAS = "petugas", _("Petugas")
        KEPALA_BIDANG = "kepala_bidang", _("Kepala Bidang")
        KEPALA_DINAS = "kepala_dinas", _("Kepala Dinas")
        PEMDES = "pemdes", _("Operator Pemdes")
        ADMIN = "admin", _("Admin")

    role = models.CharField(_("peran"), max_length=20, choices=Role.choices, default=Role.PETUGAS)
    bidang = models.CharField(_("bidang"), max_length=10, choices=Bidang.choices, blank=True)
    desa = models.ForeignKey(
        "routing.Desa",
        verbose_name=_("desa"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="operators",
        help_text=_("Hanya untuk operator Pemdes: desa yang dilayani."),
    )
    phone = models.CharField(_("nomor WhatsApp pribadi"), max_length=20, blank=True)
    ical_token = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = _("pengguna")
        verbose_name_plural = _("pengguna")
        constraints = [
            # the role field is the source of truth for access; keep it to known values
            models.CheckConstraint(
                condition=Q(role__in=["petugas", "kepala_bidang", "kepala_dinas", "pemdes", "admin"]),
                name="user_role_valid",
            ),
            # an operator Pemdes is bound to exactly one desa; nobody else is bound to one
            models.CheckConstraint(
                condition=(Q(role="pemdes", desa__isnull=False) | (~Q(role="pemdes") & Q(desa__isnull=True))),
                name="user_pemdes_has_one_desa",
            ),
            # petugas and kepala bidang belong to exactly one bidang
            models.CheckConstraint(
                condition=~Q(role__in=["petugas", "kepala_bidang"]) | ~Q(bidang=""),
                name="user_officer_has_bidang",
            ),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def is_officer(self) -> bool:
        return self.role == self.Role.PETUGAS

    @property
    def is_kabid(self) -> bool:
        return self.role == self.Role.KEPALA_BIDANG

    @property
    def is_pemdes(self) -> bool:
        return self.role == self.Role.PEMDES

    @property
    def is_office_wide(self) -> bool:
        """Admin and head of office see every bidang."""
        return self.role in (self.Role.ADMIN, self.Role.KEPALA_DINAS) or self.is_superuser

    @property
    def is_staff_of_office(self) -> bool:
        return self.role in (
            self.Role.PETUGAS,
            self.Role.KEPALA_BIDANG,
            self.Role.KEPALA_DINAS,
            self.Role.ADMIN,
        )
