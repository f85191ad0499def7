"""The churn risk model: per account a calibrated probability of churning within the horizon.

Features per (account, snapshot day), all as known on that day: the health score, its 7- and 30-day
trends and coverage, every measure's score (usage, support, NPS, assessments...); from the contracts
the ARR, tenure, days to the next renewal (the contracts' real renewal dates as known that day),
segment and number of live contracts; from the journey the maturity level, lifecycle stage,
onboarding progress and overdue steps, and the high-severity tickets of the last 90 days.
Trained with the time-and-accounts split (``modelling.time_and_group_folds``) with a gap of one
label horizon; the model that does best on held-out rows is kept, its probabilities corrected
(Platt or isotonic) only when that lowers the held-out Brier score, and its figures are stored
beside the baseline's.
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
# The daily step retrains a model whose history ends this many days or more before the day scored,
# even when its scorecard and features are unchanged (customers and products drift).
MAX_MODEL_AGE_DAYS = 30


def main_scorecard(key: str | None = None) -> Scorecard | None:
    """The scorecard the model reads: the one given, else the active one with the most snapshots."""
    cards = Scorecard.objects.filter(is_active=True).select_related("product")
    if key:
        return cards.filter(key=key).first()
    return cards.annotate(n=Count("scores")).order_by("-n", "key").first()


def _years_after(anchor: pd.Series, years: pd.Series) -> pd.Series:
    """``anchor`` moved by whole calendar years (29 February becomes 28 February in other years)."""
    year = anchor.dt.year + years
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    day = anchor.dt.day.where(~((anchor.dt.month == 2) & (anchor.dt.day == 29) & ~leap), 28)
    return pd.to_datetime(pd.DataFrame({"year": year, "month": anchor.dt.month, "day": day}))


def next_renewals(book: outcomes.Book, contracts: pd.DataFrame, day: dt.date) -> pd.Series:
    """Each contract's next renewal date as it was known on ``day`` (indexed like ``contracts``).

    ``Contract.renewal_date`` is today's value: once a contract renews, the row shows the renewal
    after that one, and using it for a past day would tell the model which accounts went on to renew
    (a leak). So, per contract:

    - a renewal *recorded* after ``day`` (the timeline's renewal records, ``book.renewals``; not
      churn records): the first of them was the upcoming renewal on ``day``;
    - otherwise the row's renewal date. When the data records renewals at all (the CRM sync and the
      demo do), no renewal happened since ``day``, so the date holds as it is, multi-year terms
      included. When the book holds no renewal record at all, a date more than a year after ``day``
      cannot be told from renewals that went unrecorded: it is moved back by whole years to the
      first date after ``day`` (annual terms assumed);
    - a date already past on ``day`` (a stale row) moves forward by whole years; only a contract
      without a renewal date falls back to the anniversaries of its start.
    The account's figure is the earliest among its live contracts (co-termed contracts share it).
    """
    ts = pd.Timestamp(day)
    known = contracts["renewal"].copy()
    records = not book.renewals.empty
    if records:
        # A churn record is the day a contract ended, which may be before its renewal date: not a renewal.
        r = book.renewals
        later = r[(r["date"] > ts) & (r["outcome"] != "churned")]
        recorded = later.groupby("contract_id")["date"].min().reindex(contracts.index)
        known = recorded.where(recorded.notna(), known)
    anchor = pd.to_datetime(known.where(known.notna(), contracts["start"]))
    due = anchor.copy()
    move = anchor.notna() & ((anchor <= ts) if records else pd.Series(True, index=anchor.index))
    if move.any():
        # The anniversary of the anchor that first falls after the day, forwards or backwards.
        a = anchor[move]
        years = ts.year - a.dt.year
        years = years.where(_years_after(a, years) > ts, years + 1)
        due[move] = _years_after(a, years).to_numpy()
    return due


CONTRACT_COLUMNS = ["arr", "tenure_days", "days_to_renewal", "contracts", "segment"]


def _contract_features(book: outcomes.Book, day: dt.date) -> pd.DataFrame:
    c = book.contracts
    ts = pd.Timestamp(day)
    mrr = book.mrr_on(day)
    live = c[mrr > 0]
    if live.empty:
        return pd.DataFrame(columns=CONTRACT_COLUMNS)
    first_start = live.groupby("account_id")["start"].min()
    tenure = (ts - first_start).dt.days
    # The earliest upcoming renewal among the account's live contracts, as known on the day.
    due = next_renewals(book, live, day)
    return pd.DataFrame({
        "arr": (mrr[mrr > 0] * 12).groupby(live["account_id"]).sum(),
        "tenure_days": tenure,
        "days_to_renewal": (due - ts).dt.days.groupby(live["account_id"]).min(),
        "contracts": live.groupby("account_id").size(),
        "segment": live.groupby("account_id")["segment"].first().replace("", "unknown"),
    })


JOURNEY_COLUMNS = ["maturity_level", "stage", "onboarding_done_share", "onboarding_overdue", "high_tickets_90d"]
HIGH_SEVERITIES = ("high", "urgent")  # as the "new high-severity ticket" playbook trigger counts them
TICKET_WINDOW = 90


def _as_of(keys: pd.DataFrame, changes: pd.DataFrame, value: str) -> pd.Series:
    """For each (account_id, ts) row of ``keys``, the ``value`` of the account's last change on or
    before ``ts`` (NaN when there is none), row-aligned with ``keys``."""
    if changes.empty:
        return pd.Series(np.nan, index=keys.index, dtype=object)
    left = keys[["account_id", "ts"]].reset_index().sort_values("ts", kind="stable")
    right = changes.sort_values("ts", kind="stable")
    merged = pd.merge_asof(left, right[["account_id", "ts", value]], on="ts", by="account_id",
                           direction="backward")
    return merged.set_index("index")[value].reindex(keys.index)


def _aware(ts: pd.Timestamp) -> dt.datetime:
    from django.utils import timezone

    return timezone.make_aware(ts.to_pydatetime().replace(tzinfo=None))


def journey_features(product_id: int, keys: pd.DataFrame) -> pd.DataFrame:
    """The journey as known on each observation day, for rows ``keys`` (columns account_id, day).

    - ``maturity_level``: the level of the last ``MaturityChange`` on or before the day; 0 when the
      product's levels were evaluated by then and the account never changed; unknown before.
    - ``stage``: the lifecycle stage of the last ``StageChange`` on or before the day.
    - ``onboarding_done_share`` / ``onboarding_overdue``: of the steps of the product's onboarding
      plans started by the day, the share done by the day (``done_on``) and the number due before
      the day and not done by it; no plan: share unknown, 0 overdue.
    - ``high_tickets_90d``: support tickets (``Activity`` kind ``ticket``) of high or urgent severity
      in the 90 days up to the day, whatever the scorecard measures.
    A handful of bulk queries per call, then vectorised per day: no query per account or day."""
    from django.conf import settings

    from csops.customers.models import Activity, ActivityKind
    from csops.journey.models import EvaluatedDay, MaturityChange, OnboardingStep, StageChange

    if keys.empty:
        return pd.DataFrame(columns=JOURNEY_COLUMNS)
    keys = keys[["account_id", "day"]].copy()
    keys["ts"] = pd.to_datetime(keys["day"])
    out = pd.DataFrame(index=keys.index)
    accounts = set(keys["account_id"].unique().tolist())
    first, last = keys["ts"].min(), keys["ts"].max()

    # Queries by product and period, not by a list of accounts (no IN clause of 10,000 ids).
    def frame(rows: Any, columns: list[str]) -> pd.DataFrame:
        f = pd.DataFrame.from_records(list(rows), columns=columns)
        f = f[f["account_id"].isin(accounts)]
        for col in columns[1:]:
            if col in ("ts", "started", "due", "done"):
                f[col] = pd.to_datetime(f[col])
        return f

    maturity = frame(MaturityChange.objects.filter(product_id=product_id, day__lte=last.date())
                     .values_list("account_id", "day", "level_to"), ["account_id", "ts", "level"])
    level = pd.to_numeric(_as_of(keys, maturity, "level"), errors="coerce")
    first_evaluated = EvaluatedDay.objects.filter(product_id=product_id).order_by("day").values_list(
        "day", flat=True).first()
    if first_evaluated is not None:
        evaluated = keys["ts"] >= pd.Timestamp(first_evaluated)
        level = level.where(level.notna() | ~evaluated, 0.0)
    out["maturity_level"] = level.astype(float)

    stages = frame(StageChange.objects.filter(day__lte=last.date()).order_by("day", "id")
                   .values_list("account_id", "day", "stage_to"), ["account_id", "ts", "stage"])
    # Several changes on one day: the last one recorded (by id) holds.
    stages = stages.drop_duplicates(["account_id", "ts"], keep="last")
    out["stage"] = _as_of(keys, stages, "stage")

    steps = frame(OnboardingStep.objects.filter(plan__product_id=product_id, plan__started_on__lte=last.date())
                  .values_list("plan__account_id", "plan__started_on", "due_on", "done_on"),
                  ["account_id", "started", "due", "done"])
    tickets_in_period = Activity.objects.filter(
        kind=ActivityKind.TICKET,
        occurred_at__gte=_aware(first - pd.Timedelta(days=TICKET_WINDOW + 1)),
        occurred_at__lt=_aware(last + pd.Timedelta(days=2)),
    ).values_list("account_id", "occurred_at", "data")
    # The JSON filter runs in Python, as in the health measures (SQLite and PostgreSQL differ).
    tickets = frame([(a, at) for a, at, data in tickets_in_period.iterator(chunk_size=5000)
                     if isinstance(data, dict) and data.get("severity") in HIGH_SEVERITIES], ["account_id", "at"])
    if not tickets.empty:
        local = pd.to_datetime(tickets["at"], utc=True).dt.tz_convert(settings.TIME_ZONE)
        tickets["ts"] = local.dt.tz_localize(None).dt.normalize()

    done_share = pd.Series(np.nan, index=keys.index)
    overdue = pd.Series(0.0, index=keys.index)
    high = pd.Series(0.0, index=keys.index)
    for ts, idx in keys.groupby("ts").groups.items():
        ids = keys.loc[idx, "account_id"]
        if not steps.empty:
            s = steps[steps["started"] <= ts]
            done = (s["done"] <= ts).groupby(s["account_id"])
            late = ((s["due"] < ts) & ~(s["done"] <= ts)).groupby(s["account_id"]).sum()
            done_share.loc[idx] = ids.map(done.mean()).to_numpy(dtype=float)
            overdue.loc[idx] = ids.map(late).fillna(0).to_numpy(dtype=float)
        if not tickets.empty:
            window = tickets[(tickets["ts"] > ts - pd.Timedelta(days=TICKET_WINDOW)) & (tickets["ts"] <= ts)]
            high.loc[idx] = ids.map(window.groupby("account_id").size()).fillna(0).to_numpy(dtype=float)
    out["onboarding_done_share"] = done_share
    out["onboarding_overdue"] = overdue
    out["high_tickets_90d"] = high
    return out[JOURNEY_COLUMNS]


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
    if not out.empty:
        out = pd.concat([out, journey_features(card.product_id, out)], axis=1)
    for col in ("score", "trend_7", "trend_30", "coverage", *keys):
        out[col] = pd.to_numeric(out[col], errors="coerce")
    return out


def _measure_keys(card: Scorecard) -> list[str]:
    from csops.health.services import definition_of

    return [m.key for m in definition_of(card).measures]


BASE_COLUMNS = ["score", "trend_7", "trend_30", "coverage"]


def feature_columns(card: Scorecard) -> list[str]:
    """The features ``feature_frame`` gives for ``card`` today, in its order (the columns a model
    trained now would read): the health columns, the scorecard's measures, contracts and journey."""
    return [*BASE_COLUMNS, *_measure_keys(card), *CONTRACT_COLUMNS, *JOURNEY_COLUMNS]


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
    frame: pd.DataFrame | None = None  # the training rows (account_id, day, features, churned)

    def summary(self) -> str:
        if self.model is None:
            return f"churn model not trained: {self.reason}"
        m = self.model.metrics
        return (f"churn model trained: {self.model.model_name}, held-out AUC {m['auc']:.3f} against the "
                f"baseline's {m['baseline_auc']:.3f} ({m['baseline']}), {self.model.rows} rows, "
                f"horizon {self.model.horizon_days} days, gap {m.get('gap_days', 0)} days, "
                f"calibration {m.get('calibration', {}).get('method', 'none')}")


