import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from applications.models import Application, DocumentType, ServiceCategory
from dukcapil.accounts.models import User
from routing.models import Desa, Kecamatan
from routing.regions import (
    RegionFileError,
    RegionRecord,
    records_from_csv,
    records_from_lokal,
    regions_load,
)

DATA = Path(__file__).parent / "data"


def run_load_regions(*args: str) -> str:
    out = io.StringIO()
    call_command("load_regions", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def problems_of(path: Path) -> list[str]:
    with pytest.raises(RegionFileError) as caught:
        records_from_csv(path, kabupaten_code="52.06")
    return [str(problem) for problem in caught.value.errors]


@pytest.mark.django_db
def test_load_bima_from_lokal_gives_18_kecamatan_and_191_desa(settings):
    settings.OFFICE_KABUPATEN = "52.06"

    output = run_load_regions()

    assert Kecamatan.objects.count() == 18
    assert Desa.objects.count() == 191
    assert not Desa.objects.filter(kind=Desa.Kind.KELURAHAN).exists()  # Bima has no kelurahan
    monta = Kecamatan.objects.get(code="52.06.01")
    assert monta.name == "Monta"
    tolotangga = Desa.objects.get(code="52.06.01.2005")
    assert (tolotangga.name, tolotangga.kind, tolotangga.kecamatan) == ("Tolotangga", "desa", monta)
    assert "Kecamatan: 18 dibuat, 0 diperbarui, 0 tidak berubah" in output
    assert "Desa/kelurahan: 191 dibuat, 0 diperbarui, 0 tidak berubah" in output


@pytest.mark.django_db
def test_second_load_changes_nothing_and_duplicates_nothing():
    first = regions_load(records_from_lokal("52.06"))
    ids_before = set(Desa.objects.values_list("id", "code", "name"))

    output = run_load_regions("--kabupaten", "52.06")

    assert (first.kecamatan.created, first.desa.created) == (18, 191)
    assert "Kecamatan: 0 dibuat, 0 diperbarui, 18 tidak berubah" in output
    assert "Desa/kelurahan: 0 dibuat, 0 diperbarui, 191 tidak berubah" in output
    assert set(Desa.objects.values_list("id", "code", "name")) == ids_before
    assert Kecamatan.objects.count() == 18


@pytest.mark.django_db
def test_kepahiang_loads_with_its_kelurahan():
    report = regions_load(records_from_lokal("17.08"))

    assert (report.kecamatan.created, report.desa.created) == (8, 117)
    assert Desa.objects.filter(kind=Desa.Kind.KELURAHAN).count() == 12
    kelurahan = Desa.objects.get(code="17.08.04.1004")
    assert (kelurahan.name, kelurahan.kind, kelurahan.kecamatan.name) == (
        "Pasar Kepahiangan",
        "kelurahan",
        "Kepahiang",
    )
    assert not Desa.objects.filter(kind=Desa.Kind.KELURAHAN, code__regex=r"\.2\d{3}$").exists()


def test_unknown_kabupaten_is_refused():
    with pytest.raises(ValueError, match="99.99"):
        records_from_lokal("99.99")
    with pytest.raises(ValueError, match="PP.KK"):
        records_from_lokal("5206")


@pytest.mark.django_db
def test_lokal_reload_restores_a_renamed_desa_and_adds_a_missing_one():
    regions_load(records_from_lokal("52.06"))
    Desa.objects.filter(code="52.06.01.2005").update(name="TOLOTANGA")
    Desa.objects.filter(code="52.06.01.2006").delete()

    report = regions_load(records_from_lokal("52.06"))

    assert (report.desa.created, report.desa.updated, report.desa.unchanged) == (1, 1, 189)
    assert Desa.objects.get(code="52.06.01.2005").name == "Tolotangga"
    assert Desa.objects.filter(code="52.06.01.2006").count() == 1


@pytest.mark.django_db
def test_csv_rename_updates_the_name_and_keeps_the_rest(settings):
    settings.OFFICE_KABUPATEN = "52.06"
    regions_load(records_from_lokal("52.06"))
    tolotangga_id = Desa.objects.get(code="52.06.01.2005").id

    output = run_load_regions("--csv", str(DATA / "bima_corrections.csv"))

    desa = Desa.objects.get(code="52.06.01.2005")
    assert (desa.id, desa.name) == (tolotangga_id, "Tolotangga Baru")
    assert Desa.objects.count() == 191
    assert "Desa/kelurahan: 0 dibuat, 1 diperbarui, 1 tidak berubah" in output
    assert "tetap disimpan" in output  # the other desa of Bima are not in this short file and stay


@pytest.mark.django_db
def test_csv_with_semicolons_adds_a_kecamatan_with_desa_and_kelurahan():
    records = records_from_csv(DATA / "new_kecamatan.csv", kabupaten_code="52.06")
    report = regions_load(records)

    assert (report.kecamatan.created, report.desa.created) == (1, 2)
    assert Desa.objects.get(code="52.06.19.1002").kind == Desa.Kind.KELURAHAN
    assert Desa.objects.get(code="52.06.19.2001").kecamatan.name == "Kecamatan Uji"


@pytest.mark.django_db
def test_csv_desa_may_refer_to_a_kecamatan_already_stored():
    Kecamatan.objects.create(code="52.06.01", name="Monta")
    upload = io.BytesIO(b"kode,nama,jenis\n52.06.01.2005,Tolotangga,desa\n")

    records = records_from_csv(upload, kabupaten_code="52.06")

    assert records == [RegionRecord("52.06.01.2005", "Tolotangga", "desa")]


@pytest.mark.django_db
def test_desa_with_an_application_and_an_operator_is_never_deleted():
    regions_load(records_from_lokal("52.06"))
    desa = Desa.objects.get(code="52.06.01.2006")
    User.objects.create_user(username="op-sondo", password="x-Long-pass-123", role="pemdes", desa=desa)
    category = ServiceCategory.objects.create(code="dafduk", name="Pendaftaran Penduduk")
    document_type = DocumentType.objects.create(code="kk-baru", name="KK baru", category=category)
    now = timezone.now()
    application = Application.objects.create(
        number="BIMA-2020-000001",
        applicant_name="Siti Aminah",
        nik="5206014107900001",
        no_kk="5206010101200001",
        whatsapp="+6281234567890",
        desa=desa,
        document_type=document_type,
        bidang="dafduk",
        created_at=now,
        status_changed_at=now,
        due_at=now + timedelta(days=3),
    )

    # a corrected list that no longer mentions Sondo, then a full reload
    run_load_regions("--csv", str(DATA / "new_kecamatan.csv"))
    report = regions_load(records_from_lokal("52.06"))

    assert Desa.objects.filter(pk=desa.pk, code="52.06.01.2006").exists()
    assert Application.objects.get(pk=application.pk).desa_id == desa.pk
    assert User.objects.get(username="op-sondo").desa_id == desa.pk
    # the test kecamatan from the CSV is not in the Kemendagri list: reported, kept
    assert report.kept_not_in_source == ["52.06.19", "52.06.19.1002", "52.06.19.2001"]
    assert Desa.objects.count() == 193


@pytest.mark.django_db
def test_bad_file_lists_every_error_with_line_and_column():
    problems = problems_of(DATA / "bad_rows.csv")

    assert problems == [
        "Baris 3, kolom 'kode': format kode salah '5206.01.2005'; contoh 52.06.01 untuk kecamatan, "
        "52.06.01.2005 untuk desa/kelurahan.",
        "Baris 4, kolom 'kode': kode 17.08.01.2001 di luar kabupaten kantor (52.06).",
        "Baris 6, kolom 'kode': kode 52.06.01.2006 ganda, sudah ada di baris 5.",
        "Baris 7, kolom 'nama': nama kosong.",
        "Baris 8, kolom 'jenis': jenis 'dusun' tidak dikenal; pilih kecamatan, desa atau kelurahan.",
        "Baris 9, kolom 'kode': kecamatan 52.06.77 untuk desa 52.06.77.2001 tidak ada di berkas maupun "
        "di basis data.",
        "Baris 10, kolom 'jenis': kode 52.06.01.1009 adalah kode kelurahan, tetapi jenisnya 'desa'.",
        "Baris 11: ada 4 kolom, seharusnya 3 (kode, nama, jenis).",
    ]


def test_wrong_header_is_refused_per_column():
    problems = problems_of(DATA / "bad_header.csv")

    assert "Baris 1, kolom 'kode': kolom tidak ada atau ganda; header harus: kode,nama,jenis" in problems
    assert "Baris 1, kolom 'jenis': kolom tidak ada atau ganda; header harus: kode,nama,jenis" in problems
    assert "Baris 1, kolom 'code': kolom tidak dikenal; header harus: kode,nama,jenis" in problems
    assert not any("'nama'" in p for p in problems)


def test_file_that_is_not_utf8_names_the_line_and_column():
    problems = problems_of(DATA / "not_utf8.csv")

    assert problems == ["Baris 4, kolom 'nama': bukan teks UTF-8; simpan ulang berkas sebagai 'CSV UTF-8'."]


def test_utf8_with_bom_as_excel_writes_it_is_accepted(db):
    upload = io.BytesIO("\ufeffkode,nama,jenis\n52.06.01,Monta,kecamatan\n".encode())

    assert records_from_csv(upload, kabupaten_code="52.06") == [
        RegionRecord("52.06.01", "Monta", "kecamatan")
    ]


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ("52.06.01.2005,Tolotangga,kecamatan", "Baris 2, kolom 'jenis': kode 52.06.01.2005 adalah kode desa"),
        ("52.06.01,Monta,desa", "Baris 2, kolom 'jenis': kode 52.06.01 adalah kode kecamatan"),
        ("52.06.01.5005,Tolotangga,desa", "Baris 2, kolom 'kode': kode desa 52.06.01.5005 harus diawali 1"),
        (",Tanpa Kode,desa", "Baris 2, kolom 'kode': kode kosong."),
        ("52.06.01," + "x" * 101 + ",kecamatan", "Baris 2, kolom 'nama': nama lebih dari 100 karakter."),
    ],
)
def test_single_row_errors(db, row, expected):
    upload = io.BytesIO(f"kode,nama,jenis\n{row}\n".encode())

    with pytest.raises(RegionFileError) as caught:
        records_from_csv(upload, kabupaten_code="52.06")

    assert [str(p) for p in caught.value.errors][0].startswith(expected)


