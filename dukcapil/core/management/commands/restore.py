from pathlib import Path

from django.core.management import BaseCommand, CommandError

from dukcapil.core.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = "Pulihkan basis data dan lampiran dari arsip buatan `backup`. MENGGANTI data yang ada."

    def add_arguments(self, parser):
        parser.add_argument("archive", help="Path arsip .tar.gz")
        parser.add_argument("--yes", action="store_true", help="Jangan tanya konfirmasi.")

    def handle(self, *args, archive, yes, **options):
        if (
            not yes
            and input("Semua data sekarang akan diganti isi cadangan. Ketik 'pulihkan' untuk lanjut: ")
            != "pulihkan"
        ):
            raise CommandError("Dibatalkan.")
        try:
            manifest = backup_restore(archive=Path(archive))
        except BackupError as exc:
            raise CommandError(f"Arsip ditolak, tidak ada yang diubah: {exc}") from exc
        self.stdout.write(
            f"Dipulihkan dari cadangan {manifest['created_at']} ({len(manifest['files'])} berkas)."
        )
