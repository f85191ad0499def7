"""The measure library: a registry of measure types, each turning into Ibis aggregates or bulk ORM queries.

A measure type says which parameters it takes and how its raw value is computed for *every*
account at once:

- a **lake** type adds named aggregates to the one grouped query the engine runs over the
  event lake (``aggregates``) and turns the aggregated row into the raw value (``finish``);
- a **db** type answers for all accounts with a few bulk queries on the app database (``db``);
- a **query** type (custom SQL) runs its own grouped query over the windowed events.

Other apps add types with ``register_measure_type`` (journey registers onboarding progress), the
same way the built-in ones are registered here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from csops.health.definition import MeasureDef


@dataclass(frozen=True)
class Param:
    name: str
    kind: str = "text"  # text | int | bool | choice | choices (one choice, or a non-empty list of them)
    required: bool = False
    choices: tuple[str, ...] = ()


@dataclass
class LakeScope:
    """What a lake measure needs to build its aggregates: the windowed table and the day."""

    table: ir.Table  # usage events of the largest window, with ``d`` = local day number
    day: Any  # the scored day as a local day number: a literal, or the calendar's column in a backfill
    engine: str
    features: Sequence[Mapping[str, Any]]  # the product's features (FeatureDef)

    def within(self, window: int, *, back: int = 0) -> ir.BooleanValue:
        """Events in the ``window`` days ending ``back`` windows before the scored day."""
        last = self.day - back * window
        return (self.table.d > last - window) & (self.table.d <= last)


@dataclass
class FinishScope:
    seats: Mapping[int, int]  # account id -> seats of its live contracts for the product
    features_offered: int


@dataclass
class DbScope:
    """What a database measure needs: the accounts, the scored day and the scorecard row."""

    account_ids: Sequence[int]
    day: dt.date
    scorecard_id: int | None
    product_id: int
    tz: dt.tzinfo
    cache: dict[str, Any] = field(default_factory=dict)  # shared by the measures of one day

    def day_end(self) -> dt.datetime:
        """The first instant after the scored day, in the company's time zone."""
        return dt.datetime.combine(self.day + dt.timedelta(days=1), dt.time(), tzinfo=self.tz)

    def window_start(self, window: int) -> dt.datetime:
        return dt.datetime.combine(self.day - dt.timedelta(days=window - 1), dt.time(), tzinfo=self.tz)


Aggregates = Callable[[LakeScope, "MeasureDef", str], dict[str, Any]]
Finish = Callable[["MeasureDef", Mapping[str, Any], str, int, FinishScope], float | None]
DbCompute = Callable[[DbScope, "MeasureDef"], dict[int, float | None]]
Check = Callable[[dict[str, Any]], list[tuple[str, str]]]


def _one_or_more_of(value: Any, choices: Sequence[str]) -> bool:
    """A ``choices`` parameter: one of ``choices`` as text, or a non-empty list of distinct ones."""
    if isinstance(value, str):
        return value in choices
    return (isinstance(value, list) and bool(value) and len(set(map(str, value))) == len(value)
            and all(isinstance(v, str) and v in choices for v in value))


def as_choices(value: Any) -> frozenset[str]:
    """The values a ``choices`` parameter selects (empty when it is not given)."""
    if not value:
        return frozenset()
    return frozenset([value] if isinstance(value, str) else value)


