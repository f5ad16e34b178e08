"""The admin of the document catalogue and of applications.

The catalogue (categories, document types, their requirements) is master data edited here. An
application is changed only through the workflow: its fields are read-only, its status moves
through `application_act` (the same function as the buttons of the application page) from the
change form or from the changelist's actions, and every move leaves an event row.
"""

import re
from functools import partial

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dukcapil.core.admin_tools import (
    ActionForm,
    ActionReport,
    ActionRow,
    OfficeAdmin,
    ReadOnlyAdmin,
    ReadOnlyInline,
    ServiceFormAdmin,
    ServiceModelForm,
    action_page,
    is_confirmed,
    limited_rows,
    shown,
)
from routing.models import Kecamatan

from .models import (
    Application,
    ApplicationEvent,
    ApplicationTally,
    Attachment,
    DocumentType,
    MissingTally,
    OpenWorkClock,
    OpenWorkTally,
    Requirement,
    RequirementCheck,
    ServiceCategory,
)
from .selectors import OPEN_Q, revision_message_draft, visible_applications
from .services import WorkflowError, application_act
from .validators import mask_nik, mask_phone
from .views.detail import EVENT_LABELS, page_transitions

# --- the catalogue ------------------------------------------------------------------------------


@admin.register(ServiceCategory)
class ServiceCategoryAdmin(OfficeAdmin):
    list_display = ("name", "code")
    search_fields = ("name", "code")
    ordering = ("code",)


class RequirementInline(admin.TabularInline):
    model = Requirement
    fields = ("order", "name", "instruction", "is_mandatory", "alternative_group")
    extra = 0
    ordering = ("order", "id")


@admin.register(DocumentType)
class DocumentTypeAdmin(OfficeAdmin):
    list_display = (
        "name",
        "code",
        "category",
        "service_level_days",
        "needs_in_person",
        "is_accepting",
        "requirement_count",
    )
    list_filter = ("category", "is_accepting", "needs_in_person")
    list_select_related = ("category",)
    search_fields = ("name", "code")
    prepopulated_fields = {"code": ("name",)}
    ordering = ("category__code", "order", "name")
    inlines = [RequirementInline]
    fieldsets = (
        (None, {"fields": ("name", "code", "category", "order", "description", "legal_basis")}),
        (
            gettext_lazy("Layanan"),
            {
                "fields": (
                    "service_level_days",
                    "reporting_deadline_days",
                    "needs_in_person",
                    "is_accepting",
                    "suspended_reason",
                )
            },
        ),
    )

    def get_queryset(self, request):
        # one grouped count in the list query, not one query per row
        return super().get_queryset(request).annotate(_requirements=Count("requirements"))

    @admin.display(description=gettext_lazy("persyaratan"), ordering="_requirements")
    def requirement_count(self, obj: DocumentType) -> int:
        return obj._requirements


@admin.register(Requirement)
class RequirementAdmin(OfficeAdmin):
    list_display = ("name", "document_type", "is_mandatory", "alternative_group", "order")
    list_filter = ("document_type__category", "is_mandatory")
    list_select_related = ("document_type",)
    search_fields = ("name", "document_type__name")
    autocomplete_fields = ("document_type",)
    ordering = ("document_type__name", "order", "id")


# --- applications: list filters that never scan the applications table -------------------------


class KecamatanFilter(admin.SimpleListFilter):
    """By kecamatan: the choices come from the (small) kecamatan table, not from the applications."""

    title = gettext_lazy("kecamatan")
    parameter_name = "kecamatan"

    def lookups(self, request, model_admin):
        return [(str(k.pk), k.name) for k in Kecamatan.objects.order_by("name")]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(desa__kecamatan_id=self.value())
        return queryset


