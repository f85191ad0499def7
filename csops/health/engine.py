"""The scoring engine: every measure of a scorecard for every account, in bulk.

For one scored day the lake measures of a scorecard become ONE grouped query over the event lake
(through the seam ``csops.usage.query``): the events of the largest window the scorecard reads,
grouped by account, with one conditional aggregate per measure and window (``count(*) filter
(where d in window and event = ...)``), so each event file is read once whatever the number of
measures. The database measures (tickets, surveys, touches, assessments) are a few bulk ORM
queries for all accounts. A custom SQL measure is its own grouped query over the windowed events.
No query is ever issued per account.

The same Ibis expressions run on DuckDB (default) and PySpark (``CSOPS_ENGINE=pyspark``).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import ibis
import sqlglot
from django.conf import settings
from django.db.models import Q, Sum

from csops.customers.models import Account, Contract
from csops.health import combine
from csops.health.definition import MeasureDef, ScorecardDef
from csops.health.measures import DbScope, FinishScope, LakeScope, latest_assessments, measure_type
from csops.health.models import Scorecard
from csops.usage import query

_EPOCH = dt.date(1970, 1, 1)
CUSTOM_SCHEMA = ibis.schema({"account_id": "string", "value": "float64"})


@dataclass(frozen=True)
class Scope:
    """One account the scorecard scores: ids, and the segment that makes its peer group."""

    id: int
    external_id: str
    segment: str


@dataclass
class Raw:
    """Raw values of one day: measure key -> account id -> value (None: no data)."""

    day: dt.date
    values: dict[str, dict[int, float | None]]
    assessment_age: dict[int, int] = field(default_factory=dict)


@dataclass
class AccountScore:
    account_id: int
    score: float | None
    grade: str
    coverage: float
    flags: list[str]
    breakdown: dict[str, dict[str, Any]]


def _tz() -> dt.tzinfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def day_number(day: dt.date) -> int:
    return (day - _EPOCH).days


# --------------------------------------------------------------------------------------------
# Which accounts


def accounts_in_scope(scorecard: Scorecard, day: dt.date) -> list[Scope]:
    """Accounts with a contract for the scorecard's product running on ``day`` (dates, not today's status).

    A product-wide scorecard leaves out the segments that an active segment-specific scorecard of
    the same product covers: the specific one wins.
    """
    running = Contract.objects.filter(product_id=scorecard.product_id, start_date__lte=day).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=day))
    accounts = Account.objects.filter(pk__in=running.values("account_id"))
    if scorecard.segment:
        accounts = accounts.filter(segment=scorecard.segment)
    else:
        specific = list(Scorecard.objects.filter(product_id=scorecard.product_id, is_active=True)
                        .exclude(segment="").values_list("segment", flat=True))
        if specific:
            accounts = accounts.exclude(segment__in=specific)
    return [Scope(pk, ext, seg or "") for pk, ext, seg in
            accounts.order_by("pk").values_list("pk", "external_id", "segment")]


def seats_on(product_id: int, account_ids: Sequence[int], day: dt.date) -> dict[int, int]:
    rows = (Contract.objects.filter(product_id=product_id, account_id__in=list(account_ids), start_date__lte=day)
            .filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
            .values("account_id").annotate(seats=Sum("seats")).values_list("account_id", "seats"))
    return {a: int(s or 0) for a, s in rows}


# --------------------------------------------------------------------------------------------
# The lake


def _windowed_events(first: dt.date, last: dt.date, *, con: Any = None) -> Any:
    """Usage events from local day ``first`` to ``last`` (inclusive), with ``d``, the local day number.

    ``con``: the backend to read the lake on (the custom SQL sandbox); the configured engine's by default.
    """
    start = query._aware(first)
    end = query._aware(last + dt.timedelta(days=1))
    t = query.events(start=start, end=end, con=con)
    t = t.filter(t.type.isin(query.USAGE_TYPES), t.account_id.notnull())
    d = query._local_day_number(t.timestamp, query._offset_segments(query._company_tz(), start, end))
    return t.mutate(d=d.cast("int64"))


def _lake_measures(defn: ScorecardDef) -> list[MeasureDef]:
    return [m for m in defn.measures if (kind := measure_type(m.type)) is not None and kind.source == "lake"]


def lake_expression(defn: ScorecardDef, days: Sequence[dt.date],
                    features: Sequence[Mapping[str, Any]]) -> tuple[Any, dict[str, str]] | None:
    """The one grouped Ibis expression computing every lake measure of ``defn`` (None: it has none),
    and the aliases of the aggregates it computes once for several measures.

    For one day the windows are constants. For several days (a backfill) the events are joined
    with a small calendar of the scored days on ``day - span < d <= day`` and grouped by account
    and day, so that the whole range is still one pass over the files; each event is repeated
    only for the scored days whose windows hold it.
    """
    measures = _lake_measures(defn)
    if not measures:
        return None
    span = max(measure_type(m.type).span(m) for m in measures)  # type: ignore[union-attr]
    first, last = min(days), max(days)
    t = _windowed_events(first - dt.timedelta(days=span - 1), last)
    if len(days) == 1:
        table, day, keys = t, ibis.literal(day_number(last), "int64"), ["account_id"]
    else:
        calendar = ibis.memtable({"scored_day": [day_number(d) for d in sorted(days)]},
                                 schema={"scored_day": "int64"})
        table = t.join(calendar, [t.d > calendar.scored_day - span, t.d <= calendar.scored_day])
        day, keys = table.scored_day, ["account_id", "scored_day"]
    scope = LakeScope(table=table, day=day, engine=query.engine(), features=features)
    aggregates: dict[str, Any] = {}
    for i, m in enumerate(measures):
        aggregates.update(measure_type(m.type).aggregates(scope, m, f"m{i}"))  # type: ignore[union-attr,misc]
    # Measures often share an aggregate (the change's current window is the plain count; seat use
    # counts the active users): compute each distinct one once, a distinct count being the costly kind.
    unique: dict[Any, str] = {}
    aliases: dict[str, str] = {}
    for name, agg in aggregates.items():
        aliases[name] = unique.setdefault(agg.op(), name)
    expr = table.group_by(keys).aggregate(**{name: aggregates[name] for name in unique.values()})
    return expr, aliases


def lake_values(defn: ScorecardDef, day: dt.date, accounts: Sequence[Scope], *, product_id: int,
                features: Sequence[Mapping[str, Any]]) -> dict[str, dict[int, float | None]]:
    """Every lake measure's raw value for every account on ``day`` (one query)."""
    return lake_values_range(defn, {day: accounts}, product_id=product_id, features=features)[day]


