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
        return format_html('<div class="wa-bubble pre-line">{}</div>', template_preview(body=obj.body))

    def get_changeform_initial_data(self, request):
        """ "Tambah" from the list with ?event=…: start from the default text of that event."""
        initial = super().get_changeform_initial_data(request)
        event = request.GET.get("event")
        if event in DEFAULT_BODIES:
            initial.setdefault("body", DEFAULT_BODIES[event])
        return initial


# --- the outbox and what arrived: read-only history, scoped to the user's bidang ---------------
from dukcapil.core.admin_tools import ReadOnlyAdmin  # noqa: E402

from .models import InboundMedia, InboundMessage, OutboxMessage, WebhookReceipt  # noqa: E402


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    bidang_path = "application__bidang"
    list_display = ["id", "event", "application", "status", "attempts", "created_at", "sent_at"]
    list_filter = ["status", "event"]
    list_select_related = ["application"]
    search_fields = ["application__number", "provider_message_id"]
    # the recipient and body hold a phone number and personal details: shown on the application page only
    exclude = ["recipient", "body", "template_params"]
    ordering = ["-id"]


class InboundMediaInline(admin.TabularInline):
    model = InboundMedia
    fields = ["media_id", "mime_type", "fetched", "used", "error"]
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False


@admin.register(InboundMessage)
class InboundMessageAdmin(ReadOnlyAdmin):
    bidang_path = "officer_number__bidang"
    list_display = ["id", "officer_number", "status", "received_at", "application"]
    list_filter = ["status"]
    list_select_related = ["officer_number", "application"]
    exclude = ["sender", "sender_name", "text"]
    inlines = [InboundMediaInline]
    ordering = ["-id"]


@admin.register(WebhookReceipt)
class WebhookReceiptAdmin(ReadOnlyAdmin):
    list_display = ["provider_id", "received_at"]
    search_fields = ["provider_id"]
    ordering = ["-id"]