class OverdueFilter(admin.SimpleListFilter):
    title = gettext_lazy("batas waktu layanan")
    parameter_name = "terlambat"

    def lookups(self, request, model_admin):
        return [("1", _("Lewat batas waktu (masih terbuka)"))]

    def queryset(self, request, queryset):
        if self.value() == "1":
            return queryset.filter(OPEN_Q, due_at__lt=timezone.now())
        return queryset


# --- applications: the change form --------------------------------------------------------------


# e.g. BIMA-2026-0001234 (registration_number_format)
FULL_NUMBER = re.compile(r"[A-Za-z0-9]+-\d{4}-\d{7}")


def status_moves(user, application: Application) -> list:
    """The moves the change form offers: the application page's, except resubmission.

    A resubmission comes with the citizen's corrected files, which only the application page takes.
    """
    return [t for t in page_transitions(user, application) if t.action != "resubmit"]


class ApplicationChangeForm(ServiceModelForm):
    """No model field is editable; the only write is a status move through `application_act`."""

    transition = forms.ChoiceField(label=gettext_lazy("Aksi status"), required=False)
    note = forms.CharField(
        label=gettext_lazy("Catatan atau alasan"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        help_text=gettext_lazy(
            "Wajib untuk minta perbaikan (jadi daftar kekurangan di pesan WhatsApp), tolak dan batalkan."
        ),
    )
    new_document_number = forms.CharField(
        label=gettext_lazy("Nomor dokumen yang terbit"),
        required=False,
        max_length=60,
        help_text=gettext_lazy("Wajib untuk 'Tandai siap'."),
    )
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    service_errors = (WorkflowError,)

    class Meta:
        model = Application
        fields: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.transition_label = ""
        if "transition" not in self.fields:
            return  # a read-only form (view permission only)
        choices = [(t.action, t.label) for t in status_moves(self.actor, self.instance)]
        self.fields["transition"].choices = [("", _("— status tidak diubah —")), *choices]
        self.fields["expected_version"].initial = self.instance.version

    def save_through_service(self, data: dict):
        action = data.get("transition")
        if not action:
            return None
        version = data.get("expected_version")
        application = application_act(
            application=self.instance,
            actor=self.actor,
            action=action,
            # the version the page was loaded with: a change made meanwhile makes this one fail
            expected_version=self.instance.version if version is None else version,
            note=data.get("note", ""),
            issued_document_number=data.get("new_document_number", ""),
        )
        self.transition_label = dict(self.fields["transition"].choices)[action]
        return application


@admin.register(Application)
class ApplicationAdmin(ServiceFormAdmin):
    form = ApplicationChangeForm
    list_display = (
        "number",
        "applicant_name",
        "document_type",
        "desa",
        "status_label",
        "urgency_label",
        "assigned_to",
        "created_label",
        "due_label",
    )
    list_display_links = ("number", "applicant_name")
    # the columns' related names come in the list query itself: no query per row
    list_select_related = ("document_type", "desa", "assigned_to")
    list_filter = (
        "status",
        "bidang",
        "urgency",
        "delivery_method",
        OverdueFilter,
        "document_type",
        KecamatanFilter,
        ("created_at", admin.DateFieldListFilter),
    )
    search_fields = ("number", "applicant_name")
    search_help_text = gettext_lazy(
        "Nomor registrasi atau nama pemohon. Untuk mencari NIK, pakai pencarian NIK di halaman antrean."
    )
    # newest first by primary key, and sorting only by the registration number: both are served by
    # an index at any table size (a sort by date or deadline would sort a million rows per page)
    ordering = ("-id",)
    sortable_by = ("number",)
    readonly_fields = (
        "number",
        "applicant_name",
        "nik_masked",
        "no_kk_masked",
        "whatsapp_masked",
        "desa",
        "document_type",
        "bidang",
        "urgency",
        "urgency_reason",
        "delivery_method",
        "received_on",
        "status",
        "assigned_to",
        "issued_document_number",
        "closing_reason",
        "created_at",
        "status_changed_at",
        "due_at",
        "ready_at_",
        "closed_at_",
        "revision_count_",
        "version_",
        "product_page",
    )
    actions = [
        "start_verification_action",
        "request_revision_action",
        "reassign_action",
        "mark_ready_action",
        "resend_failed_messages_action",
    ]

    def scope_queryset(self, request, qs):
        # the product's own rule (the queue and the application page use it): one place decides
        return qs & visible_applications(request.user)

    def get_inlines(self, request, obj):
        return [RequirementCheckInline, AttachmentInline, ApplicationEventInline] if obj else []

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # intake (number, deadline, checklist, files, message) is the intake page's job

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # an application holds history; it is rejected or cancelled, never deleted

    def has_reassign_permission(self, request: HttpRequest) -> bool:
        from routing.selectors import user_is_manager

        return user_is_manager(request.user)

    def get_list_filter(self, request):
        filters = super().get_list_filter(request)
        if not request.user.is_office_wide:
            filters = tuple(f for f in filters if f != "bidang")
        return filters

    def get_search_results(self, request, queryset, search_term):
        """Like the queue: with a digit it can only be a registration number, otherwise a name."""
        term = search_term.strip()
        if not term:
            return queryset, False
        if FULL_NUMBER.fullmatch(term):
            # a whole registration number: the unique index answers at once
            return queryset.filter(number__in={term, term.upper()}), False
        if any(ch.isdigit() for ch in term):
            return queryset.filter(number__icontains=term), False
        return queryset.filter(applicant_name__icontains=term), False

    def get_fieldsets(self, request, obj=None):
        fieldsets = [
            (
                _("Pemohon"),
                {
                    "fields": (
                        "number",
                        "applicant_name",
                        "nik_masked",
                        "no_kk_masked",
                        "whatsapp_masked",
                        "desa",
                    )
                },
            ),
            (
                _("Layanan"),
                {
                    "fields": (
                        "document_type",
                        "bidang",
                        "urgency",
                        "urgency_reason",
                        "delivery_method",
                        "received_on",
                    )
                },
            ),
            (
                _("Alur kerja"),
                {
                    "fields": (
                        "product_page",
                        "status",
                        "assigned_to",
                        "issued_document_number",
                        "closing_reason",
                        ("created_at", "status_changed_at"),
                        ("due_at", "ready_at_", "closed_at_"),
                        ("revision_count_", "version_"),
                    )
                },
            ),
        ]
        if obj is not None and self.has_change_permission(request, obj) and status_moves(request.user, obj):
            fieldsets.append(
                (
                    _("Ubah status"),
                    {
                        "fields": ("transition", "note", "new_document_number", "expected_version"),
                        "description": _(
                            "Perubahan status melewati alur kerja yang sama dengan halaman permohonan: "
                            "tercatat di riwayat dan pemohon menerima pesan WhatsApp bila perlu. "
                            "Petugas dialihkan lewat aksi 'Alihkan ke petugas lain' di daftar."
                        ),
                    },
                )
            )
        return fieldsets

    def save_model(self, request, obj, form, change):
        # the form's clean() moved the status through the workflow; the model fields are read-only
        if getattr(form, "transition_label", ""):
            self.message_user(
                request, _("%(number)s: %(label)s.") % {"number": obj.number, "label": form.transition_label}
            )

    # --- columns ---------------------------------------------------------------------------------

    ready_at_ = shown("ready_at", gettext_lazy("siap pada"))
    closed_at_ = shown("closed_at", gettext_lazy("ditutup pada"))
    revision_count_ = shown("revision_count", gettext_lazy("jumlah perbaikan"))
    version_ = shown("version", gettext_lazy("versi"))

    @admin.display(description=gettext_lazy("NIK"))
    def nik_masked(self, obj: Application) -> str:
        return mask_nik(obj.nik)

    @admin.display(description=gettext_lazy("No. KK"))
    def no_kk_masked(self, obj: Application) -> str:
        return mask_nik(obj.no_kk)

    @admin.display(description=gettext_lazy("nomor WhatsApp"))
    def whatsapp_masked(self, obj: Application) -> str:
        return mask_phone(obj.whatsapp)

    @admin.display(description=gettext_lazy("status"), ordering="status")
    def status_label(self, obj: Application) -> str:
        return obj.get_status_display()

    @admin.display(description=gettext_lazy("mendesak"), ordering="-is_urgent")
    def urgency_label(self, obj: Application) -> str:
        # empty for the usual case, so the urgent few stand out
        return obj.get_urgency_display() if obj.is_urgent else ""

    @admin.display(description=gettext_lazy("diterima"), ordering="created_at")
    def created_label(self, obj: Application) -> str:
        return timezone.localtime(obj.created_at).strftime("%d-%m-%Y")

    @admin.display(description=gettext_lazy("batas waktu"), ordering="due_at")
    def due_label(self, obj: Application):
        due = timezone.localtime(obj.due_at).strftime("%d-%m-%Y")
        if obj.is_open and obj.due_at < timezone.now():
            return format_html('<strong class="overdue">{} ({})</strong>', due, _("lewat"))
        return due

    @admin.display(description=gettext_lazy("halaman permohonan"))
    def product_page(self, obj: Application):
        return format_html(
            '<a href="{}">{}</a>',
            reverse("applications:detail", args=[obj.pk]),
            _("Buka di halaman permohonan (pemeriksaan persyaratan, lampiran, perbaikan)"),
        )

    # --- actions ---------------------------------------------------------------------------------

    @admin.action(description=gettext_lazy("Mulai verifikasi"), permissions=["change"])
    def start_verification_action(self, request, queryset):
        rows = limited_rows(self, request, queryset)
        if rows is None:
            return None
        self._transition_rows(
            request,
            rows,
            verb=_("mulai diverifikasi"),
            action="start_verification",
            row_kwargs=lambda app: {"expected_version": app.version},
        )
        return None

    def _transition_rows(self, request, rows, *, verb: str, action: str, row_kwargs) -> None:
        """One `application_act` per selected row (each its own transaction), then one report."""
        report = ActionReport(verb=verb)
        for app in rows:
            report.run(
                app.number,
                partial(
                    application_act, application=app, actor=request.user, action=action, **row_kwargs(app)
                ),
                (WorkflowError,),
            )
        report.send(self, request)

    @admin.action(description=gettext_lazy("Minta perbaikan persyaratan…"), permissions=["change"])
    def request_revision_action(self, request, queryset):
        """Intermediate page: one note per application, drafted from its checklist, then the moves."""
        rows = limited_rows(
            self,
            request,
            queryset.select_related("document_type").prefetch_related(
                Prefetch(
                    "checks",
                    queryset=RequirementCheck.objects.select_related("requirement").order_by(
                        "requirement__order", "id"
                    ),
                )
            ),
        )
        if rows is None:
            return None
        form = RevisionForm(request.POST if is_confirmed(request) else None, pks=[a.pk for a in rows])
        if not form.is_bound:
            for app in rows:
                form.initial[f"note_{app.pk}"] = revision_message_draft(list(app.checks.all()))
                form.initial[f"version_{app.pk}"] = app.version
        elif form.is_valid():
            self._transition_rows(
                request,
                rows,
                verb=_("diminta perbaikan"),
                action="request_revision",
                row_kwargs=lambda app: {
                    "expected_version": form.row_value("version", app.pk),
                    "note": form.row_value("note", app.pk) or "",
                },
            )
            return None
        return action_page(
            self,
            request,
            action="request_revision_action",
            title=_("Minta perbaikan persyaratan"),
            intro=_(
                "Tulis daftar kekurangan untuk setiap pemohon; isinya dikirim lewat WhatsApp. Draf diisi "
                "dari hasil pemeriksaan persyaratan. Hanya permohonan yang sedang diverifikasi yang dapat "
                "diminta perbaikan."
            ),
            header=[_("Nomor"), _("Pemohon"), _("Jenis dokumen"), _("Status"), _("Daftar kekurangan")],
            rows=[
                ActionRow(
                    pk=app.pk,
                    cells=[app.number, app.applicant_name, app.document_type.name, app.get_status_display()],
                    inputs=form.row_fields(app.pk),
                    problem=_unavailable(request.user, app, "request_revision"),
                )
                for app in rows
            ],
            form=form,
            submit_label=_("Kirim permintaan perbaikan"),
        )

    @admin.action(description=gettext_lazy("Alihkan ke petugas lain…"), permissions=["reassign"])
    def reassign_action(self, request, queryset):
        from routing.selectors import reassign_targets
        from routing.services import RoutingError, applications_reassign

        rows = limited_rows(self, request, queryset.select_related("assigned_to", "document_type"))
        if rows is None:
            return None
        targets = list(reassign_targets(request.user))
        form = ReassignActionForm(request.POST if is_confirmed(request) else None, targets=targets)
        if form.is_bound and form.is_valid():
            target = form.cleaned_data["target"]
            report = ActionReport(verb=_("dialihkan"))
            # one service call per application, so one refusal does not hold back the others
            for app in rows:
                report.run(
                    app.number,
                    partial(
                        applications_reassign,
                        actor=request.user,
                        application_ids=[app.pk],
                        to_officer=target,
                        note=form.cleaned_data["note"],
                    ),
                    (RoutingError,),
                )
            report.send(self, request)
            return None
        return action_page(
            self,
            request,
            action="reassign_action",
            title=_("Alihkan ke petugas lain"),
            intro=_("Permohonan hanya dapat dialihkan ke petugas aktif dari bidang permohonan itu."),
            header=[_("Nomor"), _("Pemohon"), _("Jenis dokumen"), _("Petugas sekarang")],
            rows=[
                ActionRow(
                    pk=app.pk,
                    cells=[
                        app.number,
                        app.applicant_name,
                        app.document_type.name,
                        str(app.assigned_to) if app.assigned_to else _("belum ada"),
                    ],
                )
                for app in rows
            ],
            form=form,
            submit_label=_("Alihkan"),
        )

    @admin.action(description=gettext_lazy("Tandai siap, dengan nomor dokumen…"), permissions=["change"])
    def mark_ready_action(self, request, queryset):
        rows = limited_rows(self, request, queryset.select_related("document_type"))
        if rows is None:
            return None
        form = MarkReadyForm(request.POST if is_confirmed(request) else None, pks=[a.pk for a in rows])
        if not form.is_bound:
            for app in rows:
                form.initial[f"version_{app.pk}"] = app.version
        elif form.is_valid():
            self._transition_rows(
                request,
                rows,
                verb=_("ditandai siap"),
                action="mark_ready",
                row_kwargs=lambda app: {
                    "expected_version": form.row_value("version", app.pk),
                    "issued_document_number": form.row_value("number", app.pk) or "",
                },
            )
            return None
        return action_page(
            self,
            request,
            action="mark_ready_action",
            title=_("Tandai siap"),
            intro=_(
                "Isi nomor dokumen yang terbit untuk setiap permohonan (mis. nomor akta atau nomor KK). "
                "Hanya permohonan yang sedang diproses yang dapat ditandai siap; baris tanpa nomor ditolak."
            ),
            header=[_("Nomor"), _("Pemohon"), _("Jenis dokumen"), _("Status"), _("Nomor dokumen terbit")],
            rows=[
                ActionRow(
                    pk=app.pk,
                    cells=[app.number, app.applicant_name, app.document_type.name, app.get_status_display()],
                    inputs=form.row_fields(app.pk),
                    problem=_unavailable(request.user, app, "mark_ready"),
                )
                for app in rows
            ],
            form=form,
            submit_label=_("Tandai siap"),
        )

    @admin.action(description=gettext_lazy("Kirim ulang pesan WhatsApp yang gagal"), permissions=["change"])
    def resend_failed_messages_action(self, request, queryset):
        from notifications.models import OutboxMessage
        from notifications.services import RESENDABLE, message_resend

        rows = limited_rows(self, request, queryset)
        if rows is None:
            return None
        failed = (
            OutboxMessage.objects.filter(application__in=rows, status__in=RESENDABLE)
            .select_related("application")
            .order_by("application_id", "id")
        )
        report = ActionReport(verb=_("pesan dikirim ulang"))
        for message in failed:
            report.run(
                f"{message.application.number} ({message.get_event_display()})",
                partial(message_resend, message=message, actor=request.user),
                (ValidationError,),
            )
        if not report.done and not report.refused:
            self.message_user(
                request, _("Tidak ada pesan gagal pada permohonan yang dipilih."), messages.INFO
            )
            return None
        report.send(self, request)
        return None


def _unavailable(user, application: Application, action: str) -> str:
    """Why the row's move is not on offer now (read from the transition table, as on the page)."""
    if any(t.action == action for t in page_transitions(user, application)):
        return ""
    return _("Tidak tersedia untuk status '%(status)s'; akan ditolak.") % {
        "status": application.get_status_display()
    }


class RevisionForm(ActionForm):
    row_field_names = ("note", "version")

    def row_field(self, name: str, pk: int) -> forms.Field:
        if name == "version":
            return forms.IntegerField(widget=forms.HiddenInput)
        return forms.CharField(
            label=_("Daftar kekurangan"),
            required=False,
            max_length=2000,
            widget=forms.Textarea(attrs={"rows": 4}),
        )


class MarkReadyForm(ActionForm):
    row_field_names = ("number", "version")

    def row_field(self, name: str, pk: int) -> forms.Field:
        if name == "version":
            return forms.IntegerField(widget=forms.HiddenInput)
        return forms.CharField(label=_("Nomor dokumen terbit"), required=False, max_length=60)


class ReassignActionForm(ActionForm):
    AUTO = "auto"
    target = forms.ChoiceField(label=gettext_lazy("Alihkan ke"))
    note = forms.CharField(label=gettext_lazy("Catatan (opsional)"), max_length=200, required=False)

    def __init__(self, *args, targets, **kwargs):
        super().__init__(*args, **kwargs)
        self.targets = {str(u.pk): u for u in targets}
        self.fields["target"].choices = [
            (self.AUTO, _("Otomatis: bagi rata ke petugas yang bebannya paling ringan")),
            *[(str(u.pk), f"{u.get_full_name() or u.username} ({u.get_bidang_display()})") for u in targets],
        ]

    def clean_target(self):
        value = self.cleaned_data["target"]
        return None if value == self.AUTO else self.targets[value]


# --- read-only history and files ------------------------------------------------------------------

STATUS_LABELS = dict(Application.Status.choices)
# the application page's labels, plus the rows written by reassignment, batches and resends
ACTION_LABELS = {
    **EVENT_LABELS,
    "reassign": gettext_lazy("Dialihkan ke petugas lain"),
    "batch_add": gettext_lazy("Masuk batch pengiriman"),
    "batch_remove": gettext_lazy("Dikeluarkan dari batch pengiriman"),
    "message_resend": gettext_lazy("Pesan WhatsApp dikirim ulang"),
}


def status_text(value: str) -> str:
    return str(STATUS_LABELS.get(value, value or "—"))


class RequirementCheckInline(ReadOnlyInline):
    model = RequirementCheck
    fields = ("requirement_", "verdict", "reason", "checked_by_", "checked_at_")
    verbose_name_plural = gettext_lazy("pemeriksaan persyaratan (diubah di halaman permohonan)")

    requirement_ = shown("requirement", gettext_lazy("persyaratan"))
    checked_by_ = shown("checked_by", gettext_lazy("diperiksa oleh"))
    checked_at_ = shown("checked_at", gettext_lazy("diperiksa pada"))

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("requirement", "checked_by")
            .order_by("requirement__order", "id")
        )


