from django.core.management.base import BaseCommand

from reports.services import summaries_refresh


class Command(BaseCommand):
    help = (
        "Meringkas data dasbor per hari untuk setiap hari yang sudah lewat dan belum diringkas "
        "(sampai kemarin). Aman dijalankan berulang kali."
    )

    def handle(self, *args, **options):
        days = summaries_refresh()
        self.stdout.write(f"Ringkasan dasbor: {days} hari diringkas.")