@dataclass(frozen=True)
class MeasureType:
    key: str
    source: str  # lake | db | query
    params: tuple[Param, ...] = ()
    aggregates: Aggregates | None = None
    finish: Finish | None = None
    db: DbCompute | None = None
    check: Check | None = None
    # Lake types: how many windows back the aggregates read (change reads the previous window too).
    span: Callable[[MeasureDef], int] = field(default=lambda m: m.window)

    def check_params(self, params: Mapping[str, Any]) -> list[tuple[str, str]]:
        errors: list[tuple[str, str]] = []
        known = {p.name: p for p in self.params}
        for name in params:
            if name not in known:
                allowed = ", ".join(known) or _("none")
                errors.append((str(name), _("unknown parameter for %(type)s; allowed: %(allowed)s") % {
                    "type": self.key, "allowed": allowed}))
        for p in self.params:
            if p.name not in params:
                if p.required:
                    errors.append((p.name, _("is required")))
                continue
            value = params[p.name]
            if p.kind == "text" and not (isinstance(value, str) and value.strip()):
                errors.append((p.name, _("must be non-empty text")))
            elif p.kind == "int" and (isinstance(value, bool) or not isinstance(value, int)):
                errors.append((p.name, _("must be a whole number")))
            elif p.kind == "bool" and not isinstance(value, bool):
                errors.append((p.name, _("must be true or false")))
            elif p.kind == "choice" and value not in p.choices:
                errors.append((p.name, _("must be one of: %(choices)s") % {"choices": ", ".join(p.choices)}))
            elif p.kind == "choices" and not _one_or_more_of(value, p.choices):
                errors.append((p.name, _("must be one of %(choices)s, or a non-empty list of them") % {
                    "choices": ", ".join(p.choices)}))
        if not errors and self.check is not None:
            errors.extend(self.check(dict(params)))
        return errors


_registry: dict[str, MeasureType] = {}


def register_measure_type(kind: MeasureType) -> None:
    """Add (or replace) a measure type; other apps call this from their AppConfig.ready()."""
    if kind.source not in ("lake", "db", "query"):
        raise ValueError("a measure type's source is lake, db or query")
    _registry[kind.key] = kind


def measure_type(key: str) -> MeasureType | None:
    return _registry.get(key)


def measure_types() -> list[str]:
    return sorted(_registry)


# --------------------------------------------------------------------------------------------
# Lake measures


def _event_filter(scope: LakeScope, m: MeasureDef) -> ir.BooleanValue | None:
    """The event, feature and type parameters of a measure as one condition (None: every usage event)."""
    from csops.usage.query import feature_condition

    t = scope.table
    condition = None

    def both(a: Any, b: Any) -> Any:
        return b if a is None else a & b

    params = m.params
    if params.get("event"):
        condition = both(condition, t.event == params["event"])
    if params.get("type"):
        condition = both(condition, t.type == params["type"])
    if params.get("feature"):
        feature = next((f for f in scope.features if f["key"] == params["feature"]), None)
        if feature is None:  # removed from the registry since the scorecard was saved: nothing matches
            condition = both(condition, t.event.isnull() & t.event.notnull())
        else:
            condition = both(condition, feature_condition(t, feature, engine_name=scope.engine))
    return condition


def _where(scope: LakeScope, m: MeasureDef, *, back: int = 0) -> ir.BooleanValue:
    condition = scope.within(m.window, back=back)
    extra = _event_filter(scope, m)
    return condition if extra is None else condition & extra


def _count(scope: LakeScope, m: MeasureDef, back: int) -> Any:
    return scope.table.count(where=_where(scope, m, back=back))


def _users(scope: LakeScope, m: MeasureDef, back: int) -> Any:
    t = scope.table
    return t.user_id.nunique(where=_where(scope, m, back=back) & t.user_id.notnull())


def _days(scope: LakeScope, m: MeasureDef, back: int) -> Any:
    return scope.table.d.nunique(where=_where(scope, m, back=back))


_BASIC: dict[str, Callable[[LakeScope, MeasureDef, int], Any]] = {
    "events": _count, "active_users": _users, "active_days": _days,
}


def _simple(name: str) -> Aggregates:
    def aggregates(scope: LakeScope, m: MeasureDef, prefix: str) -> dict[str, Any]:
        return {prefix: _BASIC[name](scope, m, 0)}

    return aggregates


def _value(m: MeasureDef, row: Mapping[str, Any], prefix: str, account: int, scope: FinishScope) -> float | None:
    return float(row.get(prefix) or 0)


def _change_aggregates(scope: LakeScope, m: MeasureDef, prefix: str) -> dict[str, Any]:
    of = _BASIC[m.params["of"]]
    return {f"{prefix}_now": of(scope, m, 0), f"{prefix}_before": of(scope, m, 1)}


def _change_finish(m: MeasureDef, row: Mapping[str, Any], prefix: str, account: int,
                   scope: FinishScope) -> float | None:
    now, before = float(row.get(f"{prefix}_now") or 0), float(row.get(f"{prefix}_before") or 0)
    if before == 0:
        # No base to compare with: no use either time is no change; new use is a full rise.
        return 0.0 if now == 0 else 100.0
    return (now - before) / before * 100.0


