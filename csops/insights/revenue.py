"""The day's revenue forecast, stored for the dashboard (``RevenueForecast``).

The simulation behind it (``forecast.forecast``) runs once a day in the pipeline step, with the
churn risk scored that day when there is one, instead of on every dashboard view.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from csops.insights import forecast, outcomes
from csops.insights.models import ChurnModel, ChurnRisk, RevenueForecast

DAILY_SIMULATIONS = 1000  # 10-90 % intervals settle to about a tenth of a point of GRR at this count
RENEWALS_KEPT_DAYS = 180  # the report's longest renewal window; all 12 months would be every contract
# The report reads a recorded forecast at most this old (today's, or yesterday's while today's step has not
# run yet), else it simulates afresh: an older one would show another day's ARR as today's.
STORED_MAX_AGE_DAYS = 1


def _plain(value: Any) -> Any:
    """numpy scalars, NaN owner ids and dates as JSON values."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value != value:  # noqa: PLR0124 - NaN is the one value unequal to itself
        return None
    if hasattr(value, "item"):
        return _plain(value.item())
    return value


def _rows(rows: list[dict[str, Any]], *, int_keys: bool = False) -> list[dict[str, Any]]:
    out = []
    for row in rows:
        plain = {k: _plain(v) for k, v in row.items()}
        if int_keys and plain["key"] is not None:
            plain["key"] = int(plain["key"])
        out.append(plain)
    return out


def record_forecast(day: dt.date, *, model: ChurnModel | None = None,
                    sims: int = DAILY_SIMULATIONS) -> RevenueForecast:
    """Forecast from ``day`` and store it (replacing that day's row, so a re-run stays one row)."""
    risk_map = dict(ChurnRisk.objects.filter(day=day).values_list("account_id", "probability"))
    fc = forecast.forecast(outcomes.load_book(), today=day, risk=risk_map,
                           risk_horizon=model.horizon_days if model else 90, sims=sims)
    last = day + dt.timedelta(days=RENEWALS_KEPT_DAYS)
    renewals = _rows([r for r in fc.renewals if r["date"] <= last])
    for r in renewals:
        r["owner_id"] = None if r["owner_id"] is None else int(r["owner_id"])
        r["p"] = {k: float(v) for k, v in r["p"].items()}
    row, _created = RevenueForecast.objects.update_or_create(day=day, defaults={
        "arr_now": float(fc.expected[0]) if fc.expected else 0.0,
        "quarters": _rows(fc.quarters),
        "by_segment": _rows(fc.by_segment),
        "by_owner": _rows(fc.by_owner, int_keys=True),
        "by_product": _rows(fc.by_product),
        "months": [{"month": m.isoformat(), "expected": float(e), "low": float(lo), "high": float(hi)}
                   for m, e, lo, hi in zip(fc.months, fc.expected, fc.low, fc.high, strict=True)],
        "renewals": renewals,
        "renewals_in_year": len(fc.renewals),
        "used_churn_risk": bool(risk_map),
    })
    return row


def latest_forecast() -> RevenueForecast | None:
    return RevenueForecast.objects.order_by("-day").first()


def stored_forecast(book: outcomes.Book, *, today: dt.date) -> forecast.Forecast | None:
    """The latest recorded forecast up to ``today`` as a ``Forecast`` (no simulation), or None when there
    is none, it is more than STORED_MAX_AGE_DAYS old or was recorded before the months were kept. Its
    ``renewals`` are those of the next RENEWALS_KEPT_DAYS days only; the history comes from ``book``."""
    row = RevenueForecast.objects.filter(day__lte=today).order_by("-day").first()
    if row is None or not row.months or (today - row.day).days > STORED_MAX_AGE_DAYS:
        return None
    day = dt.date.fromisoformat
    quarters = [{**q, "end": day(q["end"])} for q in row.quarters]
    renewals = [{**r, "date": day(r["date"])} for r in row.renewals]
    return forecast.Forecast(
        row.day, [day(m["month"]) for m in row.months], [m["expected"] for m in row.months],
        [m["low"] for m in row.months], [m["high"] for m in row.months], quarters, renewals,
        forecast.retention_history(book, today=row.day), forecast.arr_history(book, today=row.day),
        row.by_segment, row.by_owner, {}, row.by_product, recorded=True, renewals_in_year=row.renewals_in_year)
