"""The shared ``fightchurn_sim`` dataset (Carl Gold's churn simulator, see ../shared/data/README.md).

Two checks with known answers: the churn models on the book's own observations
(``socialnet7_dataset.csv``, the book's time split: 2 expanding folds), and suggested weights
per event type, which should rank the event types in the simulator's true order of value.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import spearmanr
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss

from csops.insights import modelling

BOOK = {"logistic_l1": (0.648, 2.54), "gradient_boosting": (0.691, 3.49)}  # AUC, top-decile lift (XGBoost)
SUFFIX = "_per_month"


@dataclass
class EventWeights:
    weights: dict[str, float]  # value of one event, relative to the most valuable (=+1 ... negative = harmful)
    truth: dict[str, float]
    spearman: float
    order: list[str]
    true_order: list[str]
    saturation: float | None = None  # the shape chosen (None: linear), see SATURATION


def evaluate_book_dataset(folder: Path) -> modelling.Evaluation:
    frame = pd.read_csv(folder / "socialnet7_dataset.csv")
    data = modelling.dataset_from_frame(frame, label="is_churn", id_col="account_id", time_col="observation_date")
    return modelling.evaluate(data, n_folds=2)


# How each count enters the model: linearly (None), or with diminishing returns, 1 - exp(-k x / typical),
# so that the first events of a month weigh more than the hundredth. The data choose among them.
SATURATION: tuple[float | None, ...] = (None, 0.5, 1.0, 2.0, 4.0)


def _saturate(X: np.ndarray, typical: np.ndarray, k: float | None) -> np.ndarray:
    return X / typical if k is None else 1.0 - np.exp(-k * X / typical)


def _fit_standardised(F: np.ndarray, y: np.ndarray, C: float) -> tuple[LogisticRegression, np.ndarray, np.ndarray]:
    mean, std = F.mean(axis=0), F.std(axis=0)
    std[std == 0] = 1.0
    return LogisticRegression(C=C, max_iter=5000).fit((F - mean) / std, y), mean, std


def choose_saturation(X: np.ndarray, y: np.ndarray, typical: np.ndarray, *, C: float = 1.0) -> float | None:
    """The shape of SATURATION with the lowest held-out log-loss over stratified folds."""
    losses = []
    for k in SATURATION:
        F = _saturate(X, typical, k)
        loss = 0.0
        for train, test in modelling.stratified_folds(y, 5):
            model, mean, std = _fit_standardised(F[train], y[train], C)
            loss += log_loss(y[test], model.predict_proba((F[test] - mean) / std)[:, 1], labels=[0, 1])
        losses.append(loss)
    return SATURATION[int(np.argmin(losses))]


def event_weights(frame: pd.DataFrame, label: str, truth: dict[str, float], *, C: float = 1.0) -> EventWeights:
    """The value of one event of each type: an L2 logistic model of churn on the monthly counts, each
    through the diminishing-returns shape the data prefer (``choose_saturation``), and the value of one
    more event at a count of zero (the coefficient times the shape's slope there), negated (a
    churn-lowering event is valuable) and scaled so that the largest magnitude is 1.

    Raw counts alone misjudge event types that are common: with diminishing returns the heavy users'
    extra likes buy little retention, so a linear model sees likes as worthless or harmful."""
    cols = [c for c in frame.columns if c.endswith(SUFFIX)]
    X = frame[cols].to_numpy(dtype=float)
    y = modelling.label_values(frame[label], label)
    typical = X.mean(axis=0)
    typical[typical <= 0] = 1.0
    k = choose_saturation(X, y, typical, C=C)
    model, _, std = _fit_standardised(_saturate(X, typical, k), y, C)
    per_event = -model.coef_[0] / std * (k or 1.0) / typical
    per_event = per_event / np.abs(per_event).max()
    names = [c[: -len(SUFFIX)] for c in cols]
    return ranked(dict(zip(names, per_event.tolist(), strict=True)), truth, saturation=k)


def ranked(weights: dict[str, float], truth: dict[str, float], *, saturation: float | None = None) -> EventWeights:
    """Values per event type set against the simulator's utility: orders and rank correlation."""
    common = [n for n in weights if n in truth]
    rho = float(spearmanr([weights[n] for n in common], [truth[n] for n in common]).statistic)
    return EventWeights(weights, truth, rho, sorted(common, key=lambda n: -weights[n]),
                        sorted(common, key=lambda n: -truth[n]), saturation=saturation)


