from django.contrib import admin
from django.urls import include, path

from dukcapil.accounts import views as account_views
from dukcapil.core import views as core_views

urlpatterns = [
    path("", account_views.home, name="home"),
    path("akun/", include("dukcapil.accounts.urls")),
    path("permohonan/", include("applications.urls")),
    path("rute/", include("routing.urls")),
    path("notifikasi/", include("notifications.urls")),
    path("audit/", core_views.audit_page, name="dukcapil_audit"),
    path("kelola/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]
