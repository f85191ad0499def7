from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from csops.users.models import ApiToken, User
from csops.users.roles import can_manage_users


class _AdminsOnly(admin.ModelAdmin):
    def has_module_permission(self, request: HttpRequest) -> bool:
        return can_manage_users(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can_manage_users(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return can_manage_users(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can_manage_users(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can_manage_users(request.user)


@admin.register(User)
class UserAdmin(_AdminsOnly):
    list_display = ("email", "name", "role", "language", "is_active", "last_login")
    list_filter = ("role", "is_active")
    search_fields = ("email", "name")
    fields = ("email", "name", "role", "language", "is_active", "last_login", "date_joined")
    readonly_fields = ("last_login", "date_joined")

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        from csops.audit.services import record

        super().save_model(request, obj, form, change)
        record(request.user, "user.changed" if change else "user.created", obj, {"fields": list(form.changed_data)})


@admin.register(ApiToken)
class ApiTokenAdmin(_AdminsOnly):
    list_display = ("hint", "user", "name", "created_at", "last_used_at", "revoked_at")
    fields = ("user", "name", "hint", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("user", "hint", "created_at", "last_used_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # tokens are issued by `csops tokens create`, which shows the secret once
