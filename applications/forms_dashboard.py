"""Forms of the dashboard filters and the public tracking page."""

from datetime import timedelta

from django import forms
from django.conf import settings
from django.core.validators import RegexValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dukcapil.accounts.models import Bidang, User

from .dashboard import DEFAULT_RANGE_DAYS, MAX_RANGE_DAYS, DashboardFilters


class DashboardFilterForm(forms.Form):
    """Date range and filters, read from GET. An invalid field is not applied; its error is shown."""

    date_from = forms.DateField(
        label=_("Dari tanggal"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("Sampai tanggal"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    bidang = forms.ChoiceField(
        label=_("Bidang"), choices=[("", _("Semua bidang")), *Bidang.choices], required=False
    )
    document_type = forms.TypedChoiceField(
        label=_("Jenis dokumen"), coerce=int, required=False, empty_value=None
    )
    kecamatan = forms.TypedChoiceField(label=_("Kecamatan"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args, user: User, document_types, kecamatan, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        office_wide = user.is_office_wide or user.is_superuser
        types = [t for t in document_types if office_wide or t.category.code == user.bidang]
        self.fields["document_type"].choices = [("", _("Semua jenis")), *((t.pk, t.name) for t in types)]
        self.fields["kecamatan"].choices = [("", _("Semua kecamatan")), *((k.pk, k.name) for k in kecamatan)]
        if not office_wide:
            # a kepala bidang always sees their own bidang: no choice to offer
            del self.fields["bidang"]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and "date_to" not in self.errors:
            end = end or max(start, timezone.localdate())
            if start > end:
                self.add_error("date_to", _("Tanggal akhir tidak boleh sebelum tanggal awal."))
            elif (end - start).days + 1 > MAX_RANGE_DAYS:
                self.add_error("date_from", _("Rentang paling panjang %(n)s hari.") % {"n": MAX_RANGE_DAYS})
        return cleaned

    def filters(self) -> DashboardFilters:
        """The valid part of the form over the defaults (the last 30 days up to today)."""
        self.is_valid()
        c = getattr(self, "cleaned_data", {})
        today = timezone.localdate()
        dates_ok = not ({"date_from", "date_to"} & set(self.errors))
        end = (c.get("date_to") if dates_ok else None) or today
        start = (c.get("date_from") if dates_ok else None) or end - timedelta(days=DEFAULT_RANGE_DAYS - 1)
        if start > end:  # only the start was given, and it lies after today
            end = start
        return DashboardFilters(
            date_from=start,
            date_to=end,
            bidang=c.get("bidang") or "",
            document_type_id=c.get("document_type"),
            kecamatan_id=c.get("kecamatan"),
        )


registration_number = RegexValidator(
    r"^[A-Z0-9][A-Z0-9-]{3,29}$", _("Nomor registrasi hanya berisi huruf, angka dan tanda hubung.")
)


class TrackingForm(forms.Form):
    number = forms.CharField(
        label=_("Nomor registrasi"),
        max_length=30,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )
    nik_last4 = forms.CharField(
        label=_("4 digit terakhir NIK pemohon"),
        min_length=4,
        max_length=4,
        validators=[RegexValidator(r"^\d{4}$", _("Isi dengan 4 angka terakhir NIK."))],
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "pattern": "[0-9]{4}", "maxlength": "4"}
        ),
        error_messages={
            "min_length": _("Isi dengan 4 angka terakhir NIK."),
            "max_length": _("Isi dengan 4 angka terakhir NIK."),
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        example = f"{settings.OFFICE_CODE}-{timezone.localdate().year}-0000123"
        self.fields["number"].help_text = _(
            "Tertulis di pesan WhatsApp saat permohonan diterima, mis. %(example)s."
        ) % {"example": example}

    def clean_number(self) -> str:
        value = "".join(self.cleaned_data["number"].split()).upper()
        registration_number(value)
        return value
