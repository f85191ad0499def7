"""Read-only admin views: rules, playbooks and CTAs change through their pages, where saving validates and audits."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from csops.playbooks.models import ActionRun, Cta, Episode, Playbook, Rule


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Rule)
class RuleAdmin(ReadOnly):
    list_display = ["name", "key", "is_active", "playbook", "updated_at"]
    search_fields = ["name", "key"]


@admin.register(Playbook)
class PlaybookAdmin(ReadOnly):
    list_display = ["name", "key", "responsibility", "updated_at"]
    search_fields = ["name", "key"]


@admin.register(Episode)
class EpisodeAdmin(ReadOnly):
    list_display = ["rule", "account", "started_on", "last_held_on", "ended_on"]
    list_filter = ["rule"]


@admin.register(ActionRun)
class ActionRunAdmin(ReadOnly):
    list_display = ["start_key", "position", "account", "playbook", "due_on", "status", "attempts", "detail"]
    list_filter = ["status"]


@admin.register(Cta)
class CtaAdmin(ReadOnly):
    list_display = ["title", "account", "assignee", "queue", "priority", "due_on", "status"]
    list_filter = ["status", "responsibility", "queue"]
    search_fields = ["title"]
