"""Does the health score predict churn? Validation from the snapshot history and real outcomes.

Each row is one account on one snapshot day; its label says whether the account churned in the
``horizon`` days that followed. Only days whose horizon has fully passed are used (a later day's
outcome is not known yet), and accounts already gone on the day are left out. Because the
snapshot history can be backfilled from the event lake (``csops health score --from``), this
works on the day a company connects its data.

Suggested weights: an L2-regularised logistic regression of the label on the measures' 0-100
scores. A measure whose higher score comes with less churn earns weight in proportion to its
coefficient; one that carries no signal gets none. One whose higher score clearly comes with *more*
churn, both on its own (AUC alone at most REVERSED_AUC) and beside the others (coefficient more than
two standard errors the wrong way) -- a measure set up the wrong way round, tickets as "higher is
better", say -- is suggested reversed, with the weight its coefficient earns, when its normalisation
turns around exactly (linear and percentile: the reversed score is 100 minus the score). Requiring
both keeps a measure that predicts well on its own from being turned around only because it moves
with the others (active users beside active days). A traffic-light measure or a CSM's assessment with
the wrong sign gets no weight, since its cut-offs or anchors need a person. The gain is measured on
held-out *time and accounts*: fitted on the earlier half of the days for half of the accounts,
compared with the current weights on the later days for the other accounts.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from django.db import transaction
from scipy.stats import spearmanr

from csops.audit.services import record
from csops.health import combine
from csops.health.definition import ScorecardDef, load_definition
from csops.health.models import HealthScore, Scorecard
from csops.health.services import definition_of, do_save_scorecard, document_of
from csops.insights import modelling, outcomes


@dataclass
class MeasureSignal:
    key: str
    name: str
    group: str
    weight: float  # current effective weight, percent of the score
    auc: float  # of the measure's score alone (higher = healthier) for churn
    arr_correlation: float
    coverage: float  # share of rows where the measure had data
    suggested: float | None = None
    reversed: bool = False  # the suggestion turns its direction around


@dataclass
class Suggestion:
    weights: dict[str, float]  # measure key -> suggested effective weight, percent
    document: dict[str, Any]  # the whole scorecard document with these weights
    auc_current: float  # on the held-out later days and accounts
    auc_suggested: float
    test_rows: int
    test_positives: int
    train_days: tuple[dt.date, dt.date]
    test_days: tuple[dt.date, dt.date]
    reversed: frozenset[str] = frozenset()  # measures whose direction the suggestion turns around

    @property
    def gain(self) -> float:
        return self.auc_suggested - self.auc_current

    def signed(self) -> dict[str, float]:
        """The suggested weights with a reversed measure's weight negative: the value of a higher raw score."""
        return {k: -w if k in self.reversed else w for k, w in self.weights.items()}


# The CSM's own red/yellow/green call, as known on each snapshot day: beside the score, never blended in.
CSM_VIEWS = ("red", "yellow", "green", "none")
CSM_VIEW_ORDER = {"red": 0.0, "yellow": 1.0, "green": 2.0}  # higher = healthier, like the score
MIN_VIEW_ROWS = 30  # rows with a view, and
MIN_VIEW_POSITIVES = 5  # churn labels among them, before the view is judged at all
ADDS_SIGNAL_GAIN = 0.02  # held-out AUC the combination must gain over the score alone


