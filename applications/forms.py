"""Forms of the officer workspace. They parse and validate; services change state."""

from __future__ import annotations

import re
from itertools import groupby

from django import forms
from django.core.exceptions import ValidationError
from django.utils.choices import BaseChoiceIterator
from django.utils.translation import gettext_lazy as _

from dukcapil.accounts.models import Bidang, User
from routing.models import Desa, OfficerNumber

from .models import Application, DocumentType, RequirementCheck
from .selectors import QueueReference, queue_reference
from .services import ApplicationData
from .validators import normalize_whatsapp, validate_nik, validate_no_kk
from .workflow import Transition

ACCEPT_UPLOADS = "image/jpeg,image/png,application/pdf,.jpg,.jpeg,.png,.pdf"


def desa_choices(rows=None) -> list[tuple[str, list[tuple[int, str]]]]:
    """Every desa grouped by kecamatan, for a <select> with optgroups.

    `rows` are (id, name, kecamatan id, kecamatan name) ordered by kecamatan and name, as
    QueueReference holds them; read here (one query) when not given. Tuples, not model
    instances: ~190 desa with their kecamatan cost a few milliseconds as instances.
    """
    if rows is None:
        rows = Desa.objects.order_by("kecamatan__name", "name").values_list(
            "pk", "name", "kecamatan_id", "kecamatan__name"
        )
    return [
        (kecamatan_name, [(pk, name) for pk, name, _kecamatan, _kecamatan_name in group])
        for (_kecamatan, kecamatan_name), group in groupby(rows, key=lambda row: row[2:])
    ]


class ChoiceRows(BaseChoiceIterator):
    """Choices already in Django's form, (value, label) pairs and (group, pairs), passed through as they are.

    A list assigned to a ChoiceField is normalized twice (for the field and for its widget), each
    time walking every option: for the queue's ~190 desa, a millisecond of every page. Django
    leaves a choice iterator as it is.
    """

    def __init__(self, rows: list) -> None:
        self.rows = rows

    def __iter__(self):
        return iter(self.rows)


class DocumentTypeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: DocumentType) -> str:
        if not obj.is_accepting:
            return _("%(name)s — ditangguhkan") % {"name": obj.name}
        return obj.name


