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
    row, _created = RevenueForecast.objects.update_or_create(day=day, defaults={
        "arr_now": float(fc.expected[0]) if fc.expected else 0.0,
        "quarters": _rows(fc.quarters),
        "by_segment": _rows(fc.by_segment),
        "by_owner": _rows(fc.by_owner, int_keys=True),
        "by_product": _rows(fc.by_product),
        "used_churn_risk": bool(risk_map),
    })
    return row


def latest_forecast() -> RevenueForecast | None:
    return RevenueForecast.objects.order_by("-day").first()