@dataclass
class CsmViewSignal:
    """Whether the CSMs' own view (the latest assessment on or before each snapshot day, no older than the
    scorecard's assessment ``max_age_days``) says something about churn, alone and beyond the score.

    ``verdict``: "adds" (score + view beats the score alone on held-out accounts and days by
    ADDS_SIGNAL_GAIN or more), "redundant" (the view has signal alone but adds nothing beyond the score),
    "noise" (no signal alone and none added), "unknown" (too few assessed rows, or no held-out split)."""

    max_age_days: int
    rows: int  # all rows, "none" included
    rows_with_view: int
    positives_with_view: int
    by_view: list[dict[str, Any]] = field(default_factory=list)  # red, yellow, green, none
    auc: float = float("nan")  # of the view alone, on the rows with a view
    auc_score: float = float("nan")  # of the score on the same rows
    auc_score_heldout: float = float("nan")  # score alone, held-out accounts and later days (all rows)
    auc_combined_heldout: float = float("nan")  # logistic on score + view, same held-out rows
    test_rows: int = 0
    test_positives: int = 0
    verdict: str = "unknown"

    @property
    def coverage(self) -> float:
        return self.rows_with_view / self.rows if self.rows else float("nan")

    @property
    def gain(self) -> float:
        return self.auc_combined_heldout - self.auc_score_heldout


@dataclass
class ScoreValidation:
    scorecard: Scorecard
    horizon: int
    rows: int
    accounts: int
    positives: int
    churned_accounts: int
    first_day: dt.date | None
    last_day: dt.date | None
    auc: float
    lift: float
    arr_correlation: float
    by_grade: list[dict[str, Any]] = field(default_factory=list)
    by_decile: list[dict[str, Any]] = field(default_factory=list)
    measures: list[MeasureSignal] = field(default_factory=list)
    suggestion: Suggestion | None = None
    csm_view: CsmViewSignal | None = None
    reason: str = ""  # why there is no figure, when there is none

    @property
    def ok(self) -> bool:
        return not self.reason


def _effective_weights(defn: ScorecardDef) -> dict[str, float]:
    return {m.key: g.weight * m.weight / 100.0 for g in defn.groups for m in g.measures}


def snapshot_frame(scorecard: Scorecard, *, horizon: int, today: dt.date,
                   book: outcomes.Book | None = None) -> tuple[pd.DataFrame, list[str]]:
    """One row per (account, day) whose outcome is known: score, grade, each measure's score, the label
    and the ARR change over the horizon."""
    defn = definition_of(scorecard)
    keys = [m.key for m in defn.measures]
    last_known = today - dt.timedelta(days=horizon)
    rows = HealthScore.objects.filter(scorecard=scorecard, day__lte=last_known, score__isnull=False)
    records = []
    for account_id, day, score, grade, breakdown in rows.values_list("account_id", "day", "score", "grade",
                                                                    "breakdown").iterator(chunk_size=2000):
        values = [(breakdown or {}).get(k, {}).get("score") for k in keys]
        records.append((account_id, day, score, grade, *values))
    frame = pd.DataFrame.from_records(records, columns=["account_id", "day", "score", "grade", *keys])
    if frame.empty:
        return frame, keys
    for k in keys:
        frame[k] = pd.to_numeric(frame[k], errors="coerce")
    book = book or outcomes.load_book(product=scorecard.product.code)
    churn = book.churn_dates(scorecard.product.code)
    day = pd.to_datetime(frame["day"])
    churn_on = pd.to_datetime(frame["account_id"].map(churn))
    frame = frame[~(churn_on <= day)].copy()  # already gone on the day
    day, churn_on = day[frame.index], churn_on[frame.index]
    frame["churned"] = ((churn_on > day) & (churn_on <= day + pd.Timedelta(days=horizon))).astype(int)
    frame["arr_change"] = np.nan
    for d in frame["day"].unique():
        before = book.arr_by_account(d)
        after = book.arr_by_account(d + dt.timedelta(days=horizon))
        ratio = (after.reindex(before.index).fillna(0.0) / before.where(before > 0)) - 1.0
        mask = frame["day"] == d
        frame.loc[mask, "arr_change"] = frame.loc[mask, "account_id"].map(ratio).to_numpy()
    return frame.reset_index(drop=True), keys


def _auc_of(y: np.ndarray, health: np.ndarray) -> float:
    known = ~np.isnan(health)
    y, health = y[known], health[known]
    if len(y) == 0 or not 0 < y.sum() < len(y):
        return float("nan")
    return modelling._auc(y, -health)  # low health should mean churn