class IntakeForm(forms.Form):
    """Applicant data and the service asked for; the files per requirement are read by the view."""

    applicant_name = forms.CharField(label=_("Nama pemohon"), max_length=150)
    nik = forms.CharField(
        label=_("NIK"),
        max_length=24,
        help_text=_("16 digit, sesuai KTP-el/KK."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "class": "nik"}),
    )
    no_kk = forms.CharField(
        label=_("No. KK"),
        max_length=24,
        help_text=_("16 digit nomor Kartu Keluarga."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "class": "nik"}),
    )
    whatsapp = forms.CharField(
        label=_("Nomor WhatsApp pemohon"),
        max_length=40,
        help_text=_("Nomor yang mengirim berkas, mis. 0812-3456-7890."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    desa = forms.TypedChoiceField(label=_("Desa/kelurahan"), coerce=int)
    document_type = DocumentTypeChoiceField(
        label=_("Jenis dokumen"), queryset=DocumentType.objects.none(), empty_label=_("— pilih layanan —")
    )
    urgency = forms.ChoiceField(
        label=_("Kemendesakan"), choices=Application.Urgency.choices, initial=Application.Urgency.NONE
    )
    urgency_reason = forms.CharField(
        label=_("Alasan mendesak"),
        max_length=255,
        required=False,
        help_text=_("Wajib bila kemendesakan 'Lainnya'."),
    )
    delivery_method = forms.ChoiceField(
        label=_("Cara penyerahan dokumen"),
        choices=Application.Delivery.choices,
        initial=Application.Delivery.VIA_PEMDES,
        widget=forms.RadioSelect,
    )
    received_on = forms.ModelChoiceField(
        label=_("Diterima di nomor WhatsApp"),
        queryset=OfficerNumber.objects.none(),
        required=False,
        empty_label=_("— pilih nomor —"),
    )
    confirm_duplicate = forms.BooleanField(
        label=_("Saya sudah memeriksa permohonan yang masih terbuka dan tetap ingin mendaftarkan yang baru."),
        required=False,
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["document_type"].queryset = (
            DocumentType.objects.filter(category__code=user.bidang)
            .select_related("category")
            .order_by("order", "name")
        )
        self.fields["desa"].choices = [("", _("— pilih desa —")), *desa_choices()]
        numbers = OfficerNumber.objects.filter(officer=user, is_active=True).order_by("phone")
        self.fields["received_on"].queryset = numbers
        self.officer_numbers = list(numbers)
        if self.officer_numbers:
            # the number matters for assignment: an officer with numbers always says which one
            self.fields["received_on"].required = True
            if len(self.officer_numbers) == 1:
                self.fields["received_on"].initial = self.officer_numbers[0].pk

    def clean_applicant_name(self) -> str:
        name = " ".join(self.cleaned_data["applicant_name"].split())
        if len(name) < 2:
            raise ValidationError(_("Nama pemohon terlalu pendek."))
        return name

    def clean_nik(self) -> str:
        return validate_nik(self.cleaned_data["nik"])

    def clean_no_kk(self) -> str:
        return validate_no_kk(self.cleaned_data["no_kk"])

    def clean_whatsapp(self) -> str:
        return normalize_whatsapp(self.cleaned_data["whatsapp"])

    def clean_desa(self) -> int:
        desa_id = self.cleaned_data["desa"]
        if not Desa.objects.filter(pk=desa_id).exists():
            raise ValidationError(_("Desa tidak ditemukan."))
        return desa_id

    def clean_document_type(self) -> DocumentType:
        document_type: DocumentType = self.cleaned_data["document_type"]
        if not document_type.is_accepting:
            raise ValidationError(
                _("Layanan %(name)s sedang ditangguhkan: %(reason)s")
                % {
                    "name": document_type.name,
                    "reason": document_type.suspended_reason or _("tidak menerima permohonan"),
                }
            )
        return document_type

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("urgency") == Application.Urgency.OTHER
            and not cleaned.get("urgency_reason", "").strip()
        ):
            self.add_error("urgency_reason", _("Tuliskan alasan mendesaknya."))
        if cleaned.get("urgency") == Application.Urgency.NONE:
            cleaned["urgency_reason"] = ""
        return cleaned

    def application_data(self) -> ApplicationData:
        c = self.cleaned_data
        return ApplicationData(
            applicant_name=c["applicant_name"],
            nik=c["nik"],
            no_kk=c["no_kk"],
            whatsapp=c["whatsapp"],
            desa_id=c["desa"],
            document_type=c["document_type"],
            urgency=c["urgency"],
            urgency_reason=c.get("urgency_reason", "").strip(),
            delivery_method=c["delivery_method"],
        )


def upload_field_name(requirement_id: int | None) -> str:
    """Name of the file input of one requirement ("files_other" for files not tied to one)."""
    return f"files_{requirement_id}" if requirement_id else "files_other"


class DuplicateCheckForm(forms.Form):
    """The live duplicate check of the intake page (POST: the NIK never goes into a URL)."""

    nik = forms.CharField(max_length=24)
    document_type = forms.IntegerField()

    def clean_nik(self) -> str:
        return validate_nik(self.cleaned_data["nik"])


class NikSearchForm(forms.Form):
    nik = forms.CharField(
        label=_("Cari NIK"),
        max_length=24,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "placeholder": _("16 digit NIK")}
        ),
    )

    def clean_nik(self) -> str:
        nik = re.sub(r"[\s.\-]", "", self.cleaned_data["nik"])
        if not re.fullmatch(r"\d{16}", nik):
            raise ValidationError(_("NIK harus 16 digit angka."))
        return nik


