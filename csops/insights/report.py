"""The insights report a CS leader shows to CSMs: everything the page needs, as plain data."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from csops.customers.models import Account, Segment
from csops.health.models import Scorecard
from csops.insights import forecast, outcomes, risk, validation
from csops.insights.models import ChurnModel, ChurnRisk
from csops.lib.money import format_money
from csops.users.models import User

HORIZONS = (90, 180)
GROSS_MARGIN = 0.8  # LTV assumption shown on the page; CS Ops can read LTV at another margin by scaling


def strength(auc: float | None) -> str:
    """A plain word for an AUC, so a CSM need not know what AUC is."""
    if auc is None or math.isnan(auc):
        return _("unknown")
    if auc < 0.55:
        return _("no signal")
    if auc < 0.65:
        return _("weak")
    if auc < 0.75:
        return _("fair")
    if auc < 0.85:
        return _("good")
    return _("strong")


@dataclass
class Bar:
    label: str
    value: float | None
    width: float  # percent of the widest bar
    note: str = ""
    key: str = ""


def bars(items: list[tuple[str, float | None, str]]) -> list[Bar]:
    top = max((v for _, v, _ in items if v is not None and not math.isnan(v)), default=0.0) or 1.0
    return [Bar(label, v, 0.0 if v is None or math.isnan(v) else 100.0 * v / top, note) for label, v, note in items]


@dataclass
class Chart:
    """An inline SVG line chart: history (solid), forecast (dashed) and its interval (band)."""

    width: int
    height: int
    history: str
    expected: str
    band: str
    labels: list[tuple[float, str]]
    top_label: str
    bottom_label: str


def arr_chart(fc: forecast.Forecast, currency: str) -> Chart:
    hist = fc.arr_history
    points = [(h["month"], h["arr"]) for h in hist] + list(zip(fc.months[1:], fc.expected[1:], strict=True))
    values = [v for _, v in points] + fc.high + fc.low
    # The axis spans the data (not from zero), so that a few percent of churn is visible.
    top, bottom = max(values + [1.0]) * 1.02, (min(values) if values else 0.0) * 0.95
    span = (top - bottom) or 1.0
    n = len(points)
    w, h = 900, 220

    def xy(i: int, v: float) -> str:
        return f"{50 + i * (w - 70) / max(n - 1, 1):.1f},{h - 20 - (v - bottom) / span * (h - 40):.1f}"

    k = len(hist)
    history = " ".join(xy(i, v) for i, (_, v) in enumerate(points[:k]))
    joint = [xy(k - 1, hist[-1]["arr"])] if hist else []
    expected = " ".join(joint + [xy(k + i, v) for i, v in enumerate(fc.expected[1:])])
    upper = [xy(k + i, v) for i, v in enumerate(fc.high[1:])]
    lower = [xy(k + i, v) for i, v in enumerate(fc.low[1:])]
    band = " ".join(upper + lower[::-1])
    labels = [(50 + i * (w - 70) / max(n - 1, 1), m.strftime("%Y-%m")) for i, (m, _) in enumerate(points) if i % 3 == 0]
    return Chart(w, h, history, expected, band, labels, format_money(Decimal(str(round(top))), currency),
                 format_money(Decimal(str(round(bottom))), currency))


def feature_labels(card: Scorecard | None) -> dict[str, str]:
    """Readable names of the churn model's features (the measures under their own names)."""
    labels = {
        "score": _("Health score"), "trend_7": _("Change of the health score over 7 days"),
        "trend_30": _("Change of the health score over 30 days"), "coverage": _("Share of measures with data"),
        "arr": _("ARR"), "tenure_days": _("Days as a customer"), "days_to_renewal": _("Days to renewal"),
        "contracts": _("Live contracts"), "segment": _("Segment"),
    }
    if card is not None:
        from csops.health.assessments import lang_code
        from csops.health.services import definition_of

        lang = lang_code()
        try:
            for m in definition_of(card).measures:
                labels[m.key] = m.name.label(lang)
        except ValueError:
            pass
    return labels