class AttachmentInline(ReadOnlyInline):
    model = Attachment
    fields = (
        "display_name",
        "requirement_",
        "kind_",
        "size_",
        "source_",
        "uploaded_at_",
        "replaced_at",
        "open_link",
    )
    verbose_name_plural = gettext_lazy("lampiran (dibuka lewat halaman permohonan yang memeriksa hak akses)")

    requirement_ = shown("requirement", gettext_lazy("persyaratan"))
    kind_ = shown("kind", gettext_lazy("jenis"))
    size_ = shown("size", gettext_lazy("ukuran (bita)"))
    source_ = shown("source", gettext_lazy("sumber"))
    uploaded_at_ = shown("uploaded_at", gettext_lazy("diunggah pada"))

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("requirement").order_by("uploaded_at", "id")

    @admin.display(description=gettext_lazy("berkas"))
    def open_link(self, obj: Attachment):
        return attachment_link(obj)


class EventColumns:
    """Indonesian labels of an event row, shared by the inline and the event list."""

    created_at_ = shown("created_at", gettext_lazy("waktu"))
    actor_ = shown("actor", gettext_lazy("oleh"))
    application_ = shown("application", gettext_lazy("permohonan"))

    @admin.display(description=gettext_lazy("aksi"))
    def action_(self, obj: ApplicationEvent) -> str:
        return str(ACTION_LABELS.get(obj.action, obj.action))

    @admin.display(description=gettext_lazy("dari status"))
    def from_(self, obj: ApplicationEvent) -> str:
        return status_text(obj.from_status)

    @admin.display(description=gettext_lazy("ke status"))
    def to_(self, obj: ApplicationEvent) -> str:
        return status_text(obj.to_status)


