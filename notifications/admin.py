"""Admin for message templates, with a live preview filled with sample data."""

from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .defaults import DEFAULT_BODIES
from .forms import MessageTemplateForm
from .models import MessageTemplate
from .services import template_preview


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    form = MessageTemplateForm
    change_form_template = "notifications/admin/messagetemplate_change_form.html"
    list_display = ["__str__", "is_active", "cloud_template_name", "updated_at"]
    list_filter = ["is_active"]
    readonly_fields = ["saved_preview"]
    fields = ["event", "body", "cloud_template_name", "is_active", "saved_preview"]

    class Media:
        js = ["notifications/template_preview.js"]
        css = {"all": ["notifications/notifications.css"]}

    @admin.display(description=_("pratinjau tersimpan"))
    def saved_preview(self, obj: MessageTemplate | None) -> str:
        if not obj or not obj.pk:
            return "—"
        return format_html(
            '<div class="wa-bubble" style="white-space: pre-line">{}</div>', template_preview(body=obj.body)
        )

    def get_changeform_initial_data(self, request):
        """ "Tambah" from the list with ?event=…: start from the default text of that event."""
        initial = super().get_changeform_initial_data(request)
        event = request.GET.get("event")
        if event in DEFAULT_BODIES:
            initial.setdefault("body", DEFAULT_BODIES[event])
        return initial
