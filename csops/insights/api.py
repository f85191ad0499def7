"""The insights REST API (mounted under /api/): churn risk and the revenue forecast, read-only.

Everyone signed in reads them, as on the page; applying suggested weights is a page action for CS Ops."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema

from csops.api import ApiError
from csops.insights import forecast, outcomes, risk
from csops.insights.models import ChurnRisk
from csops.users.roles import is_reader

router = Router(tags=["insights"])


class RiskFilter(Schema):
    day: dt.date | None = None
    limit: int = 100


class RiskItem(Schema):
    account_id: int
    account_external_id: str
    probability: float
    drivers: list[tuple[str, float]]


class RiskModelOut(Schema):
    name: str
    horizon_days: int
    trained_on: dt.date
    auc: float | None
    baseline: str | None
    baseline_auc: float | None


class RiskList(Schema):
    day: dt.date | None
    model: RiskModelOut | None
    items: list[RiskItem]


class MonthOut(Schema):
    month: dt.date
    expected_arr: float
    low: float
    high: float


class QuarterOut(Schema):
    end: dt.date
    arr: float
    grr: float
    grr_low: float
    grr_high: float
    nrr: float
    nrr_low: float
    nrr_high: float


class OutcomeProbabilities(Schema):
    renewed: float
    expanded: float
    contracted: float
    churned: float


class RenewalOut(Schema):
    date: dt.date
    account_id: int
    account_external_id: str
    account_name: str
    owner_id: int | None
    contract_id: int
    product: str
    arr: float
    p: OutcomeProbabilities
    expected_arr: float


class ForecastFilter(Schema):
    renewals_within: int = 180


class ForecastOut(Schema):
    today: dt.date
    current_arr: float
    months: list[MonthOut]
    quarters: list[QuarterOut]
    renewals: list[RenewalOut]


def _reader(request: HttpRequest) -> None:
    if not is_reader(request.auth):  # type: ignore[attr-defined]
        raise ApiError(403, "forbidden")


@router.get("/insights/churn-risk", response=RiskList)
def churn_risk(request: HttpRequest, filters: Query[RiskFilter]) -> dict[str, Any]:
    """The accounts' churn probabilities on a day (default: the latest scored), riskiest first."""
    _reader(request)
    if not 1 <= filters.limit <= 1000:
        raise ApiError(422, "invalid input", [{"loc": ["query", "limit"], "msg": "1 to 1000", "type": "value"}])
    day = filters.day or ChurnRisk.objects.order_by("-day").values_list("day", flat=True).first()
    rows = ChurnRisk.objects.filter(day=day).select_related("account", "model").order_by("-probability", "account_id")
    items = [{"account_id": r.account_id, "account_external_id": r.account.external_id, "probability": r.probability,
              "drivers": [(f, v) for f, v in r.drivers]} for r in rows[: filters.limit]]
    model = rows[0].model if items else risk.current_model()
    return {"day": day, "items": items, "model": None if model is None else {
        "name": model.model_name, "horizon_days": model.horizon_days, "trained_on": model.trained_on,
        "auc": model.metrics.get("auc"), "baseline": model.metrics.get("baseline"),
        "baseline_auc": model.metrics.get("baseline_auc")}}


@router.get("/insights/forecast", response=ForecastOut)
def revenue_forecast(request: HttpRequest, filters: Query[ForecastFilter]) -> dict[str, Any]:
    """Expected ARR for this month and the next 12 (80 % intervals), GRR and NRR of the next 4 quarters,
    and the renewals within ``renewals_within`` days (default 180, up to 365), soonest first, with each
    outcome's probability and the expected ARR."""
    _reader(request)
    if not 1 <= filters.renewals_within <= 365:
        raise ApiError(422, "invalid input",
                       [{"loc": ["query", "renewals_within"], "msg": "1 to 365", "type": "value"}])
    from csops.health.demo import demo_today
    from csops.insights.report import upcoming_renewals

    today = demo_today()
    day = ChurnRisk.objects.order_by("-day").values_list("day", flat=True).first()
    risks = dict(ChurnRisk.objects.filter(day=day).values_list("account_id", "probability")) if day else {}
    fc = forecast.forecast(outcomes.load_book(), today=today, risk=risks, sims=1000)
    return {"today": today, "current_arr": fc.current_arr,
            "months": [{"month": m, "expected_arr": e, "low": lo, "high": hi}
                       for m, e, lo, hi in zip(fc.months, fc.expected, fc.low, fc.high, strict=True)],
            "quarters": fc.quarters,
            "renewals": [{"date": r.date, "account_id": r.account.pk, "account_external_id": r.account.external_id,
                          "account_name": r.account.name, "owner_id": r.account.owner_id,
                          "contract_id": r.contract_id, "product": r.product, "arr": r.arr, "p": r.p,
                          "expected_arr": r.expected_arr}
                         for r in upcoming_renewals(fc, within_days=filters.renewals_within)]}
