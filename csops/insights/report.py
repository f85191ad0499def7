"""The insights report a CS leader shows to CSMs: everything the page needs, as plain data."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from csops.customers.models import Account, Segment
from csops.health.models import Scorecard
from csops.insights import forecast, outcomes, revenue, risk, validation
from csops.insights.models import ChurnModel, ChurnRisk
from csops.lib.money import format_money
from csops.users.models import User

HORIZONS = (90, 180)
RENEWAL_WINDOWS = (90, 180)  # days ahead the upcoming renewals table covers
GROSS_MARGIN = 0.8  # LTV assumption shown on the page; CS Ops can read LTV at another margin by scaling
HISTORY_QUARTERS = 4  # past quarters of GRR/NRR shown per segment
# Onboarding speed buckets: days from the contract start to first value (the demo's median is 21).
SPEED_BUCKETS = ((14, "1"), (30, "2"), (60, "3"))


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


def csm_view_sentence(v: validation.CsmViewSignal | None) -> str:
    """One plain sentence: does the CSMs' own red/yellow/green view add signal beyond the score?"""
    if v is None:
        return ""
    figures = {"both": f"{v.auc_combined_heldout:.2f}", "score": f"{v.auc_score_heldout:.2f}",
               "view": f"{v.auc:.2f}", "rows": v.rows_with_view, "churned": v.positives_with_view}
    if v.verdict == "adds":
        return _("The CSMs' own view adds signal beyond the score: score and view together rank churners at "
                 "AUC %(both)s on accounts and later days the combination never saw, against %(score)s for the "
                 "score alone.") % figures
    if v.verdict == "redundant":
        return _("The CSMs' own view tells churners apart on its own (AUC %(view)s) but adds nothing beyond the "
                 "score: together %(both)s on held-out accounts and days, against %(score)s for the score "
                 "alone.") % figures
    if v.verdict == "noise":
        return _("The CSMs' own view carries no signal of churn (AUC %(view)s) and adds nothing beyond the score "
                 "(together %(both)s on held-out accounts and days, against %(score)s for the score "
                 "alone).") % figures
    return _("Too few snapshots with a CSM's own view and a known outcome to judge it yet (%(rows)s snapshots, "
             "%(churned)s of them followed by churn).") % figures


def csm_view_labels() -> dict[str, str]:
    return {"red": _("Red"), "yellow": _("Yellow"), "green": _("Green"), "none": _("No current view")}


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
        "maturity_level": _("Maturity level"), "stage": _("Lifecycle stage"),
        "onboarding_done_share": _("Share of onboarding steps done"),
        "onboarding_overdue": _("Overdue onboarding steps"),
        "high_tickets_90d": _("High-severity tickets in the last 90 days"),
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
class RenewalRow:
    account: Account
    owner: User | None
    date: dt.date
    product: str
    arr: float
    p: dict[str, float]  # renewed, expanded, contracted, churned
    expected_arr: float
    contract_id: int = 0


def upcoming_renewals(fc: forecast.Forecast, *, within_days: int, today: dt.date | None = None) -> list[RenewalRow]:
    """The forecast's renewals after ``today`` (default: the forecast's day) and within ``within_days`` days
    of it, soonest first, with their accounts."""
    today = today or fc.today
    last = today + dt.timedelta(days=within_days)
    rows = [r for r in fc.renewals if today < r["date"] <= last]
    accounts = Account.objects.select_related("owner").in_bulk([r["account_id"] for r in rows])
    return [RenewalRow(accounts[r["account_id"]], accounts[r["account_id"]].owner, r["date"], r["product"],
                       r["arr"], r["p"], r["expected_arr"], r["contract_id"])
            for r in sorted(rows, key=lambda r: (r["date"], -r["arr"])) if r["account_id"] in accounts]


def touch_models() -> dict[int, str]:
    """Each account's current touch model (playbooks decide it; read from below, imported here)."""
    from csops.playbooks.models import AccountTouch

    return dict(AccountTouch.objects.values_list("account_id", "touch_model"))


def touch_labels() -> dict[str, str]:
    from csops.playbooks.models import TouchModel

    return {str(k): str(v) for k, v in TouchModel.choices} | {"none": _("No touch model")}