class ApplicationEventInline(EventColumns, ReadOnlyInline):
    model = ApplicationEvent
    fields = ("created_at_", "actor_", "action_", "from_", "to_", "note")
    verbose_name_plural = gettext_lazy("riwayat permohonan")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor").order_by("-created_at", "-id")


def attachment_link(obj: Attachment):
    """Through the product's protected view (it checks access again), never the storage's URL."""
    return format_html(
        '<a href="{}" target="_blank" rel="noopener">{}</a>',
        reverse("applications:attachment", args=[obj.application_id, obj.pk]),
        _("Buka"),
    )


class ToStatusFilter(admin.SimpleListFilter):
    """An event's target status, from the status choices (no scan for distinct values)."""

    title = gettext_lazy("ke status")
    parameter_name = "ke_status"

    def lookups(self, request, model_admin):
        return Application.Status.choices

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(to_status=self.value())
        return queryset


class ByApplicationNumber:
    """Search by the exact registration number: served by its unique index at any table size."""

    search_fields = ("application__number",)
    search_help_text = gettext_lazy("Nomor registrasi permohonan, lengkap.")

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        return (queryset.filter(application__number=term), False) if term else (queryset, False)


@admin.register(ApplicationEvent)
class ApplicationEventAdmin(EventColumns, ByApplicationNumber, ReadOnlyAdmin):
    bidang_path = "application__bidang"
    list_display = ("created_at_", "application_", "action_", "from_", "to_", "actor_", "note")
    list_select_related = ("application", "actor")
    list_filter = (ToStatusFilter, ("created_at", admin.DateFieldListFilter))
    ordering = ("-id",)
    sortable_by = ()
    fields = ("application_", "created_at_", "actor_", "action_", "from_", "to_", "note")
    readonly_fields = fields


