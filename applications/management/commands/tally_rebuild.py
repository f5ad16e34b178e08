from django.core.management.base import BaseCommand

from applications.tally import tally_rebuild


class Command(BaseCommand):
    help = (
        "Menghitung ulang rekap status permohonan (per bidang, petugas, status) dari tabel permohonan. "
        "Rekap dijaga oleh trigger basis data; perintah ini untuk perbaikan setelah restore cadangan. "
        "Penulisan permohonan ditahan selama penghitungan."
    )

    def handle(self, *args, **options):
        repair = tally_rebuild()
        self.stdout.write(
            f"Rekap dihitung ulang: {repair.rows_after} baris "
            f"(sebelumnya {repair.rows_before}, {repair.keys_wrong} berbeda dari data permohonan)."
        )