def _corr(a: pd.Series, b: pd.Series) -> float:
    known = a.notna() & b.notna()
    if known.sum() < 10 or a[known].nunique() < 2 or b[known].nunique() < 2:
        return float("nan")
    return float(spearmanr(a[known], b[known]).statistic)


def validate_scorecard(scorecard: Scorecard, *, horizon: int = 90, today: dt.date,
                       book: outcomes.Book | None = None, suggest: bool = True) -> ScoreValidation:
    frame, keys = snapshot_frame(scorecard, horizon=horizon, today=today, book=book)
    empty = ScoreValidation(scorecard, horizon, 0, 0, 0, 0, None, None, float("nan"), float("nan"), float("nan"))
    if frame.empty:
        empty.reason = "no snapshot old enough: a day's outcome is known only after the horizon has passed"
        return empty
    y = frame["churned"].to_numpy()
    result = ScoreValidation(
        scorecard, horizon, len(frame), int(frame["account_id"].nunique()), int(y.sum()),
        int(frame.loc[frame["churned"] == 1, "account_id"].nunique()), min(frame["day"]), max(frame["day"]),
        _auc_of(y, frame["score"].to_numpy(dtype=float)),
        modelling.lift_top(y, -frame["score"].to_numpy(dtype=float)) if y.sum() else float("nan"),
        _corr(frame["score"], frame["arr_change"]),
    )
    if y.sum() == 0:
        result.reason = "no account churned within the horizon after any usable snapshot"
    for grade in ("red", "yellow", "green"):
        part = frame[frame["grade"] == grade]
        result.by_grade.append({"grade": grade, "rows": len(part),
                                "churn_rate": float(part["churned"].mean()) if len(part) else float("nan")})
    deciles = pd.qcut(frame["score"].rank(method="first"), 10, labels=False) if len(frame) >= 10 else None
    if deciles is not None:
        for d in range(10):
            part = frame[deciles == d]
            result.by_decile.append({"decile": d + 1, "low": float(part["score"].min()),
                                     "high": float(part["score"].max()), "rows": len(part),
                                     "churn_rate": float(part["churned"].mean())})
    defn = definition_of(scorecard)
    current = _effective_weights(defn)
    for m in defn.measures:
        values = frame[m.key]
        result.measures.append(MeasureSignal(
            m.key, m.name.en, m.group, current[m.key], _auc_of(y, values.to_numpy(dtype=float)),
            _corr(values, frame["arr_change"]), float(values.notna().mean()),
        ))
    if result.ok:
        max_age = assessment_max_age(scorecard)
        result.csm_view = csm_view_signal(frame, csm_views(scorecard, frame, max_age_days=max_age),
                                          max_age_days=max_age)
    if suggest and result.ok:
        result.suggestion = suggest_weights(frame, keys, defn)
        if result.suggestion is not None:
            for signal in result.measures:
                signal.suggested = result.suggestion.weights.get(signal.key)
                signal.reversed = signal.key in result.suggestion.reversed
    return result


def assessment_max_age(scorecard: Scorecard) -> int:
    from csops.health.assessments import form_spec

    return form_spec(scorecard).max_age_days