def _breadth_aggregates(scope: LakeScope, m: MeasureDef, prefix: str) -> dict[str, Any]:
    from csops.usage.query import feature_condition

    t = scope.table
    window = scope.within(m.window)
    return {
        f"{prefix}_{i}": t.count(where=window & feature_condition(t, f, engine_name=scope.engine))
        for i, f in enumerate(scope.features)
    }


def _breadth_finish(m: MeasureDef, row: Mapping[str, Any], prefix: str, account: int,
                    scope: FinishScope) -> float | None:
    if not scope.features_offered:
        return None
    used = sum(1 for i in range(scope.features_offered) if row.get(f"{prefix}_{i}"))
    return used / scope.features_offered * 100.0


def _utilisation_finish(m: MeasureDef, row: Mapping[str, Any], prefix: str, account: int,
                        scope: FinishScope) -> float | None:
    seats = scope.seats.get(account) or 0
    if not seats:
        return None
    return float(row.get(prefix) or 0) / seats * 100.0


_FILTERS = (Param("event"), Param("feature"), Param("type", "choice", choices=("track", "page", "screen")))


# --------------------------------------------------------------------------------------------
# Database measures


def _activities(scope: DbScope, m: MeasureDef, kind: str) -> Any:
    from csops.customers.models import Activity

    return Activity.objects.filter(
        account_id__in=list(scope.account_ids), kind=kind,
        occurred_at__gte=scope.window_start(m.window), occurred_at__lt=scope.day_end(),
    )


def _tickets(scope: DbScope, m: MeasureDef) -> dict[int, float | None]:
    counts: dict[int, float | None] = dict.fromkeys(scope.account_ids, 0.0)
    # One severity or a list of them ("high" or ["high", "urgent"]); none given counts every ticket.
    severities = as_choices(m.params.get("severity"))
    open_only = bool(m.params.get("open_only"))
    # The JSON filters run in Python: JSON lookups differ between SQLite and PostgreSQL and a
    # window of tickets is small.
    for account_id, data in _activities(scope, m, "ticket").values_list("account_id", "data"):
        data = data or {}
        if severities and data.get("severity") not in severities:
            continue
        if open_only and str(data.get("status", "open")).lower() in ("closed", "resolved", "solved"):
            continue
        counts[account_id] = (counts[account_id] or 0) + 1
    return counts


def _survey(key: str) -> DbCompute:
    def compute(scope: DbScope, m: MeasureDef) -> dict[int, float | None]:
        latest: dict[int, tuple[dt.datetime, float]] = {}
        sums: dict[int, list[float]] = {}
        rows = _activities(scope, m, "survey").order_by("occurred_at", "id").values_list(
            "account_id", "occurred_at", "data")
        for account_id, at, data in rows:
            value = (data or {}).get(key)
            if isinstance(value, bool) or not isinstance(value, int | float):
                continue
            latest[account_id] = (at, float(value))
            sums.setdefault(account_id, []).append(float(value))
        if m.params.get("stat", "latest") == "average":
            return {a: (sum(v) / len(v) if (v := sums.get(a)) else None) for a in scope.account_ids}
        return {a: (latest[a][1] if a in latest else None) for a in scope.account_ids}

    return compute


TOUCH_KINDS = ("meeting", "call", "email")
TICKET_SEVERITIES = ("low", "medium", "high", "urgent")
# The keys of Activity.data that mark an activity written by the sending of an automated message.
AUTOMATED_MARKER = ("message", "source")


def _days_since_touch(scope: DbScope, m: MeasureDef) -> dict[int, float | None]:
    from django.db.models import Max

    from csops.customers.models import Activity

    kinds = m.params.get("kinds") or list(TOUCH_KINDS)
    last = dict(
        Activity.objects.filter(account_id__in=list(scope.account_ids), kind__in=kinds,
                                occurred_at__gte=scope.window_start(m.window), occurred_at__lt=scope.day_end())
        # Only people touch: an email the outreach or playbook engine sent is written to the timeline
        # without an author and with the message it came from (csops.outreach.sending._timeline).
        .exclude(author__isnull=True, data__has_keys=list(AUTOMATED_MARKER))
        .values("account_id").annotate(last=Max("occurred_at")).values_list("account_id", "last")
    )
    # No touch within the window counts as the whole window: a silence is information, not missing data.
    return {
        a: float((scope.day - last[a].astimezone(scope.tz).date()).days) if a in last else float(m.window)
        for a in scope.account_ids
    }


