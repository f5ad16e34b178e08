from django.core.management.base import BaseCommand

from applications.open_work import open_work_rebuild
from applications.tally import tally_rebuild


class Command(BaseCommand):
    help = (
        "Menghitung ulang rekap status permohonan (per bidang, petugas, status) dan rekap pekerjaan terbuka "
        "(per hari diterima dan hari tenggat) dari tabel permohonan, serta rekap persyaratan tidak diterima. "
        "Rekap dijaga oleh trigger basis data; "
        "perintah ini untuk perbaikan setelah restore cadangan atau setelah TIME_ZONE diubah. "
        "Penulisan permohonan ditahan selama penghitungan."
    )

    def handle(self, *args, **options):
        repair = tally_rebuild()
        self.stdout.write(
            f"Rekap dihitung ulang: {repair.rows_after} baris "
            f"(sebelumnya {repair.rows_before}, {repair.keys_wrong} berbeda dari data permohonan)."
        )
        work = open_work_rebuild()
        self.stdout.write(
            f"Rekap pekerjaan terbuka dihitung ulang: {work.rows_after} baris "
            f"(sebelumnya {work.rows_before}, {work.keys_wrong} berbeda dari data permohonan)."
        )
        self.stdout.write(
            f"Rekap persyaratan tidak diterima dihitung ulang: {work.missing_rows} baris "
            f"({work.missing_wrong} berbeda dari hasil pemeriksaan)."
        )
