"""Read-only admin views of the health app: changes go through the editor or ``csops scorecard import``,
which validate the whole definition and write the audit row; the admin would bypass both."""

from django.contrib import admin

from csops.health.models import Assessment, HealthScore, Scorecard
from csops.users.roles import can_configure


class _ReadOnly(admin.ModelAdmin):
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


@admin.register(Scorecard)
class ScorecardAdmin(_ReadOnly):
    list_display = ("key", "name", "product", "segment", "is_active", "version", "updated_at")
    list_filter = ("product", "segment", "is_active")


@admin.register(HealthScore)
class HealthScoreAdmin(_ReadOnly):
    list_display = ("day", "account", "scorecard", "score", "grade", "trend_7", "trend_30", "coverage")
    list_filter = ("grade", "scorecard")
    date_hierarchy = "day"
    list_select_related = ("account", "scorecard")
    raw_id_fields = ("account",)


@admin.register(Assessment)
class AssessmentAdmin(_ReadOnly):
    list_display = ("assessed_on", "account", "scorecard", "author", "promotion", "relationship", "csm_view")
    list_filter = ("csm_view", "scorecard")
    list_select_related = ("account", "scorecard", "author")