def test_empty_file_and_header_only_are_refused(db):
    for content, expected in ((b"", "Baris 1: berkas kosong."), (b"kode,nama,jenis\n", "Baris 1: tidak ada")):
        with pytest.raises(RegionFileError) as caught:
            records_from_csv(io.BytesIO(content), kabupaten_code="52.06")
        assert str(caught.value.errors[0]).startswith(expected)


@pytest.mark.django_db
def test_bad_file_loads_nothing_not_even_its_good_rows(settings):
    settings.OFFICE_KABUPATEN = "52.06"
    stderr = io.StringIO()

    with pytest.raises(CommandError, match="8 kesalahan"):
        call_command("load_regions", "--csv", str(DATA / "bad_rows.csv"), stdout=io.StringIO(), stderr=stderr)

    assert Kecamatan.objects.count() == 0  # line 2 (Monta) was valid and still not written
    assert Desa.objects.count() == 0
    assert "Baris 7, kolom 'nama': nama kosong." in stderr.getvalue()


@pytest.mark.django_db
def test_bad_file_after_a_load_leaves_the_stored_names(settings):
    settings.OFFICE_KABUPATEN = "52.06"
    regions_load(records_from_lokal("52.06"))
    bad = DATA / "bad_rows.csv"

    with pytest.raises(CommandError):
        call_command("load_regions", "--csv", str(bad), stdout=io.StringIO(), stderr=io.StringIO())

    assert Desa.objects.get(code="52.06.01.2006").name == "Sondo"
    assert Desa.objects.count() == 191


@pytest.mark.django_db
def test_csv_for_another_kabupaten_is_refused_against_the_office_kabupaten(settings):
    settings.OFFICE_KABUPATEN = "17.08"

    with pytest.raises(CommandError):
        call_command(
            "load_regions",
            "--csv",
            str(DATA / "bima_corrections.csv"),
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )

    assert Kecamatan.objects.count() == 0


@pytest.mark.django_db
def test_regions_load_refuses_a_desa_without_its_kecamatan_before_writing():
    with pytest.raises(ValueError, match="52.06.01.2005"):
        regions_load(
            [
                RegionRecord("52.06.02", "Bolo", "kecamatan"),
                RegionRecord("52.06.01.2005", "Tolotangga", "desa"),
            ]
        )

    assert Kecamatan.objects.count() == 0  # Bolo was rolled back with the failing desa
