"""The audit trail, background jobs and counters: machinery to look at, never to edit.

The audit trail is append-only by law (UU PDP: who saw which personal data, when), so nobody adds,
changes or deletes an entry here, a superuser included.
"""

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy

from .admin_tools import ReadOnlyAdmin, shown
from .models import AuditEntry, BackgroundJob, Counter


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor_username_", "action", "object_", "outcome_", "ip_", "detail_")
    list_filter = ("outcome", ("at", admin.DateFieldListFilter))
    search_fields = ("actor_username",)
    search_help_text = gettext_lazy("Nama pengguna, lengkap.")
    # newest first on the indexed timestamp; no other sort (each would be a full scan)
    ordering = ("-at", "-id")
    sortable_by = ()
    fields = (
        "at",
        "actor_username_",
        "action",
        "object_",
        "application_id_",
        "desa_id_",
        "nik_digest_",
        "ip_",
        "outcome_",
        "detail_",
    )
    readonly_fields = fields

    actor_username_ = shown("actor_username", gettext_lazy("pengguna"))
    application_id_ = shown("application_id", gettext_lazy("id permohonan"))
    desa_id_ = shown("desa_id", gettext_lazy("id desa"))
    nik_digest_ = shown("nik_digest", gettext_lazy("sidik NIK"))
    ip_ = shown("ip", gettext_lazy("alamat IP"))
    outcome_ = shown("outcome", gettext_lazy("hasil"))
    detail_ = shown("detail", gettext_lazy("keterangan"))

    def get_search_results(self, request: HttpRequest, queryset, search_term: str):
        # exact, so the (actor, at) index serves it; a LIKE over the audit table would scan it
        term = search_term.strip()
        return (queryset.filter(actor_username=term), False) if term else (queryset, False)

    @admin.display(description=gettext_lazy("objek"))
    def object_(self, obj: AuditEntry) -> str:
        return f"{obj.object_type} #{obj.object_id}" if obj.object_type else "—"


@admin.register(BackgroundJob)
class BackgroundJobAdmin(ReadOnlyAdmin):
    list_display = ("created_at_", "kind_", "created_by_", "status_", "progress", "error_")
    list_select_related = ("created_by",)
    list_filter = ("status",)  # not "kind": its choices would be read from the whole table
    ordering = ("-id",)
    sortable_by = ()
    fields = ("kind_", "created_by_", "created_at_", "status_", "progress", "params", "result", "error_")
    readonly_fields = fields

    kind_ = shown("kind", gettext_lazy("jenis"))
    created_by_ = shown("created_by", gettext_lazy("dimulai oleh"))
    created_at_ = shown("created_at", gettext_lazy("dimulai pada"))
    status_ = shown("status", gettext_lazy("status"))
    error_ = shown("error", gettext_lazy("galat"))

    @admin.display(description=gettext_lazy("kemajuan"))
    def progress(self, obj: BackgroundJob) -> str:
        return f"{obj.done}/{obj.total} ({obj.percent}%)"


@admin.register(Counter)
class CounterAdmin(ReadOnlyAdmin):
    """Registration and batch numbers come from these rows under a row lock: a hand edit would
    hand out a number twice, so they are shown, never changed."""

    list_display = ("name_", "year_", "value_")
    search_fields = ("name",)
    ordering = ("name", "-year")
    fields = ("name_", "year_", "value_")
    readonly_fields = fields

    name_ = shown("name", gettext_lazy("nama"))
    year_ = shown("year", gettext_lazy("tahun"))
    value_ = shown("value", gettext_lazy("nilai terakhir"))
