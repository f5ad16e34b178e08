"""Forms of the delivery pages. They only parse and validate; the services decide."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dukcapil.accounts.models import User

from .delivery import COURIER_ROLES
from .models import DeliveryBatch

RETURN_REASON_SUGGESTIONS = [
    _("Pemohon pindah domisili"),
    _("Pemohon tidak dapat dihubungi"),
    _("Dokumen salah alamat desa"),
    _("Data pada dokumen keliru"),
]


class BatchFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Semua"))] + DeliveryBatch.Status.choices
    )
    q = forms.CharField(
        label=_("Cari nomor batch, desa atau kecamatan"),
        required=False,
        max_length=60,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("mis. Tolotangga atau KRM-2026")}),
    )


class ReadySearchForm(forms.Form):
    q = forms.CharField(
        label=_("Cari nomor registrasi, nama, desa atau kecamatan"),
        required=False,
        max_length=60,
        widget=forms.TextInput(attrs={"type": "search"}),
    )


class VersionForm(forms.Form):
    """Carries the batch version the user looked at, so a change in between is caught."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class DispatchForm(VersionForm):
    courier = forms.ModelChoiceField(
        label=_("Petugas pengantar (kurir)"),
        queryset=User.objects.none(),
        empty_label=_("— pilih petugas —"),
    )
    dispatch_date = forms.DateField(
        label=_("Tanggal kirim"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["courier"].queryset = User.objects.filter(
            role__in=COURIER_ROLES, is_active=True
        ).order_by("first_name", "last_name", "username")
        self.fields["courier"].label_from_instance = lambda u: f"{u} ({u.get_role_display()})"
        self.fields["dispatch_date"].initial = timezone.localdate()

    def clean_dispatch_date(self):
        value = self.cleaned_data["dispatch_date"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("Tanggal kirim tidak boleh di masa depan."))
        return value


class ConfirmReceiptForm(VersionForm):
    checked = forms.BooleanField(
        label=_("Saya sudah mencocokkan dokumen yang diterima dengan daftar kiriman."),
        error_messages={"required": _("Cocokkan dulu dokumen dengan daftar, lalu centang pernyataan ini.")},
    )


class HandOverForm(forms.Form):
    received_by_name = forms.CharField(
        label=_("Nama penerima"),
        max_length=150,
        help_text=_("Biarkan nama pemohon bila dokumen diambil sendiri."),
    )
    relation = forms.CharField(
        label=_("Hubungan dengan pemohon"),
        max_length=60,
        required=False,
        help_text=_("Wajib bila penerima bukan pemohon, mis. suami, anak, orang tua."),
    )
    handed_over_on = forms.DateField(
        label=_("Tanggal serah"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args, applicant_name: str, not_before=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.applicant_name = applicant_name
        self.not_before = not_before
        self.fields["received_by_name"].initial = applicant_name
        self.fields["handed_over_on"].initial = timezone.localdate()

    def clean_handed_over_on(self):
        value = self.cleaned_data["handed_over_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("Tanggal serah tidak boleh di masa depan."))
        if self.not_before and value < self.not_before:
            raise forms.ValidationError(_("Tanggal serah tidak boleh sebelum dokumen diterima di desa."))
        return value

    def clean(self):
        data = super().clean()
        name = " ".join(data.get("received_by_name", "").split())
        relation = " ".join(data.get("relation", "").split())
        if name and not relation and name.casefold() != " ".join(self.applicant_name.split()).casefold():
            self.add_error("relation", _("Penerima bukan pemohon: isi hubungan penerima dengan pemohon."))
        return data


class ReturnItemForm(forms.Form):
    reason = forms.CharField(
        label=_("Alasan dikembalikan ke kantor"),
        max_length=255,
        widget=forms.TextInput(attrs={"list": "return-reasons", "autocomplete": "off"}),
        help_text=_("Dokumen kembali ke kantor dan dapat dikirim lagi di batch berikutnya."),
    )

    def clean_reason(self):
        value = " ".join(self.cleaned_data["reason"].split())
        if not value:
            raise forms.ValidationError(_("Alasan pengembalian wajib diisi."))
        return value
