"""The churn risk model: per account a calibrated probability of churning within the horizon.

Features per (account, snapshot day), all known on that day: the health score, its 7- and 30-day
trends and coverage, every measure's score (usage, support, NPS, assessments...), and from the
contracts the ARR, tenure, days to the next renewal, segment and number of live contracts.
Trained with the time-and-accounts split (``modelling.time_and_group_folds``); the model that
does best on held-out rows is kept, and its figures are stored beside the baseline's.
"""

from __future__ import annotations

import datetime as dt
import math
import pickle
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from django.db import transaction
from django.db.models import Count

from csops.health.models import HealthScore, Scorecard
from csops.insights import modelling, outcomes
from csops.insights.models import ChurnModel, ChurnRisk

DEFAULT_HORIZON = 90
MAX_DAYS = 60  # snapshot days used for training, evenly spread: a year of daily history is read weekly


def main_scorecard(key: str | None = None) -> Scorecard | None:
    """The scorecard the model reads: the one given, else the active one with the most snapshots."""
    cards = Scorecard.objects.filter(is_active=True).select_related("product")
    if key:
        return cards.filter(key=key).first()
    return cards.annotate(n=Count("scores")).order_by("-n", "key").first()


def _contract_features(book: outcomes.Book, day: dt.date) -> pd.DataFrame:
    c = book.contracts
    ts = pd.Timestamp(day)
    mrr = book.mrr_on(day)
    live = c[mrr > 0]
    if live.empty:
        return pd.DataFrame(columns=["arr", "tenure_days", "days_to_renewal", "contracts", "segment"])
    first_start = live.groupby("account_id")["start"].min()
    tenure = (ts - first_start).dt.days
    # Annual terms: the next anniversary of the first live contract's start.
    years = np.ceil(((ts - first_start).dt.days + 1) / 365.25)
    anniversary = first_start + pd.to_timedelta(np.round(years * 365.25), unit="D")
    return pd.DataFrame({
        "arr": (mrr[mrr > 0] * 12).groupby(live["account_id"]).sum(),
        "tenure_days": tenure,
        "days_to_renewal": (anniversary - ts).dt.days,
        "contracts": live.groupby("account_id").size(),
        "segment": live.groupby("account_id")["segment"].first().replace("", "unknown"),
    })


def feature_frame(card: Scorecard, days: list[dt.date], book: outcomes.Book, keys: list[str]) -> pd.DataFrame:
    rows = HealthScore.objects.filter(scorecard=card, day__in=days)
    records = []
    for account_id, day, score, t7, t30, coverage, breakdown in rows.values_list(
            "account_id", "day", "score", "trend_7", "trend_30", "coverage", "breakdown").iterator(chunk_size=5000):
        records.append((account_id, day, score, t7, t30, coverage,
                        *[(breakdown or {}).get(k, {}).get("score") for k in keys]))
    frame = pd.DataFrame.from_records(
        records, columns=["account_id", "day", "score", "trend_7", "trend_30", "coverage", *keys])
    if frame.empty:
        return frame
    parts = []
    for day, part in frame.groupby("day", sort=True):
        contracts = _contract_features(book, day)
        parts.append(part.join(contracts, on="account_id", how="inner"))
    out = pd.concat(parts, ignore_index=True) if parts else frame.iloc[0:0]
    for col in ("score", "trend_7", "trend_30", "coverage", *keys):
        out[col] = pd.to_numeric(out[col], errors="coerce")
    return out


def _measure_keys(card: Scorecard) -> list[str]:
    from csops.health.services import definition_of

    return [m.key for m in definition_of(card).measures]


def training_frame(card: Scorecard, *, horizon: int, today: dt.date, book: outcomes.Book) -> pd.DataFrame:
    last_known = today - dt.timedelta(days=horizon)
    days = sorted(HealthScore.objects.filter(scorecard=card, day__lte=last_known)
                  .order_by("day").values_list("day", flat=True).distinct())
    if len(days) > MAX_DAYS:
        # Neighbouring days of one account are nearly the same row; spread the days, keep the latest.
        step = len(days) / MAX_DAYS
        days = sorted({days[len(days) - 1 - int(i * step)] for i in range(MAX_DAYS)})
    frame = feature_frame(card, days, book, _measure_keys(card))
    if frame.empty:
        return frame
    churn = pd.to_datetime(frame["account_id"].map(book.churn_dates(card.product.code)))
    day = pd.to_datetime(frame["day"])
    frame["churned"] = ((churn > day) & (churn <= day + pd.Timedelta(days=horizon))).astype(int)
    return frame[~(churn <= day)].reset_index(drop=True)


FEATURE_EXCLUDE = ("account_id", "day", "churned")


