"""NIK, No. KK and WhatsApp number validation."""

import pytest
from django.core.exceptions import ValidationError

from applications.validators import mask_nik, mask_phone, normalize_whatsapp, validate_nik, validate_no_kk


class TestNik:
    def test_valid_man(self):
        assert validate_nik("5206011708900001") == "5206011708900001"

    def test_valid_woman_day_plus_40(self):
        # 17 August 1990, female: day 57
        assert validate_nik("5206015708900002") == "5206015708900002"

    def test_spaces_and_dots_are_ignored(self):
        assert validate_nik("5206 0117 0890 0001") == "5206011708900001"

    @pytest.mark.parametrize("value", ["520601170890001", "52060117089000011"])
    def test_wrong_length(self, value):
        with pytest.raises(ValidationError) as exc:
            validate_nik(value)
        assert exc.value.code == "length"

    def test_empty_is_required(self):
        with pytest.raises(ValidationError) as exc:
            validate_nik("")
        assert exc.value.code == "required"

    def test_letters(self):
        with pytest.raises(ValidationError) as exc:
            validate_nik("52060117089000A1")
        assert exc.value.code == "format"

    @pytest.mark.parametrize(
        "value", ["5206013202900001", "5206017201900001", "5206011713900001", "5206013102900001"]
    )
    def test_impossible_date(self, value):
        # 32 Feb, woman's 32 Jan (72), month 13, 31 Feb
        with pytest.raises(ValidationError) as exc:
            validate_nik(value)
        assert exc.value.code == "birth_date"

    def test_woman_day_beyond_71_is_impossible(self):
        with pytest.raises(ValidationError):
            validate_nik("5206017208900001")

    @pytest.mark.parametrize("value", ["5299011708900001", "5206991708900001", "9906011708900001"])
    def test_unknown_region(self, value):
        with pytest.raises(ValidationError) as exc:
            validate_nik(value)
        assert exc.value.code in ("region", "birth_date")

    def test_serial_0000(self):
        with pytest.raises(ValidationError) as exc:
            validate_nik("5206011708900000")
        assert exc.value.code == "serial"

    def test_other_kabupaten_is_valid(self):
        # a citizen first registered in Lampung Utara (18.03)
        assert validate_nik("1803011708900001")

    def test_mask_hides_birth_date_and_sex(self):
        assert mask_nik("5206015708900002") == "520601******0002"


class TestNoKk:
    def test_valid(self):
        assert validate_no_kk("5206011203150003") == "5206011203150003"

    def test_wrong_length(self):
        with pytest.raises(ValidationError) as exc:
            validate_no_kk("520601120315000")
        assert exc.value.code == "length"

    def test_impossible_recorded_date(self):
        with pytest.raises(ValidationError) as exc:
            validate_no_kk("5206013013150003")
        assert exc.value.code == "date"

    def test_unknown_region(self):
        with pytest.raises(ValidationError) as exc:
            validate_no_kk("5299011203150003")
        assert exc.value.code == "region"


class TestWhatsapp:
    @pytest.mark.parametrize(
        "value",
        [
            "0812-3456-7890",
            "081234567890",
            "+62 812 3456 7890",
            "6281234567890",
            "wa.me/6281234567890",
            "https://wa.me/6281234567890",
        ],
    )
    def test_normalised_to_e164(self, value):
        assert normalize_whatsapp(value) == "+6281234567890"

    def test_landline_refused(self):
        with pytest.raises(ValidationError) as exc:
            normalize_whatsapp("(0374) 43210")
        assert exc.value.code == "not_mobile"

    def test_foreign_refused(self):
        with pytest.raises(ValidationError) as exc:
            normalize_whatsapp("+60123456789")
        assert exc.value.code == "country"

    @pytest.mark.parametrize("value", ["0812345", "halo", ""])
    def test_garbage_refused(self, value):
        with pytest.raises(ValidationError):
            normalize_whatsapp(value)

    def test_mask_phone(self):
        assert mask_phone("+6281234567890") == "+62812****7890"