def maturity_levels() -> dict[int, str]:
    """Each account's current maturity level ("0" = below Lv.1), the highest over its products.

    The journey evaluates live accounts only, so a customer who left has no current level: it gets the
    level it had when it left (its last recorded change). Without that, every churned account would
    fall outside the levels and each level would look as if nobody ever left it."""
    from csops.journey.models import MaturityChange, MaturityState

    per_product: dict[tuple[int, int], int] = {}
    for account_id, product_id, level in MaturityChange.objects.order_by("day").values_list(
            "account_id", "product_id", "level_to"):
        per_product[(account_id, product_id)] = level  # the latest change wins
    per_product |= {(a, p): level for a, p, level in MaturityState.objects.values_list(
        "account_id", "product_id", "level")}
    out: dict[int, int] = {}
    for (account_id, _product), level in per_product.items():
        out[account_id] = max(level, out.get(account_id, 0))
    return {a: str(level) for a, level in out.items()}


def maturity_label(key: str) -> str:
    if key == "none":
        return _("Not evaluated")
    if key == "0":
        return _("Below Lv.1")
    return _("Lv.%(level)s") % {"level": key}


def onboarding_speeds() -> dict[int, str]:
    """Each account's onboarding speed bucket: days to first value (the fastest over its products), "4"
    beyond the last bucket, "wait" while still waiting; accounts whose start predates the event history
    (the time is unknown) are left out."""
    from csops.journey.models import FirstValue

    days: dict[int, int | None] = {}
    for account_id, start, reached in FirstValue.objects.filter(measurable=True).values_list(
            "account_id", "contract_start", "reached_on"):
        d = None if reached is None else (reached - start).days
        if account_id not in days or (d is not None and (days[account_id] is None or d < days[account_id])):
            days[account_id] = d
    out = {}
    for account_id, d in days.items():
        out[account_id] = "wait" if d is None else next((k for top, k in SPEED_BUCKETS if d <= top), "4")
    return out


def speed_labels() -> dict[str, str]:
    return {"1": _("Within 14 days"), "2": _("15 to 30 days"), "3": _("31 to 60 days"), "4": _("Over 60 days"),
            "wait": _("Not reached yet")}


def _ordered(rows: list[dict[str, Any]], key: str, order: list[str]) -> list[dict[str, Any]]:
    rank = {k: i for i, k in enumerate(order)}
    return sorted(rows, key=lambda r: (rank.get(r[key], len(order)), r[key]))


def segment_history(book: outcomes.Book, *, today: dt.date, quarters: int = HISTORY_QUARTERS
                    ) -> tuple[list[tuple[dt.date, dt.date]], list[dict[str, Any]]]:
    """The last ``quarters`` quarters' GRR and NRR per segment, as (periods, [{key, cells}])."""
    flat = [r for r in forecast.retention_history(book, today=today, quarters=quarters, by="segment")
            if r["months"] == 3]
    periods = sorted({(r["start"], r["end"]) for r in flat})
    out = []
    for key in sorted({r["key"] for r in flat}, key=str):
        cells = {(r["start"], r["end"]): r for r in flat if r["key"] == key}
        out.append({"key": "unknown" if key in ("", None) else key, "cells": [cells.get(p) for p in periods]})
    return periods, out


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
    renewal_days: int = RENEWAL_WINDOWS[0]
    renewals: list[RenewalRow] = field(default_factory=list)
    history_periods: list[tuple[dt.date, dt.date]] = field(default_factory=list)
    segment_history: list[dict[str, Any]] = field(default_factory=list)
    ltv_by_touch: list[dict[str, Any]] = field(default_factory=list)
    ltv_by_maturity: list[dict[str, Any]] = field(default_factory=list)
    speed_cohorts: list[dict[str, Any]] = field(default_factory=list)
    maturity_cohorts: list[dict[str, Any]] = field(default_factory=list)
    touch_labels: dict[str, str] = field(default_factory=dict)
    maturity_labels: dict[str, str] = field(default_factory=dict)
    speed_labels: dict[str, str] = field(default_factory=dict)
    csm_view_bars: list[Bar] = field(default_factory=list)
    csm_view_sentence: str = ""


