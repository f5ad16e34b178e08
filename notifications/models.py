"""Message templates, the outbox, and what arrives through the WhatsApp webhook."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Event(models.TextChoices):
    RECEIVED = "received", _("Permohonan diterima")
    REVISION_REQUIRED = "revision_required", _("Perlu perbaikan persyaratan")
    VERIFIED = "verified", _("Persyaratan terverifikasi")
    READY_PICKUP = "ready_pickup", _("Dokumen siap diambil di kantor")
    READY_PEMDES = "ready_pemdes", _("Dokumen siap, akan diantar ke desa")
    DISPATCHED = "dispatched", _("Dokumen dikirim ke desa")
    AT_DESA = "at_desa", _("Dokumen siap diambil di kantor desa")
    REJECTED = "rejected", _("Permohonan ditolak")
    RECORDING_BOOKED = "recording_booked", _("Jadwal perekaman KTP-el")
    RECORDING_DECLINED = "recording_declined", _("Perekaman KTP-el tidak dapat dijadwalkan")
    SHIFT_REMINDER = "shift_reminder", _("Pengingat piket kantor")


class MessageTemplate(models.Model):
    event = models.CharField(_("peristiwa"), max_length=30, choices=Event.choices, unique=True)
    body = models.TextField(
        _("isi pesan"),
        help_text=_(
            "Tempat isian: {nama}, {nomor}, {jenis_dokumen}, {kekurangan}, {desa}, {tempat_ambil}, {tanggal}, {alasan}"
        ),
    )
    cloud_template_name = models.CharField(_("nama template WhatsApp Cloud"), max_length=100, blank=True)
    is_active = models.BooleanField(_("aktif"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("template pesan")
        verbose_name_plural = _("template pesan")
        ordering = ["event"]

    def __str__(self) -> str:
        return self.get_event_display()


class OutboxMessage(models.Model):
    """A WhatsApp message to send, written in the same transaction as the change that causes it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Menunggu")
        SENDING = "sending", _("Sedang dikirim")
        SENT = "sent", _("Terkirim ke server")
        DELIVERED = "delivered", _("Sampai")
        READ = "read", _("Dibaca")
        FAILED = "failed", _("Gagal (akan dicoba lagi)")
        PERMANENT_FAILURE = "permanent", _("Gagal permanen")

    event = models.CharField(_("peristiwa"), max_length=30, choices=Event.choices)
    # one event gives one message: e.g. "app:123:revision_required:4"
    dedupe_key = models.CharField(max_length=120, unique=True)
    application = models.ForeignKey(
        "applications.Application", on_delete=models.CASCADE, null=True, blank=True, related_name="messages"
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    recipient = models.CharField(_("tujuan"), max_length=20)
    body = models.TextField(_("isi"))
    template_params = models.JSONField(default=list, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=255, blank=True)
    provider_message_id = models.CharField(max_length=128, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("pesan keluar")
        verbose_name_plural = _("pesan keluar")
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    status__in=["pending", "sending", "sent", "delivered", "read", "failed", "permanent"]
                ),
                name="outbox_status_valid",
            ),
        ]
        indexes = [
            # used by the periodic sweep: what is still due to send
            models.Index(
                fields=["next_attempt_at"],
                name="outbox_due_idx",
                condition=Q(status__in=["pending", "failed", "sending"]),
            ),
            # used by delivery-status webhooks
            models.Index(
                fields=["provider_message_id"],
                name="outbox_provider_id_idx",
                condition=~Q(provider_message_id=""),
            ),
            # used by the application page's message history
            models.Index(fields=["application", "created_at"], name="outbox_app_created_idx"),
            # used by the admin outbox page and the dashboard's failed notifications
            models.Index(fields=["status", "created_at"], name="outbox_status_created_idx"),
        ]


class WebhookReceipt(models.Model):
    """Ids of webhook messages already handled, so a replayed delivery is handled once."""

    provider_id = models.CharField(max_length=160, unique=True)
    received_at = models.DateTimeField(auto_now_add=True)


class InboundMessage(models.Model):
    """A message a citizen sent to an officer's published number (the officer's WhatsApp inbox)."""

    class Status(models.TextChoices):
        NEW = "new", _("Baru")
        USED = "used", _("Sudah diproses")
        DISMISSED = "dismissed", _("Diabaikan")

    provider_message_id = models.CharField(max_length=160, unique=True)
    officer_number = models.ForeignKey(
        "routing.OfficerNumber", on_delete=models.PROTECT, related_name="inbound_messages"
    )
    sender = models.CharField(_("pengirim"), max_length=20)
    sender_name = models.CharField(_("nama profil"), max_length=150, blank=True)
    text = models.TextField(_("teks"), blank=True)
    received_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.NEW)
    application = models.ForeignKey(
        "applications.Application", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("pesan masuk")
        verbose_name_plural = _("pesan masuk")
        indexes = [
            # used by the officer's WhatsApp inbox
            models.Index(fields=["officer_number", "status", "-received_at"], name="inbound_inbox_idx"),
        ]


class InboundMedia(models.Model):
    """A photo or PDF of an inbound message; fetched from the provider and cleaned by a Celery task."""

    message = models.ForeignKey(InboundMessage, on_delete=models.CASCADE, related_name="media")
    media_id = models.CharField(max_length=160)
    mime_type = models.CharField(max_length=80, blank=True)
    # the cleaned file (re-encoded JPEG or checked PDF) under a server-made name, and its thumbnail
    file = models.FileField(upload_to="inbound/", blank=True)
    thumbnail = models.FileField(upload_to="inbound/", blank=True)
    display_name = models.CharField(_("nama berkas"), max_length=120, blank=True)
    fetched = models.BooleanField(default=False)
    used = models.BooleanField(default=False)
    fetch_attempts = models.PositiveSmallIntegerField(default=0)
    # why the file cannot be used (refused by the upload checks, expired at the provider), for the officer
    error = models.CharField(_("masalah"), max_length=400, blank=True)

    class Meta:
        indexes = [
            # used by the media sweep: what still has to be fetched
            models.Index(
                fields=["id"], name="inbound_media_unfetched_idx", condition=Q(fetched=False, error="")
            ),
        ]