def csm_views(scorecard: Scorecard, frame: pd.DataFrame, *, max_age_days: int | None = None) -> pd.Series:
    """Each row's CSM view as known on its day: the latest assessment of the account under this scorecard
    assessed on or before the day (the latest entered wins on a tie), "none" when there is none yet or it
    is older than ``max_age_days`` (default: the scorecard's assessment max age). Aligned with ``frame``."""
    from csops.health.models import Assessment

    max_age = assessment_max_age(scorecard) if max_age_days is None else max_age_days
    out = pd.Series("none", index=frame.index, dtype=object)
    if frame.empty:
        return out
    rows = list(Assessment.objects.filter(scorecard=scorecard, assessed_on__lte=max(frame["day"]))
                .order_by("account_id", "assessed_on", "id").values_list("account_id", "assessed_on", "csm_view"))
    if not rows:
        return out
    views = pd.DataFrame.from_records(rows, columns=["account_id", "assessed_on", "csm_view"])
    views = views.drop_duplicates(["account_id", "assessed_on"], keep="last")  # same day: the later entry
    views["at"] = pd.to_datetime(views["assessed_on"])
    left = pd.DataFrame({"account_id": frame["account_id"].to_numpy(), "at": pd.to_datetime(frame["day"]),
                         "row": frame.index})
    merged = pd.merge_asof(left.sort_values("at"), views.sort_values("at")[["account_id", "at", "csm_view"]]
                           .rename(columns={"at": "assessed_at"}),
                           left_on="at", right_on="assessed_at", by="account_id", direction="backward")
    fresh = merged["csm_view"].notna() & ((merged["at"] - merged["assessed_at"]).dt.days <= max_age)
    known = merged[fresh & merged["csm_view"].isin(list(CSM_VIEW_ORDER))]
    out.loc[known["row"].to_numpy()] = known["csm_view"].to_numpy()
    return out


def _view_features(score: pd.Series, views: pd.Series) -> np.ndarray:
    """Score (0-1) and the view as indicators (green is the base; "none" has its own)."""
    return np.column_stack([score.to_numpy(dtype=float) / 100.0,
                            *[(views == v).to_numpy(dtype=float) for v in ("red", "yellow", "none")]])


def csm_view_signal(frame: pd.DataFrame, views: pd.Series, *, max_age_days: int = 0,
                    seed: int = 0) -> CsmViewSignal:
    """Churn by CSM view, the view's AUC beside the score's on the same rows, and whether a simple
    combination (logistic on score + view) beats the score alone on held-out accounts and later days."""
    y = frame["churned"].to_numpy()
    has = (views != "none").to_numpy()
    out = CsmViewSignal(max_age_days, len(frame), int(has.sum()), int(y[has].sum()))
    for v in CSM_VIEWS:
        part = y[(views == v).to_numpy()]
        out.by_view.append({"view": v, "rows": len(part), "churned": int(part.sum()),
                            "churn_rate": float(part.mean()) if len(part) else float("nan")})
    if out.rows_with_view:
        order = views[has].map(CSM_VIEW_ORDER).to_numpy(dtype=float)
        out.auc = _auc_of(y[has], order)
        out.auc_score = _auc_of(y[has], frame["score"].to_numpy(dtype=float)[has])
    if out.rows_with_view < MIN_VIEW_ROWS or out.positives_with_view < MIN_VIEW_POSITIVES:
        return out
    try:
        folds = modelling.time_and_group_folds(pd.to_datetime(frame["day"]), frame["account_id"], seed=seed)
    except modelling.ModellingError:
        return out
    X = _view_features(frame["score"], views)
    score = frame["score"].to_numpy(dtype=float)
    combined, alone, tests, positives = [], [], 0, 0
    for train, test in folds:
        if not 0 < y[train].sum() < len(train) or not 0 < y[test].sum() < len(test):
            continue
        train = train[np.argsort(frame["day"].to_numpy()[train], kind="stable")]  # C chosen on later days
        C = modelling.choose_c(X[train], y[train], l1=False, ordered=True)
        model = modelling._logistic(False, C).fit(X[train], y[train])
        combined.append(modelling._auc(y[test], model.predict_proba(X[test])[:, 1]))
        alone.append(_auc_of(y[test], score[test]))
        tests, positives = tests + len(test), positives + int(y[test].sum())
    if not combined:
        return out
    out.auc_combined_heldout, out.auc_score_heldout = float(np.mean(combined)), float(np.mean(alone))
    out.test_rows, out.test_positives = tests, positives
    if out.gain >= ADDS_SIGNAL_GAIN:
        out.verdict = "adds"
    elif out.auc >= 0.55:
        out.verdict = "redundant"
    else:
        out.verdict = "noise"
    return out


