"""Cross-cutting models: the audit trail, gap-free counters and background-job progress."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Counter(models.Model):
    """A named yearly counter, e.g. registration numbers per office and year without duplicates.

    Incremented with select_for_update inside the transaction that uses the number, so two intakes
    never receive the same value and a rolled-back intake does not burn one.
    """

    name = models.CharField(max_length=40)
    year = models.PositiveSmallIntegerField()
    value = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("nomor urut")
        verbose_name_plural = _("nomor urut")
        constraints = [
            # one row per counter and year
            models.UniqueConstraint(fields=["name", "year"], name="counter_name_year_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.year}: {self.value}"


class AuditEntry(models.Model):
    """One append-only row per access or change of personal data (UU PDP: who saw what, when).

    Holds no full NIK or phone number: `nik_digest` is a keyed hash so "every access to this NIK"
    can be answered without storing the number itself.
    """

    class Outcome(models.TextChoices):
        ALLOWED = "allowed", _("diizinkan")
        DENIED = "denied", _("ditolak")

    at = models.DateTimeField(_("waktu (UTC)"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_username = models.CharField(max_length=150, blank=True)
    action = models.CharField(_("aksi"), max_length=80)  # "admin:delete:<app_label>.<model>"
    object_type = models.CharField(max_length=40, blank=True)
    object_id = models.CharField(max_length=40, blank=True)
    application_id = models.BigIntegerField(null=True, blank=True)
    desa_id = models.BigIntegerField(null=True, blank=True)
    nik_digest = models.CharField(max_length=64, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.ALLOWED)
    detail = models.CharField(max_length=255, blank=True)

    class Meta:
        verbose_name = _("catatan audit")
        verbose_name_plural = _("catatan audit")
        indexes = [
            # used by the admin's "every access to this NIK between these dates" page
            models.Index(fields=["nik_digest", "at"], name="audit_nik_at_idx", condition=~Q(nik_digest="")),
            # used by the admin's "every access in this desa between these dates" page
            models.Index(
                fields=["desa_id", "at"], name="audit_desa_at_idx", condition=Q(desa_id__isnull=False)
            ),
            # used by a user's own audit history
            models.Index(fields=["actor", "at"], name="audit_actor_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%d-%m-%Y %H:%M:%S} {self.actor_username} {self.action}"


class BackgroundJob(models.Model):
    """Progress of a long action (batch creation, rota generation, big exports) polled by the page."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("menunggu")
        RUNNING = "running", _("berjalan")
        DONE = "done", _("selesai")
        FAILED = "failed", _("gagal")

    kind = models.CharField(max_length=40)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    params = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    result_file = models.FileField(upload_to="jobs/", blank=True)
    error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("pekerjaan latar")
        verbose_name_plural = _("pekerjaan latar")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["queued", "running", "done", "failed"]), name="job_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.get_status_display()})"

    @property
    def percent(self) -> int:
        return (
            int(100 * self.done / self.total)
            if self.total
            else (100 if self.status == self.Status.DONE else 0)
        )
