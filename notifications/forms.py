"""Forms of the notifications area. They parse and validate; services change state."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import Event, InboundMedia, MessageTemplate
from .services import template_check


class MessageTemplateForm(forms.ModelForm):
    """The admin's template editor: a body with unknown or broken placeholders is refused."""

    class Meta:
        model = MessageTemplate
        fields = ["event", "body", "cloud_template_name", "is_active"]
        widgets = {"body": forms.Textarea(attrs={"rows": 6})}
        help_texts = {
            "body": _(
                "Tempat isian yang tersedia: {nama}, {nomor}, {jenis_dokumen}, {kekurangan}, {desa}, "
                "{tempat_ambil}, {tanggal}, {alasan}. Untuk kurung kurawal biasa tulis {{ atau }}."
            ),
            "cloud_template_name": _(
                "Hanya untuk pengirim WhatsApp Cloud: nama template yang sudah disetujui Meta, dengan isi yang sama "
                "dan {{1}}, {{2}}, … di tempat isian sesuai urutan. Kosongkan untuk pesan teks biasa."
            ),
        }

    def clean_body(self) -> str:
        body = self.cleaned_data["body"].strip()
        problems = template_check(body=body)
        if problems:
            raise ValidationError(problems)
        return body


class TemplatePreviewForm(forms.Form):
    event = forms.ChoiceField(label=_("Peristiwa"), choices=Event.choices, required=False)
    body = forms.CharField(label=_("Isi pesan"), max_length=4000)


class MediaChoiceMixin:
    """A checkbox per usable file of the conversation (fetched, not used yet)."""

    def _set_media(self, media: list[InboundMedia]) -> None:
        usable = [m for m in media if m.fetched and not m.used]
        self.fields["media"].choices = [(m.pk, m.display_name or m.pk) for m in usable]

    def clean_media(self) -> list[int]:
        return [int(pk) for pk in self.cleaned_data["media"]]


class AttachForm(MediaChoiceMixin, forms.Form):
    """Add files to an application, found by its registration number or chosen from the sender's own."""

    application = forms.TypedChoiceField(label=_("Permohonan milik pengirim ini"), coerce=int, required=False)
    number = forms.CharField(
        label=_("atau nomor registrasi"),
        max_length=30,
        required=False,
        help_text=_("Mis. BIMA-2026-0000123"),
    )
    media = forms.MultipleChoiceField(
        label=_("Berkas yang ditambahkan"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Pilih minimal satu berkas.")},
    )
    resubmitted = forms.BooleanField(
        label=_("Ini perbaikan yang diminta (ubah status menjadi 'Perbaikan dikirim')"), required=False
    )

    def __init__(self, *args, media: list[InboundMedia], candidates: list, **kwargs):
        super().__init__(*args, **kwargs)
        self._set_media(media)
        self.fields["application"].choices = [("", _("— pilih —"))] + [
            (a.pk, f"{a.number} · {a.document_type.name} · {a.get_status_display()}") for a in candidates
        ]
        if len(candidates) == 1:
            self.fields["application"].initial = candidates[0].pk

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("application") and not (cleaned.get("number") or "").strip():
            raise ValidationError(_("Pilih permohonan atau tulis nomor registrasinya."))
        return cleaned


class DismissForm(forms.Form):
    confirm = forms.BooleanField(initial=True, widget=forms.HiddenInput)
