"""The bench URLconf: the project's URLs, a trivial view, and Django admin as plain offices use it.

Only bench processes load this module (bench/settings_bench.py selects it); the product's URLconf
is untouched. The two admin sites are throwaway baselines for the "ours vs Django admin" figure:
- `bench_admin`: `admin.site.register(Application)` with nothing else, the default changelist;
- `bench_admin_columns`: the same with the queue's columns in `list_display` and nothing tuned,
  which is what most offices would write next (nullable foreign keys are not joined: N+1).
"""

from django.contrib.admin import AdminSite, ModelAdmin
from django.http import HttpResponse
from django.urls import path

from applications.models import Application
from dukcapil.urls import urlpatterns as project_urlpatterns

default_admin = AdminSite(name="bench_admin")
default_admin.register(Application)


class QueueColumnsAdmin(ModelAdmin):
    list_display = [
        "number",
        "applicant_name",
        "document_type",
        "desa",
        "status",
        "assigned_to",
        "created_at",
    ]


columns_admin = AdminSite(name="bench_admin_columns")
columns_admin.register(Application, QueueColumnsAdmin)


def ping(request):
    """The trivial view: the whole middleware stack (session, user, axes), no page work."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("bench/ping/", ping, name="bench_ping"),
    path("bench/admin/", default_admin.urls),
    path("bench/admin-kolom/", columns_admin.urls),
    *project_urlpatterns,
]
