"""The admin enforces the same rules as the UI and the API (csops.customers.permissions)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from csops.customers.models import Account, Activity, Contact, Contract, Handoff, Product
from csops.customers.permissions import can_assign_owner, can_edit_account
from csops.users.roles import can_configure, is_reader


class _RoleAdmin(admin.ModelAdmin):
    """Staff read everything here; who may change a row is decided by ``account_of``."""

    def account_of(self, obj: Any) -> Account:
        return obj.account

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # Record-keeping timestamps are set by csops, never typed in.
        stamps = [f.name for f in self.model._meta.fields if f.name in ("created_at", "updated_at")]
        return [*super().get_readonly_fields(request, obj), *stamps]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_reader(request.user) and request.user.is_staff

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        # The account of a new row is only known on save; save_model checks it.
        return self.has_module_permission(request) and request.user.role in ("admin", "cs_ops", "csm")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return self.has_module_permission(request)
        return can_edit_account(request.user, self.account_of(obj))

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return can_configure(request.user)
        return can_edit_account(request.user, self.account_of(obj))

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        from django.core.exceptions import PermissionDenied

        if not can_edit_account(request.user, self.account_of(obj)):
            raise PermissionDenied("you may not change this account")
        super().save_model(request, obj, form, change)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        # A CSM may only attach records to accounts they own.
        if db_field.name == "account" and not can_configure(request.user):
            kwargs["queryset"] = Account.objects.filter(owner_id=request.user.pk)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("code", "name")

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_reader(request.user) and request.user.is_staff

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return can_configure(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can_configure(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can_configure(request.user)


class ContractInline(admin.TabularInline):
    model = Contract
    extra = 0
    fields = ("external_id", "product", "plan", "seats", "mrr", "currency", "start_date", "renewal_date", "status")


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0
    fields = ("external_id", "name", "email", "title", "department", "role", "is_active", "unsubscribed")


@admin.register(Account)
class AccountAdmin(_RoleAdmin):
    list_display = ("name", "external_id", "segment", "lifecycle_stage", "owner", "arr", "next_renewal_date")
    list_filter = ("segment", "lifecycle_stage", "owner")
    search_fields = ("name", "external_id")
    list_select_related = ("owner",)
    readonly_fields = ("arr", "currency", "next_renewal_date")
    inlines = [ContractInline, ContactInline]
    show_full_result_count = False

    def account_of(self, obj: Account) -> Account:
        return obj

    def has_add_permission(self, request: HttpRequest) -> bool:
        return can_configure(request.user)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(super().get_readonly_fields(request, obj))
        if not can_assign_owner(request.user):
            fields.append("owner")
        return fields

    def save_model(self, request: HttpRequest, obj: Account, form: Any, change: bool) -> None:
        from django.core.exceptions import PermissionDenied

        # Check against the stored owner, not the one the form is trying to set.
        stored = Account.objects.filter(pk=obj.pk).first() if change else None
        if stored is not None and not can_edit_account(request.user, stored):
            raise PermissionDenied("you may not change this account")
        if stored is None and not can_configure(request.user):
            raise PermissionDenied("only CS Ops and admins create accounts")
        admin.ModelAdmin.save_model(self, request, obj, form, change)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        super().save_formset(request, form, formset, change)
        from csops.customers.services.accounts import refresh_account_rollup

        refresh_account_rollup([form.instance.pk])


@admin.register(Contract)
class ContractAdmin(_RoleAdmin):
    list_display = ("external_id", "account", "product", "plan", "seats", "mrr", "currency", "renewal_date", "status")
    list_filter = ("status", "product")
    search_fields = ("external_id", "account__name")
    list_select_related = ("account", "product")
    autocomplete_fields = ("account",)

    def save_model(self, request: HttpRequest, obj: Contract, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        from csops.customers.services.accounts import refresh_account_rollup

        refresh_account_rollup([obj.account_id])


@admin.register(Contact)
class ContactAdmin(_RoleAdmin):
    list_display = ("name", "account", "email", "role", "department", "is_active", "unsubscribed")
    list_filter = ("role", "is_active", "unsubscribed")
    search_fields = ("name", "email", "external_id", "account__name")
    list_select_related = ("account",)
    autocomplete_fields = ("account",)


@admin.register(Activity)
class ActivityAdmin(_RoleAdmin):
    list_display = ("occurred_at", "account", "kind", "summary", "author")
    list_filter = ("kind",)
    search_fields = ("summary", "account__name")
    list_select_related = ("account", "author")
    autocomplete_fields = ("account",)
    filter_horizontal = ("contacts",)


@admin.register(Handoff)
class HandoffAdmin(_RoleAdmin):
    list_display = ("account", "seller_name", "status", "expected_go_live", "accepted_by")
    list_filter = ("status",)
    autocomplete_fields = ("account",)
