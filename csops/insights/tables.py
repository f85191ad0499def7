"""``csops insights evaluate``: the churn modelling run on any account-level CSV a user brings."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from csops.insights import modelling
from csops.insights.survival import kaplan_meier


def read_table(path: str | Path) -> pd.DataFrame:
    path = Path(path)
    if not path.is_file():
        raise modelling.ModellingError(f"no such file: {path}")
    try:
        frame = pd.read_csv(path)
    except (UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise modelling.ModellingError(f"{path.name} is not a readable CSV: {exc}") from exc
    if frame.empty:
        raise modelling.ModellingError(f"{path.name} has no rows")
    return frame


def _f(value: float, digits: int = 3) -> str:
    return "n/a" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.{digits}f}"


def format_evaluation(result: modelling.Evaluation, *, top: int = 8) -> list[str]:
    """Plain-text lines: the figures of each model beside the baseline, then the top drivers."""
    lines = [
        f"rows {result.rows}, positives {result.positives} ({result.positives / result.rows:.1%}); "
        f"validation: {result.split}",
        f"{'model':<20} {'AUC':>6} {'Brier':>7} {'lift@10%':>9} {'calib.err':>9}",
    ]
    for name, r in result.results.items():
        label = name + (f" ({r.note})" if r.note else "")
        lines.append(f"{label:<20} {_f(r.auc):>6} {_f(r.brier, 4):>7} {_f(r.lift, 2):>9} "
                     f"{_f(r.calibration_error, 4):>9}")
    best = result.best
    lines.append(f"best model: {best} (AUC {_f(result.results[best].auc)} against the baseline's "
                 f"{_f(result.results['baseline'].auc)})")
    for name in ("logistic_l1", "gradient_boosting"):
        drivers = result.drivers.get(name)
        if not drivers:
            continue
        unit = "coefficient per s.d. (+ raises churn)" if name.startswith("logistic") else "AUC lost when shuffled"
        lines.append(f"top drivers, {name} ({unit}):")
        for d in drivers[:top]:
            lines.append(f"  {d.feature:<32} {d.weight:+.3f}")
    return lines


def survival_lines(data: modelling.Dataset) -> list[str]:
    """With a duration column: how long rows last, from a Kaplan-Meier curve of duration and label."""
    if data.duration is None:
        return []
    km = kaplan_meier(data.duration.to_numpy(), data.y)
    median = km.median()
    marks = [q for q in (3, 6, 12, 24) if q <= float(data.duration.max())]
    curve = ", ".join(f"S({q})={float(km.at(q)[()] if np.ndim(km.at(q)) == 0 else km.at(q)):.2f}" for q in marks)
    return [f"survival (Kaplan-Meier on the duration column): median {_f(median, 1) if median else 'not reached'}; "
            f"{curve}"]
