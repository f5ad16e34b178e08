from django.urls import path

from . import views

app_name = "applications"
# `dashboard` and `track` are added by the dashboard/tracking work; keep their paths free
# ("dasbor/", "lacak/").
urlpatterns = [
    path("", views.queue, name="queue"),
    path("cari-nik/", views.queue_nik, name="queue_nik"),
    path("baru/", views.intake, name="intake"),
    path("baru/cek-ganda/", views.intake_duplicates, name="intake_duplicates"),
    path("<int:pk>/", views.application_detail, name="detail"),
    path("<int:pk>/pemeriksaan/", views.application_checklist, name="checklist"),
    path("<int:pk>/aksi/<slug:action>/", views.application_action, name="action"),
    path("<int:pk>/perbaikan/", views.application_resubmission, name="resubmit"),
    path("<int:pk>/nik/", views.nik_reveal, name="nik_reveal"),
    path("<int:pk>/lampiran/<int:attachment_pk>/", views.attachment_file, name="attachment"),
    path("<int:pk>/lampiran/<int:attachment_pk>/kecil/", views.attachment_thumbnail, name="attachment_thumb"),
]
from .urls_dashboard import urlpatterns as _dash  # noqa: E402 - the dashboard/tracking pages

urlpatterns += _dash
