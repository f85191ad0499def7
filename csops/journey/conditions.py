"""Conditions: the one vocabulary of maturity levels, first value and automatic onboarding steps.

A condition is a small JSON object with a ``type`` from the registry below::

    {"type": "event_count", "event": "document_sent", "where": {"channel": ["web", "email"]},
     "window_days": 30, "op": ">=", "value": 1}

Types (docs/journey.md):

- ``event_count``: events named ``event`` (with ``where`` properties) in the last ``window_days``
  days (``null``: since the start: the contract start for steps and first value, all history for
  levels);
- ``distinct_values``: distinct values of a ``property`` (or of the ``user_id`` / ``anonymous_id``
  column) over such events;
- ``feature_used``: uses of a registered feature (csops.usage.features), same window rules;
- ``trait``: an account field (segment, industry, employees, country) or ``traits.<key>``;
- ``contract``: a fact of the product's live contract (seats, mrr, plan, status, months_active);
- ``measure``: the latest health score's measure (``raw`` value or 0-100 ``score``), read from
  csops.health when that app is installed.

The event types are evaluated for all accounts at once from daily aggregates (csops.journey.lake):
one query per distinct aggregate, never one per account. Validation names the place of every
problem (``levels[2].conditions[0].event: ...``) and unknown measures, features or fields are
refused.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

OPS: dict[str, Callable[[Any, Any], bool]] = {
    ">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt, "==": operator.eq, "!=": operator.ne,
}
COLUMNS = ("user_id", "anonymous_id")
ACCOUNT_FIELDS = ("segment", "industry", "employees", "country")
CONTRACT_FIELDS = ("seats", "mrr", "plan", "status", "months_active")
MEASURE_FIELDS = ("raw", "score")
MAX_WINDOW_DAYS = 730
TYPES = ("event_count", "distinct_values", "feature_used", "trait", "contract", "measure")
LAKE_TYPES = ("event_count", "distinct_values", "feature_used")
_COMMON = {"type", "op", "value", "label"}
_ALLOWED = {
    "event_count": _COMMON | {"event", "where", "window_days"},
    "distinct_values": _COMMON | {"event", "where", "window_days", "property", "column"},
    "feature_used": _COMMON | {"feature", "window_days"},
    "trait": _COMMON | {"field"},
    "contract": _COMMON | {"field"},
    "measure": _COMMON | {"measure", "field"},
}


@dataclass(frozen=True)
class AggSpec:
    """One daily aggregate over the lake: counts of events, or the distinct values they carry."""

    kind: str  # "count" | "distinct"
    events: tuple[str, ...]  # event names; empty = any usage event
    where: tuple[tuple[str, tuple[Any, ...]], ...] = ()  # property -> allowed values
    target: tuple[str, str] | None = None  # ("property", key) | ("column", name) for distinct


class ConditionInvalid(ValueError):
    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value == value


def _check_where(where: Any, path: str) -> list[str]:
    if where in (None, {}):
        return []
    if not isinstance(where, dict):
        return [f"{path}.where: must be a mapping of property -> value or list of values"]
    errors = []
    for key, value in where.items():
        if not isinstance(key, str) or not key.strip():
            errors.append(f"{path}.where: property names must be non-empty text")
            continue
        values = value if isinstance(value, list) else [value]
        if not values or not all(isinstance(v, str | int | float | bool) for v in values):
            errors.append(f"{path}.where.{key}: must be text, a number, true/false or a non-empty list of them")
    return errors


def _check_window(cond: dict[str, Any], path: str) -> list[str]:
    window = cond.get("window_days")
    if window is None:
        return []
    if not isinstance(window, int) or isinstance(window, bool) or not 1 <= window <= MAX_WINDOW_DAYS:
        return [f"{path}.window_days: must be a whole number of days from 1 to {MAX_WINDOW_DAYS}, or null"]
    return []


def validate_condition(
    cond: Any,
    path: str,
    *,
    product: str | None,
    features: set[tuple[str, str]] | None = None,
    measures: set[str] | None = None,
    allowed_types: tuple[str, ...] = TYPES,
) -> list[str]:
    """Every problem of one condition, each naming ``path``; empty when it is valid.

    ``features`` are the known (product, key) pairs; ``measures`` the known measure keys, or None
    when the health app is not installed (then a measure condition is refused).
    """
    if not isinstance(cond, dict):
        return [f"{path}: a condition must be a mapping with a type"]
    kind = cond.get("type")
    if kind not in TYPES:
        return [f"{path}.type: unknown condition type {kind!r} (known: {', '.join(TYPES)})"]
    if kind not in allowed_types:
        return [f"{path}.type: {kind} cannot be used here (allowed: {', '.join(allowed_types)})"]
    errors = [f"{path}.{key}: unknown field for a {kind} condition" for key in sorted(set(cond) - _ALLOWED[kind])]
    op = cond.get("op", ">=")
    if op not in OPS:
        errors.append(f"{path}.op: must be one of {' '.join(OPS)}, got {op!r}")
    value = cond.get("value", 1)
    if kind in LAKE_TYPES or kind == "measure":
        if not _is_number(value):
            errors.append(f"{path}.value: must be a number")
        elif kind != "measure" and value < 0:
            errors.append(f"{path}.value: a count cannot be negative")
    elif value is None or isinstance(value, list | dict):
        errors.append(f"{path}.value: must be text or a number")
    if "label" in cond and not isinstance(cond["label"], str):
        errors.append(f"{path}.label: must be text")

    if kind in ("event_count", "distinct_values"):
        event = cond.get("event")
        if kind == "event_count" and not (isinstance(event, str) and event.strip()):
            errors.append(f"{path}.event: the event name is required")
        elif event is not None and not (isinstance(event, str) and event.strip()):
            errors.append(f"{path}.event: must be an event name")
        errors += _check_where(cond.get("where"), path) + _check_window(cond, path)
    if kind == "distinct_values":
        prop, column = cond.get("property"), cond.get("column")
        if (prop is None) == (column is None):
            errors.append(f"{path}: give either property (a property name) or column ({' or '.join(COLUMNS)})")
        elif prop is not None and not (isinstance(prop, str) and prop.strip()):
            errors.append(f"{path}.property: must be a property name")
        elif column is not None and column not in COLUMNS:
            errors.append(f"{path}.column: must be {' or '.join(COLUMNS)}, got {column!r}")
    if kind == "feature_used":
        errors += _check_window(cond, path)
        key = cond.get("feature")
        if not isinstance(key, str) or not key:
            errors.append(f"{path}.feature: the feature key is required")
        elif features is not None and (product, key) not in features:
            errors.append(f"{path}.feature: unknown feature {key!r} for product {product!r}")
    if kind == "trait":
        name = cond.get("field")
        if not isinstance(name, str) or not (name in ACCOUNT_FIELDS or (name.startswith("traits.") and len(name) > 7)):
            errors.append(f"{path}.field: must be one of {', '.join(ACCOUNT_FIELDS)} or traits.<key>, got {name!r}")
    if kind == "contract" and cond.get("field") not in CONTRACT_FIELDS:
        errors.append(f"{path}.field: must be one of {', '.join(CONTRACT_FIELDS)}, got {cond.get('field')!r}")
    if kind == "measure":
        key = cond.get("measure")
        if cond.get("field", "raw") not in MEASURE_FIELDS:
            errors.append(f"{path}.field: must be raw or score")
        if measures is None:
            errors.append(f"{path}.measure: health measures are not available (the health app is not installed)")
        elif not isinstance(key, str) or key not in measures:
            known = ", ".join(sorted(measures)) or "none defined yet"
            errors.append(f"{path}.measure: unknown measure {key!r} (known: {known})")
    return errors


def normalised_where(where: dict[str, Any] | None) -> tuple[tuple[str, tuple[Any, ...]], ...]:
    out = []
    for key, value in sorted((where or {}).items()):
        values = value if isinstance(value, list) else [value]
        out.append((key, tuple(sorted({str(v) if isinstance(v, str) else v for v in values}, key=repr))))
    return tuple(out)


def lake_spec(cond: dict[str, Any], *, product: str) -> AggSpec | None:
    """The daily aggregate an event condition needs, or None for the other types."""
    kind = cond["type"]
    if kind == "event_count":
        return AggSpec("count", (cond["event"],), normalised_where(cond.get("where")))
    if kind == "distinct_values":
        target = ("property", cond["property"]) if cond.get("property") else ("column", cond["column"])
        events = (cond["event"],) if cond.get("event") else ()
        return AggSpec("distinct", events, normalised_where(cond.get("where")), target)
    if kind == "feature_used":
        from csops.usage.models import Feature

        feature = Feature.objects.filter(product__code=product, key=cond["feature"]).first()
        if feature is None:
            raise ConditionInvalid([f"unknown feature {cond['feature']!r} for product {product!r}"])
        return AggSpec("count", (feature.event_name,), normalised_where(feature.property_filter or {}))
    return None


def describe(cond: dict[str, Any]) -> str:
    """A short readable statement of the condition (its ``label`` when it has one)."""
    if cond.get("label"):
        return str(cond["label"])
    op, value = cond.get("op", ">="), cond.get("value", 1)
    window = cond.get("window_days")
    span = f" in {window} days" if window else ""
    where = "".join(f" {k}={'|'.join(map(str, v))}" for k, v in normalised_where(cond.get("where")))
    kind = cond.get("type")
    if kind == "event_count":
        return f"{cond.get('event')}{where}{span} {op} {value}"
    if kind == "distinct_values":
        what = cond.get("property") or cond.get("column")
        return f"distinct {what} of {cond.get('event') or 'events'}{where}{span} {op} {value}"
    if kind == "feature_used":
        return f"feature {cond.get('feature')}{span} {op} {value}"
    if kind == "measure":
        return f"measure {cond.get('measure')} ({cond.get('field', 'raw')}) {op} {value}"
    return f"{kind} {cond.get('field')} {op} {value}"


def known_features() -> set[tuple[str, str]]:
    from csops.usage.models import Feature

    return set(Feature.objects.values_list("product__code", "key"))


def health_installed() -> bool:
    from django.apps import apps

    return apps.is_installed("csops.health")


def known_measures(product: str | None = None) -> set[str] | None:
    """Measure keys of the scorecards (of ``product`` when given), or None without the health app.

    Read from each scorecard's definition (``groups[].measures[].key`` or ``measures[].key``)
    and, when a scorecard has no readable definition yet, from the keys its snapshots carry.
    """
    if not health_installed():
        return None
    from csops.health.models import HealthScore, Scorecard

    keys: set[str] = set()
    cards = Scorecard.objects.all()
    if product:
        cards = cards.filter(product__code=product)
    for card in cards:
        found = _definition_measures(card.definition or {})
        if not found:
            latest = HealthScore.objects.filter(scorecard=card).order_by("-day").values_list("breakdown", flat=True)
            first = latest.first()
            found = set(first or {})
        keys |= found
    return keys


def _definition_measures(definition: dict[str, Any]) -> set[str]:
    keys: set[str] = set()
    measures = list(definition.get("measures") or [])
    for group in definition.get("groups") or []:
        if isinstance(group, dict):
            measures += list(group.get("measures") or [])
    for measure in measures:
        if isinstance(measure, dict) and isinstance(measure.get("key"), str):
            keys.add(measure["key"])
    return keys