@dataclass
class RiskRow:
    account: Account
    probability: float
    drivers: list[tuple[str, float]]
    owner: User | None


def _risk_rows(day: dt.date | None, limit: int = 15) -> list[RiskRow]:
    if day is None:
        return []
    rows = ChurnRisk.objects.filter(day=day).select_related("account", "account__owner").order_by("-probability")
    return [RiskRow(r.account, r.probability, [(f, v) for f, v in r.drivers], r.account.owner) for r in rows[:limit]]


@dataclass
class Report:
    today: dt.date
    horizon: int
    scorecards: list[Scorecard]
    scorecard: Scorecard | None
    validation: validation.ScoreValidation | None
    grade_bars: list[Bar]
    decile_bars: list[Bar]
    model: ChurnModel | None
    risk_day: dt.date | None
    risks: list[RiskRow]
    forecast: forecast.Forecast
    chart: Chart
    next_quarter: dict[str, Any] | None
    ltv: forecast.LTV | None
    cohorts: list[dict[str, Any]]
    segment_cohorts: list[dict[str, Any]]
    currency: str
    has_renewal_records: bool
    labels: dict[str, str]
    segments: dict[str, str]
    owners: dict[Any, str]
    margin: float = GROSS_MARGIN


def build_report(*, today: dt.date, scorecard_key: str | None = None, horizon: int = 90,
                 currency: str = "JPY") -> Report:
    cards = list(Scorecard.objects.filter(is_active=True).select_related("product"))
    card = risk.main_scorecard(scorecard_key) if cards else None
    book = outcomes.load_book()
    result = None
    grade_bars: list[Bar] = []
    decile_bars: list[Bar] = []
    if card is not None:
        product_book = outcomes.load_book(product=card.product.code)
        result = validation.validate_scorecard(card, horizon=horizon, today=today, book=product_book)
        names = {"red": _("Red"), "yellow": _("Yellow"), "green": _("Green")}
        grade_bars = bars([(names[g["grade"]], g["churn_rate"], str(g["rows"])) for g in result.by_grade])
        for bar, g in zip(grade_bars, result.by_grade, strict=True):
            bar.key = g["grade"]
        decile_bars = bars([(f"{d['decile']}", d["churn_rate"], f"{d['low']:.0f}–{d['high']:.0f}")
                            for d in result.by_decile])
    model = risk.current_model()
    risk_day = ChurnRisk.objects.order_by("-day").values_list("day", flat=True).first()
    risks = _risk_rows(risk_day)
    risk_map = dict(ChurnRisk.objects.filter(day=risk_day).values_list("account_id", "probability")) if risk_day else {}
    fc = forecast.forecast(book, today=today, risk=risk_map, risk_horizon=model.horizon_days if model else 90,
                           sims=1000)
    return Report(
        today=today, horizon=horizon, scorecards=cards, scorecard=card, validation=result, grade_bars=grade_bars,
        decile_bars=decile_bars, model=model, risk_day=risk_day, risks=risks, forecast=fc,
        chart=arr_chart(fc, currency), next_quarter=fc.quarters[0] if fc.quarters else None,
        ltv=forecast.ltv(book, today=today, margin=GROSS_MARGIN),
        cohorts=forecast.cohorts(book, today=today), segment_cohorts=forecast.cohorts(book, today=today, by="segment"),
        currency=currency, has_renewal_records=not book.renewals.empty,
        labels=feature_labels(card if model is None else risk.main_scorecard(model.scorecard_key) or card),
        segments={str(k): str(v) for k, v in Segment.choices} | {"unknown": _("No segment"), "": _("No segment")},
        owners={u.pk: u.name or u.email for u in User.objects.filter(pk__in=[r["key"] for r in fc.by_owner])},
    )