@admin.register(ApplicationTally)
class ApplicationTallyAdmin(ReadOnlyAdmin):
    """The status counters the database triggers keep (repair: `manage.py tally_rebuild`)."""

    bidang_path = "bidang"
    list_display = ("bidang", "assignee", "status", "n")
    list_filter = ("bidang", "status")
    ordering = ("bidang", "assignee", "status")
    fields = list_display
    readonly_fields = fields


@admin.register(OpenWorkTally)
class OpenWorkTallyAdmin(ReadOnlyAdmin):
    """The open work per day the database triggers keep for the dashboard (applications/open_work.py;
    repair: `manage.py tally_rebuild`)."""

    bidang_path = "bidang"
    list_display = ("kind", "bidang", "status", "dim", "day", "n", "urgent")
    list_filter = ("kind", "bidang", "status")
    ordering = ("kind", "bidang", "status", "dim", "day")
    fields = list_display
    readonly_fields = fields


@admin.register(OpenWorkClock)
class OpenWorkClockAdmin(ReadOnlyAdmin):
    """The time zone and floors of the open-work tally (moved by the hourly fold)."""

    list_display = ("time_zone", "utc_offset", "age_floor", "due_floor")
    fields = list_display
    readonly_fields = fields


@admin.register(MissingTally)
class MissingTallyAdmin(ReadOnlyAdmin):
    """Requirement checks not accepted per day of intake, kept by database triggers (dashboard)."""

    bidang_path = "bidang"
    list_display = ("day", "bidang", "document_type_id", "requirement_id", "verdict", "n")
    list_filter = ("bidang", "verdict")
    ordering = ("-day", "bidang", "requirement_id", "verdict")
    fields = list_display
    readonly_fields = fields


