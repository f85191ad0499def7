"""The churn-modelling core: any account-level table in, honest held-out figures out.

Plain functions over pandas and scikit-learn, no Django, so that the same code validates a
health score, trains the churn risk model and evaluates a table a user brings
(``csops insights evaluate``). Three rules run through it:

- **Never leak the future.** With a time column every fold trains on observations strictly
  before its test period (minus a gap as long as the label's horizon, so that no training label
  looks into the test period); every transformation (medians, log choice, scaling, category
  levels, the regularisation strength) is fitted on the training rows only.
- **Always show a trivial baseline** beside the models: a model that does not beat one column
  on its own is not worth explaining to a CSM.
- **Calibrated probabilities**, checked on held-out rows (reliability curve, Brier score).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ParamSpec, TypeVar

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score
from threadpoolctl import threadpool_limits

P = ParamSpec("P")
R = TypeVar("R")
MODEL_NAMES = ("baseline", "logistic_l1", "logistic_l2", "gradient_boosting")
C_GRID = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
MAX_LEVELS = 20  # categorical levels kept per column; rarer ones become "other"


def one_thread(function: Callable[P, R]) -> Callable[P, R]:
    """Run scikit-learn's OpenMP and BLAS code on one thread. Gradient boosting on a few thousand rows is
    dominated by thread start-up and spinning: on a busy two-core server one thread is 30 times
    faster than all of them, and it leaves the other core to the web server."""

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with threadpool_limits(limits=1):
            return function(*args, **kwargs)

    return wrapper


class ModellingError(ValueError):
    """A table or a request that cannot be modelled; the message names the column or the reason."""


# --- the table --------------------------------------------------------------------------------


@dataclass
class Dataset:
    """Features, a 0/1 label and optionally ids and observation times, row-aligned."""

    X: pd.DataFrame
    y: np.ndarray
    ids: pd.Series | None = None
    time: pd.Series | None = None
    duration: pd.Series | None = None
    label: str = "label"

    @property
    def positives(self) -> int:
        return int(self.y.sum())


_TRUE = {"1", "true", "t", "yes", "y", "churn", "churned"}
_FALSE = {"0", "false", "f", "no", "n", ""}


def label_values(column: pd.Series, name: str) -> np.ndarray:
    """A label column as 0/1; booleans, 0/1 numbers and true/false words are accepted."""
    if column.isna().any():
        rows = [int(i) + 2 for i in np.flatnonzero(column.isna().to_numpy())[:5]]
        raise ModellingError(f"label column {name!r} is empty on rows {rows} (row 1 is the header)")
    if pd.api.types.is_bool_dtype(column) or pd.api.types.is_numeric_dtype(column):
        values = column.astype(float).to_numpy()
        bad = ~np.isin(values, (0.0, 1.0))
    else:
        text = column.astype(str).str.strip().str.lower()
        bad = ~text.isin(_TRUE | _FALSE).to_numpy()
        values = text.isin(_TRUE).to_numpy().astype(float)
    if bad.any():
        rows = [int(i) + 2 for i in np.flatnonzero(bad)[:5]]
        raise ModellingError(f"label column {name!r} must be 0/1 or true/false; rows {rows} are not")
    y = values.astype(int)
    if y.min() == y.max():
        raise ModellingError(f"label column {name!r} has only one value ({y[0]}); nothing to predict")
    return y


def dataset_from_frame(
    frame: pd.DataFrame, *, label: str, id_col: str | None = None, time_col: str | None = None,
    duration_col: str | None = None, drop: Sequence[str] = (),
) -> Dataset:
    """Split a table into features and label; every other column is a feature."""
    wanted = [c for c in (label, id_col, time_col, duration_col, *drop) if c]
    missing = [c for c in wanted if c not in frame.columns]
    if missing:
        raise ModellingError(f"no column {', '.join(map(repr, missing))} in the table "
                             f"(columns: {', '.join(map(str, frame.columns))})")
    y = label_values(frame[label], label)
    time = None
    if time_col:
        time = pd.to_datetime(frame[time_col], errors="coerce")
        if time.isna().any():
            rows = [int(i) + 2 for i in np.flatnonzero(time.isna().to_numpy())[:5]]
            raise ModellingError(f"time column {time_col!r} is not a date on rows {rows}")
    duration = None
    if duration_col:
        duration = pd.to_numeric(frame[duration_col], errors="coerce")
        if duration.isna().any() or (duration < 0).any():
            raise ModellingError(f"duration column {duration_col!r} must be a number >= 0 on every row")
    # The duration is an outcome (how long the account lasted), never a feature.
    X = frame.drop(columns=wanted)
    if X.shape[1] == 0:
        raise ModellingError("the table has no feature column besides the label, id and time")
    return Dataset(X=X.reset_index(drop=True), y=y, ids=frame[id_col].reset_index(drop=True) if id_col else None,
                   time=time.reset_index(drop=True) if time is not None else None,
                   duration=duration.reset_index(drop=True) if duration is not None else None, label=label)


# --- encoding, fitted on training rows only -----------------------------------------------------


@dataclass
class _Column:
    name: str
    kind: str  # "numeric" or "category"
    median: float = 0.0
    log: bool = False
    mean: float = 0.0
    std: float = 1.0
    has_missing: bool = False
    levels: list[str] = field(default_factory=list)


class Encoder:
    """Numbers: median-imputed (with a missing flag), log1p when skewed and non-negative, standardised.
    Categories: one column per frequent level. The output columns are grouped by source column so that
    drivers are explained in the user's terms ("plan", not "plan=Starter")."""

    def fit(self, X: pd.DataFrame) -> Encoder:
        self.columns: list[_Column] = []
        for name in X.columns:
            col = X[name]
            if pd.api.types.is_bool_dtype(col) or pd.api.types.is_numeric_dtype(col):
                values = col.astype(float)
                known = values.dropna()
                if known.empty:
                    continue
                spec = _Column(str(name), "numeric", median=float(known.median()),
                               has_missing=bool(values.isna().any()))
                spec.log = bool(known.min() >= 0 and known.nunique() > 2 and float(known.skew() or 0) > 1.0)
                t = self._numeric(values, spec)
                spec.mean, spec.std = float(t.mean()), float(t.std() or 1.0)
                self.columns.append(spec)
            else:
                counts = col.astype("string").fillna("(blank)").value_counts()
                levels = [str(v) for v, n in counts.items() if n >= 5][:MAX_LEVELS]
                if len(counts) <= 1 or not levels:
                    continue
                self.columns.append(_Column(str(name), "category", levels=levels))
        if not self.columns:
            raise ModellingError("no usable feature column (all empty or constant)")
        self.names: list[str] = []
        self.groups: list[str] = []
        for spec in self.columns:
            if spec.kind == "numeric":
                self.names.append(spec.name)
                self.groups.append(spec.name)
                if spec.has_missing:
                    self.names.append(f"{spec.name} missing")
                    self.groups.append(spec.name)
            else:
                for level in spec.levels:
                    self.names.append(f"{spec.name}={level}")
                    self.groups.append(spec.name)
        return self

    @staticmethod
    def _numeric(values: pd.Series, spec: _Column) -> pd.Series:
        v = values.fillna(spec.median)
        return np.log1p(v.clip(lower=0)) if spec.log else v

    def transform(self, X: pd.DataFrame) -> np.ndarray:
        parts: list[np.ndarray] = []
        for spec in self.columns:
            if spec.name not in X.columns:
                raise ModellingError(f"column {spec.name!r} is missing from the rows to score")
            col = X[spec.name]
            if spec.kind == "numeric":
                values = pd.to_numeric(col.astype(float) if pd.api.types.is_bool_dtype(col) else col, errors="coerce")
                t = (self._numeric(values, spec) - spec.mean) / spec.std
                parts.append(t.to_numpy(dtype=float)[:, None])
                if spec.has_missing:
                    parts.append(values.isna().to_numpy(dtype=float)[:, None])
            else:
                text = col.astype("string").fillna("(blank)").astype(str).to_numpy()
                parts.append(np.stack([(text == level).astype(float) for level in spec.levels], axis=1))
        return np.hstack(parts)

    def group_index(self) -> dict[str, list[int]]:
        out: dict[str, list[int]] = {}
        for i, g in enumerate(self.groups):
            out.setdefault(g, []).append(i)
        return out