def _largest_remainder(values: dict[str, float], total: int = 100) -> dict[str, int]:
    """Whole numbers in proportion to ``values`` that add up to ``total`` exactly."""
    s = sum(values.values())
    if s <= 0:
        return dict.fromkeys(values, 0)
    raw = {k: v / s * total for k, v in values.items()}
    out = {k: int(math.floor(v)) for k, v in raw.items()}
    for k in sorted(raw, key=lambda k: -(raw[k] - out[k]))[: total - sum(out.values())]:
        out[k] += 1
    return out


def weights_document(defn: ScorecardDef, effective: dict[str, float], base: dict[str, Any],
                     reverse: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The scorecard document with group and measure weights that give these effective weights, and
    the measures in ``reverse`` turned the other way round."""
    doc = {**base, "groups": [dict(g) for g in base["groups"]]}
    group_totals = {g.key: sum(effective.get(m.key, 0.0) for m in g.measures) for g in defn.groups}
    group_weights = _largest_remainder(group_totals)
    for gdoc, g in zip(doc["groups"], defn.groups, strict=True):
        gdoc["weight"] = group_weights[g.key]
        inner = {m.key: effective.get(m.key, 0.0) for m in g.measures}
        if sum(inner.values()) <= 0:
            inner = {m.key: m.weight for m in g.measures}  # a group with no weight keeps its inner shape
        inner_weights = _largest_remainder(inner)
        gdoc["measures"] = [{**mdoc, "weight": inner_weights[mdoc["key"]],
                             **({"direction": _OPPOSITE[mdoc["direction"]]} if mdoc["key"] in reverse else {})}
                            for mdoc in gdoc["measures"]]
    return doc


_OPPOSITE = {"higher_better": "lower_better", "lower_better": "higher_better"}
# Normalisations that the other direction turns around exactly (the score becomes 100 - score), so that
# a reversal can be judged on the stored snapshots before it is applied.
REVERSIBLE_METHODS = ("linear", "percentile")
REVERSE_Z = 2.0
REVERSED_AUC = 0.45  # the report's "works the other way"


def reversible(defn: ScorecardDef) -> frozenset[str]:
    return frozenset(m.key for m in defn.measures if m.method in REVERSIBLE_METHODS and m.type != "assessment")


def turned(frame: pd.DataFrame, keys: frozenset[str]) -> pd.DataFrame:
    """The measures' scores as they would be with these measures reversed."""
    if not keys:
        return frame
    out = frame.copy()
    for k in keys:
        out[k] = 100.0 - out[k]
    return out


def _combined(defn: ScorecardDef, frame: pd.DataFrame, keys: list[str]) -> np.ndarray:
    out = []
    for values in frame[keys].itertuples(index=False):
        scores = {k: (None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v))
                  for k, v in zip(keys, values, strict=True)}
        c = combine.combine(defn, scores)
        out.append(np.nan if c.score is None else c.score)
    return np.array(out, dtype=float)