def _clean(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def gap_for(days: pd.Series, horizon: int) -> int:
    """The gap between each fold's training rows and its test period: the label horizon, so that no
    training label (churn within ``horizon`` days of its row) looks into the test period.

    With less history than that needs (the split cuts the days in half; the training half must keep
    at least half of its days), the largest gap that leaves them; ``train`` stores the gap used and
    says so in the split, as the held-out figures are then a little optimistic."""
    distinct = np.sort(pd.to_datetime(days).unique())
    if len(distinct) < 2:
        return 0
    cut = distinct[len(distinct) // 2]
    before = distinct[distinct < cut]
    keep = max(1, (len(before) + 1) // 2)
    room = int((cut - before[keep - 1]) / np.timedelta64(1, "D")) - 1
    return max(0, min(horizon, room))


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
    gap = gap_for(data.time, horizon)
    try:
        evaluation = modelling.evaluate(data, by_account=True, refit=False, gap_days=gap,
                                        models=("baseline", "logistic_l2", "gradient_boosting"))
    except modelling.ModellingError as exc:
        return TrainResult(None, None, str(exc), frame)
    best = evaluation.best
    fitted = modelling.fit_model(best, data.X, data.y, ordered=True)
    baseline = modelling.fit_model("baseline", data.X, data.y, ordered=True)
    # Probabilities corrected only when that helps on rows the correction did not see: a map fitted on
    # one fold's held-out predictions is scored on the other fold's (different accounts), and back.
    held = evaluation.test_index
    choice = modelling.choose_calibration(data.y, evaluation.out_of_fold[best],
                                          [test for _, test in evaluation.folds])
    fitted.calibrator = choice.calibrator
    y_held, p_held = data.y[held], choice.held_out[held]
    r, b = evaluation.results[best], evaluation.results["baseline"]
    metrics = _clean({
        "auc": r.auc, "brier": choice.brier[choice.method], "lift": r.lift,
        "calibration_error": modelling.calibration_error(y_held, p_held),
        "reliability": modelling.reliability(y_held, p_held),
        "calibration": {"method": choice.method, "brier": choice.brier,
                        "calibration_error_before": r.calibration_error, "reliability_before": r.reliability},
        "baseline": baseline.baseline_column, "baseline_auc": b.auc,
        "baseline_brier": modelling.brier(y_held, evaluation.out_of_fold["baseline"][held]),
        "baseline_lift": b.lift, "split": evaluation.split, "gap_days": gap, "held_out_rows": len(held),
        "positives": evaluation.positives,
        "models": {n: {"auc": x.auc, "brier": x.brier, "lift": x.lift} for n, x in evaluation.results.items()},
        "drivers": [[d.feature, d.weight] for d in modelling.global_drivers(fitted, data.X, data.y)[:12]],
    })
    if gap < horizon:
        metrics["split"] += f" (history too short for a gap of {horizon} days)"
    model = ChurnModel.objects.create(
        trained_on=today, horizon_days=horizon, scorecard_key=card.key, scorecard_version=card.version,
        model_name=best, metrics=metrics,
        features=list(data.X.columns), rows=len(frame), artifact=pickle.dumps(fitted),
    )
    return TrainResult(model, evaluation, frame=frame)


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


def retrain_reasons(model: ChurnModel, day: dt.date) -> list[str]:
    """Why the daily step should train ``model`` again on ``day``; empty when it still fits.

    - its scorecard is gone or no longer active;
    - the scorecard has a newer version than the one it was trained on (weights applied, measures
      added or removed), or that version was not recorded;
    - its features are not those the data now provides (a measure added or removed, a feature added
      to the code): ``score_day`` would fill the missing ones with the typical value, silently;
    - its history ends ``MAX_MODEL_AGE_DAYS`` or more days before ``day``.
    Never for a model whose history reaches ``day`` or later: a re-run of a day, or a past day
    scored again, does not train again."""
    if model.trained_on >= day:
        return []
    card = Scorecard.objects.filter(key=model.scorecard_key).first()
    if card is None or not card.is_active:
        return [f"its scorecard {model.scorecard_key or '(none)'} is no longer active"]
    reasons = []
    if model.scorecard_version is None:
        reasons.append(f"scorecard {card.key} version {card.version}, the model's not recorded")
    elif card.version > model.scorecard_version:
        reasons.append(f"scorecard {card.key} changed (version {model.scorecard_version} → {card.version})")
    now = feature_columns(card)
    missing = [f for f in model.features if f not in now]
    new = [f for f in now if f not in model.features]
    if missing or new:
        parts = ([f"gone: {', '.join(missing)}"] if missing else []) + ([f"new: {', '.join(new)}"] if new else [])
        reasons.append(f"features changed ({'; '.join(parts)})")
    age = (day - model.trained_on).days
    if age >= MAX_MODEL_AGE_DAYS:
        reasons.append(f"model {age} days old (limit {MAX_MODEL_AGE_DAYS})")
    return reasons


def _retrain(model: ChurnModel, day: dt.date, why: str) -> tuple[ChurnModel, str]:
    """Train again because of ``why`` (at most once per day); the model to score with and what to say."""
    failed = model.metrics.get("retrain_failed") or {}
    if failed.get("day") == str(day):
        # Tried on this day already: a re-run does not train again, but still says why not.
        reason = failed.get("reason")
    else:
        card = Scorecard.objects.filter(key=model.scorecard_key, is_active=True).first()
        result = train(today=day, horizon=model.horizon_days, scorecard_key=card.key if card else None)
        if result.model is not None:
            _note_trigger(result.model, why)
            return result.model, f"churn model retrained because {why}; {result.summary()}; "
        reason = result.reason
        model.metrics["retrain_failed"] = {"day": str(day), "because": why, "reason": reason}
        model.save(update_fields=["metrics"])
    return model, (f"churn model not retrained ({why}): {reason}; still scoring with the model trained on "
                   f"{model.trained_on}; ")


def run_insights_day(day: dt.date, *, progress: Any = None) -> str:
    """The daily pipeline step: score today's snapshots with the current model, training one first
    when there is none yet or when the current one no longer fits (``retrain_reasons``), then record
    the revenue forecast the dashboard shows. The summary says why it trained."""
    from csops.insights.revenue import record_forecast

    model = current_model()
    trained = ""
    if model is None:
        result = train(today=day)
        if result.model is not None:
            _note_trigger(result.model, "no model yet")
        model = result.model
        trained = result.summary() + "; "
    elif reasons := retrain_reasons(model, day):
        model, trained = _retrain(model, day, ", ".join(reasons))
    n = score_day(day, model=model) if model is not None else 0
    record_forecast(day, model=model)
    scored = f"churn risk scored for {n} accounts" if model is not None else "no churn model"
    return f"{trained}{scored}; revenue forecast recorded"


def _note_trigger(model: ChurnModel, why: str) -> None:
    """Why the daily step trained ``model``, for the report (``metrics.trained_because``)."""
    model.metrics["trained_because"] = why
    model.save(update_fields=["metrics"])