def lake_values_range(defn: ScorecardDef, accounts: Mapping[dt.date, Sequence[Scope]], *, product_id: int,
                      features: Sequence[Mapping[str, Any]]) -> dict[dt.date, dict[str, dict[int, float | None]]]:
    """The same for several days at once: one query for the whole range."""
    days = sorted(accounts)
    compiled = lake_expression(defn, days, features)
    if compiled is None:
        return {day: {} for day in days}
    expr, aliases = compiled
    shared = {name: source for name, source in aliases.items() if name != source}
    rows: dict[tuple[int, str], dict[str, Any]] = {}
    single = day_number(days[0]) if len(days) == 1 else None
    for r in query.run(expr, tag=f"health.score.{defn.key}"):
        for name, source in shared.items():
            r[name] = r[source]
        rows[(single if single is not None else int(r["scored_day"]), r["account_id"])] = r
    out: dict[dt.date, dict[str, dict[int, float | None]]] = {}
    measures = _lake_measures(defn)
    for day in days:
        scoped = accounts[day]
        n = day_number(day)
        finish = FinishScope(seats=seats_on(product_id, [a.id for a in scoped], day) if scoped else {},
                             features_offered=len(features))
        values: dict[str, dict[int, float | None]] = {}
        for i, m in enumerate(measures):
            kind = measure_type(m.type)
            values[m.key] = {a.id: kind.finish(m, rows.get((n, a.external_id), {}), f"m{i}", a.id,  # type: ignore[union-attr,misc]
                                               finish) for a in scoped}
        out[day] = values
    return out


