"""The default document catalogue: services, their legal basis, time standards and requirements.

Sources: Perpres 96/2018 and Permendagri 108/2019 (requirements), UU 23/2006 jo. UU 24/2013
(reporting deadlines), and the Director General's circular SE 443.1/2978/Dukcapil of 16 March 2020
(recording limited to urgent cases during the pandemic). See shared/DOMAIN.md.

Local practice differs between kabupaten, so this is only the starting point: an admin edits the
catalogue afterwards, and `catalogue_load` leaves every row that already exists alone unless it is
asked to reset (see its docstring).

Requirements that share an `alternative_group` are alternatives: any one of them satisfies the group
(birth letter OR SPTJM). Every member of a group carries the group's `mandatory` flag. Conditions the
model cannot express (KIA photo only from age 5, court dispensation only under 19) are optional
requirements whose instruction says when they are needed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction

from applications.models import DocumentType, Requirement, ServiceCategory
from dukcapil.accounts.models import Bidang

CATEGORIES: dict[str, str] = {
    Bidang.DAFDUK.value: "Pendaftaran Penduduk (Dafduk)",
    Bidang.CAPIL.value: "Pencatatan Sipil (Capil)",
}


@dataclass(frozen=True, slots=True)
class RequirementSpec:
    name: str
    instruction: str
    mandatory: bool = True
    group: str = ""


@dataclass(frozen=True, slots=True)
class DocumentTypeSpec:
    code: str
    name: str
    category: str
    legal_basis: str
    # No national service-level time exists; local standards range from 2 days to 14 working days.
    # These are realistic local values (KTP-el printing is the slowest, legalisasi same or next day).
    service_level_days: int
    requirements: tuple[RequirementSpec, ...]
    reporting_deadline_days: int | None = None
    description: str = ""
    needs_in_person: bool = False
    is_accepting: bool = True
    suspended_reason: str = ""


# How to photograph each kind of document: the citizen sends photos over WhatsApp or through the
# Pemdes, and an unreadable photo is the commonest reason to ask for a revision.
PHOTO_KK = "Foto seluruh halaman KK asli, tegak, tidak terpotong, tulisan terbaca."
PHOTO_KTP = "Foto sisi depan KTP-el asli di atas alas polos, tegak, tidak silau, semua tulisan terbaca."
PHOTO_KTP_PARENTS = (
    "Foto sisi depan KTP-el asli ayah dan ibu, satu foto untuk tiap kartu, tidak silau, tulisan terbaca."
)
PHOTO_AKTA = "Foto kutipan akta asli satu halaman penuh, tegak, tidak terpotong, nomor akta terbaca."
PHOTO_LETTER = "Foto seluruh halaman surat asli, tegak, tanda tangan dan cap terlihat, tulisan terbaca."
PHOTO_POLICE = (
    "Foto surat keterangan hilang dari Kepolisian (asli), seluruh halaman, cap dan tanda tangan terlihat."
)
PHOTO_COURT = "Foto setiap halaman salinan putusan/penetapan pengadilan, termasuk halaman keterangan BHT."


def photo_form(form: str) -> str:
    return (
        f"Isi lengkap dan tanda tangani formulir {form}, lalu foto setiap halamannya dengan tegak dan terang."
    )


KK = RequirementSpec("Kartu Keluarga (KK)", PHOTO_KK)
KTP = RequirementSpec("KTP-el pemohon", PHOTO_KTP)
KK_PARENTS = RequirementSpec("KK orang tua", PHOTO_KK)
KTP_PARENTS = RequirementSpec("KTP-el ayah dan ibu", PHOTO_KTP_PARENTS)
POLICE_LETTER = "Surat keterangan hilang dari Kepolisian"

UU_ADMINDUK = "UU 23/2006 jo. UU 24/2013"
PERPRES_PERMENDAGRI = "Perpres 96/2018; Permendagri 108/2019"
SE_PANDEMIC = "SE Dirjen Dukcapil 443.1/2978/Dukcapil (16 Maret 2020)"

DAFDUK = Bidang.DAFDUK.value
CAPIL = Bidang.CAPIL.value

CATALOGUE: tuple[DocumentTypeSpec, ...] = (
    # --- Pendaftaran penduduk ---------------------------------------------------------------
    DocumentTypeSpec(
        code="kk-baru",
        name="KK baru / pisah KK",
        category=DAFDUK,
        legal_basis=f"{UU_ADMINDUK}; {PERPRES_PERMENDAGRI}",
        service_level_days=3,
        description="KK baru untuk keluarga yang memisahkan diri; pemohon berumur 17 tahun atau sudah menikah.",
        requirements=(
            RequirementSpec("KK lama", PHOTO_KK),
            KTP,
            RequirementSpec("Formulir F-1.02 (pendaftaran peristiwa kependudukan)", photo_form("F-1.02")),
            RequirementSpec(
                "Buku nikah/kutipan akta perkawinan atau akta perceraian",
                "Hanya jika KK baru karena menikah atau bercerai. " + PHOTO_AKTA,
                mandatory=False,
            ),
        ),
    ),
    DocumentTypeSpec(
        code="kk-perubahan-data",
        name="KK perubahan data",
        category=DAFDUK,
        legal_basis=f"{UU_ADMINDUK}; {PERPRES_PERMENDAGRI}",
        service_level_days=3,
        description="Perubahan elemen data di KK, mis. pendidikan, pekerjaan, status perkawinan.",
        requirements=(
            RequirementSpec("KK lama", PHOTO_KK),
            RequirementSpec(
                "Dokumen bukti perubahan data",
                "Ijazah, akta, atau surat keterangan yang memuat data baru. " + PHOTO_LETTER,
            ),
        ),
    ),
    DocumentTypeSpec(
        code="kk-hilang-rusak",
        name="KK hilang/rusak",
        category=DAFDUK,
        legal_basis=f"{UU_ADMINDUK}; {PERPRES_PERMENDAGRI}",
        service_level_days=3,
        requirements=(
            RequirementSpec(POLICE_LETTER, "Jika KK hilang. " + PHOTO_POLICE, group="bukti-kk-hilang-rusak"),
            RequirementSpec(
                "KK yang rusak",
                "Jika KK rusak. Foto seluruh halaman KK yang rusak apa adanya, tegak, tidak terpotong.",
                group="bukti-kk-hilang-rusak",
            ),
            KTP,
        ),
    ),
    DocumentTypeSpec(
        code="ktp-el-cetak-ulang",
        name="KTP-el cetak ulang (hilang/rusak)",
        category=DAFDUK,
        legal_basis=f"UU 24/2013 Pasal 63; {PERPRES_PERMENDAGRI}",
        service_level_days=14,
        description="Cetak ulang KTP-el yang hilang atau rusak; tidak perlu perekaman ulang.",
        requirements=(
            RequirementSpec(
                POLICE_LETTER, "Jika KTP-el hilang. " + PHOTO_POLICE, group="bukti-ktp-hilang-rusak"
            ),
            RequirementSpec(
                "KTP-el yang rusak",
                "Jika KTP-el rusak. Foto sisi depan dan belakang kartu yang rusak, tegak, tidak silau.",
                group="bukti-ktp-hilang-rusak",
            ),
            KK,
        ),
    ),
    DocumentTypeSpec(
        code="ktp-el-perubahan-data",
        name="KTP-el perubahan data",
        category=DAFDUK,
        legal_basis=f"UU 24/2013 Pasal 63; {PERPRES_PERMENDAGRI}",
        service_level_days=14,
        description="Cetak KTP-el dengan data baru; data di KK harus sudah diperbarui lebih dahulu.",
        requirements=(
            RequirementSpec("KK yang memuat data terbaru", PHOTO_KK),
            RequirementSpec("KTP-el lama", PHOTO_KTP),
        ),
    ),
    DocumentTypeSpec(
        code="ktp-el-perekaman",
        name="KTP-el perekaman",
        category=DAFDUK,
        legal_basis=f"UU 24/2013 Pasal 63; {PERPRES_PERMENDAGRI}; {SE_PANDEMIC}",
        service_level_days=14,
        description=(
            "Perekaman biometrik (sidik jari, iris, foto wajah, tanda tangan) wajib datang ke kantor. "
            "Selama pandemi hanya untuk keperluan mendesak: sekolah, TNI/Polri, rumah sakit, BPJS."
        ),
        needs_in_person=True,
        requirements=(
            KK,
            RequirementSpec(
                "Bukti keperluan mendesak",
                "Surat dari sekolah, rumah sakit, BPJS, atau panitia seleksi TNI/Polri. " + PHOTO_LETTER,
                mandatory=False,
            ),
        ),
    ),
    DocumentTypeSpec(
        code="ktp-el-pemula",
        name="KTP-el pemula",
        category=DAFDUK,
        legal_basis=f"UU 24/2013 Pasal 63; {PERPRES_PERMENDAGRI}; {SE_PANDEMIC}",
        service_level_days=14,
        description="KTP-el pertama bagi penduduk yang berumur 17 tahun atau sudah menikah.",
        needs_in_person=True,
        is_accepting=False,
        suspended_reason=(
            "Ditangguhkan selama pandemi COVID-19 (SE Dirjen Dukcapil 443.1/2978/Dukcapil); "
            "keperluan mendesak dilayani melalui perekaman KTP-el."
        ),
        requirements=(
            KK,
            RequirementSpec(
                "Buku nikah/kutipan akta perkawinan",
                "Hanya jika belum berumur 17 tahun tetapi sudah menikah. " + PHOTO_AKTA,
                mandatory=False,
            ),
        ),
    ),
    DocumentTypeSpec(
        code="kia",
        name="Kartu Identitas Anak (KIA)",
        category=DAFDUK,
        legal_basis="Permendagri 2/2016; Perpres 96/2018",
        service_level_days=7,
        description="Untuk anak di bawah 17 tahun; anak umur 5 tahun ke atas memerlukan pas foto.",
        requirements=(
            RequirementSpec("Kutipan akta kelahiran anak", PHOTO_AKTA),
            KK_PARENTS,
            KTP_PARENTS,
            RequirementSpec(
                "Pas foto anak 2×3",
                "Wajib untuk anak umur 5 tahun ke atas. Foto berwarna, latar polos, wajah menghadap depan.",
                mandatory=False,
            ),
            RequirementSpec(POLICE_LETTER, "Hanya jika KIA hilang. " + PHOTO_POLICE, mandatory=False),
        ),
    ),
    DocumentTypeSpec(
        code="surat-pindah",
        name="Surat pindah (SKPWNI)",
        category=DAFDUK,
        legal_basis=f"UU 23/2006 Pasal 15; {PERPRES_PERMENDAGRI}",
        service_level_days=2,
        description="Surat Keterangan Pindah WNI untuk penduduk yang pindah ke luar kabupaten/kecamatan.",
        requirements=(
            RequirementSpec("Formulir F-1.03 (pendaftaran perpindahan penduduk)", photo_form("F-1.03")),
            KK,
        ),
    ),
    DocumentTypeSpec(
        code="pindah-datang",
        name="Pindah datang",
        category=DAFDUK,
        legal_basis=f"UU 23/2006 Pasal 15; {PERPRES_PERMENDAGRI}",
        service_level_days=3,
        description="Pencatatan penduduk yang datang dari daerah lain dengan SKPWNI.",
        requirements=(
            RequirementSpec("Surat Keterangan Pindah WNI (SKPWNI)", PHOTO_LETTER),
            RequirementSpec("KTP-el lama", "Untuk pemohon dewasa. " + PHOTO_KTP, group="identitas-lama"),
            RequirementSpec(
                "KIA lama",
                "Untuk anak. Foto sisi depan KIA asli, tegak, tidak silau, tulisan terbaca.",
                group="identitas-lama",
            ),
            RequirementSpec(
                "Surat pernyataan tidak keberatan dari pemilik rumah",
                "Hanya jika menumpang atau menyewa. " + PHOTO_LETTER,
                mandatory=False,
            ),
        ),
    ),
    # --- Pencatatan sipil ---------------------------------------------------------------------
    DocumentTypeSpec(
        code="akta-kelahiran",
        name="Akta kelahiran",
        category=CAPIL,
        legal_basis=f"UU 23/2006 Pasal 27; {PERPRES_PERMENDAGRI}",
        service_level_days=7,
        reporting_deadline_days=60,
        description="Saksi tidak lagi menjadi persyaratan dasar (berbeda dengan Perpres 25/2008).",
        requirements=(
            RequirementSpec(
                "Surat keterangan kelahiran",
                "Dari rumah sakit, puskesmas, bidan, atau kepala desa. " + PHOTO_LETTER,
                group="bukti-kelahiran",
            ),
            RequirementSpec(
                "SPTJM kebenaran data kelahiran",
                "Jika tidak ada surat keterangan kelahiran. Isi, tanda tangani di atas meterai, lalu foto "
                "seluruh halamannya dengan tegak dan terang.",
                group="bukti-kelahiran",
            ),
            RequirementSpec(
                "Buku nikah/kutipan akta perkawinan orang tua",
                (
                    "Foto halaman buku nikah yang memuat data suami, istri dan nomornya, atau kutipan akta "
                    "perkawinan asli; tegak, tulisan terbaca."
                ),
                group="bukti-perkawinan-orang-tua",
            ),
            RequirementSpec(
                "SPTJM kebenaran sebagai pasangan suami istri",
                "Jika orang tua tidak memiliki buku nikah/akta perkawinan. Tanda tangani di atas meterai, "
                "lalu foto seluruh halamannya.",
                group="bukti-perkawinan-orang-tua",
            ),
            RequirementSpec("KK orang tua", PHOTO_KK),
            KTP_PARENTS,
        ),
    ),
    DocumentTypeSpec(
        code="akta-kematian",
        name="Akta kematian",
        category=CAPIL,
        legal_basis=f"UU 23/2006 Pasal 44; {PERPRES_PERMENDAGRI}",
        service_level_days=7,
        reporting_deadline_days=30,
        requirements=(
            RequirementSpec(
                "Surat keterangan kematian",
                "Dari dokter, rumah sakit, atau kepala desa. " + PHOTO_LETTER,
            ),
            RequirementSpec("KK almarhum/almarhumah", PHOTO_KK),
            RequirementSpec("KTP-el almarhum/almarhumah", "Jika ada. " + PHOTO_KTP, mandatory=False),
            RequirementSpec(
                "KTP-el dua orang saksi",
                "Jika diminta kantor. Foto sisi depan KTP-el tiap saksi, tidak silau, tulisan terbaca.",
                mandatory=False,
            ),
        ),
    ),
    DocumentTypeSpec(
        code="akta-perkawinan",
        name="Akta perkawinan (non-Muslim)",
        category=CAPIL,
        legal_basis=f"UU 23/2006 Pasal 34; {PERPRES_PERMENDAGRI}",
        service_level_days=7,
        reporting_deadline_days=60,
        description="Perkawinan pasangan Muslim dicatat oleh KUA, bukan oleh Disdukcapil.",
        requirements=(
            RequirementSpec("Surat perkawinan dari pemuka agama", PHOTO_LETTER),
            RequirementSpec(
                "Pas foto berdampingan suami istri",
                "Foto berwarna berdua berdampingan, latar polos, wajah menghadap depan dan terlihat jelas.",
            ),
            RequirementSpec(
                "KTP-el kedua mempelai",
                "Foto sisi depan KTP-el asli suami dan istri, satu foto untuk tiap kartu, tulisan terbaca.",
            ),
            RequirementSpec("KK kedua mempelai", "Foto seluruh halaman KK asli suami dan istri. " + PHOTO_KK),
            RequirementSpec(
                "Akta kematian atau akta perceraian pasangan terdahulu",
                "Hanya jika salah satu mempelai pernah menikah. " + PHOTO_AKTA,
                mandatory=False,
            ),
            RequirementSpec(
                "Penetapan dispensasi kawin dari pengadilan",
                "Hanya jika salah satu mempelai belum berumur 19 tahun. " + PHOTO_COURT,
                mandatory=False,
            ),
        ),
    ),
    DocumentTypeSpec(
        code="akta-perceraian",
        name="Akta perceraian",
        category=CAPIL,
        legal_basis=f"UU 23/2006 Pasal 40; {PERPRES_PERMENDAGRI}",
        service_level_days=7,
        reporting_deadline_days=60,
        description="Untuk perkawinan yang dicatat di Disdukcapil; perceraian Muslim diterbitkan Pengadilan Agama.",
        requirements=(
            RequirementSpec("Putusan pengadilan yang berkekuatan hukum tetap (BHT)", PHOTO_COURT),
            RequirementSpec("Kutipan akta perkawinan", PHOTO_AKTA),
            KK,
            KTP,
            RequirementSpec("Formulir F-2.01 (pelaporan pencatatan sipil)", photo_form("F-2.01")),
        ),
    ),
    DocumentTypeSpec(
        code="pengakuan-anak",
        name="Pencatatan pengakuan anak",
        category=CAPIL,
        legal_basis=f"UU 23/2006 Pasal 49; {PERPRES_PERMENDAGRI}",
        service_level_days=7,
        reporting_deadline_days=30,
        requirements=(
            RequirementSpec(
                "Surat pengakuan anak dari ayah yang disetujui ibu",
                "Ditandatangani ayah dan ibu kandung. " + PHOTO_LETTER,
            ),
            RequirementSpec("Surat keterangan perkawinan agama", PHOTO_LETTER),
            RequirementSpec("Kutipan akta kelahiran anak", PHOTO_AKTA),
            KK,
            KTP_PARENTS,
        ),
    ),
    DocumentTypeSpec(
        code="pengesahan-anak",
        name="Pencatatan pengesahan anak",
        category=CAPIL,
        legal_basis=f"UU 23/2006 Pasal 50; {PERPRES_PERMENDAGRI}",
        service_level_days=7,
        reporting_deadline_days=30,
        requirements=(
            RequirementSpec("Kutipan akta kelahiran anak", PHOTO_AKTA),
            RequirementSpec("Penetapan pengadilan yang berkekuatan hukum tetap (BHT)", PHOTO_COURT),
            RequirementSpec("KK orang tua", PHOTO_KK),
            KTP_PARENTS,
        ),
    ),
    DocumentTypeSpec(
        code="pengangkatan-anak",
        name="Pencatatan pengangkatan anak",
        category=CAPIL,
        legal_basis=f"UU 23/2006 Pasal 47; {PERPRES_PERMENDAGRI}",
        service_level_days=7,
        requirements=(
            RequirementSpec("Penetapan pengadilan tentang pengangkatan anak", PHOTO_COURT),
            RequirementSpec("Kutipan akta kelahiran anak", PHOTO_AKTA),
            RequirementSpec("KK orang tua angkat", PHOTO_KK),
            RequirementSpec(
                "KTP-el orang tua angkat",
                "Foto sisi depan KTP-el asli kedua orang tua angkat, satu foto untuk tiap kartu, tulisan terbaca.",
            ),
        ),
    ),
    # Legalisasi covers KK and akta alike; offices put it under either bidang. Here it sits with Capil,
    # where most requests (akta for police recruitment) come from; an admin can move it.
    DocumentTypeSpec(
        code="legalisasi",
        name="Legalisasi dokumen kependudukan",
        category=CAPIL,
        legal_basis=PERPRES_PERMENDAGRI,
        service_level_days=1,
        description="Pengesahan salinan KK atau akta; tidak mengubah data.",
        requirements=(
            RequirementSpec(
                "Dokumen asli yang akan dilegalisasi",
                "KK atau kutipan akta asli. Foto seluruh halaman, tegak, tidak terpotong, nomor dokumen terbaca.",
            ),
            KTP,
        ),
    ),
)


def catalogue_problems(catalogue: tuple[DocumentTypeSpec, ...] = CATALOGUE) -> list[str]:
    """Everything that would make the catalogue unloadable or useless to an officer."""
    problems = []
    codes = [spec.code for spec in catalogue]
    problems += [f"{code}: kode ganda" for code in sorted({c for c in codes if codes.count(c) > 1})]
    type_fields = {f.name: f for f in DocumentType._meta.get_fields() if hasattr(f, "max_length")}
    requirement_fields = {f.name: f for f in Requirement._meta.get_fields() if hasattr(f, "max_length")}
    for spec in catalogue:
        if spec.category not in CATEGORIES:
            problems.append(f"{spec.code}: kategori {spec.category} tidak dikenal")
        for name in ("code", "name", "legal_basis", "suspended_reason"):
            if len(getattr(spec, name)) > type_fields[name].max_length:
                problems.append(f"{spec.code}: {name} terlalu panjang")
        if not spec.is_accepting and not spec.suspended_reason:
            problems.append(f"{spec.code}: ditangguhkan tanpa alasan")
        names = [r.name for r in spec.requirements]
        problems += [
            f"{spec.code}: persyaratan ganda {n}" for n in sorted({n for n in names if names.count(n) > 1})
        ]
        for requirement in spec.requirements:
            for name, value in (
                ("name", requirement.name),
                ("instruction", requirement.instruction),
                ("alternative_group", requirement.group),
            ):
                if len(value) > requirement_fields[name].max_length:
                    problems.append(f"{spec.code} / {requirement.name}: {name} terlalu panjang")
        groups: dict[str, list[RequirementSpec]] = {}
        for requirement in spec.requirements:
            if requirement.group:
                groups.setdefault(requirement.group, []).append(requirement)
        for group, members in groups.items():
            if len(members) < 2:
                problems.append(f"{spec.code}: kelompok alternatif {group} hanya satu anggota")
            if len({m.mandatory for m in members}) > 1:
                problems.append(f"{spec.code}: anggota kelompok {group} tidak sama wajibnya")
        if not any(r.mandatory for r in spec.requirements):
            problems.append(f"{spec.code}: tidak ada persyaratan wajib")
    return problems


@dataclass(slots=True)
class CatalogueReport:
    categories_created: int = 0
    types_created: int = 0
    types_updated: int = 0
    types_unchanged: int = 0
    requirements_created: int = 0
    requirements_updated: int = 0
    requirements_unchanged: int = 0
    # existing types whose rows were left as the admin has them (no --reset)
    types_left: list[str] = field(default_factory=list)


def _type_values(spec: DocumentTypeSpec, category: ServiceCategory, order: int) -> dict:
    return {
        "name": spec.name,
        "category_id": category.id,
        "description": spec.description,
        "legal_basis": spec.legal_basis,
        "service_level_days": spec.service_level_days,
        "reporting_deadline_days": spec.reporting_deadline_days,
        "needs_in_person": spec.needs_in_person,
        "is_accepting": spec.is_accepting,
        "suspended_reason": spec.suspended_reason,
        "order": order,
    }


def _requirement_values(requirement: RequirementSpec, order: int) -> dict:
    return {
        "instruction": requirement.instruction,
        "is_mandatory": requirement.mandatory,
        "alternative_group": requirement.group,
        "order": order,
    }


def _apply(row, values: dict) -> list[str]:
    """Set the values that differ on `row`; return the names of the changed fields."""
    changed = [name for name, value in values.items() if getattr(row, name) != value]
    for name in changed:
        setattr(row, name, values[name])
    return changed


def catalogue_load(
    *, reset: bool = False, catalogue: tuple[DocumentTypeSpec, ...] = CATALOGUE
) -> CatalogueReport:
    """Load the default catalogue; safe to run on every deploy.

    Steps:
    1. Create the two categories (Dafduk, Capil) if missing; an existing category keeps its name
       unless `reset`.
    2. For each document type, matched by code:
       - missing: create it with all its requirements;
       - present and not `reset`: leave the type and all its requirements exactly as they are. Once a
         type exists the admin owns it: is_accepting, the service level and the requirement list
         (including requirements deliberately deleted) are local decisions a deploy must not undo;
       - present and `reset`: set every field back to the default, and for each default requirement
         (matched by type and name) create it if missing or set its fields back. Requirements the
         admin added are kept: checks and attachments point to them with PROTECT.
    All in one transaction.
    """
    report = CatalogueReport()
    with transaction.atomic():
        categories = {}
        for code, name in CATEGORIES.items():
            category, created = ServiceCategory.objects.get_or_create(code=code, defaults={"name": name})
            report.categories_created += created
            if reset and not created and _apply(category, {"name": name}):
                category.save(update_fields=["name"])
            categories[code] = category

        existing = {t.code: t for t in DocumentType.objects.filter(code__in=[s.code for s in catalogue])}
        for index, spec in enumerate(catalogue, start=1):
            values = _type_values(spec, categories[spec.category], order=index * 10)
            document_type = existing.get(spec.code)
            if document_type is None:
                document_type = DocumentType.objects.create(code=spec.code, **values)
                report.types_created += 1
                Requirement.objects.bulk_create(
                    Requirement(document_type=document_type, name=r.name, **_requirement_values(r, order))
                    for order, r in enumerate(spec.requirements, start=1)
                )
                report.requirements_created += len(spec.requirements)
                continue
            if not reset:
                report.types_left.append(spec.code)
                continue

            changed = _apply(document_type, values)
            if changed:
                document_type.save(update_fields=changed)
                report.types_updated += 1
            else:
                report.types_unchanged += 1
            stored = {r.name: r for r in document_type.requirements.all()}
            for order, requirement in enumerate(spec.requirements, start=1):
                requirement_values = _requirement_values(requirement, order)
                row = stored.get(requirement.name)
                if row is None:
                    Requirement.objects.create(
                        document_type=document_type, name=requirement.name, **requirement_values
                    )
                    report.requirements_created += 1
                elif changed_fields := _apply(row, requirement_values):
                    row.save(update_fields=changed_fields)
                    report.requirements_updated += 1
                else:
                    report.requirements_unchanged += 1
    return report
