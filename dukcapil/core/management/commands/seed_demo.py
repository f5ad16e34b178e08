import time

from django.core.management import BaseCommand, call_command
from django.db import connection

from applications.models import DocumentType, OpenWorkTally
from applications.open_work import open_work_fold
from dukcapil.core import demo
from reports.services import summaries_refresh
from routing.models import Desa


class Command(BaseCommand):
    help = (
        "Isi data demo: akun per peran (kata sandi 'dukcapil-demo') dan permohonan di setiap status. "
        "Aman dijalankan dua kali. --applications N menambah N permohonan sekaligus (bulk) untuk uji kinerja."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--applications", type=int, default=0, help="Tambahkan N permohonan secara massal."
        )

    def handle(self, *args, applications=0, **options):
        if not Desa.objects.exists():
            call_command("load_regions", stdout=self.stdout)
        if not DocumentType.objects.exists():
            call_command("load_catalogue", stdout=self.stdout)
        users = demo.seed_accounts()
        self.stdout.write(f"Akun demo: {', '.join(sorted(users))} (kata sandi {demo.DEMO_PASSWORD})")
        made = demo.seed_demo_small(users=users)
        self.stdout.write(
            f"Permohonan demo dibuat: {made}"
            if made
            else "Permohonan demo sudah ada; tidak ada yang ditambah."
        )
        if applications:
            # the tally's floors first, so the bulk rows land on folded days (a fold afterwards would
            # leave the pages of every per-day row it folded)
            open_work_fold()
            started = time.perf_counter()

            def progress(done, total):
                self.stdout.write(f"  {done:,}/{total:,} ({time.perf_counter() - started:.0f} dtk)")

            demo.seed_demo_bulk(n=applications, progress=progress)
            self.stdout.write(
                f"{applications:,} permohonan massal dalam {time.perf_counter() - started:.1f} detik."
            )
        # the dashboard's daily summaries of every day that is over (the rows above came in bulk)
        started = time.perf_counter()
        days = summaries_refresh()
        rows = open_work_fold()
        if applications and connection.vendor == "postgresql" and not connection.in_atomic_block:
            # the bulk statements rewrote the few thousand tally rows once per chunk: give the pages back
            # (VACUUM cannot run in a transaction, e.g. the test suite's)
            with connection.cursor() as cursor:
                cursor.execute(f"VACUUM FULL ANALYZE {OpenWorkTally._meta.db_table}")
        self.stdout.write(
            f"Ringkasan dasbor: {days} hari, rekap pekerjaan terbuka: {rows} baris, "
            f"dalam {time.perf_counter() - started:.1f} detik."
        )
