import io

import pytest
from django.core.management import call_command

from applications.catalogue import (
    CATALOGUE,
    DocumentTypeSpec,
    RequirementSpec,
    catalogue_load,
    catalogue_problems,
)
from applications.models import DocumentType, Requirement, ServiceCategory

EXPECTED_CODES = {
    "dafduk": {
        "kk-baru",
        "kk-perubahan-data",
        "kk-hilang-rusak",
        "ktp-el-cetak-ulang",
        "ktp-el-perubahan-data",
        "ktp-el-perekaman",
        "ktp-el-pemula",
        "kia",
        "surat-pindah",
        "pindah-datang",
    },
    "capil": {
        "akta-kelahiran",
        "akta-kematian",
        "akta-perkawinan",
        "akta-perceraian",
        "pengakuan-anak",
        "pengesahan-anak",
        "pengangkatan-anak",
        "legalisasi",
    },
}


def run_load_catalogue(*args: str) -> str:
    out = io.StringIO()
    call_command("load_catalogue", *args, stdout=out)
    return out.getvalue()


def snapshot() -> tuple[list[tuple], list[tuple]]:
    types = list(DocumentType.objects.order_by("code").values_list())
    requirements = list(Requirement.objects.order_by("id").values_list())
    return types, requirements


def test_default_catalogue_has_no_problems():
    assert catalogue_problems() == []


def test_catalogue_problems_catches_a_type_without_mandatory_requirement_and_a_lonely_group():
    broken = (
        DocumentTypeSpec(
            code="x",
            name="X",
            category="dafduk",
            legal_basis="",
            service_level_days=1,
            requirements=(RequirementSpec("A", "a", mandatory=False, group="g"),),
        ),
    )

    assert catalogue_problems(broken) == [
        "x: kelompok alternatif g hanya satu anggota",
        "x: tidak ada persyaratan wajib",
    ]


@pytest.mark.django_db
def test_load_creates_both_categories_and_every_type_with_its_requirements():
    output = run_load_catalogue()

    assert set(ServiceCategory.objects.values_list("code", flat=True)) == {"dafduk", "capil"}
    for category, codes in EXPECTED_CODES.items():
        assert (
            set(DocumentType.objects.filter(category__code=category).values_list("code", flat=True)) == codes
        )
    assert DocumentType.objects.count() == 18
    requirement_count = sum(len(spec.requirements) for spec in CATALOGUE)
    assert Requirement.objects.count() == requirement_count
    assert f"Persyaratan: {requirement_count} dibuat" in output
    assert "Jenis dokumen: 18 dibuat" in output


@pytest.mark.django_db
def test_every_type_has_a_mandatory_requirement_legal_basis_and_instructions():
    catalogue_load()

    for document_type in DocumentType.objects.prefetch_related("requirements"):
        requirements = list(document_type.requirements.all())
        assert any(r.is_mandatory for r in requirements), document_type.code
        assert document_type.legal_basis, document_type.code
        assert 1 <= document_type.service_level_days <= 14, document_type.code
        for requirement in requirements:
            # the citizen sends photos: every instruction says how to photograph the document
            assert "foto" in requirement.instruction.lower(), requirement.name


@pytest.mark.django_db
def test_akta_kelahiran_offers_birth_letter_or_sptjm_and_marriage_book_or_sptjm():
    catalogue_load()
    akta = DocumentType.objects.get(code="akta-kelahiran")

    groups: dict[str, set[str]] = {}
    for requirement in akta.requirements.exclude(alternative_group=""):
        assert requirement.is_mandatory
        groups.setdefault(requirement.alternative_group, set()).add(requirement.name)

    assert groups == {
        "bukti-kelahiran": {"Surat keterangan kelahiran", "SPTJM kebenaran data kelahiran"},
        "bukti-perkawinan-orang-tua": {
            "Buku nikah/kutipan akta perkawinan orang tua",
            "SPTJM kebenaran sebagai pasangan suami istri",
        },
    }
    assert (akta.reporting_deadline_days, akta.category.code) == (60, "capil")
    assert set(akta.requirements.filter(alternative_group="").values_list("name", flat=True)) == {
        "KK orang tua",
        "KTP-el ayah dan ibu",
    }


@pytest.mark.django_db
def test_ktp_reprint_accepts_police_letter_or_damaged_card():
    catalogue_load()
    reprint = DocumentType.objects.get(code="ktp-el-cetak-ulang")

    group = reprint.requirements.filter(alternative_group="bukti-ktp-hilang-rusak")

    assert set(group.values_list("name", flat=True)) == {
        "Surat keterangan hilang dari Kepolisian",
        "KTP-el yang rusak",
    }
    assert reprint.service_level_days == 14
    assert not reprint.needs_in_person