# --- models ---------------------------------------------------------------------------------------


def _auc(y: np.ndarray, p: np.ndarray) -> float:
    return float(roc_auc_score(y, p)) if 0 < y.sum() < len(y) else float("nan")


def _logistic(l1: bool, C: float) -> LogisticRegression:
    # Not liblinear: it penalises the intercept too, which pulls every probability toward 0.5 when the
    # regularisation is strong (a 20 % churn rate would be over-predicted everywhere).
    if l1:
        return LogisticRegression(C=C, l1_ratio=1.0, solver="saga", max_iter=3000, tol=1e-3, random_state=0)
    return LogisticRegression(C=C, l1_ratio=0.0, solver="lbfgs", max_iter=1000)


def _inner_folds(n: int, y: np.ndarray, ordered: bool) -> list[tuple[np.ndarray, np.ndarray]]:
    """Folds inside the training rows to choose C: in time order when the rows are time-ordered."""
    idx = np.arange(n)
    if ordered:
        cut = [int(n * 0.5), int(n * 0.75), n]
        return [(idx[: cut[i]], idx[cut[i]: cut[i + 1]]) for i in range(2)]
    rng = np.random.default_rng(0)
    folds = np.empty(n, dtype=int)
    for cls in (0, 1):
        members = idx[y == cls]
        folds[rng.permutation(members)] = np.arange(len(members)) % 3
    return [(idx[folds != k], idx[folds == k]) for k in range(3)]


