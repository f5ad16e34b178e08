"""Time the manifest PDF (WeasyPrint) for 50 and 500 items; write the PDFs for a look.

Run: .venv/bin/python bench/bench_manifest.py [--out test-artifacts]
Uses a throwaway SQLite database; prints seconds per size (best of 3) and the ratio.
"""

import argparse
import io
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=str(ROOT / "test-artifacts"))
    parser.add_argument("--sizes", default="50,500")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="bench-manifest-")
    os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
    os.environ["PRIVATE_MEDIA_ROOT"] = f"{tmp}/media"
    os.environ["DJANGO_SETTINGS_MODULE"] = "dukcapil.settings_test"
    import logging

    import django

    django.setup()
    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    from pypdf import PdfReader

    from routing.manifest import manifest_pdf_bytes
    from routing.models import DeliveryBatch
    from tests import factories as f

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    officer = f.OfficerFactory(username="bench.petugas", first_name="Ahmad", last_name="Kurniawan")
    kk = f.DocumentTypeFactory(code="kk", name="Kartu Keluarga")
    akta = f.DocumentTypeFactory(
        code="akta", name="Akta Kelahiran", category=f.ServiceCategoryFactory(code="capil")
    )
    names = ["Siti Rahmah", "Muhammad Yusuf", "Nurhayati", "Abdul Haris", "Fatimah Zahra", "Ilham Saputra"]
    timings = {}
    for size in [int(s) for s in args.sizes.split(",")]:
        desa = f.DesaFactory(name=f"Tolotangga {size}")
        batch = f.DeliveryBatchFactory(
            number=f"KRM-2026-5206012005-{size:03d}", desa=desa, created_by=officer, courier=officer
        )
        for i in range(size):
            doc = kk if i % 3 else akta
            app = f.ApplicationFactory(
                desa=desa,
                document_type=doc,
                applicant_name=f"{names[i % len(names)]} {i + 1}",
                number=f"BIMA-2026-{size:03d}{i:04d}",
                issued_document_number=f"5206{i:012d}" if doc is kk else f"5206-LT-12012026-{i:04d}",
                status="ready",
            )
            f.BatchItemFactory(batch=batch, application=app, position=i + 1)
        DeliveryBatch.objects.filter(pk=batch.pk).update(item_count=size)
        manifest_pdf_bytes(
            DeliveryBatch.objects.select_related("desa__kecamatan").get(pk=batch.pk)
        )  # warm-up
        wall = cpu = float("inf")
        for _ in range(args.repeat):
            # the whole job of the task: load the batch and its rows, render the template, lay out the PDF
            start, start_cpu = time.perf_counter(), time.process_time()
            fresh = DeliveryBatch.objects.select_related("desa__kecamatan", "courier").get(pk=batch.pk)
            pdf = manifest_pdf_bytes(fresh)
            wall = min(wall, time.perf_counter() - start)
            cpu = min(cpu, time.process_time() - start_cpu)
        (out / f"manifest-{size}.pdf").write_bytes(pdf)
        timings[size] = (wall, cpu)
        pages = len(PdfReader(io.BytesIO(pdf)).pages)
        print(
            f"{size:5d} items: wall {wall:5.2f} s, CPU {cpu:5.2f} s, {pages} pages, "
            f"{len(pdf) / 1024:.0f} KiB -> {out / f'manifest-{size}.pdf'}"
        )
    sizes = sorted(timings)
    if len(sizes) >= 2:
        big, small = timings[sizes[-1]], timings[sizes[0]]
        print(
            f"ratio {sizes[-1]}/{sizes[0]}: wall {big[0] / small[0]:.1f}x, CPU {big[1] / small[1]:.1f}x "
            "(bound in the issue: about 12x)"
        )


if __name__ == "__main__":
    main()
