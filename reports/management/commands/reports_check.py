from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from applications.dashboard import DashboardFilters, dashboard_build
from applications.models import DocumentType
from dukcapil.accounts.models import User

FIGURES = (
    "days",
    "backlog",
    "turnaround",
    "turnaround_all",
    "revisions",
    "missing",
    "officers",
    "kecamatan",
    "desa",
)


class Command(BaseCommand):
    help = (
        "Membandingkan angka dasbor (ringkasan harian, rekap pekerjaan terbuka dan persyaratan + data hari ini) dengan perhitungan langsung dari "
        "data mentah, untuk seluruh kantor dan per bidang, 30 hari dan 366 hari terakhir. Gagal bila ada "
        "angka yang berbeda."
    )

    def handle(self, *args, **options):
        """Steps: build each dashboard twice at the same moment, once as usual and once with
        summaries=False (every figure from the raw rows), and compare the history figures."""
        user = (
            User.objects.filter(is_superuser=True).first()
            or User.objects.filter(role=User.Role.ADMIN).first()
        )
        if user is None:
            raise CommandError("Tidak ada akun admin untuk membangun dasbor.")
        types = list(DocumentType.objects.select_related("category"))
        today, now = timezone.localdate(), timezone.now()
        differences = 0
        for bidang in ("", "dafduk", "capil"):
            for days in (30, 366):
                filters = DashboardFilters(
                    date_from=today - timedelta(days=days - 1), date_to=today, bidang=bidang
                )
                usual = dashboard_build(user=user, filters=filters, document_types=types, now=now)
                raw = dashboard_build(
                    user=user, filters=filters, document_types=types, now=now, summaries=False
                )
                wrong = [name for name in FIGURES if getattr(usual, name) != getattr(raw, name)]
                differences += len(wrong)
                label = bidang or "semua bidang"
                self.stdout.write(
                    f"{label}, {days} hari: " + (f"BERBEDA: {', '.join(wrong)}" if wrong else "sama")
                )
        if differences:
            raise CommandError(f"{differences} angka dasbor berbeda dari data mentah.")
