"""The document catalogue, applications, their attachments, checks and status history."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dukcapil.accounts.models import Bidang


class ServiceCategory(models.Model):
    """Dafduk or Capil: each is served by the bidang of the same code."""

    code = models.CharField(_("kode"), max_length=10, choices=Bidang.choices, unique=True)
    name = models.CharField(_("nama"), max_length=100)

    class Meta:
        verbose_name = _("kategori layanan")
        verbose_name_plural = _("kategori layanan")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class DocumentType(models.Model):
    code = models.SlugField(_("kode"), max_length=40, unique=True)
    name = models.CharField(_("nama"), max_length=120)
    category = models.ForeignKey(
        ServiceCategory, verbose_name=_("kategori"), on_delete=models.PROTECT, related_name="document_types"
    )
    description = models.TextField(_("keterangan"), blank=True)
    legal_basis = models.CharField(_("dasar hukum"), max_length=200, blank=True)
    service_level_days = models.PositiveSmallIntegerField(_("standar waktu layanan (hari)"), default=14)
    reporting_deadline_days = models.PositiveSmallIntegerField(
        _("batas waktu pelaporan (hari)"),
        null=True,
        blank=True,
        help_text=_("Untuk angka 'tepat waktu', mis. kelahiran 60 hari."),
    )
    needs_in_person = models.BooleanField(_("perlu datang langsung"), default=False)
    is_accepting = models.BooleanField(_("sedang dilayani"), default=True)
    suspended_reason = models.CharField(_("alasan ditangguhkan"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(_("urutan"), default=0)

    class Meta:
        verbose_name = _("jenis dokumen")
        verbose_name_plural = _("jenis dokumen")
        ordering = ["category", "order", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def bidang(self) -> str:
        return self.category.code


class Requirement(models.Model):
    """One required attachment (persyaratan) of a document type.

    Requirements sharing a non-empty `alternative_group` are alternatives: any one of them
    satisfies the group (e.g. buku nikah OR SPTJM kebenaran pasangan suami istri).
    """

    document_type = models.ForeignKey(DocumentType, on_delete=models.CASCADE, related_name="requirements")
    name = models.CharField(_("nama persyaratan"), max_length=150)
    instruction = models.CharField(_("petunjuk untuk pemohon"), max_length=300, blank=True)
    is_mandatory = models.BooleanField(_("wajib"), default=True)
    alternative_group = models.CharField(_("kelompok alternatif"), max_length=40, blank=True)
    order = models.PositiveSmallIntegerField(_("urutan"), default=0)

    class Meta:
        verbose_name = _("persyaratan")
        verbose_name_plural = _("persyaratan")
        ordering = ["document_type", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["document_type", "name"], name="requirement_unique_name_per_type"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Application(models.Model):
    class Status(models.TextChoices):
        RECEIVED = "received", _("Diterima")
        VERIFYING = "verifying", _("Diverifikasi")
        REVISION_REQUIRED = "revision_required", _("Perlu perbaikan")
        RESUBMITTED = "resubmitted", _("Perbaikan dikirim")
        VERIFIED = "verified", _("Terverifikasi")
        PROCESSING = "processing", _("Diproses")
        READY = "ready", _("Siap")
        IN_DELIVERY = "in_delivery", _("Dalam pengiriman ke desa")
        AT_DESA = "at_desa", _("Di kantor desa")
        HANDED_OVER = "handed_over", _("Sudah diserahkan")
        REJECTED = "rejected", _("Ditolak")
        CANCELLED = "cancelled", _("Dibatalkan")

    CLOSED_STATUSES = ("handed_over", "rejected", "cancelled")

    class Urgency(models.TextChoices):
        NONE = "none", _("Tidak mendesak")
        BPJS = "bpjs", _("BPJS")
        HOSPITAL = "hospital", _("Rumah sakit")
        TNI_POLRI = "tni_polri", _("Pendaftaran TNI/Polri")
        OTHER = "other", _("Lainnya (dengan alasan)")

    class Delivery(models.TextChoices):
        VIA_PEMDES = "via_pemdes", _("Diantar melalui Pemdes")
        PICKUP = "pickup", _("Diambil di kantor")

    number = models.CharField(_("nomor registrasi"), max_length=30, unique=True)
    applicant_name = models.CharField(_("nama pemohon"), max_length=150)
    nik = models.CharField(_("NIK"), max_length=16)
    no_kk = models.CharField(_("No. KK"), max_length=16)
    whatsapp = models.CharField(_("nomor WhatsApp"), max_length=20)
    desa = models.ForeignKey(
        "routing.Desa",
        verbose_name=_("desa/kelurahan"),
        on_delete=models.PROTECT,
        related_name="applications",
    )
    document_type = models.ForeignKey(
        DocumentType, verbose_name=_("jenis dokumen"), on_delete=models.PROTECT, related_name="applications"
    )
    # copied from the document type's category at intake: the queue and access checks filter on it
    bidang = models.CharField(_("bidang"), max_length=10, choices=Bidang.choices)
    urgency = models.CharField(
        _("kemendesakan"), max_length=10, choices=Urgency.choices, default=Urgency.NONE
    )
    urgency_reason = models.CharField(_("alasan mendesak"), max_length=255, blank=True)
    is_urgent = models.GeneratedField(
        expression=~Q(urgency="none"), output_field=models.BooleanField(), db_persist=True
    )
    delivery_method = models.CharField(
        _("cara penyerahan"), max_length=12, choices=Delivery.choices, default=Delivery.VIA_PEMDES
    )
    received_on = models.ForeignKey(
        "routing.OfficerNumber",
        verbose_name=_("diterima di nomor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="applications",
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("petugas"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_applications",
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.RECEIVED)
    issued_document_number = models.CharField(_("nomor dokumen terbit"), max_length=60, blank=True)
    closing_reason = models.CharField(_("alasan penolakan/pembatalan"), max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("diterima pada"), db_index=False)
    updated_at = models.DateTimeField(_("diubah pada"), auto_now=True)
    status_changed_at = models.DateTimeField(_("status berubah pada"))
    # the service-level deadline fixed at intake (a later change of the standard does not move it)
    due_at = models.DateTimeField(_("batas waktu layanan"))
    ready_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    revision_count = models.PositiveSmallIntegerField(default=0)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("permohonan")
        verbose_name_plural = _("permohonan")
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    status__in=[
                        "received",
                        "verifying",
                        "revision_required",
                        "resubmitted",
                        "verified",
                        "processing",
                        "ready",
                        "in_delivery",
                        "at_desa",
                        "handed_over",
                        "rejected",
                        "cancelled",
                    ]
                ),
                name="application_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(urgency__in=["none", "bpjs", "hospital", "tni_polri", "other"]),
                name="application_urgency_valid",
            ),
            models.CheckConstraint(
                condition=Q(delivery_method__in=["via_pemdes", "pickup"]), name="application_delivery_valid"
            ),
            # "other" urgency needs a reason
            models.CheckConstraint(
                condition=~Q(urgency="other") | ~Q(urgency_reason=""),
                name="application_other_urgency_has_reason",
            ),
        ]
        indexes = [
            # used by the officer queue: my open applications, urgent and oldest first
            models.Index(
                fields=["assigned_to", "status", "-is_urgent", "created_at", "id"],
                name="app_queue_officer_idx",
            ),
            # used by the kepala bidang queue and dashboards: the whole bidang by status
            models.Index(
                fields=["bidang", "status", "-is_urgent", "created_at", "id"], name="app_queue_bidang_idx"
            ),
            # used by the queue's default order across all statuses (urgent and oldest first)
            models.Index(fields=["bidang", "-is_urgent", "created_at", "id"], name="app_bidang_order_idx"),
            # (the queue's name search uses app_name_search_trgm_idx, a PostgreSQL-only trigram index
            # on UPPER(applicant_name) created by migration 0006)
            # used by NIK search and the duplicate warning at intake
            models.Index(fields=["nik", "document_type"], name="app_nik_type_idx"),
            # used by the desa/kecamatan filters and per-desa dashboard counts
            models.Index(fields=["desa", "status"], name="app_desa_status_idx"),
            # used by the dashboard intake-per-day series
            models.Index(fields=["bidang", "created_at"], name="app_bidang_created_idx"),
            # used by the overdue filter
            models.Index(
                fields=["bidang", "due_at"],
                name="app_bidang_due_idx",
                condition=~Q(status__in=["handed_over", "rejected", "cancelled"]),
            ),
            # used by batch creation: ready documents going via Pemdes, per desa
            models.Index(
                fields=["desa"],
                name="app_ready_pemdes_idx",
                condition=Q(status="ready", delivery_method="via_pemdes"),
            ),
            # used by the dashboard's intake figures (per day, type, desa; revision rate): an
            # index-only scan of the date range, for one bidang or all (the columns read are included)
            models.Index(
                fields=["created_at"],
                include=["id", "bidang", "document_type", "desa", "revision_count"],
                name="app_dash_created_cov_idx",
            ),
            # used by the dashboard's finished-per-day, turnaround and throughput figures (index-only)
            models.Index(
                fields=["ready_at"],
                include=["id", "bidang", "created_at", "due_at", "document_type", "desa", "assigned_to"],
                name="app_dash_ready_cov_idx",
                condition=Q(ready_at__isnull=False),
            ),
            # used by the dashboard's backlog, aging and per-officer/per-desa open counts: an
            # index-only scan of the open applications (PostgreSQL; elsewhere a plain partial index)
            models.Index(
                fields=["bidang", "status"],
                include=["id", "assigned_to", "desa", "created_at", "due_at", "is_urgent"],
                name="app_dash_open_idx",
                condition=~Q(status__in=["handed_over", "rejected", "cancelled"]),
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status not in self.CLOSED_STATUSES


class ApplicationTally(models.Model):
    """How many applications each (bidang, officer, status) holds, kept exact by database triggers.

    Written only by the triggers of migration 0005 (see `applications/tally.py`), never by Python:
    every INSERT, UPDATE and DELETE on applications, including bulk ones and COPY, moves the counts
    in the same transaction. The queue tabs and dashboards read it instead of counting history.
    """

    bidang = models.CharField(max_length=10, choices=Bidang.choices)
    # the assigned officer's id, 0 when unassigned: a plain integer so the unique key also holds on
    # SQLite and PostgreSQL (a NULL would never conflict)
    assignee = models.IntegerField(default=0)
    status = models.CharField(max_length=20, choices=Application.Status.choices)
    n = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("rekap status permohonan")
        verbose_name_plural = _("rekap status permohonan")
        constraints = [
            # the key the triggers upsert on (ON CONFLICT / INSERT OR IGNORE)
            models.UniqueConstraint(fields=["bidang", "assignee", "status"], name="app_tally_key"),
        ]

    def __str__(self) -> str:
        return f"{self.bidang}/{self.assignee}/{self.status}: {self.n}"


class OpenWorkTally(models.Model):
    """The open applications counted per day, kept exact by database triggers (migration 0008).

    Four views of the same open applications (see `applications/open_work.py`): per status and local
    day of intake (with the urgent ones), for the backlog's aging; per status and local due day, per
    officer and due day, per desa and due day, for the overdue counts. A periodic job folds the days
    that can no longer change a figure into one floor row (`OpenWorkClock`), so the table stays a few
    thousand rows however long the office's history. Rows are summed, never read one by one: a
    concurrent fold may leave a key split over two rows, or a negative one.
    """

    class Kind(models.IntegerChoices):
        AGE = 1, "status × hari diterima"
        DUE = 2, "status × hari tenggat"
        OFFICER = 3, "petugas × hari tenggat"
        DESA = 4, "desa × hari tenggat"

    kind = models.PositiveSmallIntegerField(choices=Kind.choices)
    bidang = models.CharField(max_length=10, choices=Bidang.choices)
    status = models.CharField(max_length=20, blank=True)  # "" for the officer and desa kinds
    dim = models.BigIntegerField(default=0)  # officer id (0: unassigned) or desa id; 0 otherwise
    day = models.DateField()  # local day; the clock's floor holds every earlier day too
    n = models.BigIntegerField(default=0)
    urgent = models.BigIntegerField(default=0)  # AGE only

    class Meta:
        verbose_name = _("rekap pekerjaan terbuka")
        verbose_name_plural = _("rekap pekerjaan terbuka")
        constraints = [
            models.UniqueConstraint(fields=["kind", "bidang", "status", "dim", "day"], name="open_tally_key"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}/{self.bidang}/{self.status}/{self.dim}/{self.day}: {self.n}"


class OpenWorkClock(models.Model):
    """One row: the time zone the triggers take days in, and the floors the fold has reached.

    A tally row on a floor day counts that day and every earlier one: `age_floor` stays at least 31
    days back (all of it in the oldest aging bucket), `due_floor` before today (all of it overdue).
    """

    time_zone = models.CharField(max_length=64)
    utc_offset = models.CharField(max_length=20)  # SQLite date() modifier, e.g. "+420 minutes"
    age_floor = models.DateField()
    due_floor = models.DateField()

    class Meta:
        verbose_name = _("jam rekap pekerjaan terbuka")
        verbose_name_plural = _("jam rekap pekerjaan terbuka")

    def __str__(self) -> str:
        return f"{self.time_zone} {self.age_floor} {self.due_floor}"


class ApplicationEvent(models.Model):
    """One row per state change or notable action: who, when, from, to, note."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    action = models.CharField(_("aksi"), max_length=40)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    note = models.TextField(_("catatan"), blank=True)

    class Meta:
        verbose_name = _("riwayat permohonan")
        verbose_name_plural = _("riwayat permohonan")
        indexes = [
            # used by the application page's timeline
            models.Index(fields=["application", "created_at"], name="event_app_created_idx"),
            # used by the dashboard's finished-per-day and turnaround figures
            models.Index(fields=["to_status", "created_at"], name="event_to_status_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.created_at:%d-%m-%Y %H:%M}"


class RequirementCheck(models.Model):
    """The officer's verdict on one requirement of one application."""

    class Verdict(models.TextChoices):
        PENDING = "pending", _("Belum diperiksa")
        OK = "ok", _("Sesuai")
        MISSING = "missing", _("Tidak ada")
        UNREADABLE = "unreadable", _("Tidak terbaca")
        INVALID = "invalid", _("Tidak sah")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="checks")
    requirement = models.ForeignKey(Requirement, on_delete=models.PROTECT, related_name="+")
    verdict = models.CharField(_("hasil"), max_length=12, choices=Verdict.choices, default=Verdict.PENDING)
    reason = models.CharField(_("alasan"), max_length=255, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("pemeriksaan persyaratan")
        verbose_name_plural = _("pemeriksaan persyaratan")
        constraints = [
            models.UniqueConstraint(fields=["application", "requirement"], name="check_one_per_requirement"),
            models.CheckConstraint(
                condition=Q(verdict__in=["pending", "ok", "missing", "unreadable", "invalid"]),
                name="check_verdict_valid",
            ),
        ]
        indexes = [
            # used by the dashboard's "requirements most often missing"
            models.Index(fields=["requirement", "verdict"], name="check_req_verdict_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.requirement_id}: {self.get_verdict_display()}"


class MissingTally(models.Model):
    """Checks whose current verdict is not accepted, per application's bidang, document type and
    local day of intake, requirement and verdict; kept exact by database triggers (migration 0009).

    The dashboard's "requirements most often not accepted" sums it over the range's days instead of
    joining every check of every application received in the range. Written only by the triggers
    (and `applications.open_work.open_work_rebuild`).
    """

    bidang = models.CharField(max_length=10, choices=Bidang.choices)
    # no database constraint: the triggers write ids the checks already hold (requirements and types
    # are never deleted while a check points at them)
    document_type = models.ForeignKey(
        DocumentType, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    requirement = models.ForeignKey(
        Requirement, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    day = models.DateField()  # the application's local day of intake (the open-work clock's zone)
    verdict = models.CharField(max_length=12)
    n = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("rekap persyaratan tidak diterima")
        verbose_name_plural = _("rekap persyaratan tidak diterima")
        constraints = [
            models.UniqueConstraint(
                fields=["bidang", "document_type", "requirement", "day", "verdict"], name="missing_tally_key"
            ),
        ]
        indexes = [
            # used by the dashboard: the range's days, one bidang or all
            models.Index(fields=["day", "bidang"], name="missing_day_bidang_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.requirement_id} {self.verdict}: {self.n}"


def attachment_path(instance: "Attachment", filename: str) -> str:
    # server-made, non-guessable names; the uploaded name is kept only for display
    return f"attachments/{instance.application_id}/{uuid.uuid4().hex}{instance.extension}"


def thumbnail_path(instance: "Attachment", filename: str) -> str:
    return f"attachments/{instance.application_id}/thumb-{uuid.uuid4().hex}.jpg"


def screen_path(instance: "Attachment", filename: str) -> str:
    return f"attachments/{instance.application_id}/screen-{uuid.uuid4().hex}.jpg"


class Attachment(models.Model):
    class Kind(models.TextChoices):
        IMAGE = "image", _("Gambar")
        PDF = "pdf", _("PDF")

    class Source(models.TextChoices):
        INTAKE = "intake", _("Pendaftaran")
        RESUBMISSION = "resubmission", _("Perbaikan")
        WHATSAPP = "whatsapp", _("WhatsApp masuk")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="attachments")
    requirement = models.ForeignKey(
        Requirement,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Kosong: lainnya"),
    )
    file = models.FileField(upload_to=attachment_path)
    thumbnail = models.FileField(upload_to=thumbnail_path, blank=True)
    # the viewer's version of a large photo (long side 1280 px); empty for PDFs, small photos and
    # photos stored before it existed: the viewer then shows `file`
    screen = models.FileField(upload_to=screen_path, blank=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    extension = models.CharField(max_length=5)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    display_name = models.CharField(_("nama berkas"), max_length=120)
    source = models.CharField(max_length=15, choices=Source.choices, default=Source.INTAKE)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    replaced_at = models.DateTimeField(_("diganti pada"), null=True, blank=True)

    class Meta:
        verbose_name = _("lampiran")
        verbose_name_plural = _("lampiran")
        indexes = [
            # used by the application page's attachment viewer
            models.Index(fields=["application", "requirement", "uploaded_at"], name="attachment_app_req_idx"),
        ]

    def __str__(self) -> str:
        return self.display_name
