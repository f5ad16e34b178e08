"""The real URLconf plus what nobody has classified yet: proves the access matrix notices new URLs."""

from django.contrib import admin
from django.contrib.auth.models import Permission
from django.http import HttpResponse
from django.urls import path

from dukcapil.urls import urlpatterns as real


class _ProbeSite(admin.AdminSite):
    pass


probe_site = _ProbeSite(name="admin")
for model, model_admin in admin.site._registry.items():
    probe_site.register(model, type(model_admin))
probe_site.register(Permission)

urlpatterns = [
    *[p for p in real if getattr(p, "app_name", None) != "admin"],
    path("kelola/", probe_site.urls),
    path("probe/", lambda request: HttpResponse("probe"), name="security_probe"),
]
