from pathlib import Path

from django.core.management import BaseCommand

from dukcapil.core.backup import backup_create


class Command(BaseCommand):
    help = "Cadangkan basis data dan berkas lampiran pribadi ke satu arsip .tar.gz (lihat SECURITY.md)."

    def add_arguments(self, parser):
        parser.add_argument("--output", default="backups", help="Folder tujuan arsip (bawaan: backups/).")

    def handle(self, *args, output, **options):
        report = backup_create(output_dir=Path(output))
        self.stdout.write(f"Cadangan dibuat: {report.path} ({report.files} berkas, {report.bytes:,} byte)")