def true_utility(folder: Path) -> dict[str, float]:
    table = pd.read_csv(folder / "socialnet7_utility.csv", index_col=0)
    return {str(k): float(v) for k, v in table.iloc[:, 0].items() if k != "mrr"}


# --- the same data through the ordinary csops loaders -------------------------------------------

PRODUCT = "socialnet"
DATA_END = dt.date(2020, 6, 1)


@dataclass
class LakeRun:
    accounts: int
    contracts: int
    events: int
    snapshots: int
    validation: Any
    weights: EventWeights
    model: modelling.Evaluation


def _periods(subscriptions: pd.DataFrame) -> pd.DataFrame:
    """Contracts from subscriptions: consecutive monthly subscriptions of an account form one contract;
    a gap starts a new one. A contract whose last subscription ends before the data's end churned."""
    s = subscriptions.sort_values(["account_id", "start_date"])
    rows = []
    for account, part in s.groupby("account_id", sort=False):
        start = end = None
        for a, b in zip(part["start_date"], part["end_date"], strict=True):
            if start is None:
                start, end = a, b
            elif a > end:
                rows.append((account, start, end))
                start, end = a, b
            else:
                end = max(end, b)
        rows.append((account, start, end))
    out = pd.DataFrame(rows, columns=["account_id", "start", "end"])
    out["churned"] = out["end"] < pd.Timestamp(DATA_END)
    return out


def load_through_csops(folder: Path, *, lake_dir: Path) -> tuple[int, int, int]:
    """Accounts and contracts through the customer importer, events into the lake with write_events."""
    import pyarrow as pa

    from csops.customers.importers.run import run_import
    from csops.customers.models import Product
    from csops.usage.lake import has_events, write_events

    if has_events(lake_dir):
        raise modelling.ModellingError(f"the lake at {lake_dir} already holds events: use an empty CSOPS_VAR_DIR")
    Product.objects.get_or_create(code=PRODUCT, defaults={"name": "Social network (fightchurn simulator)"})
    accounts = pd.read_csv(folder / "account.csv")
    text = "external_id,name\n" + "".join(f"SN-{i},socialnet {i}\n" for i in accounts["id"])
    result = run_import("accounts", text.encode(), filename="account.csv")
    if not result.ok:
        raise modelling.ModellingError(f"account import failed: {result.errors[:3]}")
    subs = pd.read_csv(folder / "subscription.csv", parse_dates=["start_date", "end_date"])
    periods = _periods(subs)
    lines = ["external_id,account_external_id,product,mrr,currency,start_date,end_date,status"]
    for n, p in enumerate(periods.itertuples(index=False)):
        end = p.end.date().isoformat() if p.churned else ""
        lines.append(f"SN-C{n},SN-{p.account_id},{PRODUCT},10,USD,{p.start.date()},{end},"
                     f"{'churned' if p.churned else 'active'}")
    result = run_import("contracts", ("\n".join(lines) + "\n").encode(), filename="subscription.csv")
    if not result.ok:
        raise modelling.ModellingError(f"contract import failed: {result.errors[:3]}")
    names = pd.read_csv(folder / "event_type.csv").set_index("event_type_id")["event_type_name"]
    events = pd.read_csv(folder / "event.csv.gz", parse_dates=["event_time"])
    ts = pd.DatetimeIndex(events["event_time"]).tz_localize("UTC")
    table = pa.table({
        "message_id": pa.array([f"sn-{i}" for i in range(len(events))]),
        "type": pa.array(["track"] * len(events)),
        "event": pa.array(events["event_type_id"].map(names).to_numpy(dtype=object)),
        "account_id": pa.array(("SN-" + events["account_id"].astype(str)).to_numpy(dtype=object)),
        "timestamp": pa.array(ts, type=pa.timestamp("us", tz="UTC")),
        "received_at": pa.array(ts, type=pa.timestamp("us", tz="UTC")),
    })
    write_events(table, lake_dir=lake_dir)
    return len(accounts), len(periods), len(events)