class QueueFilterForm(forms.Form):
    """The queue's filters, read from GET (nothing personal: no NIK here)."""

    SCOPES = [("mine", _("Ditugaskan kepada saya")), ("bidang", _("Semua di bidang"))]

    scope = forms.ChoiceField(label=_("Cakupan"), choices=SCOPES, required=False)
    status = forms.CharField(required=False)
    bidang = forms.ChoiceField(
        label=_("Bidang"), choices=[("", _("Semua bidang")), *Bidang.choices], required=False
    )
    document_type = forms.TypedChoiceField(
        label=_("Jenis dokumen"), coerce=int, required=False, empty_value=None
    )
    kecamatan = forms.TypedChoiceField(label=_("Kecamatan"), coerce=int, required=False, empty_value=None)
    desa = forms.TypedChoiceField(label=_("Desa"), coerce=int, required=False, empty_value=None)
    urgency = forms.ChoiceField(
        label=_("Kemendesakan"),
        choices=[("", _("Semua")), ("urgent", _("Semua yang mendesak")), *Application.Urgency.choices[1:]],
        required=False,
    )
    date_from = forms.DateField(
        label=_("Diterima dari"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("sampai"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    overdue = forms.BooleanField(label=_("Hanya yang lewat batas waktu"), required=False)
    q = forms.CharField(
        label=_("Cari nomor registrasi atau nama"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Nomor registrasi atau nama")}),
    )

    def __init__(self, *args, user: User, reference: QueueReference | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        reference = reference or queue_reference()
        self.fields["document_type"].choices = ChoiceRows(
            [
                ("", _("Semua jenis")),
                *(
                    (pk, name)
                    for pk, name, bidang in reference.document_types
                    if user.is_office_wide or bidang == user.bidang
                ),
            ]
        )
        self.fields["kecamatan"].choices = ChoiceRows([("", _("Semua kecamatan")), *reference.kecamatan])
        self.fields["desa"].choices = ChoiceRows([("", _("Semua desa")), *desa_choices(reference.desa)])
        if not user.is_office_wide:
            del self.fields["bidang"]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("Tanggal akhir sebelum tanggal awal."))
        return cleaned


VERDICT_KEYS = {
    RequirementCheck.Verdict.OK: "1",
    RequirementCheck.Verdict.MISSING: "2",
    RequirementCheck.Verdict.UNREADABLE: "3",
    RequirementCheck.Verdict.INVALID: "4",
}


class ChecklistForm(forms.Form):
    """One verdict and reason per requirement check of the application, plus the loaded version."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, checks: list[RequirementCheck], **kwargs):
        super().__init__(*args, **kwargs)
        self.checks = checks
        for check in checks:
            pk = check.requirement_id
            self.fields[f"verdict_{pk}"] = forms.ChoiceField(
                label=check.requirement.name,
                choices=RequirementCheck.Verdict.choices,
                initial=check.verdict,
                widget=forms.RadioSelect,
            )
            self.fields[f"reason_{pk}"] = forms.CharField(
                label=_("Alasan"), max_length=255, required=False, initial=check.reason
            )

    def clean(self):
        cleaned = super().clean()
        for check in self.checks:
            pk = check.requirement_id
            if (
                cleaned.get(f"verdict_{pk}") == RequirementCheck.Verdict.INVALID
                and not cleaned.get(f"reason_{pk}", "").strip()
            ):
                self.add_error(f"reason_{pk}", _("Tuliskan mengapa persyaratan ini tidak sah."))
        return cleaned

    def verdicts(self):
        from .services import VerdictInput

        return [
            VerdictInput(
                requirement_id=c.requirement_id,
                verdict=self.cleaned_data[f"verdict_{c.requirement_id}"],
                reason=self.cleaned_data.get(f"reason_{c.requirement_id}", ""),
            )
            for c in self.checks
        ]

    def rows(self):
        """(check, verdict bound field, reason bound field) for the template."""
        return [
            (c, self[f"verdict_{c.requirement_id}"], self[f"reason_{c.requirement_id}"]) for c in self.checks
        ]


REJECT_REASONS = [
    _("Permohonan ganda (sudah ada permohonan yang sama)"),
    _("Data tidak sesuai dengan dokumen pendukung"),
    _("Persyaratan tidak lengkap setelah batas waktu perbaikan"),
    _("Dokumen pendukung tidak sah"),
]


class ActionForm(forms.Form):
    """A button on the application page: the loaded version, and a note or number when the action needs one."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    note = forms.CharField(
        label=_("Catatan"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    issued_document_number = forms.CharField(
        label=_("Nomor dokumen yang terbit"), max_length=60, required=False
    )

    def __init__(self, *args, transition: Transition, **kwargs):
        super().__init__(*args, **kwargs)
        self.transition = transition
        if transition.needs_note:
            self.fields["note"].required = True
            self.fields["note"].label = (
                _("Alasan") if transition.action in ("reject", "cancel") else _("Pesan")
            )
        if transition.action == "request_revision":
            self.fields["note"].label = _("Daftar kekurangan untuk pemohon")
            self.fields["note"].widget.attrs["rows"] = 7
        if transition.action == "mark_ready":
            self.fields["issued_document_number"].required = True
        else:
            del self.fields["issued_document_number"]
        if not transition.needs_note:
            del self.fields["note"]


class ResubmitForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    note = forms.CharField(
        label=_("Catatan perbaikan"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Mis. 'Foto KTP-el ulang dikirim lewat WhatsApp'."),
    )