def choose_c(X: np.ndarray, y: np.ndarray, *, l1: bool, ordered: bool) -> float:
    best, best_auc = 1.0, -1.0
    folds = [(a, b) for a, b in _inner_folds(len(y), y, ordered) if 0 < y[a].sum() < len(a) and 0 < y[b].sum() < len(b)]
    if not folds:
        return best
    for C in C_GRID:
        scores = []
        for a, b in folds:
            model = _logistic(l1, C).fit(X[a], y[a])
            scores.append(_auc(y[b], model.predict_proba(X[b])[:, 1]))
        score = float(np.nanmean(scores)) if not all(math.isnan(s) for s in scores) else -1.0
        if score > best_auc + 1e-9:
            best, best_auc = C, score
    return best


# Two shapes of boosting, chosen on the training rows by inner folds: stumps (an additive model, best
# when each column acts on its own, as in most churn tables, which are small) and shallow trees
# (interactions, when there is enough data to find them).
GBM_SHAPES = (
    {"max_depth": 1, "learning_rate": 0.1, "max_iter": 100, "min_samples_leaf": 20},
    {"max_depth": 3, "max_leaf_nodes": 8, "learning_rate": 0.05, "max_iter": 150, "min_samples_leaf": 30,
     "l2_regularization": 1.0},
)


def _gbm(shape: int = 0) -> HistGradientBoostingClassifier:
    return HistGradientBoostingClassifier(random_state=0, early_stopping=False, **GBM_SHAPES[shape])


def choose_gbm(X: np.ndarray, y: np.ndarray, *, ordered: bool) -> int:
    if y.sum() < 200 or (len(y) - y.sum()) < 200:
        return 0  # too few churns to find interactions: inner folds would pick by noise
    folds = [(a, b) for a, b in _inner_folds(len(y), y, ordered) if 0 < y[a].sum() < len(a) and 0 < y[b].sum() < len(b)]
    if not folds:
        return 0
    means = []
    for shape in range(len(GBM_SHAPES)):
        means.append(np.nanmean([_auc(y[b], _gbm(shape).fit(X[a], y[a]).predict_proba(X[b])[:, 1]) for a, b in folds]))
    return int(np.nanargmax(means)) if not np.all(np.isnan(means)) else 0


