from django.contrib import admin

from csops.audit.models import AuditEntry
from csops.users.roles import can_configure


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ("created_at", "actor", "action", "object_type", "object_repr")
    list_filter = ("action", "object_type")
    search_fields = ("object_repr", "action")

    def has_module_permission(self, request):
        return can_configure(request.user)

    def has_view_permission(self, request, obj=None):
        return can_configure(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
