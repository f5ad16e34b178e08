from django.core.management.base import BaseCommand, CommandError

from applications.catalogue import catalogue_load, catalogue_problems


class Command(BaseCommand):
    help = (
        "Memuat katalog layanan bawaan (kategori Dafduk/Capil, jenis dokumen, persyaratan) menurut "
        "Perpres 96/2018 dan Permendagri 108/2019. Aman dijalankan berulang: hanya membuat yang belum ada. "
        "Jenis dokumen yang sudah ada (dicocokkan dengan kode) beserta persyaratannya dibiarkan seperti "
        "diubah admin: status dilayani/ditangguhkan, standar waktu, dan daftar persyaratan tidak ditimpa. "
        "Dengan --reset, semua kolom jenis dokumen bawaan dan persyaratan bawaannya (dicocokkan dengan "
        "jenis dan nama) dikembalikan ke nilai bawaan dan persyaratan bawaan yang hilang dibuat lagi; "
        "persyaratan tambahan admin tidak dihapus."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Kembalikan jenis dokumen dan persyaratan bawaan ke nilai bawaan (menimpa ubahan admin).",
        )

    def handle(self, *args, reset=False, **options):
        problems = catalogue_problems()
        if problems:  # a broken default list is a programming error: refuse before writing
            raise CommandError("Katalog bawaan tidak valid:\n" + "\n".join(problems))
        report = catalogue_load(reset=reset)
        self.stdout.write(f"Kategori: {report.categories_created} dibuat")
        self.stdout.write(
            f"Jenis dokumen: {report.types_created} dibuat, {report.types_updated} diperbarui, "
            f"{report.types_unchanged} tidak berubah, {len(report.types_left)} dibiarkan (sudah ada)"
        )
        self.stdout.write(
            f"Persyaratan: {report.requirements_created} dibuat, {report.requirements_updated} diperbarui, "
            f"{report.requirements_unchanged} tidak berubah"
        )
        if report.types_left:
            self.stdout.write("Jenis dokumen yang sudah ada tidak diubah; pakai --reset untuk nilai bawaan.")
        self.stdout.write(self.style.SUCCESS("Katalog dimuat."))