@admin.register(RequirementCheck)
class RequirementCheckAdmin(ByApplicationNumber, ReadOnlyAdmin):
    bidang_path = "application__bidang"
    list_display = ("application_", "requirement_", "verdict", "reason", "checked_by_", "checked_at_")
    list_select_related = ("application", "requirement", "checked_by")
    list_filter = ("verdict",)
    ordering = ("-id",)
    sortable_by = ()
    fields = list_display
    readonly_fields = fields

    application_ = shown("application", gettext_lazy("permohonan"))
    requirement_ = shown("requirement", gettext_lazy("persyaratan"))
    checked_by_ = shown("checked_by", gettext_lazy("diperiksa oleh"))
    checked_at_ = shown("checked_at", gettext_lazy("diperiksa pada"))


@admin.register(Attachment)
class AttachmentAdmin(ByApplicationNumber, ReadOnlyAdmin):
    bidang_path = "application__bidang"
    list_display = (
        "display_name",
        "application_",
        "requirement_",
        "kind_",
        "size_",
        "source_",
        "uploaded_at_",
        "replaced_at",
        "open_link",
    )
    list_select_related = ("application", "requirement")
    list_filter = ("kind", "source")
    ordering = ("-id",)
    sortable_by = ()
    # the file fields are left out on purpose: their widget would print the storage path and URL
    fields = (
        "application_",
        "requirement_",
        "display_name",
        "kind_",
        "content_type_",
        "size_",
        "sha256_",
        "source_",
        "uploaded_by_",
        "uploaded_at_",
        "replaced_at",
        "open_link",
    )
    readonly_fields = fields

    application_ = shown("application", gettext_lazy("permohonan"))
    requirement_ = shown("requirement", gettext_lazy("persyaratan"))
    kind_ = shown("kind", gettext_lazy("jenis"))
    content_type_ = shown("content_type", gettext_lazy("tipe isi"))
    size_ = shown("size", gettext_lazy("ukuran (bita)"))
    sha256_ = shown("sha256", gettext_lazy("sidik SHA-256"))
    source_ = shown("source", gettext_lazy("sumber"))
    uploaded_by_ = shown("uploaded_by", gettext_lazy("diunggah oleh"))
    uploaded_at_ = shown("uploaded_at", gettext_lazy("diunggah pada"))

    @admin.display(description=gettext_lazy("berkas"))
    def open_link(self, obj: Attachment):
        return attachment_link(obj)