def scorecard_document(event_names: list[str]) -> dict[str, Any]:
    """One measure per event type: its count over 28 days, percentile-normalised, equal weights,
    every one assumed "higher is better" (the validation is there to say which are not)."""
    weights = modelling_weights(len(event_names))
    return {
        "key": "socialnet-events", "name": "Social network: event counts", "product": PRODUCT, "segment": "",
        "active": True, "grades": {"red_below": 40, "green_from": 70},
        "groups": [{"key": "usage", "name": {"en": "Usage", "ja": "利用状況"}, "weight": 100, "measures": [
            {"key": name, "name": {"en": name, "ja": name}, "type": "events", "window": 28,
             "params": {"event": name}, "normalise": {"method": "percentile"}, "direction": "higher_better",
             "weight": w} for name, w in zip(event_names, weights, strict=True)]}],
    }


def modelling_weights(n: int) -> list[int]:
    base = [100 // n] * n
    for i in range(100 - sum(base)):
        base[i] += 1
    return base


def run_through_csops(folder: Path, *, lake_dir: Path, every: int = 7) -> LakeRun:
    from csops.health import scoring
    from csops.health.models import HealthScore
    from csops.health.services import do_save_scorecard
    from csops.insights.validation import validate_scorecard

    accounts, contracts, events = load_through_csops(folder, lake_dir=lake_dir)
    truth = true_utility(folder)
    names = list(pd.read_csv(folder / "event_type.csv")["event_type_name"])
    card = do_save_scorecard(scorecard_document(names), actor=None)
    days = scoring.day_range(dt.date(2020, 2, 1), DATA_END - dt.timedelta(days=31), step=every)
    scoring.score(days, scorecards=[card])
    validation = validate_scorecard(card, horizon=30, today=DATA_END)
    # The value of one event from the raw 28-day counts the health app computed, against churn in 30 days.
    rows = []
    for account_id, day, breakdown in HealthScore.objects.filter(scorecard=card).values_list(
            "account_id", "day", "breakdown"):
        rows.append({"account_id": account_id, "day": day,
                     **{f"{n}{SUFFIX}": (breakdown.get(n) or {}).get("raw") for n in names}})
    frame = pd.DataFrame(rows)
    from csops.insights import outcomes

    book = outcomes.load_book(product=PRODUCT)
    churn = pd.to_datetime(frame["account_id"].map(book.churn_dates(PRODUCT)))
    day = pd.to_datetime(frame["day"])
    frame = frame[~(churn <= day)].copy()
    churn, day = churn[frame.index], day[frame.index]
    frame["churned"] = ((churn > day) & (churn <= day + pd.Timedelta(days=30))).astype(int)
    first = book.contracts.groupby("account_id")["start"].min()
    frame["account_tenure"] = (day - frame["account_id"].map(first)).dt.days
    counts = frame[[f"{n}{SUFFIX}" for n in names]].fillna(0.0)
    weights = event_weights(pd.concat([counts, frame["churned"]], axis=1), "churned", truth)
    data = modelling.Dataset(X=pd.concat([counts, frame["account_tenure"]], axis=1).reset_index(drop=True),
                             y=frame["churned"].to_numpy(), ids=frame["account_id"].reset_index(drop=True),
                             time=day.reset_index(drop=True), label="churned")
    model = modelling.evaluate(data, n_folds=2)
    return LakeRun(accounts, contracts, events, len(frame), validation, weights, model)
