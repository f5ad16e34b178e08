from django.urls import path

from . import views

app_name = "notifications"
urlpatterns = [
    # registered with Meta as the Callback URL: https://<host>/notifikasi/webhook/whatsapp/
    path("webhook/whatsapp/", views.webhook, name="webhook"),
    path("wa-masuk/", views.inbox, name="inbox"),
    path("wa-masuk/<int:pk>/", views.conversation, name="conversation"),
    path("wa-masuk/<int:pk>/buat-permohonan/", views.conversation_create, name="conversation_create"),
    path("wa-masuk/<int:pk>/lampirkan/", views.conversation_attach, name="conversation_attach"),
    path("wa-masuk/<int:pk>/abaikan/", views.conversation_dismiss, name="conversation_dismiss"),
    path("wa-masuk/berkas/<int:pk>/", views.inbound_media_file, name="inbound_media"),
    path("pesan-keluar/", views.outbox, name="outbox"),
    path("pesan-keluar/<int:pk>/kirim-ulang/", views.resend, name="resend"),
    path("permohonan/<int:pk>/pesan/", views.application_messages_fragment, name="application_messages"),
    path("template/pratinjau/", views.preview, name="preview"),
]
