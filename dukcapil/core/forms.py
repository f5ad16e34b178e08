from django import forms
from django.utils.translation import gettext_lazy as _

from applications.validators import validate_nik
from routing.models import Desa


class AuditSearchForm(forms.Form):
    nik = forms.CharField(
        label=_("NIK"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    desa = forms.ModelChoiceField(
        label=_("Desa/kelurahan"),
        queryset=Desa.objects.select_related("kecamatan").order_by("name"),
        required=False,
    )
    start = forms.DateField(
        label=_("Dari tanggal"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("Sampai tanggal"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean_nik(self):
        value = self.cleaned_data["nik"]
        return validate_nik(value) if value else ""

    def clean(self):
        data = super().clean()
        if not data.get("nik") and not data.get("desa"):
            raise forms.ValidationError(_("Isi NIK atau pilih desa."))
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", _("Tanggal akhir sebelum tanggal awal."))
        return data