@pytest.mark.django_db
def test_reporting_deadlines_follow_the_law():
    catalogue_load()

    deadlines = dict(DocumentType.objects.values_list("code", "reporting_deadline_days"))

    assert deadlines["akta-kelahiran"] == 60
    assert deadlines["akta-kematian"] == 30
    assert deadlines["akta-perkawinan"] == 60
    assert deadlines["akta-perceraian"] == 60
    assert deadlines["pengakuan-anak"] == 30
    assert deadlines["pengesahan-anak"] == 30
    assert deadlines["kk-baru"] is None
    assert deadlines["legalisasi"] is None


@pytest.mark.django_db
def test_recording_needs_the_citizen_in_person_and_first_time_cards_are_suspended():
    catalogue_load()

    recording = DocumentType.objects.get(code="ktp-el-perekaman")
    first_card = DocumentType.objects.get(code="ktp-el-pemula")

    assert recording.needs_in_person and recording.is_accepting
    assert first_card.needs_in_person
    assert not first_card.is_accepting
    assert "pandemi" in first_card.suspended_reason
    assert "443.1/2978" in first_card.suspended_reason
    # every other service is open
    assert list(DocumentType.objects.filter(is_accepting=False).values_list("code", flat=True)) == [
        "ktp-el-pemula"
    ]


@pytest.mark.django_db
def test_kia_photo_is_optional_and_says_from_which_age():
    catalogue_load()

    photo = Requirement.objects.get(document_type__code="kia", name__startswith="Pas foto")

    assert not photo.is_mandatory
    assert "5 tahun" in photo.instruction


@pytest.mark.django_db
def test_running_twice_changes_nothing():
    catalogue_load()
    before = snapshot()

    output = run_load_catalogue()

    assert snapshot() == before
    assert "Jenis dokumen: 0 dibuat, 0 diperbarui, 0 tidak berubah, 18 dibiarkan" in output
    assert "Persyaratan: 0 dibuat" in output


@pytest.mark.django_db
def test_reset_on_an_untouched_catalogue_changes_nothing():
    catalogue_load()
    before = snapshot()

    report = catalogue_load(reset=True)

    assert snapshot() == before
    assert (report.types_updated, report.requirements_updated, report.requirements_created) == (0, 0, 0)
    assert report.types_unchanged == 18


@pytest.mark.django_db
def test_admin_edits_survive_a_second_run():
    catalogue_load()
    DocumentType.objects.filter(code="ktp-el-pemula").update(is_accepting=True, suspended_reason="")
    DocumentType.objects.filter(code="akta-kelahiran").update(service_level_days=2)
    Requirement.objects.filter(document_type__code="akta-kematian", name="KTP-el dua orang saksi").update(
        is_mandatory=True
    )
    Requirement.objects.filter(document_type__code="legalisasi", name="KTP-el pemohon").delete()

    run_load_catalogue()

    assert DocumentType.objects.get(code="ktp-el-pemula").is_accepting
    assert DocumentType.objects.get(code="akta-kelahiran").service_level_days == 2
    assert Requirement.objects.get(
        document_type__code="akta-kematian", name="KTP-el dua orang saksi"
    ).is_mandatory
    assert not Requirement.objects.filter(document_type__code="legalisasi", name="KTP-el pemohon").exists()


@pytest.mark.django_db
def test_reset_restores_defaults_and_keeps_admin_added_requirements():
    catalogue_load()
    DocumentType.objects.filter(code="ktp-el-pemula").update(is_accepting=True, suspended_reason="")
    Requirement.objects.filter(document_type__code="legalisasi", name="KTP-el pemohon").delete()
    legalisasi = DocumentType.objects.get(code="legalisasi")
    Requirement.objects.create(document_type=legalisasi, name="Surat kuasa", instruction="Jika diwakilkan.")

    output = run_load_catalogue("--reset")

    first_card = DocumentType.objects.get(code="ktp-el-pemula")
    assert not first_card.is_accepting and first_card.suspended_reason
    assert set(legalisasi.requirements.values_list("name", flat=True)) == {
        "Dokumen asli yang akan dilegalisasi",
        "KTP-el pemohon",
        "Surat kuasa",
    }
    assert "Jenis dokumen: 0 dibuat, 1 diperbarui, 17 tidak berubah" in output
    assert "Persyaratan: 1 dibuat, 0 diperbarui" in output


@pytest.mark.django_db
def test_a_missing_default_type_is_added_back_without_touching_the_others():
    catalogue_load()
    DocumentType.objects.filter(code="akta-kelahiran").update(service_level_days=2)
    DocumentType.objects.get(code="legalisasi").delete()  # no application uses it yet

    report = catalogue_load()

    assert report.types_created == 1
    assert DocumentType.objects.get(code="legalisasi").requirements.count() == 2
    assert DocumentType.objects.get(code="akta-kelahiran").service_level_days == 2