@dataclass
class Fitted:
    """A model fitted on one set of rows, with its encoder; ``predict`` takes raw feature rows."""

    name: str
    encoder: Encoder
    model: Any
    baseline_column: str | None = None
    baseline_sign: float = 1.0
    C: float | None = None
    shape: int | None = None  # index into GBM_SHAPES
    calibrator: Calibrator | None = None  # set by the caller when it improved held-out Brier

    def predict_encoded(self, Z: np.ndarray) -> np.ndarray:
        if self.name == "baseline":
            j = self.encoder.names.index(self.baseline_column)
            p = self.model.predict_proba(Z[:, [j]])[:, 1]
        else:
            p = self.model.predict_proba(Z)[:, 1]
        # getattr: artifacts pickled before calibration existed have no such attribute.
        calibrator = getattr(self, "calibrator", None)
        return calibrator.apply(p) if calibrator is not None else p

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        with threadpool_limits(limits=1):
            return self.predict_encoded(self.encoder.transform(X))


@one_thread
def fit_model(name: str, X: pd.DataFrame, y: np.ndarray, *, ordered: bool = False,
              baseline: str | None = None) -> Fitted:
    """Fit one of MODEL_NAMES on these rows (the encoder too)."""
    if name not in MODEL_NAMES:
        raise ModellingError(f"unknown model {name!r}; choose from {', '.join(MODEL_NAMES)}")
    if not 0 < y.sum() < len(y):
        raise ModellingError("the training rows hold only one class; use more history or fewer folds")
    encoder = Encoder().fit(X)
    Z = encoder.transform(X)
    if name == "baseline":
        numeric = [n for n, g in zip(encoder.names, encoder.groups, strict=True)
                   if n == g and next(c for c in encoder.columns if c.name == g).kind == "numeric"]
        if baseline:
            if baseline not in numeric:
                raise ModellingError(f"baseline column {baseline!r} is not a numeric feature")
            column = baseline
        elif numeric:
            # The single column that ranks the training rows best: a fair "one number" rule.
            column = max(numeric, key=lambda n: abs(_auc(y, Z[:, encoder.names.index(n)]) - 0.5))
        else:
            column = encoder.names[0]
        j = encoder.names.index(column)
        model = LogisticRegression(C=1e6, max_iter=500).fit(Z[:, [j]], y)
        return Fitted(name, encoder, model, baseline_column=column)
    if name.startswith("logistic"):
        C = choose_c(Z, y, l1=name == "logistic_l1", ordered=ordered)
        return Fitted(name, encoder, _logistic(name == "logistic_l1", C).fit(Z, y), C=C)
    shape = choose_gbm(Z, y, ordered=ordered)
    return Fitted(name, encoder, _gbm(shape).fit(Z, y), shape=shape)


# --- metrics ---------------------------------------------------------------------------------------


def lift_top(y: np.ndarray, p: np.ndarray, share: float = 0.1) -> float:
    """Churn rate among the riskiest ``share`` of rows divided by the overall rate."""
    base = y.mean()
    if base == 0:
        return float("nan")
    n = max(1, int(round(len(y) * share)))
    top = np.argsort(-p, kind="stable")[:n]
    return float(y[top].mean() / base)


def reliability(y: np.ndarray, p: np.ndarray, bins: int = 10) -> list[dict[str, float]]:
    """Mean predicted against observed rate in equal-count bins of the prediction."""
    order = np.argsort(p, kind="stable")
    out = []
    for chunk in np.array_split(order, min(bins, len(p))):
        if len(chunk):
            out.append({"predicted": float(p[chunk].mean()), "observed": float(y[chunk].mean()), "n": int(len(chunk))})
    return out


def calibration_error(y: np.ndarray, p: np.ndarray, bins: int = 10) -> float:
    """Expected calibration error: row-weighted mean |predicted - observed| over the reliability bins."""
    curve = reliability(y, p, bins)
    total = sum(b["n"] for b in curve)
    return float(sum(b["n"] * abs(b["predicted"] - b["observed"]) for b in curve) / total)


def brier(y: np.ndarray, p: np.ndarray) -> float:
    return float(brier_score_loss(y, p)) if len(y) else float("nan")


