"""Playbook actions: a registry of types, each validated on save and carried out once per start.

An action is data, e.g. ``{"type": "create_cta", "title": "Call {{ account }}", "due_days": 3}``.
Every action may wait ``after_days`` after the start, and by default a waiting action of a rule's
episode is skipped when the episode ended meanwhile (``only_while_open``: the problem went away).

Texts (CTA titles, Slack messages, activity summaries) are templates over the variables of
``VARIABLES``; an unknown variable is refused on save, never rendered empty.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from csops.outreach.rendering import render, template_errors

# What a CTA title, a Slack message or an activity may say ({{ account }}, {{ owner }}...).
VARIABLES = ("account", "account_id", "owner", "owner_email", "rule", "reason", "today", "stage", "segment",
             "touch_model", "arr", "renewal_date", "playbook")
COMMON = {"type", "after_days", "only_while_open"}


@dataclass
class RunContext:
    """What an action sees when it is carried out."""

    run: Any  # ActionRun
    account: Any
    day: dt.date
    variables: dict[str, Any]
    reason_text: str
    event: str  # the trigger's webhook event name ("" for a manual start)
    reason: dict[str, Any]


@dataclass(frozen=True)
class Outcome:
    status: str  # done | deferred | skipped | failed
    detail: str = ""


@dataclass(frozen=True)
class ActionType:
    name: str
    label: Any
    fields: dict[str, tuple[type | tuple[type, ...], bool]]  # name -> (kind, required)
    execute: Callable[[dict[str, Any], RunContext], Outcome]
    validate: Callable[[dict[str, Any]], list[str]] = lambda a: []
    texts: tuple[str, ...] = ()  # fields that are templates
    effects: Callable[[dict[str, Any]], set[str]] = lambda a: set()  # what it changes (see triggers.watches)
    describe: Callable[[dict[str, Any]], str] = lambda a: ""


_types: dict[str, ActionType] = {}


def register_action_type(action: ActionType) -> None:
    _types[action.name] = action


def action_types() -> list[ActionType]:
    return sorted(_types.values(), key=lambda t: t.name)


def get_action_type(name: str) -> ActionType | None:
    return _types.get(name)


def text_errors(source: str) -> list[str]:
    return template_errors(source, html=False, allowed=set(VARIABLES))


def validate_actions(actions: Any) -> list[str]:
    if not isinstance(actions, list) or not actions:
        return ["actions: give at least one action"]
    errors: list[str] = []
    for i, action in enumerate(actions, 1):
        where = f"action {i}"
        if not isinstance(action, dict) or "type" not in action:
            errors.append(f"{where}: must be a mapping with a type")
            continue
        kind = _types.get(action["type"])
        if kind is None:
            errors.append(f"{where}: unknown type {action['type']!r}; known: "
                          + ", ".join(t.name for t in action_types()))
            continue
        where = f"action {i} ({kind.name})"
        unknown = set(action) - COMMON - set(kind.fields)
        if unknown:
            errors.append(f"{where}: unknown field(s) {', '.join(sorted(unknown))}; known: "
                          + ", ".join(sorted(COMMON - {'type'} | set(kind.fields))))
        for name, (ftype, required) in kind.fields.items():
            if name not in action:
                if required:
                    errors.append(f"{where}: {name} is required")
            elif not isinstance(action[name], ftype) or (isinstance(action[name], bool) and ftype is int):
                errors.append(f"{where}: {name} has the wrong type")
        for name in ("after_days", "due_days"):
            days = action.get(name, 0)
            if not isinstance(days, int) or isinstance(days, bool) or not 0 <= days <= 3650:
                errors.append(f"{where}: {name} must be a whole number from 0 to 3650")
        for name in kind.texts:
            if isinstance(action.get(name), str):
                errors.extend(f"{where}: {name}: {e}" for e in text_errors(action[name]))
        if not errors:
            errors.extend(f"{where}: {e}" for e in kind.validate(action))
    return errors


def render_text(source: str, variables: dict[str, Any]) -> str:
    return render(source, variables, html=False).strip()


def variables_for(account: Any, *, day: dt.date, rule: Any = None, playbook: Any = None,
                  reason_text: str = "") -> dict[str, Any]:
    owner = account.owner
    touch = getattr(account, "touch", None) if hasattr(account, "touch") else None
    return {
        "account": account.name, "account_id": account.external_id,
        "owner": str(owner) if owner else "", "owner_email": owner.email if owner else "",
        "rule": rule.name if rule else "", "playbook": playbook.name if playbook else "",
        "reason": reason_text, "today": day, "stage": account.get_lifecycle_stage_display(),
        "segment": account.get_segment_display(), "touch_model": touch.get_touch_model_display() if touch else "",
        "arr": f"{account.arr:,.0f} {account.currency}", "renewal_date": account.next_renewal_date or "",
    }


def call_time(day: dt.date) -> dt.datetime:
    """When a call CTA counts in the touch ledger: the day's opening of business, local time."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(9)))
