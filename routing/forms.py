"""Forms of the staff routing pages. They parse and validate; services decide and change."""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from applications.models import Application, DocumentType
from applications.validators import normalize_whatsapp, validate_nik
from dukcapil.accounts.models import Bidang, User

from .models import Desa, OfficerNumber, ShiftAssignment

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class OfficerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj.get_full_name() or obj.username} ({obj.get_bidang_display()})"


class OfficerNumberForm(forms.Form):
    phone = forms.CharField(
        label=_("Nomor WhatsApp"),
        max_length=40,
        help_text=_("Nomor HP yang dipakai petugas untuk WhatsApp, mis. 0812-3456-7890."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    bidang = forms.ChoiceField(label=_("Bidang"), choices=Bidang.choices)
    officer = OfficerChoiceField(label=_("Petugas"), queryset=User.objects.none())
    services = forms.ModelMultipleChoiceField(
        label=_("Layanan"),
        queryset=DocumentType.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Kosongkan bila nomor ini melayani semua layanan bidangnya."),
    )
    label = forms.CharField(label=_("Keterangan di poster"), max_length=100, required=False)
    is_active = forms.BooleanField(label=_("Aktif (tampil di poster)"), required=False, initial=True)

    def __init__(self, *args, bidang_choices: list[str], number: OfficerNumber | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.number = number
        self.fields["bidang"].choices = [(b, label) for b, label in Bidang.choices if b in bidang_choices]
        if number is not None:
            # a number stays in its bidang; move it by creating a new one
            self.fields["bidang"].disabled = True
            self.fields["bidang"].initial = number.bidang
        self.fields["officer"].queryset = User.objects.filter(
            role__in=[User.Role.PETUGAS, User.Role.KEPALA_BIDANG], bidang__in=bidang_choices, is_active=True
        ).order_by("bidang", "first_name", "last_name", "id")
        self.fields["services"].queryset = (
            DocumentType.objects.filter(category__code__in=bidang_choices)
            .select_related("category")
            .order_by("category__code", "order", "name")
        )
        self.fields["services"].label_from_instance = lambda dt: (
            f"{dt.name} ({dt.category.get_code_display()})"
        )

    def clean_phone(self) -> str:
        phone = normalize_whatsapp(self.cleaned_data["phone"])
        taken = OfficerNumber.objects.filter(phone=phone)
        if self.number is not None:
            taken = taken.exclude(pk=self.number.pk)
        if taken.exists():
            raise ValidationError(_("Nomor WhatsApp ini sudah terdaftar."))
        return phone

    def clean(self):
        data = super().clean()
        bidang = data.get("bidang") or (self.number.bidang if self.number else None)
        officer = data.get("officer")
        if officer and bidang and officer.bidang != bidang:
            self.add_error("officer", _("Petugas ini bukan anggota bidang yang dipilih."))
        wrong = [s.name for s in data.get("services", []) if bidang and s.category.code != bidang]
        if wrong:
            self.add_error(
                "services", _("Bukan layanan bidang yang dipilih: %(names)s.") % {"names": ", ".join(wrong)}
            )
        return data


class ReassignForm(forms.Form):
    AUTO = "auto"
    applications = forms.ModelMultipleChoiceField(
        label=_("Permohonan"),
        queryset=Application.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Pilih minimal satu permohonan.")},
    )
    target = forms.ChoiceField(label=_("Alihkan ke"))
    note = forms.CharField(label=_("Catatan (opsional)"), max_length=200, required=False)

    def __init__(self, *args, applications, targets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["applications"].queryset = applications
        self.targets = {str(u.pk): u for u in targets}
        self.fields["target"].choices = [
            (self.AUTO, _("Otomatis: bagi rata ke petugas yang bebannya paling ringan"))
        ] + [(str(u.pk), f"{u.get_full_name() or u.username} ({u.get_bidang_display()})") for u in targets]

    def clean_target(self) -> User | None:
        value = self.cleaned_data["target"]
        return None if value == self.AUTO else self.targets[value]


class RotaGenerateForm(forms.Form):
    WEEK = "week"
    MONTH = "month"
    period = forms.ChoiceField(
        label=_("Periode"),
        choices=[(MONTH, _("Satu bulan")), (WEEK, _("Satu minggu"))],
        widget=forms.RadioSelect,
        initial=MONTH,
    )
    month = forms.CharField(
        label=_("Bulan"),
        required=False,
        widget=forms.TextInput(attrs={"type": "month"}),
        help_text=_("Untuk periode satu bulan."),
    )
    week_of = forms.DateField(
        label=_("Minggu yang memuat tanggal"),
        required=False,
        widget=DATE_INPUT,
        help_text=_("Untuk periode satu minggu: Senin–Jumat minggu itu."),
    )
    bidang = forms.ChoiceField(label=_("Bidang"), choices=Bidang.choices)
    max_in_office = forms.IntegerField(
        label=_("Maksimal di kantor per hari (orang)"),
        min_value=1,
        required=False,
        help_text=_("Untuk jaga jarak. Kosongkan bila hanya memakai porsi."),
    )
    max_share = forms.IntegerField(
        label=_("Maksimal porsi di kantor (%)"),
        min_value=1,
        max_value=100,
        required=False,
        help_text=_("Mis. 50 berarti paling banyak separuh petugas di kantor per hari."),
    )
    min_per_bidang = forms.IntegerField(
        label=_("Minimal di kantor per hari (orang)"),
        min_value=0,
        initial=1,
        help_text=_("Agar perekaman dan pencetakan tetap berjalan."),
    )

    def __init__(self, *args, bidang_choices: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bidang"].choices = [(b, label) for b, label in Bidang.choices if b in bidang_choices]
        if len(bidang_choices) == 1:
            self.fields["bidang"].initial = bidang_choices[0]
            self.fields["bidang"].widget = forms.HiddenInput()

    def clean(self):
        data = super().clean()
        period = data.get("period")
        if period == self.MONTH:
            try:
                year, month = (int(part) for part in (data.get("month") or "").strip().split("-"))
                data["start"] = date(year, month, 1)
                data["end"] = date(year, month, calendar.monthrange(year, month)[1])
            except ValueError:
                self.add_error("month", _("Pilih bulan, mis. 2026-11."))
        elif period == self.WEEK:
            day = data.get("week_of")
            if day is None:
                self.add_error("week_of", _("Pilih satu tanggal dalam minggu yang dijadwalkan."))
            else:
                data["start"] = day - timedelta(days=day.weekday())
                data["end"] = data["start"] + timedelta(days=4)
        if data.get("max_in_office") is None and data.get("max_share") is None:
            self.add_error("max_in_office", _("Isi batas maksimal per hari atau porsinya (jaga jarak)."))
        share = data.get("max_share")
        data["max_share_decimal"] = Decimal(share) / 100 if share is not None else None
        return data


class RotaDayForm(forms.Form):
    """One cell of the grid: `<officer id>:<YYYY-MM-DD>:<place>` sent by the cell's button."""

    cell = forms.RegexField(regex=r"^\d+:\d{4}-\d{2}-\d{2}:(office|home)$")

    def clean_cell(self):
        officer, day, place = self.cleaned_data["cell"].split(":")
        try:
            return int(officer), date.fromisoformat(day), place
        except ValueError:
            raise ValidationError(_("Tanggal tidak valid.")) from None


SELECT = forms.Select(attrs={"class": "form-select"})


class RotaSwapForm(forms.Form):
    officer_a = forms.TypedChoiceField(label=_("Petugas A"), coerce=int, widget=SELECT)
    day_a = forms.TypedChoiceField(label=_("hari kantor A"), coerce=date.fromisoformat, widget=SELECT)
    officer_b = forms.TypedChoiceField(label=_("Petugas B"), coerce=int, widget=SELECT)
    day_b = forms.TypedChoiceField(label=_("hari kantor B"), coerce=date.fromisoformat, widget=SELECT)

    def __init__(self, *args, officers, days, **kwargs):
        from django.utils import formats

        super().__init__(*args, **kwargs)
        people = [(o.pk, o.get_full_name() or o.username) for o in officers]
        dates = [(d.isoformat(), formats.date_format(d, "D, j M")) for d in days]
        for name in ("officer_a", "officer_b"):
            self.fields[name].choices = people
        for name in ("day_a", "day_b"):
            self.fields[name].choices = dates
        if len(people) > 1 and not self.is_bound:
            self.initial.setdefault("officer_b", people[1][0])
        if len(dates) > 1 and not self.is_bound:
            self.initial.setdefault("day_b", dates[1][0])


class RotaMoveForm(forms.Form):
    officer = forms.TypedChoiceField(label=_("Petugas"), coerce=int, widget=SELECT)
    from_day = forms.TypedChoiceField(label=_("tidak masuk pada"), coerce=date.fromisoformat, widget=SELECT)
    to_day = forms.TypedChoiceField(label=_("tetapi masuk pada"), coerce=date.fromisoformat, widget=SELECT)

    def __init__(self, *args, officers, days, **kwargs):
        from django.utils import formats

        super().__init__(*args, **kwargs)
        self.fields["officer"].choices = [(o.pk, o.get_full_name() or o.username) for o in officers]
        dates = [(d.isoformat(), formats.date_format(d, "D, j M")) for d in days]
        self.fields["from_day"].choices = dates
        self.fields["to_day"].choices = dates
        if len(dates) > 1 and not self.is_bound:
            self.initial.setdefault("to_day", dates[1][0])


class RecordingBookingForm(forms.Form):
    day = forms.DateField(label=_("Tanggal perekaman"), widget=DATE_INPUT)
    name = forms.CharField(label=_("Nama lengkap"), max_length=150)
    nik = forms.CharField(
        label=_("NIK"), max_length=20, widget=forms.TextInput(attrs={"inputmode": "numeric"})
    )
    whatsapp = forms.CharField(
        label=_("Nomor WhatsApp"),
        max_length=40,
        help_text=_("Untuk mengabarkan jadwal kepada warga."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    desa = forms.ModelChoiceField(label=_("Desa/kelurahan"), queryset=Desa.objects.none())
    urgency = forms.ChoiceField(label=_("Keperluan mendesak"), widget=forms.RadioSelect)
    justification = forms.CharField(
        label=_("Penjelasan"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Wajib untuk keperluan lainnya; kepala bidang akan menyetujui atau menolak."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["desa"].queryset = Desa.objects.select_related("kecamatan").order_by(
            "kecamatan__name", "name"
        )
        self.fields["desa"].label_from_instance = lambda d: f"{d.name} — {d.kecamatan.name}"
        self.fields["urgency"].choices = [
            (value, label)
            for value, label in Application.Urgency.choices
            if value != Application.Urgency.NONE
        ]

    def clean_nik(self) -> str:
        return validate_nik(self.cleaned_data["nik"])

    def clean_whatsapp(self) -> str:
        return normalize_whatsapp(self.cleaned_data["whatsapp"])

    def clean_day(self) -> date:
        day = self.cleaned_data["day"]
        if day < timezone.localdate():
            raise ValidationError(_("Tanggal perekaman sudah lewat."))
        return day

    def clean(self):
        data = super().clean()
        if data.get("urgency") == Application.Urgency.OTHER and not (data.get("justification") or "").strip():
            self.add_error("justification", _("Jelaskan keperluan mendesaknya."))
        return data


class RecordingApproveForm(forms.Form):
    day = forms.DateField(
        label=_("Tanggal perekaman"),
        widget=DATE_INPUT,
        help_text=_("Boleh diganti bila tanggal semula penuh."),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Alasan"), max_length=255, widget=forms.TextInput())


class RecordingCapForm(forms.Form):
    day = forms.DateField(label=_("Tanggal"), widget=DATE_INPUT)
    cap = forms.IntegerField(
        label=_("Kuota"),
        min_value=0,
        max_value=500,
        required=False,
        help_text=_("Kosongkan untuk kembali ke kuota bawaan."),
    )


def place_label(place: str) -> str:
    return dict(ShiftAssignment.Place.choices)[place]