def build_report(*, today: dt.date, scorecard_key: str | None = None, horizon: int = 90,
                 currency: str = "JPY", renewal_days: int = RENEWAL_WINDOWS[0]) -> Report:
    cards = list(Scorecard.objects.filter(is_active=True).select_related("product"))
    card = risk.main_scorecard(scorecard_key) if cards else None
    book = outcomes.load_book()
    result = None
    grade_bars: list[Bar] = []
    decile_bars: list[Bar] = []
    csm_view_bars: list[Bar] = []
    if card is not None:
        product_book = outcomes.load_book(product=card.product.code)
        result = validation.validate_scorecard(card, horizon=horizon, today=today, book=product_book)
        names = {"red": _("Red"), "yellow": _("Yellow"), "green": _("Green")}
        grade_bars = bars([(names[g["grade"]], g["churn_rate"], str(g["rows"])) for g in result.by_grade])
        for bar, g in zip(grade_bars, result.by_grade, strict=True):
            bar.key = g["grade"]
        decile_bars = bars([(f"{d['decile']}", d["churn_rate"], f"{d['low']:.0f}–{d['high']:.0f}")
                            for d in result.by_decile])
        if result.csm_view is not None:
            view_names = csm_view_labels()
            csm_view_bars = bars([(view_names[b["view"]], b["churn_rate"], str(b["rows"]))
                                  for b in result.csm_view.by_view])
            for bar, b in zip(csm_view_bars, result.csm_view.by_view, strict=True):
                bar.key = b["view"]
    model = risk.current_model()
    risk_day = ChurnRisk.objects.order_by("-day").values_list("day", flat=True).first()
    risks = _risk_rows(risk_day)
    # The day's recorded forecast when the pipeline has written it (simulating takes seconds at scale).
    fc = revenue.stored_forecast(book, today=today)
    if fc is None:
        risk_map = (dict(ChurnRisk.objects.filter(day=risk_day).values_list("account_id", "probability"))
                    if risk_day else {})
        fc = forecast.forecast(book, today=today, risk=risk_map, risk_horizon=model.horizon_days if model else 90,
                               sims=revenue.DAILY_SIMULATIONS)
    life = forecast.ltv(book, today=today, margin=GROSS_MARGIN)
    touch, maturity, speed = touch_models(), maturity_levels(), onboarding_speeds()
    t_labels = touch_labels()
    m_keys = sorted(set(maturity.values()), key=int) + ["none"]
    s_labels = speed_labels()
    periods, by_segment_history = segment_history(book, today=today)
    arr_cache: dict[dt.date, Any] = {}  # the cohort tables share the ARR of the same month starts
    return Report(
        today=today, horizon=horizon, scorecards=cards, scorecard=card, validation=result, grade_bars=grade_bars,
        decile_bars=decile_bars, model=model, risk_day=risk_day, risks=risks, forecast=fc,
        chart=arr_chart(fc, currency), next_quarter=fc.quarters[0] if fc.quarters else None,
        ltv=life,
        cohorts=forecast.cohorts(book, today=today, arr_cache=arr_cache),
        segment_cohorts=forecast.cohorts(book, today=today, by="segment", arr_cache=arr_cache),
        currency=currency, has_renewal_records=not book.renewals.empty,
        labels=feature_labels(card if model is None else risk.main_scorecard(model.scorecard_key) or card),
        segments={str(k): str(v) for k, v in Segment.choices} | {"unknown": _("No segment"), "": _("No segment")},
        owners={u.pk: u.name or u.email for u in User.objects.filter(pk__in=[r["key"] for r in fc.by_owner])},
        renewal_days=renewal_days, renewals=upcoming_renewals(fc, within_days=renewal_days, today=today),
        history_periods=periods, segment_history=by_segment_history,
        ltv_by_touch=_ordered(forecast.ltv_by(life, touch, missing="none"), "group", list(t_labels)) if life else [],
        ltv_by_maturity=_ordered(forecast.ltv_by(life, maturity, missing="none"), "group", m_keys) if life else [],
        speed_cohorts=_ordered(forecast.cohorts(book, today=today, by="group", groups=speed, arr_cache=arr_cache),
                               "cohort", list(s_labels)),
        maturity_cohorts=_ordered(forecast.cohorts(book, today=today, by="group", groups=maturity,
                                                   arr_cache=arr_cache), "cohort", m_keys),
        touch_labels=t_labels, maturity_labels={k: maturity_label(k) for k in m_keys}, speed_labels=s_labels,
        csm_view_bars=csm_view_bars, csm_view_sentence=csm_view_sentence(result.csm_view if result else None),
    )
