from django.urls import path

from . import views

app_name = "notifications"
urlpatterns = [
    # registered with Meta as the Callback URL: https://<host>/notifikasi/webhook/whatsapp/
    path("webhook/whatsapp/", views.webhook, name="webhook"),
]
