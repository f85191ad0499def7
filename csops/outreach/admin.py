from __future__ import annotations

from django.contrib import admin

from csops.outreach.models import Campaign, CampaignStep, Endpoint, Message, Template


@admin.register(Endpoint)
class EndpointAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "is_active", "created_at"]
    fields = ["name", "kind", "url", "secret", "is_active"]


@admin.register(Template)
class TemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "key", "updated_at"]
    search_fields = ["name", "key"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # edited on /outreach/templates/, where saving validates variables and is audited


class StepInline(admin.TabularInline):
    model = CampaignStep
    extra = 0


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["name", "key", "is_active"]
    inlines = [StepInline]

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # edited on /outreach/campaigns/


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["created_at", "channel", "to_address", "subject", "status", "attempts", "sent_at"]
    list_filter = ["status", "channel"]
    search_fields = ["to_address", "subject", "idempotency_key"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request) -> bool:
        return False
