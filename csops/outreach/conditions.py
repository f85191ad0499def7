"""Conditions of campaigns (entry, exit, per step) as data, evaluated through a registry.

A condition is a dict such as ``{"type": "lifecycle_stage", "in": ["onboarding"]}``. Each type
registers a check and a validator; health and journey register their own types (health grade,
onboarding step done...) when they land, without an edit here, and playbooks reuse the registry.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _


@dataclass
class ConditionContext:
    """What a condition looks at: one contact of one account, on one pipeline day.

    ``cache`` lives for one pipeline run so that a lake scan is done once per event, not per contact.
    """

    account: Any
    contact: Any
    day: dt.date
    enrolled_on: dt.date | None = None
    cache: dict[Any, Any] = field(default_factory=dict)


Check = Callable[[dict[str, Any], ConditionContext], bool]
Validate = Callable[[dict[str, Any]], list[str]]


@dataclass(frozen=True)
class ConditionType:
    name: str
    check: Check
    validate: Validate
    label: str


_types: dict[str, ConditionType] = {}


def register_condition(name: str, check: Check, *, validate: Validate | None = None, label: str = "") -> None:
    _types[name] = ConditionType(name=name, check=check, validate=validate or (lambda params: []),
                                 label=str(label or name))


def condition_types() -> list[ConditionType]:
    return sorted(_types.values(), key=lambda t: t.name)


def validate_conditions(conditions: Any) -> list[str]:
    """Errors in a list of conditions (unknown type, bad parameters); empty when fine."""
    if not isinstance(conditions, list):
        return ["conditions must be a list"]
    errors: list[str] = []
    for i, condition in enumerate(conditions, 1):
        if not isinstance(condition, dict) or "type" not in condition:
            errors.append(f"condition {i}: must be a mapping with a type")
            continue
        kind = _types.get(condition["type"])
        if kind is None:
            errors.append(f"condition {i}: unknown type {condition['type']!r}; known: "
                          + ", ".join(t.name for t in condition_types()))
            continue
        errors.extend(f"condition {i} ({kind.name}): {e}" for e in kind.validate(condition))
    return errors


def all_hold(conditions: list[dict[str, Any]], ctx: ConditionContext) -> bool:
    return all(_types[c["type"]].check(c, ctx) for c in conditions)


def first_holding(conditions: list[dict[str, Any]], ctx: ConditionContext) -> dict[str, Any] | None:
    return next((c for c in conditions if _types[c["type"]].check(c, ctx)), None)


# --- built-in types ---------------------------------------------------------------------------


def _membership(getter: Callable[[ConditionContext], Any], choices: Callable[[], list[str]]) -> tuple[Check, Validate]:
    """A check for ``{"in": [...]}`` or ``{"not_in": [...]}`` over one attribute."""

    def check(params: dict[str, Any], ctx: ConditionContext) -> bool:
        value = getter(ctx)
        if "in" in params:
            return value in params["in"]
        return value not in params.get("not_in", [])

    def validate(params: dict[str, Any]) -> list[str]:
        lists = [k for k in ("in", "not_in") if k in params]
        if len(lists) != 1 or not isinstance(params[lists[0]], list):
            return ["give exactly one of in: [...] or not_in: [...]"]
        known = choices()
        bad = [v for v in params[lists[0]] if v not in known]
        return [f"unknown value(s) {', '.join(map(str, bad))}; known: {', '.join(known)}"] if bad else []

    return check, validate


def _events_done(event: str, day: dt.date, scope: str, cache: dict[Any, Any]) -> set[str]:
    """Account (or contact) external ids with at least one ``event`` before the end of ``day`` (local time).

    Reads the event lake once per (event, day, scope) and pipeline run, with pyarrow.
    """
    key = ("events_done", event, day, scope)
    if key not in cache:
        import pyarrow as pa
        import pyarrow.compute as pc
        import pyarrow.dataset as ds
        from django.utils import timezone

        from csops.usage.lake import events_dataset

        column = "account_id" if scope == "account" else "user_id"
        end = timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time()))
        end_utc = end.astimezone(dt.UTC)
        dataset = events_dataset(settings.CSOPS_LAKE_DIR)
        table = dataset.to_table(columns=[column], filter=(
            (ds.field("event") == event) & (ds.field("date") <= end_utc.date())
            & (ds.field("timestamp") < pa.scalar(end_utc, type=pa.timestamp("us", tz="UTC")))
        ))
        cache[key] = set(pc.unique(table.column(column)).drop_null().to_pylist())
    return cache[key]


def _event_done(params: dict[str, Any], ctx: ConditionContext) -> bool:
    scope = params.get("scope", "account")
    subject = ctx.account.external_id if scope == "account" else ctx.contact.external_id
    return bool(subject) and subject in _events_done(params["event"], ctx.day, scope, ctx.cache)


def _validate_event(params: dict[str, Any]) -> list[str]:
    errors = [] if isinstance(params.get("event"), str) and params["event"] else ["event: the event name is required"]
    if params.get("scope", "account") not in ("account", "contact"):
        errors.append("scope must be account or contact")
    return errors


def _started_within(params: dict[str, Any], ctx: ConditionContext) -> bool:
    from csops.customers.models import Contract

    first = (Contract.objects.filter(account=ctx.account).order_by("start_date")
             .values_list("start_date", flat=True).first())
    return first is not None and 0 <= (ctx.day - first).days <= int(params["days"])


def _validate_days(params: dict[str, Any]) -> list[str]:
    return [] if isinstance(params.get("days"), int) and params["days"] >= 0 else ["days must be a whole number >= 0"]


def register_builtin_conditions() -> None:
    from csops.customers.models import ContactRole, LifecycleStage, Segment

    check, validate = _membership(lambda c: c.account.segment, lambda: list(Segment.values))
    register_condition("segment", check, validate=validate, label=_("Account segment"))
    check, validate = _membership(lambda c: c.account.lifecycle_stage, lambda: list(LifecycleStage.values))
    register_condition("lifecycle_stage", check, validate=validate, label=_("Lifecycle stage"))
    check, validate = _membership(lambda c: c.contact.role, lambda: list(ContactRole.values))
    register_condition("contact_role", check, validate=validate, label=_("Contact role"))
    register_condition("event_done", _event_done, validate=_validate_event,
                       label=_("Product event done (event lake)"))
    register_condition("event_not_done", lambda p, c: not _event_done(p, c), validate=_validate_event,
                       label=_("Product event not done yet (event lake)"))
    register_condition("started_within_days", _started_within, validate=_validate_days,
                       label=_("First contract started within N days"))