def custom_sql_values(m: MeasureDef, day: dt.date, accounts: Sequence[Scope]) -> dict[int, float | None]:
    """A custom SQL measure: its query over the relation ``events`` bound to the window's events.

    On DuckDB it runs in ``query.sandbox_connection()``: a database of its own where no file but
    the lake's events can be read, whatever the query says (defence in depth behind
    ``sandbox.validate_sql``). Spark has no such switch: there the validation is the only guard.
    """
    from csops.health.sandbox import validate_sql

    validate_sql(m.params["sql"])  # checked on save; checked again in case the stored document was edited
    first = day - dt.timedelta(days=m.window - 1)
    if query.engine() == "duckdb":
        with query.sandbox_connection() as con:
            rows = run_custom_sql(m.params["sql"], first, day, con=con, tag=f"health.custom.{m.key}")
    else:
        rows = run_custom_sql(m.params["sql"], first, day, con=query.connection(), tag=f"health.custom.{m.key}")
    values = {}
    for r in rows:
        v = r.get("value")
        values[str(r.get("account_id"))] = None if v is None else float(v)
    return {a.id: values.get(a.external_id) for a in accounts}


def run_custom_sql(sql: str, first: dt.date, last: dt.date, *, con: Any, tag: str) -> list[dict[str, Any]]:
    """Execute a custom measure's query over the events of local days ``first`` to ``last`` on ``con``.

    ``con`` decides what the query can reach: ``query.sandbox_connection()`` on DuckDB. Nothing
    is validated here (``custom_sql_values`` does it first); the sandbox alone keeps files out.
    """
    t = _windowed_events(first, last, con=con)
    name = con.name
    dialect = "spark" if name == "pyspark" else name
    user = sqlglot.transpile(sql, read="duckdb", write=dialect)[0]
    # The user's query passed validate_sql: one SELECT over `events` only.
    text = (f"WITH events AS ({query.sql(t, dialect=name)}) "  # noqa: S608
            f"SELECT CAST(account_id AS STRING) AS account_id, CAST(value AS DOUBLE) AS value "
            f"FROM ({user}) AS custom_measure")
    # The windowed events read the small in-memory tables of identity resolution: register them
    # now, since a SQL string (unlike an expression) does not tell Ibis it needs them. The schema is
    # given so that Ibis need not ask the engine for it.
    con._run_pre_execute_hooks(t)
    expr = con.sql(text, schema=CUSTOM_SCHEMA, dialect=dialect)
    return query.run(expr.select("account_id", "value"), tag=tag, con=con)


# --------------------------------------------------------------------------------------------
# One day


def product_features(defn: ScorecardDef) -> list[Any]:
    from csops.usage.features import definitions

    needs_features = any(m.type == "feature_breadth" or m.params.get("feature") for m in defn.measures)
    return definitions([defn.product]) if needs_features else []


def compute_raw(scorecard: Scorecard, defn: ScorecardDef, day: dt.date, accounts: Sequence[Scope], *,
                lake: Mapping[str, dict[int, float | None]] | None = None) -> Raw:
    """Every measure's raw value for every account on ``day`` (``lake``: already computed for a range)."""
    values: dict[str, dict[int, float | None]] = {}
    ids = [a.id for a in accounts]
    if not ids:
        return Raw(day, {m.key: {} for m in defn.measures})
    if lake is None:
        lake = lake_values(defn, day, accounts, product_id=scorecard.product_id, features=product_features(defn))
    values.update(lake)
    scope = DbScope(account_ids=ids, day=day, scorecard_id=scorecard.pk, product_id=scorecard.product_id, tz=_tz())
    for m in defn.measures:
        kind = measure_type(m.type)
        if kind is None:
            values[m.key] = dict.fromkeys(ids)
        elif kind.source == "db":
            values[m.key] = kind.db(scope, m)  # type: ignore[misc]
        elif kind.source == "query":
            values[m.key] = custom_sql_values(m, day, accounts)
    ages: dict[int, int] = {}
    if any(m.type == "assessment" for m in defn.measures):
        latest = scope.cache.get("assessments") or latest_assessments(ids, scorecard.pk, day)
        ages = {a: (day - row["assessed_on"]).days for a, row in latest.items()}
    return Raw(day, values, ages)