def suggest_weights(frame: pd.DataFrame, keys: list[str], defn: ScorecardDef, *, seed: int = 0) -> Suggestion | None:
    days = np.sort(frame["day"].unique())
    if len(days) < 2:
        return None
    cut = days[len(days) // 2]
    accounts = frame["account_id"].unique()
    rng = np.random.default_rng(seed)
    train_accounts = set(rng.permutation(accounts)[: len(accounts) // 2].tolist())
    in_train = frame["account_id"].isin(train_accounts)
    train = frame[(frame["day"] < cut) & in_train].sort_values("day")
    test = frame[(frame["day"] >= cut) & ~in_train]
    if not 0 < train["churned"].sum() < len(train) or not 0 < test["churned"].sum() < len(test):
        return None
    may_reverse = reversible(defn)
    fitted = fit_weights(train, keys, may_reverse)
    if fitted is None:
        return None
    effective, flips = fitted
    base = document_of_defn(defn)
    new_defn = load_definition(weights_document(defn, effective, base, flips))
    y = test["churned"].to_numpy()
    auc_now = _auc_of(y, _combined(defn, test, keys))
    auc_new = _auc_of(y, _combined(new_defn, turned(test, flips), keys))
    # The weights proposed for use are refitted on every usable row; the held-out figures above say
    # how much such a refit tends to gain.
    final, final_flips = fit_weights(frame.sort_values("day"), keys, may_reverse) or fitted
    doc = weights_document(defn, final, base, final_flips)
    shown = _effective_weights(load_definition(doc))
    return Suggestion(shown, doc, auc_now, auc_new, len(test), int(y.sum()), (days[0], days[len(days) // 2 - 1]),
                      (cut, days[-1]), final_flips)


def fit_weights(rows: pd.DataFrame, keys: list[str], may_reverse: frozenset[str] = frozenset(),
                ) -> tuple[dict[str, float], frozenset[str]] | None:
    """Effective weights (percent, summing to 100) and the measures to reverse; None without signal."""
    X = rows[keys].to_numpy(dtype=float) / 100.0
    med = np.nanmedian(np.where(np.isnan(X).all(axis=0), 0.5, X), axis=0) if len(X) else np.zeros(len(keys))
    X = np.where(np.isnan(X), med, X)
    y = rows["churned"].to_numpy()
    C = modelling.choose_c(X, y, l1=False, ordered=True)
    model = modelling._logistic(False, C).fit(X, y)
    value = -model.coef_[0]  # a higher score that lowers churn earns weight
    # Reversed only on clear evidence, alone and beside the others, so that neither a noise measure whose
    # coefficient came out slightly negative by chance nor one collinear with a stronger measure is
    # turned around; such a measure gets no weight instead.
    z = value / _standard_errors(model, X, C)
    alone = {k: _auc_of(y, X[:, j]) for j, k in enumerate(keys)}
    flips = frozenset(k for k, v in zip(keys, z, strict=True)
                      if v < -REVERSE_Z and alone[k] <= REVERSED_AUC and k in may_reverse)
    value = np.array([abs(v) if k in flips else max(v, 0.0) for k, v in zip(keys, value, strict=True)])
    if value.sum() <= 0:
        return None
    return {k: float(v / value.sum() * 100.0) for k, v in zip(keys, value, strict=True)}, flips


def _standard_errors(model: Any, X: np.ndarray, C: float) -> np.ndarray:
    """The coefficients' standard errors from the penalised log-likelihood's curvature at the fit."""
    p = model.predict_proba(X)[:, 1]
    X1 = np.hstack([np.ones((len(X), 1)), X])
    H = (X1 * (p * (1 - p))[:, None]).T @ X1
    H[1:, 1:] += np.eye(X.shape[1]) / C  # scikit-learn's L2 penalty: ||w||^2 / (2C), intercept free
    return np.sqrt(np.diag(np.linalg.pinv(H))[1:])


def document_of_defn(defn: ScorecardDef) -> dict[str, Any]:
    from csops.health.definition import dump_definition

    return dump_definition(defn)


@transaction.atomic
def do_apply_suggested_weights(scorecard: Scorecard, document: dict[str, Any], *, actor: Any,
                               figures: dict[str, Any]) -> Scorecard:
    """Save the suggested weights as the scorecard's next version (through the health app's own
    ``do_save_scorecard``, which validates and audits the change) and record where they came from."""
    current = document_of(scorecard)
    # Only the weights and the directions may change: the rest of the document is the stored scorecard's.
    weights = {g["key"]: (g["weight"], {m["key"]: m for m in g["measures"]}) for g in document["groups"]}
    doc = {**current, "groups": []}
    for g in current["groups"]:
        gw, suggested = weights.get(g["key"], (g["weight"], {}))
        doc["groups"].append({**g, "weight": gw, "measures": [
            {**m, "weight": suggested.get(m["key"], m)["weight"], "direction": suggested.get(m["key"], m)["direction"]}
            for m in g["measures"]]})
    before = scorecard.version
    saved = do_save_scorecard(doc, actor=actor, scorecard=scorecard)
    record(actor, "insights.weights_applied", saved, {"version": [before, saved.version], **figures})
    return saved