def scores(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    return {"auc": _auc(y, p), "brier": float(brier_score_loss(y, p)), "lift": lift_top(y, p),
            "calibration_error": calibration_error(y, p)}


# --- calibration ---------------------------------------------------------------------------------

CALIBRATION_METHODS = ("platt", "isotonic")


@dataclass
class Calibrator:
    """A monotone map from a model's probability to a corrected one, fitted on held-out predictions.

    ``platt``: a logistic regression on the logit of the probability (two parameters, safe with few
    churns); ``isotonic``: a step function (needs more rows, can fit any monotone distortion)."""

    method: str
    model: Any

    def apply(self, p: np.ndarray) -> np.ndarray:
        p = np.asarray(p, dtype=float)
        if self.method == "platt":
            return self.model.predict_proba(_logit(p)[:, None])[:, 1]
        return np.clip(self.model.predict(p), 0.0, 1.0)


def _logit(p: np.ndarray) -> np.ndarray:
    q = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(q / (1 - q))


def fit_calibrator(method: str, y: np.ndarray, p: np.ndarray) -> Calibrator:
    if method not in CALIBRATION_METHODS:
        raise ModellingError(f"unknown calibration {method!r}; choose from {', '.join(CALIBRATION_METHODS)}")
    if not 0 < y.sum() < len(y):
        raise ModellingError("calibration rows hold only one class")
    if method == "platt":
        return Calibrator(method, LogisticRegression(C=1e6, max_iter=500).fit(_logit(p)[:, None], y))
    from sklearn.isotonic import IsotonicRegression

    return Calibrator(method, IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(p, y))


@dataclass
class CalibrationChoice:
    method: str  # "none" or one of CALIBRATION_METHODS
    brier: dict[str, float]  # held-out Brier of each candidate, "none" included
    held_out: np.ndarray  # the held-out probabilities of the chosen method (cross-fitted), row-aligned
    calibrator: Calibrator | None  # fitted on every held-out prediction, for the final model


def choose_calibration(y: np.ndarray, p: np.ndarray, parts: Sequence[np.ndarray], *,
                       min_gain: float = 1e-4) -> CalibrationChoice:
    """Whether to correct held-out probabilities ``p``, and how: cross-fitted over ``parts`` (disjoint
    sets of held-out rows, e.g. each fold's test rows), each part corrected by a map fitted on the
    others. A method is kept only when it lowers the Brier score of the rows it did not see by at least
    ``min_gain``; then the map is refitted on every held-out row."""
    parts = [np.asarray(part) for part in parts if len(part)]
    rows = np.concatenate(parts) if parts else np.arange(0)
    briers = {"none": brier(y[rows], p[rows])}
    held: dict[str, np.ndarray] = {}
    if len(parts) >= 2:
        for method in CALIBRATION_METHODS:
            q = p.copy()
            try:
                for k, part in enumerate(parts):
                    other = np.concatenate([x for j, x in enumerate(parts) if j != k])
                    q[part] = fit_calibrator(method, y[other], p[other]).apply(p[part])
            except ModellingError:
                continue
            held[method] = q
            briers[method] = brier(y[rows], q[rows])
    best = min(held, key=lambda m: briers[m], default="none")
    if best == "none" or briers[best] > briers["none"] - min_gain:
        return CalibrationChoice("none", briers, p, None)
    return CalibrationChoice(best, briers, held[best], fit_calibrator(best, y[rows], p[rows]))


# --- validation ------------------------------------------------------------------------------------


def time_folds(time: pd.Series, n_folds: int = 2, *, gap_days: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """Expanding-window folds over the distinct observation times: fold k tests on the k-th later block
    of dates and trains on every row observed more than ``gap_days`` before that block starts."""
    days = np.sort(time.unique())
    if len(days) < n_folds + 1:
        raise ModellingError(f"the time column has {len(days)} distinct values; need at least {n_folds + 1}")
    # Like scikit-learn's TimeSeriesSplit, but over dates so one date never straddles train and test.
    edges = np.array_split(np.arange(len(days)), n_folds + 1)
    folds = []
    t = time.to_numpy()
    for k in range(1, n_folds + 1):
        start, stop = days[edges[k][0]], days[edges[k][-1]]
        train = np.flatnonzero(t < start - np.timedelta64(gap_days, "D")) if gap_days else np.flatnonzero(t < start)
        test = np.flatnonzero((t >= start) & (t <= stop))
        folds.append((train, test))
    return folds


def time_and_group_folds(time: pd.Series, groups: pd.Series, *, gap_days: int = 0,
                         seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """For panel data (the same accounts observed on many days) with little history: the accounts are
    split at random into two halves; each fold trains on one half's earlier days and tests on the other
    half's later days. Neither the test accounts nor the test period is ever seen in training."""
    days = np.sort(time.unique())
    if len(days) < 2:
        raise ModellingError("need observations on at least two days for a time split")
    cut = days[len(days) // 2]
    members = groups.unique()
    half = set(np.random.default_rng(seed).permutation(members)[: len(members) // 2].tolist())
    in_a = groups.isin(half).to_numpy()
    t = time.to_numpy()
    early = t < cut - np.timedelta64(gap_days, "D")
    late = t >= cut
    return [(np.flatnonzero(in_a & early), np.flatnonzero(~in_a & late)),
            (np.flatnonzero(~in_a & early), np.flatnonzero(in_a & late))]


def stratified_folds(y: np.ndarray, n_folds: int = 5, *, seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(seed)
    fold_of = np.empty(len(y), dtype=int)
    for cls in (0, 1):
        members = np.flatnonzero(y == cls)
        fold_of[rng.permutation(members)] = np.arange(len(members)) % n_folds
    idx = np.arange(len(y))
    return [(idx[fold_of != k], idx[fold_of == k]) for k in range(n_folds)]


@dataclass
class ModelResult:
    name: str
    auc: float
    brier: float
    lift: float
    calibration_error: float
    folds: list[dict[str, float]]
    reliability: list[dict[str, float]]
    note: str = ""


@dataclass
class Driver:
    feature: str
    weight: float  # logistic: coefficient on the standardised column; boosting: AUC lost when shuffled


@dataclass
class Evaluation:
    rows: int
    positives: int
    split: str
    results: dict[str, ModelResult]
    drivers: dict[str, list[Driver]]
    final: dict[str, Fitted]
    out_of_fold: dict[str, np.ndarray]
    test_index: np.ndarray
    folds: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)  # (train, test) row indices
    gap_days: int = 0

    @property
    def best(self) -> str:
        models = [n for n in self.results if n != "baseline" and not math.isnan(self.results[n].auc)]
        return max(models, key=lambda n: self.results[n].auc) if models else "baseline"


@one_thread
def evaluate(
    data: Dataset, *, models: Sequence[str] = MODEL_NAMES, n_folds: int | None = None, gap_days: int = 0,
    baseline: str | None = None, refit: bool = True, by_account: bool = False,
) -> Evaluation:
    """Held-out AUC, Brier, top-decile lift and calibration of each model, with the split used.

    With a time column: expanding time folds (default 2), or with ``by_account`` (panel data) the
    time-and-accounts folds; otherwise stratified folds (default 5).
    Each metric is the mean over folds; the reliability curve pools the held-out predictions."""
    if "baseline" not in models:
        models = ("baseline", *models)
    if len(data.y) != len(data.X):
        raise ModellingError("label and features differ in length")
    ordered = data.time is not None
    if ordered and by_account and data.ids is not None:
        folds = time_and_group_folds(data.time, data.ids, gap_days=gap_days)
        split = "time and accounts: trained on earlier days of half the accounts, tested on later days of the others"
        if gap_days:
            split += f", gap {gap_days} days"
    elif ordered:
        k = n_folds or 2
        folds = time_folds(data.time, k, gap_days=gap_days)
        split = f"time: {k} expanding folds" + (f", gap {gap_days} days" if gap_days else "")
    else:
        k = n_folds or 5
        if data.positives < k:
            raise ModellingError(f"only {data.positives} positive rows; need at least {k} for {k}-fold validation")
        folds = stratified_folds(data.y, k)
        split = f"stratified {k}-fold cross-validation"
    test_index = np.unique(np.concatenate([b for _, b in folds]))
    oof = {m: np.full(len(data.y), np.nan) for m in models}
    per_fold: dict[str, list[dict[str, float]]] = {m: [] for m in models}
    for train, test in folds:
        if not 0 < data.y[train].sum() < len(train):
            raise ModellingError("a training period holds only one class; use fewer folds or more history")
        order = np.argsort(data.time.to_numpy()[train], kind="stable") if ordered else np.arange(len(train))
        train = train[order]
        Xtr, ytr, Xte = data.X.iloc[train], data.y[train], data.X.iloc[test]
        for m in models:
            fitted = fit_model(m, Xtr, ytr, ordered=ordered, baseline=baseline)
            p = fitted.predict(Xte)
            oof[m][test] = p
            per_fold[m].append(scores(data.y[test], p) | {"train": len(train), "test": len(test)})
    results = {}
    for m in models:
        yt, pt = data.y[test_index], oof[m][test_index]
        mean = {key: float(np.nanmean([f[key] for f in per_fold[m]])) for key in ("auc", "brier", "lift")}
        results[m] = ModelResult(m, mean["auc"], mean["brier"], mean["lift"], calibration_error(yt, pt),
                                 per_fold[m], reliability(yt, pt))
    final: dict[str, Fitted] = {}
    drivers: dict[str, list[Driver]] = {}
    if refit:
        for m in models:
            final[m] = fit_model(m, data.X, data.y, ordered=ordered, baseline=baseline)
            drivers[m] = global_drivers(final[m], data.X, data.y)
        results["baseline"].note = f"{final['baseline'].baseline_column} alone"
    return Evaluation(len(data.y), data.positives, split, results, drivers, final, oof, test_index,
                      folds=folds, gap_days=gap_days)


# --- explanation ----------------------------------------------------------------------------------


@one_thread
def global_drivers(fitted: Fitted, X: pd.DataFrame, y: np.ndarray, *, repeats: int = 3) -> list[Driver]:
    """Which columns the model leans on, most first."""
    enc = fitted.encoder
    if fitted.name == "baseline":
        return [Driver(fitted.baseline_column or "", float(fitted.model.coef_[0][0]))]
    if fitted.name.startswith("logistic"):
        coef = fitted.model.coef_[0]
        out = [Driver(n, float(c)) for n, c in zip(enc.names, coef, strict=True) if c != 0]
        return sorted(out, key=lambda d: -abs(d.weight))
    Z = enc.transform(X)
    base = _auc(y, fitted.predict_encoded(Z))
    rng = np.random.default_rng(0)
    out = []
    for group, cols in enc.group_index().items():
        losses = []
        for _ in range(repeats):
            Zs = Z.copy()
            Zs[:, cols] = Zs[rng.permutation(len(Zs))][:, cols]
            losses.append(base - _auc(y, fitted.predict_encoded(Zs)))
        out.append(Driver(group, float(np.mean(losses))))
    return sorted(out, key=lambda d: -d.weight)


@one_thread
def row_drivers(fitted: Fitted, X: pd.DataFrame, *, top: int = 3) -> list[list[tuple[str, float]]]:
    """Per row, the columns that raise its predicted risk most: how much the probability would fall if
    that column alone took the typical (training median / most frequent) value. Model-agnostic."""
    enc = fitted.encoder
    Z = enc.transform(X)
    p = fitted.predict_encoded(Z)
    # The typical row in encoded space: numeric 0 (= the mean after scaling), flags and dummies 0.
    deltas = []
    groups = list(enc.group_index().items())
    for _, cols in groups:
        Zt = Z.copy()
        Zt[:, cols] = 0.0
        deltas.append(p - fitted.predict_encoded(Zt))
    D = np.stack(deltas, axis=1) if deltas else np.zeros((len(Z), 0))
    out = []
    for i in range(len(Z)):
        order = np.argsort(-D[i], kind="stable")[:top]
        out.append([(groups[j][0], float(D[i, j])) for j in order if D[i, j] > 0])
    return out