def score_accounts(defn: ScorecardDef, raw: Raw, accounts: Sequence[Scope]) -> list[AccountScore]:
    """Normalise (peers: same segment), combine and grade every account of one day."""
    peers: dict[str, dict[str, list[float]]] = {}
    for m in defn.measures:
        if m.method == "percentile":
            by_segment: dict[str, list[float]] = {}
            for a in accounts:
                v = raw.values.get(m.key, {}).get(a.id)
                if v is not None:
                    by_segment.setdefault(a.segment, []).append(v)
            peers[m.key] = {seg: sorted(vs) for seg, vs in by_segment.items()}
    out = []
    plans: dict = {}  # weights per pattern of missing measures, worked out once (combine.combine)
    columns = [(m, raw.values.get(m.key, {}), peers.get(m.key, {})) for m in defn.measures]
    for a in accounts:
        scores: dict[str, float | None] = {}
        raws: dict[str, float | None] = {}
        for m, values, by_segment in columns:
            value = values.get(a.id)
            raws[m.key] = value
            scores[m.key] = _normalise_sorted(m, value, by_segment.get(a.segment, ()))
        result = combine.combine(defn, scores, assessment_age_days=raw.assessment_age.get(a.id), plans=plans)
        breakdown = {
            m.key: {
                "group": m.group,
                "raw": _round(raws[m.key]),
                "score": _round(scores[m.key]),
                "weight": _round(result.weights.get(m.key, 0.0)),
                "contribution": _round(result.contributions.get(m.key, 0.0)),
            }
            for m in defn.measures
        }
        score = _round(result.score, 2)
        out.append(AccountScore(a.id, score, combine.grade_for(defn, score), result.coverage, result.flags,
                                breakdown))
    return out


def _normalise_sorted(m: MeasureDef, value: float | None, peers: Sequence[float]) -> float | None:
    """combine.normalise, with the percentile rank found by bisection in the sorted peers (10k accounts)."""
    if m.method != "percentile" or value is None or not peers:
        return combine.normalise(m, value, peers=peers)
    from bisect import bisect_left, bisect_right

    below = bisect_left(peers, value)
    equal = bisect_right(peers, value) - below
    score = min(100.0, max(0.0, (below + equal / 2) / len(peers) * 100.0))
    return 100.0 - score if m.lower_is_better else score


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(float(value), digits)


def compute_day(scorecard: Scorecard, defn: ScorecardDef, day: dt.date,
                accounts: Iterable[Scope] | None = None) -> list[AccountScore]:
    scope = list(accounts) if accounts is not None else accounts_in_scope(scorecard, day)
    return score_accounts(defn, compute_raw(scorecard, defn, day, scope), scope)


def compute_days(scorecard: Scorecard, defn: ScorecardDef,
                 days: Sequence[dt.date]) -> dict[dt.date, list[AccountScore]]:
    """Several days: the lake measures of all of them in one query, the database ones day by day."""
    scopes = {day: accounts_in_scope(scorecard, day) for day in days}
    lake = lake_values_range(defn, scopes, product_id=scorecard.product_id, features=product_features(defn))
    return {day: score_accounts(defn, compute_raw(scorecard, defn, day, scopes[day], lake=lake[day]), scopes[day])
            for day in days}
