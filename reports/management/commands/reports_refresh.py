from django.core.management.base import BaseCommand

from applications.open_work import open_work_fold
from reports.services import summaries_refresh


class Command(BaseCommand):
    help = (
        "Meringkas data dasbor per hari untuk setiap hari yang sudah lewat dan belum diringkas "
        "(sampai kemarin), dan melipat hari-hari lama rekap pekerjaan terbuka. Aman dijalankan berulang kali."
    )

    def handle(self, *args, **options):
        days = summaries_refresh()
        rows = open_work_fold()
        self.stdout.write(f"Ringkasan dasbor: {days} hari diringkas. Rekap pekerjaan terbuka: {rows} baris.")