def _assessment(scope: DbScope, m: MeasureDef) -> dict[int, float | None]:
    if "assessments" not in scope.cache:
        scope.cache["assessments"] = latest_assessments(scope.account_ids, scope.scorecard_id, scope.day)
    latest = scope.cache["assessments"]
    field_name = m.params.get("field", "promotion")
    out: dict[int, float | None] = {}
    for a in scope.account_ids:
        row = latest.get(a)
        if row is None:
            out[a] = None
        elif field_name == "scenarios":
            levels = [s.get("current") for s in ((row["answers"] or {}).get("scenarios") or {}).values()
                      if isinstance(s, Mapping) and isinstance(s.get("current"), int)]
            out[a] = sum(levels) / len(levels) if levels else None
        else:
            out[a] = float(row[field_name])
    return out


def latest_assessments(account_ids: Sequence[int], scorecard_id: int | None, day: dt.date) -> dict[int, dict]:
    """Each account's latest assessment on or before ``day`` under the scorecard (one query)."""
    from csops.health.models import Assessment

    if scorecard_id is None:
        return {}
    rows = (Assessment.objects.filter(scorecard_id=scorecard_id, account_id__in=list(account_ids),
                                      assessed_on__lte=day)
            .order_by("account_id", "assessed_on", "id")
            .values("account_id", "assessed_on", "promotion", "relationship", "answers"))
    return {row["account_id"]: row for row in rows}  # the last row per account is its latest


# --------------------------------------------------------------------------------------------
# Custom SQL


def _check_sql(params: dict[str, Any]) -> list[tuple[str, str]]:
    from csops.health.sandbox import SqlRejected, validate_sql

    try:
        validate_sql(params["sql"])
    except SqlRejected as exc:
        return [("sql", str(exc))]
    return []


# --------------------------------------------------------------------------------------------
# The built-in types


def _register_builtins() -> None:
    for name in ("events", "active_users", "active_days"):
        register_measure_type(MeasureType(name, "lake", _FILTERS, aggregates=_simple(name), finish=_value))
    register_measure_type(MeasureType(
        "change", "lake", (Param("of", "choice", True, tuple(_BASIC)), *_FILTERS),
        aggregates=_change_aggregates, finish=_change_finish, span=lambda m: 2 * m.window,
    ))
    register_measure_type(MeasureType("feature_breadth", "lake", (), aggregates=_breadth_aggregates,
                                      finish=_breadth_finish))
    register_measure_type(MeasureType("license_utilisation", "lake", (), aggregates=_simple("active_users"),
                                      finish=_utilisation_finish))
    register_measure_type(MeasureType(
        "tickets", "db", (Param("severity", "choices", choices=TICKET_SEVERITIES),
                          Param("open_only", "bool")), db=_tickets,
    ))
    register_measure_type(MeasureType("nps", "db", (Param("stat", "choice", choices=("latest", "average")),),
                                      db=_survey("nps")))
    register_measure_type(MeasureType("csat", "db", (Param("stat", "choice", choices=("latest", "average")),),
                                      db=_survey("csat")))
    register_measure_type(MeasureType("days_since_touch", "db", (Param("kinds", "list"),), db=_days_since_touch,
                                      check=_check_kinds))
    register_measure_type(MeasureType(
        "assessment", "db", (Param("field", "choice", True, ("promotion", "relationship", "scenarios")),),
        db=_assessment,
    ))
    register_measure_type(MeasureType("custom_sql", "query", (Param("sql", "text", True),), check=_check_sql))


def _check_kinds(params: dict[str, Any]) -> list[tuple[str, str]]:
    kinds = params.get("kinds")
    if kinds is None:
        return []
    if not isinstance(kinds, list) or not kinds or any(k not in TOUCH_KINDS for k in kinds):
        return [("kinds", _("must be a list of: %(choices)s") % {"choices": ", ".join(TOUCH_KINDS)})]
    return []


_register_builtins()
