"""From raw measure values to one explained score: normalisation, weighting, grades. Pure, no Django.

The same functions score the daily snapshots (``csops.health.engine``) and the editor's live
preview, so that what CS Ops see while editing is exactly what the engine will compute.

Normalisation maps a raw value to 0-100:

- ``thresholds``: three bands, as CSMs read a traffic light: green (at or beyond ``green``) is 100,
  red (short of ``red``) is 0, and in between the score rises in proportion from 0 at ``red`` to
  100 at ``green`` (so a measure just inside yellow is not worth as much as one nearly green);
- ``linear``: 0 at ``low``, 100 at ``high``, clamped, in proportion between;
- ``percentile``: the share of peers (same product and segment) below the value, ties counting
  half, so the middle account scores 50;

and ``lower_better`` turns each of them around.

Weighting: measure weights share their group's weight and group weights share 100. A measure
without data is left out and the other measures of its group carry its weight; a group without
any data is left out and the other groups carry its weight (flag ``missing_data``). A stale
assessment (older than ``max_age_days``) keeps a decaying part of its weight, from all of it at
``max_age_days`` to nothing at twice that age (flag ``stale_assessment``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from csops.health.definition import MeasureDef, ScorecardDef

MISSING_DATA = "missing_data"
STALE_ASSESSMENT = "stale_assessment"
NO_ASSESSMENT = "no_assessment"
NO_DATA = "no_data"


@dataclass
class Combined:
    score: float | None
    coverage: float  # the share of the configured weight that had data, 0-1
    weights: dict[str, float] = field(default_factory=dict)  # measure key -> final weight (percent, sum 100)
    contributions: dict[str, float] = field(default_factory=dict)  # measure key -> points in the score
    flags: list[str] = field(default_factory=list)


def _clamp(value: float) -> float:
    return 0.0 if value < 0 else 100.0 if value > 100 else float(value)


def normalise(measure: MeasureDef, raw: float | None, *, peers: Sequence[float] = ()) -> float | None:
    """The 0-100 score of a raw value (None when the value is missing)."""
    if raw is None:
        return None
    norm = measure.normalise
    method = norm.get("method")
    lower = measure.lower_is_better
    if method == "thresholds":
        red, green = float(norm["red"]), float(norm["green"])
        if lower:
            raw, red, green = -raw, -red, -green
        if raw >= green:
            return 100.0
        if raw < red:
            return 0.0
        return 100.0 if green == red else _clamp((raw - red) / (green - red) * 100.0)
    if method == "linear":
        low, high = float(norm["low"]), float(norm["high"])
        score = _clamp((raw - low) / (high - low) * 100.0)
        return 100.0 - score if lower else score
    if method == "percentile":
        values = [v for v in peers if v is not None]
        if not values:
            return 50.0
        below = sum(1 for v in values if v < raw)
        equal = sum(1 for v in values if v == raw)
        score = _clamp((below + equal / 2) / len(values) * 100.0)
        return 100.0 - score if lower else score
    raise ValueError(f"unknown normalisation method {method!r}")


def assessment_decay(age_days: int | None, max_age_days: int) -> float:
    """How much of an assessment's weight it still carries at ``age_days`` (1 when fresh, 0 at twice max age)."""
    if age_days is None or age_days <= max_age_days:
        return 1.0
    return max(0.0, 1.0 - (age_days - max_age_days) / max_age_days)


@dataclass(frozen=True)
class _Plan:
    """The final weights for one pattern of measures with data: they do not depend on the values."""

    covered: float  # percent of the configured weight that had data
    weights: tuple[tuple[str, float], ...]  # (measure key, final weight in percent), in scorecard order


def _plan(defn: ScorecardDef, present: frozenset[str], decay: float) -> _Plan:
    covered = 0.0
    group_parts: list[tuple[float, list[tuple[MeasureDef, float]]]] = []
    for group in defn.groups:
        here = [m for m in group.measures if m.key in present]
        present_weight = sum(m.weight for m in here)
        covered += group.weight * present_weight / 100.0
        if not here or present_weight <= 0:
            continue
        # Within the group, the present measures share the group's weight (missing ones drop out);
        # a stale assessment keeps only its decayed share, and the group loses the rest.
        parts = [(m, m.weight / present_weight * (decay if m.type == "assessment" else 1.0)) for m in here]
        kept = sum(share for _, share in parts)
        if kept > 0:
            group_parts.append((group.weight * kept, parts))
    total = sum(w for w, _ in group_parts)
    weights: list[tuple[str, float]] = []
    if total > 0:
        for group_weight, parts in group_parts:
            kept = sum(share for _, share in parts)
            weights.extend((m.key, group_weight / total * share / kept * 100.0) for m, share in parts)
    return _Plan(covered=covered, weights=tuple(weights))


def combine(defn: ScorecardDef, scores: Mapping[str, float | None], *,
            assessment_age_days: int | None = None, plans: dict | None = None) -> Combined:
    """One account's overall score from its measures' 0-100 scores (a missing key counts as no data).

    ``plans``: a dict the caller keeps across the accounts of one scorecard and day, so that the
    weights of each pattern of missing measures are worked out once (10,000 accounts share a few)."""
    flags: list[str] = []
    max_age = defn.assessment.max_age_days if defn.assessment is not None else 90
    decay = assessment_decay(assessment_age_days, max_age)
    has_assessment_measures = any(m.type == "assessment" for m in defn.measures)
    if has_assessment_measures and assessment_age_days is not None and assessment_age_days > max_age:
        flags.append(STALE_ASSESSMENT)
    if has_assessment_measures and assessment_age_days is None:
        flags.append(NO_ASSESSMENT)
    present = frozenset(k for k, v in scores.items() if v is not None)
    key = (present, decay)
    plan = plans.get(key) if plans is not None else None
    if plan is None:
        plan = _plan(defn, present, decay)
        if plans is not None:
            plans[key] = plan
    covered = plan.covered
    if covered < 100.0 - 1e-9:
        flags.append(MISSING_DATA)
    if not plan.weights:
        return Combined(score=None, coverage=round(covered / 100.0, 6), flags=[*flags, NO_DATA])
    weights = dict(plan.weights)
    contributions = {k: w * float(scores[k]) / 100.0 for k, w in plan.weights}  # type: ignore[arg-type]
    score = sum(contributions.values())
    return Combined(score=_clamp(score), coverage=round(covered / 100.0, 6), weights=weights,
                    contributions=contributions, flags=flags)


def grade_for(defn: ScorecardDef, score: float | None) -> str:
    """red below ``red_below``, green from ``green_from``, yellow between; "" without a score."""
    if score is None:
        return ""
    if score < defn.grades.red_below:
        return "red"
    if score >= defn.grades.green_from:
        return "green"
    return "yellow"
