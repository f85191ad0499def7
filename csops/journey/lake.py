"""Daily aggregates of the event lake for journey conditions, through the usage query seam.

Every event condition (csops.journey.conditions) reduces to an ``AggSpec``: per account and local
day, how many matching events there were, or which distinct values they carried. One query per
spec covers every account and the whole range of days; windows ("in the last 30 days") are then
rolling sums over these small arrays (csops.journey.evaluate), so a backfill over 18 months costs
the same few queries as a single day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from csops.journey.conditions import AggSpec
from csops.usage import query

_EPOCH = dt.date(1970, 1, 1)


@dataclass
class DailyAggregate:
    """Per account external id: counts per day (``counts``) or days each value was seen (``values``)."""

    first: dt.date
    days: int
    counts: dict[str, np.ndarray] = field(default_factory=dict)
    values: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)


def _expression(spec: AggSpec, first: dt.date, last: dt.date):  # noqa: ANN202 - an Ibis table expression
    start = dt.datetime.combine(first, dt.time(), tzinfo=query._company_tz())
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tzinfo=query._company_tz())
    t = query.events(start=start, end=end)
    t = t.filter(t.type.isin(query.USAGE_TYPES), t.account_id.notnull())
    if spec.events:
        t = t.filter(t.event.isin(list(spec.events)))
    for key, values in spec.where:
        t = t.filter(query.json_text(t.properties, key).isin([query.json_scalar_text(v) for v in values]))
    # The seam's local-day arithmetic: the same day boundaries as every usage page.
    day = query._local_day_number(t.timestamp, query._offset_segments(query._company_tz(), start, end)).name("day")
    if spec.kind == "count":
        return t.group_by([t.account_id, day]).aggregate(n=t.count())
    assert spec.target is not None
    kind, name = spec.target
    value = query.json_text(t.properties, name) if kind == "property" else t[name]
    t = t.mutate(value=value, day=day)
    t = t.filter(t.value.notnull())
    return t.select("account_id", "day", "value").distinct()


def daily_aggregate(spec: AggSpec, first: dt.date, last: dt.date) -> DailyAggregate:
    """The aggregate ``spec`` for local days ``first`` .. ``last`` (inclusive), every account at once."""
    n = (last - first).days + 1
    out = DailyAggregate(first=first, days=n)
    base = (first - _EPOCH).days
    rows = query.run(_expression(spec, first, last), tag=f"journey.{spec.kind}")
    for row in rows:
        index = int(row["day"]) - base
        if not 0 <= index < n:
            continue
        account = row["account_id"]
        if spec.kind == "count":
            counts = out.counts.get(account)
            if counts is None:
                counts = out.counts[account] = np.zeros(n, dtype=np.int64)
            counts[index] += int(row["n"])
        else:
            per_value = out.values.setdefault(account, {})
            seen = per_value.get(row["value"])
            if seen is None:
                seen = per_value[row["value"]] = np.zeros(n, dtype=bool)
            seen[index] = True
    return out


def lake_first_day() -> dt.date | None:
    """The first local day with any usage event in the lake (where the history starts), or None."""
    t = query.events()
    t = t.filter(t.type.isin(query.USAGE_TYPES))
    rows = query.run(t.aggregate(first=t.timestamp.min()), tag="journey.lake_first_day")
    first = rows[0]["first"] if rows else None
    if first is None:
        return None
    return first.astimezone(query._company_tz()).date()
