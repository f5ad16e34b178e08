"""Staff routing: officers' numbers, workload and reassignment, rotas, the recording quota."""

from django.urls import path

from . import views_recording, views_rota, views_staff

urlpatterns: list = [
    # officers' WhatsApp numbers
    path("nomor/", views_staff.number_list, name="number_list"),
    path("nomor/baru/", views_staff.number_create, name="number_create"),
    path("nomor/poster/", views_staff.number_poster, name="number_poster"),
    path("nomor/<int:pk>/ubah/", views_staff.number_edit, name="number_edit"),
    path("nomor/<int:pk>/aktif/", views_staff.number_toggle, name="number_toggle"),
    # workload and reassignment
    path("beban-kerja/", views_staff.workload, name="workload"),
    path("alihkan/", views_staff.reassign, name="reassign"),
    # rotating in-office shifts
    path("jadwal/", views_rota.rota_list, name="rota_list"),
    path("jadwal/buat/", views_rota.rota_generate, name="rota_generate"),
    path("jadwal/<int:pk>/", views_rota.rota_detail, name="rota_detail"),
    path("jadwal/<int:pk>/hari/", views_rota.rota_day, name="rota_day"),
    path("jadwal/<int:pk>/tukar/", views_rota.rota_swap, name="rota_swap"),
    path("jadwal/<int:pk>/pindah/", views_rota.rota_move, name="rota_move"),
    path("jadwal/<int:pk>/terbitkan/", views_rota.rota_publish, name="rota_publish"),
    path("jadwal/<int:pk>/hapus/", views_rota.rota_delete, name="rota_delete"),
    path("jadwal/<int:pk>/cetak/", views_rota.rota_print, name="rota_print"),
    path("jadwal-saya/", views_rota.my_schedule, name="my_schedule"),
    path("jadwal-saya/alamat-kalender/", views_rota.ical_token_reset, name="ical_token_reset"),
    path("kalender/<str:token>.ics", views_rota.ical, name="ical"),
    # urgent KTP-el recording
    path("perekaman/", views_recording.recording_list, name="recording_list"),
    path("perekaman/baru/", views_recording.recording_create, name="recording_create"),
    path("perekaman/kuota/", views_recording.recording_cap, name="recording_cap"),
    path("perekaman/meja/", views_recording.recording_desk, name="recording_desk"),
    path("perekaman/<int:pk>/", views_recording.recording_detail, name="recording_detail"),
    path("perekaman/<int:pk>/setujui/", views_recording.recording_approve, name="recording_approve"),
    path("perekaman/<int:pk>/tolak/", views_recording.recording_decline, name="recording_decline"),
    path("perekaman/<int:pk>/batalkan/", views_recording.recording_cancel, name="recording_cancel"),
    path("perekaman/<int:pk>/hadir/", views_recording.recording_attend, name="recording_attend"),
]
