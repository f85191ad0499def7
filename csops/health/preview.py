"""The scorecard editor's live preview: how many accounts would fall in each grade with an edited definition.

It re-scores the latest stored snapshots of the scorecard from the raw values they recorded, with
the same pure functions the engine uses (``combine.normalise`` and ``combine.combine``), so CS Ops
see the distribution move as they change a weight, without a lake query and without saving.
A measure the stored snapshots do not know (added in the edit) counts as missing data.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Max

from csops.health import combine
from csops.health.assessments import full_document
from csops.health.definition import DefinitionError, ScorecardDef, load_definition
from csops.health.models import Assessment, HealthScore, Scorecard

GRADES = ("red", "yellow", "green")


@dataclass
class Preview:
    errors: list[tuple[str, str]] = field(default_factory=list)
    day: dt.date | None = None
    total: int = 0
    current: dict[str, int] = field(default_factory=dict)  # as stored (the saved definition)
    proposed: dict[str, int] = field(default_factory=dict)  # with the edited definition
    unscored: int = 0  # accounts the edited definition cannot score (no measure with data)
    moved: int = 0  # accounts whose grade would change
    new_measures: list[str] = field(default_factory=list)

    @property
    def rows(self) -> list[dict[str, Any]]:
        biggest = max([*self.current.values(), *self.proposed.values(), 1])
        return [{
            "grade": g, "current": self.current.get(g, 0), "proposed": self.proposed.get(g, 0),
            "delta": self.proposed.get(g, 0) - self.current.get(g, 0),
            "current_width": round(self.current.get(g, 0) / biggest * 100),
            "proposed_width": round(self.proposed.get(g, 0) / biggest * 100),
        } for g in GRADES]


def _measures(defn: ScorecardDef) -> list[Any]:
    return [m for group in defn.groups for m in group.measures]


def preview_distribution(scorecard: Scorecard, data: dict[str, Any]) -> Preview:
    """Re-grade the scorecard's latest snapshots under ``data`` (an unsaved definition)."""
    document = {**full_document(scorecard), **data}
    try:
        defn = load_definition(document)
    except DefinitionError as exc:
        return Preview(errors=list(exc.errors))
    day = HealthScore.objects.filter(scorecard=scorecard).aggregate(day=Max("day"))["day"]
    if day is None:
        return Preview(day=None)
    snapshots = list(HealthScore.objects.filter(scorecard=scorecard, day=day)
                     .values_list("account_id", "account__segment", "grade", "breakdown"))
    measures = _measures(defn)
    known = set().union(*(set((b or {}).keys()) for _a, _s, _g, b in snapshots)) if snapshots else set()
    preview = Preview(day=day, total=len(snapshots),
                      new_measures=[m.key for m in measures if m.key not in known])
    raws: dict[str, dict[int, float | None]] = {m.key: {} for m in measures}
    peers: dict[str, dict[str, list[float]]] = {m.key: defaultdict(list) for m in measures}
    for account_id, segment, _grade, breakdown in snapshots:
        for m in measures:
            raw = ((breakdown or {}).get(m.key) or {}).get("raw")
            raws[m.key][account_id] = raw
            if raw is not None:
                peers[m.key][segment or ""].append(raw)
    ages = _assessment_ages(scorecard, day)
    for account_id, segment, grade, _breakdown in snapshots:
        scores = {
            m.key: combine.normalise(m, raws[m.key][account_id], peers=peers[m.key][segment or ""])
            for m in measures
        }
        result = combine.combine(defn, scores, assessment_age_days=ages.get(account_id))
        # Rounded as the engine stores the score, so that a score on a cut-off grades the same way.
        score = round(result.score, 2) if result.score is not None else None
        new_grade = combine.grade_for(defn, score) if score is not None else ""
        preview.current[grade] = preview.current.get(grade, 0) + 1
        if new_grade:
            preview.proposed[new_grade] = preview.proposed.get(new_grade, 0) + 1
        else:
            preview.unscored += 1
        if new_grade != grade:
            preview.moved += 1
    return preview


def _assessment_ages(scorecard: Scorecard, day: dt.date) -> dict[int, int]:
    """Age in days, on ``day``, of each account's latest assessment under this scorecard."""
    latest = (Assessment.objects.filter(scorecard=scorecard, assessed_on__lte=day)
              .values("account_id").annotate(on=Max("assessed_on")))
    return {row["account_id"]: (day - row["on"]).days for row in latest}
