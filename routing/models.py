"""Regions, officers' WhatsApp numbers, rotas, the urgent-recording quota and delivery batches."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dukcapil.accounts.models import Bidang


class Kecamatan(models.Model):
    code = models.CharField(_("kode Kemendagri"), max_length=8, unique=True)  # "52.06.01"
    name = models.CharField(_("nama"), max_length=100)

    class Meta:
        verbose_name = _("kecamatan")
        verbose_name_plural = _("kecamatan")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Desa(models.Model):
    class Kind(models.TextChoices):
        DESA = "desa", _("Desa")
        KELURAHAN = "kelurahan", _("Kelurahan")

    code = models.CharField(_("kode Kemendagri"), max_length=13, unique=True)  # "52.06.01.2005"
    name = models.CharField(_("nama"), max_length=100)
    kecamatan = models.ForeignKey(
        Kecamatan, verbose_name=_("kecamatan"), on_delete=models.PROTECT, related_name="desa_set"
    )
    kind = models.CharField(_("jenis"), max_length=10, choices=Kind.choices, default=Kind.DESA)

    class Meta:
        verbose_name = _("desa/kelurahan")
        verbose_name_plural = _("desa/kelurahan")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=["desa", "kelurahan"]), name="desa_kind_valid"),
        ]

    def __str__(self) -> str:
        return self.name


class OfficerNumber(models.Model):
    """A published WhatsApp number of one officer, printed on the office banner."""

    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("petugas"), on_delete=models.PROTECT, related_name="numbers"
    )
    phone = models.CharField(_("nomor WhatsApp (E.164)"), max_length=20, unique=True)
    bidang = models.CharField(_("bidang"), max_length=10, choices=Bidang.choices)
    services = models.ManyToManyField(
        "applications.DocumentType",
        verbose_name=_("layanan"),
        blank=True,
        help_text=_("Kosongkan untuk semua layanan bidang ini."),
    )
    label = models.CharField(_("keterangan"), max_length=100, blank=True)
    is_active = models.BooleanField(_("aktif"), default=True)

    class Meta:
        verbose_name = _("nomor WhatsApp petugas")
        verbose_name_plural = _("nomor WhatsApp petugas")
        ordering = ["bidang", "phone"]

    def __str__(self) -> str:
        return self.phone


class Leave(models.Model):
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="leaves")
    start = models.DateField(_("mulai"))
    end = models.DateField(_("selesai"))
    reason = models.CharField(_("alasan"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("cuti")
        verbose_name_plural = _("cuti")
        constraints = [
            models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="leave_end_after_start")
        ]
        indexes = [
            # used by assignment ("is this officer on leave today?") and rota generation
            models.Index(fields=["officer", "start", "end"], name="leave_officer_range_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.officer} {self.start:%d-%m-%Y}–{self.end:%d-%m-%Y}"


class ClosedDay(models.Model):
    """An office-specific closed day on top of weekends and national public holidays."""

    date = models.DateField(_("tanggal"), unique=True)
    reason = models.CharField(_("alasan"), max_length=200)

    class Meta:
        verbose_name = _("hari libur kantor")
        verbose_name_plural = _("hari libur kantor")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%d-%m-%Y} {self.reason}"


class Rota(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draf")
        PUBLISHED = "published", _("Diterbitkan")

    bidang = models.CharField(_("bidang"), max_length=10, choices=Bidang.choices)
    start = models.DateField(_("mulai"))
    end = models.DateField(_("selesai"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    max_in_office = models.PositiveSmallIntegerField(_("maksimal di kantor per hari"), null=True, blank=True)
    max_share = models.DecimalField(
        _("maksimal porsi di kantor"), max_digits=3, decimal_places=2, null=True, blank=True
    )
    min_per_bidang = models.PositiveSmallIntegerField(_("minimal per bidang per hari"), default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("jadwal piket")
        verbose_name_plural = _("jadwal piket")
        constraints = [
            models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="rota_end_after_start"),
            models.CheckConstraint(condition=Q(status__in=["draft", "published"]), name="rota_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_bidang_display()} {self.start:%d-%m-%Y}–{self.end:%d-%m-%Y} ({self.get_status_display()})"


class ShiftAssignment(models.Model):
    """One officer's place on one working day of a rota."""

    class Place(models.TextChoices):
        OFFICE = "office", _("Di kantor")
        HOME = "home", _("Bekerja dari rumah")

    rota = models.ForeignKey(Rota, on_delete=models.CASCADE, related_name="assignments")
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="shifts")
    date = models.DateField(_("tanggal"))
    place = models.CharField(_("tempat"), max_length=10, choices=Place.choices)

    class Meta:
        verbose_name = _("jadwal harian")
        verbose_name_plural = _("jadwal harian")
        constraints = [
            # one place per officer per day within a rota
            models.UniqueConstraint(fields=["rota", "officer", "date"], name="shift_one_per_officer_day"),
            models.CheckConstraint(condition=Q(place__in=["office", "home"]), name="shift_place_valid"),
        ]
        indexes = [
            # used by "my schedule", the iCal feed, assignment ("working today?") and reminders
            models.Index(fields=["officer", "date"], name="shift_officer_date_idx"),
            # used by the recording quota ("recording staff in the office that day?")
            models.Index(fields=["date", "place"], name="shift_date_place_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.officer} {self.date:%d-%m-%Y} {self.get_place_display()}"


class RecordingDay(models.Model):
    """Capacity of the urgent KTP-el recording desk on one date.

    `booked` is incremented with one conditional UPDATE (booked < cap) so the cap holds under
    concurrency without a lock held across the request.
    """

    date = models.DateField(_("tanggal"), unique=True)
    cap = models.PositiveSmallIntegerField(
        _("kuota"), null=True, blank=True, help_text=_("Kosongkan untuk kuota bawaan.")
    )
    booked = models.PositiveSmallIntegerField(_("terpakai"), default=0)

    class Meta:
        verbose_name = _("kuota perekaman harian")
        verbose_name_plural = _("kuota perekaman harian")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%d-%m-%Y}"


class RecordingBooking(models.Model):
    class Status(models.TextChoices):
        PENDING_APPROVAL = "pending", _("Menunggu persetujuan")
        BOOKED = "booked", _("Terjadwal")
        DECLINED = "declined", _("Ditolak")
        CANCELLED = "cancelled", _("Dibatalkan")
        ATTENDED = "attended", _("Sudah direkam")

    date = models.DateField(_("tanggal perekaman"))
    application = models.ForeignKey(
        "applications.Application",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="recording_bookings",
    )
    name = models.CharField(_("nama"), max_length=150)
    nik = models.CharField(_("NIK"), max_length=16)
    whatsapp = models.CharField(_("nomor WhatsApp"), max_length=20)
    desa = models.ForeignKey(Desa, on_delete=models.PROTECT, related_name="+")
    urgency = models.CharField(_("alasan mendesak"), max_length=20)
    justification = models.TextField(_("penjelasan"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decline_reason = models.CharField(_("alasan penolakan"), max_length=255, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("pemesanan perekaman KTP-el")
        verbose_name_plural = _("pemesanan perekaman KTP-el")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "booked", "declined", "cancelled", "attended"]),
                name="booking_status_valid",
            ),
            # recording_book: one open (pending or booked) booking per NIK, also under concurrent
            # bookings of the same citizen from two desks
            models.UniqueConstraint(
                fields=["nik"], condition=Q(status__in=["pending", "booked"]), name="booking_one_open_per_nik"
            ),
        ]
        indexes = [
            # used by the recording desk's daily list
            models.Index(fields=["date", "status"], name="booking_date_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.date:%d-%m-%Y} #{self.pk} ({self.get_status_display()})"


class DeliveryBatch(models.Model):
    """Finished documents travelling together to one desa, with a manifest the Pemdes signs."""

    class Status(models.TextChoices):
        OPEN = "open", _("Disiapkan")
        DISPATCHED = "dispatched", _("Dalam pengiriman")
        RECEIVED = "received", _("Diterima desa")
        CLOSED = "closed", _("Selesai")

    number = models.CharField(_("nomor"), max_length=40, unique=True)
    desa = models.ForeignKey(Desa, verbose_name=_("desa"), on_delete=models.PROTECT, related_name="batches")
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    courier = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("kurir"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    dispatch_date = models.DateField(_("tanggal kirim"), null=True, blank=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    received_at = models.DateTimeField(null=True, blank=True)
    # bumped on every change of the items; the stored PDF is for `pdf_version`
    version = models.PositiveIntegerField(default=1)
    item_count = models.PositiveIntegerField(default=0)
    pdf = models.FileField(upload_to="manifests/", blank=True)
    pdf_version = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("batch pengiriman")
        verbose_name_plural = _("batch pengiriman")
        constraints = [
            # one open batch per desa
            models.UniqueConstraint(
                fields=["desa"], condition=Q(status="open"), name="batch_one_open_per_desa"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["open", "dispatched", "received", "closed"]),
                name="batch_status_valid",
            ),
        ]
        indexes = [
            # used by the Pemdes portal's batch list and the officer's batch list
            models.Index(fields=["desa", "-created_at"], name="batch_desa_created_idx"),
            # used by the dashboard: dispatched, not yet confirmed
            models.Index(fields=["status", "dispatched_at"], name="batch_status_dispatched_idx"),
        ]

    def __str__(self) -> str:
        return self.number


class BatchItem(models.Model):
    class Status(models.TextChoices):
        IN_BATCH = "in_batch", _("Dalam batch")
        HANDED_OVER = "handed_over", _("Sudah diserahkan")
        RETURNED = "returned", _("Dikembalikan ke kantor")

    batch = models.ForeignKey(DeliveryBatch, on_delete=models.PROTECT, related_name="items")
    application = models.ForeignKey(
        "applications.Application", on_delete=models.PROTECT, related_name="batch_items"
    )
    position = models.PositiveIntegerField(default=0)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.IN_BATCH)
    received_by_name = models.CharField(_("diterima oleh"), max_length=150, blank=True)
    relation = models.CharField(_("hubungan dengan pemohon"), max_length=60, blank=True)
    handed_over_on = models.DateField(_("tanggal serah"), null=True, blank=True)
    returned_reason = models.CharField(_("alasan dikembalikan"), max_length=255, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("isi batch")
        verbose_name_plural = _("isi batch")
        constraints = [
            # an application travels in at most one batch at a time (a returned item may go again)
            models.UniqueConstraint(
                fields=["application"],
                condition=~Q(status="returned"),
                name="batch_item_one_live_per_application",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["in_batch", "handed_over", "returned"]),
                name="batch_item_status_valid",
            ),
        ]
        indexes = [
            # used by the manifest and the batch page (items in order)
            models.Index(fields=["batch", "position"], name="batch_item_batch_pos_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}/{self.position}"
