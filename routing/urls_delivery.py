"""URLs of the delivery to the desa: the officers' batch pages, manifests and the Pemdes portal."""

from django.urls import path

from . import views_delivery as v
from . import views_pemdes

urlpatterns = [
    path("pengiriman/", v.batch_list, name="batch_list"),
    path("pengiriman/siap/", v.batch_ready, name="batch_ready"),
    path("pengiriman/siap/tambah/", v.batch_add, name="batch_add_item"),
    path("pengiriman/buat-semua/", v.batch_create_all_start, name="batch_create_all"),
    path("pengiriman/proses/<int:pk>/", v.batch_job, name="batch_job"),
    path("pengiriman/proses/<int:pk>/status/", v.batch_job_status, name="batch_job_status"),
    path("pengiriman/proses/<int:pk>/berkas/", v.batch_job_file, name="batch_job_file"),
    path("pengiriman/<int:pk>/", v.batch_detail, name="batch_detail"),
    path("pengiriman/<int:pk>/kirim/", v.batch_dispatch_view, name="batch_dispatch"),
    path("pengiriman/<int:pk>/terima/", v.batch_confirm_view, name="batch_confirm_receipt"),
    path("pengiriman/<int:pk>/dokumen/<int:item_pk>/keluarkan/", v.batch_remove, name="batch_remove_item"),
    path(
        "pengiriman/<int:pk>/dokumen/<int:item_pk>/serahkan/", v.batch_hand_over, name="batch_hand_over_item"
    ),
    path("pengiriman/<int:pk>/dokumen/<int:item_pk>/kembalikan/", v.batch_return, name="batch_return_item"),
    path("pengiriman/<int:pk>/manifest/", v.batch_manifest, name="batch_manifest"),
    path("pengiriman/<int:pk>/manifest.pdf", v.batch_pdf, name="batch_pdf"),
    path("pengiriman/<int:pk>/manifest.csv", v.batch_csv, name="batch_csv"),
    path("pengiriman/<int:pk>/manifest.xlsx", v.batch_xlsx, name="batch_xlsx"),
    path("desa/", views_pemdes.pemdes_home, name="pemdes_home"),
    path("desa/menunggu/", views_pemdes.pemdes_overdue, name="pemdes_overdue"),
    path("desa/selesai/", views_pemdes.pemdes_history, name="pemdes_history"),
]