@dataclass
class TrainResult:
    model: ChurnModel | None
    evaluation: modelling.Evaluation | None
    reason: str = ""

    def summary(self) -> str:
        if self.model is None:
            return f"churn model not trained: {self.reason}"
        m = self.model.metrics
        return (f"churn model trained: {self.model.model_name}, held-out AUC {m['auc']:.3f} against the "
                f"baseline's {m['baseline_auc']:.3f} ({m['baseline']}), {self.model.rows} rows, "
                f"horizon {self.model.horizon_days} days")


def _clean(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def train(*, horizon: int = DEFAULT_HORIZON, today: dt.date, scorecard_key: str | None = None) -> TrainResult:
    card = main_scorecard(scorecard_key)
    if card is None:
        return TrainResult(None, None, "no active scorecard with snapshots")
    book = outcomes.load_book(product=card.product.code)
    frame = training_frame(card, horizon=horizon, today=today, book=book)
    if frame.empty or frame["churned"].sum() < 5:
        return TrainResult(None, None, f"fewer than 5 churns within {horizon} days after the usable snapshots")
    data = modelling.Dataset(X=frame.drop(columns=list(FEATURE_EXCLUDE)), y=frame["churned"].to_numpy(),
                             ids=frame["account_id"], time=pd.to_datetime(frame["day"]), label="churned")
    try:
        evaluation = modelling.evaluate(data, by_account=True, refit=False,
                                        models=("baseline", "logistic_l2", "gradient_boosting"))
    except modelling.ModellingError as exc:
        return TrainResult(None, None, str(exc))
    best = evaluation.best
    fitted = modelling.fit_model(best, data.X, data.y, ordered=True)
    baseline = modelling.fit_model("baseline", data.X, data.y, ordered=True)
    r, b = evaluation.results[best], evaluation.results["baseline"]
    metrics = _clean({
        "auc": r.auc, "brier": r.brier, "lift": r.lift, "calibration_error": r.calibration_error,
        "reliability": r.reliability, "baseline": baseline.baseline_column, "baseline_auc": b.auc,
        "baseline_brier": b.brier, "baseline_lift": b.lift, "split": evaluation.split,
        "positives": evaluation.positives,
        "models": {n: {"auc": x.auc, "brier": x.brier, "lift": x.lift} for n, x in evaluation.results.items()},
        "drivers": [[d.feature, d.weight] for d in modelling.global_drivers(fitted, data.X, data.y)[:12]],
    })
    model = ChurnModel.objects.create(
        trained_on=today, horizon_days=horizon, scorecard_key=card.key, model_name=best, metrics=metrics,
        features=list(data.X.columns), rows=len(frame), artifact=pickle.dumps(fitted),
    )
    return TrainResult(model, evaluation)


def current_model() -> ChurnModel | None:
    return ChurnModel.objects.order_by("-trained_at", "-id").first()


def load_fitted(model: ChurnModel) -> modelling.Fitted:
    # Our own artifact, written by train() into this table; never user input.
    return pickle.loads(bytes(model.artifact))  # noqa: S301


@transaction.atomic
def score_day(day: dt.date, *, model: ChurnModel | None = None) -> int:
    """Score every account that has a snapshot on ``day`` (idempotent: one row per account and day)."""
    model = model or current_model()
    if model is None:
        return 0
    card = Scorecard.objects.filter(key=model.scorecard_key).select_related("product").first()
    if card is None:
        return 0
    fitted = load_fitted(model)
    book = outcomes.load_book(product=card.product.code)
    frame = feature_frame(card, [day], book, _measure_keys(card))
    if frame.empty:
        return 0
    X = frame.reindex(columns=model.features)
    p = fitted.predict(X)
    drivers = modelling.row_drivers(fitted, X, top=3)
    ChurnRisk.objects.filter(day=day).delete()
    ChurnRisk.objects.bulk_create([
        ChurnRisk(account_id=int(a), day=day, probability=float(pi), drivers=[[f, round(v, 4)] for f, v in dr],
                  model=model)
        for a, pi, dr in zip(frame["account_id"], p, drivers, strict=True)
    ], batch_size=2000)
    return len(frame)


def run_insights_day(day: dt.date, *, progress: Any = None) -> str:
    """The daily pipeline step: score today's snapshots with the current model (training one first
    when there is none yet), then record the revenue forecast the dashboard shows."""
    from csops.insights.revenue import record_forecast

    model = current_model()
    trained = ""
    if model is None:
        result = train(today=day)
        model = result.model
        trained = result.summary() + "; "
    n = score_day(day, model=model) if model is not None else 0
    record_forecast(day, model=model)
    scored = f"churn risk scored for {n} accounts" if model is not None else "no churn model"
    return f"{trained}{scored}; revenue forecast recorded"
