"""What the health panel of the account page shows, built from stored snapshots (no lake query).

For every scorecard that scores the account: the latest snapshot, its trend, a small history chart,
the breakdown grouped as the scorecard groups its measures, each flag in words a CSM can read, and
the CSM's own latest view beside (never blended into) the computed grade.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from csops.customers.models import Account, Contract
from csops.health import assessments
from csops.health.definition import ScorecardDef
from csops.health.models import Assessment, HealthScore, Scorecard

HISTORY_DAYS = 90
CHART_WIDTH = 320
CHART_HEIGHT = 64


def scorecards_for(account: Account) -> list[Scorecard]:
    """Scorecards that score the account: those with snapshots for it, and the active ones that apply.

    An active scorecard applies when the account has a live contract for its product; where a
    segment-specific scorecard and a product-wide one both match, the specific one wins.
    """
    products = set(account.contracts.filter(status__in=Contract.LIVE_STATUSES).values_list("product_id", flat=True))
    applicable = Scorecard.objects.filter(is_active=True, product_id__in=products).filter(
        Q(segment="") | Q(segment=account.segment)
    )
    chosen: dict[int, Scorecard] = {}
    for sc in applicable.select_related("product"):
        if sc.product_id not in chosen or (sc.segment and not chosen[sc.product_id].segment):
            chosen[sc.product_id] = sc
    scored = Scorecard.objects.filter(scores__account=account).distinct().select_related("product")
    out = {sc.pk: sc for sc in chosen.values()}
    for sc in scored:
        out.setdefault(sc.pk, sc)
    return sorted(out.values(), key=lambda sc: (sc.product.code, sc.segment, sc.key))


# --------------------------------------------------------------------------- small pieces


def fmt_number(value: Any, digits: int = 2) -> str:
    if value is None:
        return ""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    if number.is_integer():
        return f"{int(number):,}"
    return f"{number:,.{digits}f}".rstrip("0").rstrip(".")


def shown_score(score: float | None) -> str:
    """A score to one decimal, rounded down, so that what is shown never crosses a grade cut-off
    the score itself did not (39.96 is red under "red below 40" and shows as 39.9, not 40.0)."""
    if score is None:
        return ""
    return f"{math.floor(score * 10 + 1e-9) / 10:.1f}"


@dataclass(frozen=True)
class Trend:
    arrow: str
    text: str  # signed number, e.g. "+3.2"
    direction: str  # "up", "down", "flat"


def trend(value: float | None) -> Trend | None:
    if value is None:
        return None
    if abs(value) < 0.05:
        return Trend("→", "±0", "flat")
    if value > 0:
        return Trend("▲", f"+{value:.1f}", "up")
    return Trend("▼", f"−{abs(value):.1f}", "down")


FLAG_TEXTS = {
    "missing_data": lambda: _(
        "Some measures had no data on this day (shown as “no data”). The score is computed from the "
        "others, whose weights were scaled up to fill the gap."
    ),
    "stale_assessment": lambda: _(
        "The latest assessment is older than the scorecard allows, so its measures count less every "
        "day. Record a new assessment to restore their weight."
    ),
    "no_assessment": lambda: _(
        "No assessment has been recorded yet, so the qualitative measures are missing."
    ),
    "no_data": lambda: _("No measure had data: the account cannot be scored yet."),
}


def flag_text(code: str) -> str:
    maker = FLAG_TEXTS.get(code)
    return maker() if maker else _("Flag “%(code)s” was raised by the scoring engine.") % {"code": code}


def rule_text(measure: Any) -> str:
    """How a measure's raw value becomes 0-100, in words."""
    norm = dict(getattr(measure, "normalise", None) or {})
    if not norm and hasattr(measure, "method"):
        norm = {"method": measure.method}
    method = norm.get("method")
    lower = str(getattr(measure, "direction", "higher_better")) == "lower_better"
    if method == "thresholds":
        values = {"red": fmt_number(norm.get("red")), "green": fmt_number(norm.get("green"))}
        if lower:
            return _("Green (100) at %(green)s or less, red (0) above %(red)s, in proportion between.") % values
        return _("Green (100) at %(green)s or more, red (0) below %(red)s, in proportion between.") % values
    if method == "linear":
        values = {"low": fmt_number(norm.get("low")), "high": fmt_number(norm.get("high"))}
        if lower:
            return _("100 at %(low)s or less, 0 at %(high)s or more, in proportion between.") % values
        return _("0 at %(low)s or less, 100 at %(high)s or more, in proportion between.") % values
    if method == "percentile":
        if lower:
            return _("Ranked among peers (same product and segment): the lower, the better.")
        return _("Ranked among peers (same product and segment): the higher, the better.")
    return ""


def _normalise_dict(measure: Any) -> dict[str, Any]:
    norm = getattr(measure, "normalise", None)
    if isinstance(norm, dict):
        return norm
    if norm is not None and hasattr(norm, "__dict__"):
        return {k: v for k, v in vars(norm).items() if v is not None}
    return {}


# --------------------------------------------------------------------------- the panel


@dataclass
class MeasureRow:
    key: str
    name: str
    window: int | None
    raw: str  # formatted; "" when there was no data
    missing: bool
    score: float | None
    weight: float | None
    contribution: float | None
    rule: str


@dataclass
class GroupBlock:
    key: str
    name: str
    weight: float | None  # as configured
    contribution: float
    measures: list[MeasureRow] = field(default_factory=list)


@dataclass
class Chart:
    width: int
    height: int
    points: str  # an SVG polyline
    red_y: float | None
    green_y: float | None
    first: dt.date
    last: dt.date
    rows: list[tuple[dt.date, str, str]]  # for the table beside the chart


@dataclass
class ScorecardPanel:
    scorecard: Scorecard
    latest: HealthScore | None
    trend_7: Trend | None
    trend_30: Trend | None
    groups: list[GroupBlock]
    flags: list[tuple[str, str]]
    chart: Chart | None
    assessment: Assessment | None
    assessment_age: int | None
    stale: bool
    max_age_days: int
    spec: assessments.FormSpec
    disagrees: bool
    scenario_answers: list[dict[str, Any]]
    form: Any = None  # AssessmentForm for those who may assess

    @property
    def shown_score(self) -> str:
        return shown_score(self.latest.score) if self.latest is not None else ""

    @property
    def coverage_percent(self) -> int | None:
        return round(self.latest.coverage * 100) if self.latest is not None else None


def _measure_index(defn: ScorecardDef | None, lang: str) -> tuple[dict[str, Any], list[tuple[str, str, Any]]]:
    measures: dict[str, Any] = {}
    groups: list[tuple[str, str, Any]] = []
    if defn is None:
        return measures, groups
    for group in defn.groups:
        groups.append((group.key, assessments.label_of(group.name, lang), getattr(group, "weight", None)))
        for measure in group.measures:
            measures[measure.key] = (group.key, measure)
    return measures, groups


def breakdown_groups(score: HealthScore, defn: ScorecardDef | None, lang: str) -> list[GroupBlock]:
    """The snapshot's breakdown, in the scorecard's group and measure order (unknown keys last)."""
    measures, groups = _measure_index(defn, lang)
    blocks: dict[str, GroupBlock] = {key: GroupBlock(key, name, weight, 0.0) for key, name, weight in groups}
    order = {key: i for i, key in enumerate(measures)}
    items = sorted((score.breakdown or {}).items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0]))
    for key, entry in items:
        entry = entry or {}
        group_key, measure = measures.get(key, (str(entry.get("group") or ""), None))
        group_key = str(entry.get("group") or group_key)
        if group_key not in blocks:
            blocks[group_key] = GroupBlock(group_key, group_key or _("Other"), None, 0.0)
        raw = entry.get("raw")
        contribution = entry.get("contribution")
        blocks[group_key].contribution += float(contribution or 0)
        blocks[group_key].measures.append(MeasureRow(
            key=key,
            name=assessments.label_of(measure.name, lang) if measure is not None else key,
            window=getattr(measure, "window", None),
            raw=fmt_number(raw), missing=raw is None,
            score=entry.get("score"), weight=entry.get("weight"), contribution=contribution,
            rule=rule_text(_RuleView(measure)) if measure is not None else "",
        ))
    return [b for b in blocks.values() if b.measures]


class _RuleView:
    def __init__(self, measure: Any) -> None:
        self.normalise = _normalise_dict(measure)
        self.direction = getattr(measure, "direction", "higher_better")


def _chart(history: list[HealthScore], defn: ScorecardDef | None) -> Chart | None:
    points = [h for h in history if h.score is not None]
    if not points:
        return None
    first, last = history[0].day, history[-1].day
    span = max(1, (last - first).days)

    def y(score: float) -> float:
        return round(CHART_HEIGHT - max(0.0, min(100.0, score)) / 100 * CHART_HEIGHT, 1)

    coords = " ".join(f"{round((h.day - first).days / span * CHART_WIDTH, 1)},{y(h.score)}" for h in points)
    if len(points) == 1:
        coords = f"0,{y(points[0].score)} {CHART_WIDTH},{y(points[0].score)}"
    grades = getattr(defn, "grades", None)
    red = getattr(grades, "red_below", None) if grades is not None else None
    green = getattr(grades, "green_from", None) if grades is not None else None
    return Chart(
        width=CHART_WIDTH, height=CHART_HEIGHT, points=coords,
        red_y=y(red) if red is not None else None, green_y=y(green) if green is not None else None,
        first=first, last=last,
        rows=[(h.day, shown_score(h.score), h.grade) for h in reversed(history)],
    )


def scorecard_panel(account: Account, scorecard: Scorecard, *, today: dt.date, lang: str) -> ScorecardPanel:
    defn = assessments.definition_of(scorecard)
    spec = assessments.form_spec(scorecard, lang=lang)
    latest = HealthScore.objects.filter(account=account, scorecard=scorecard).order_by("-day").first()
    history: list[HealthScore] = []
    if latest is not None:
        history = list(
            HealthScore.objects.filter(account=account, scorecard=scorecard,
                                       day__gt=latest.day - dt.timedelta(days=HISTORY_DAYS))
            .order_by("day").only("day", "score", "grade")
        )
    assessment = assessments.latest_assessment(account, scorecard)
    age = assessments.age_days(assessment, today=today) if assessment else None
    stale = age is not None and age > spec.max_age_days
    flags = [(code, flag_text(code)) for code in (latest.flags if latest is not None else []) or []]
    if stale and not any(code == "stale_assessment" for code, _t in flags):
        flags.append(("stale_assessment", flag_text("stale_assessment")))
    return ScorecardPanel(
        scorecard=scorecard, latest=latest,
        trend_7=trend(latest.trend_7) if latest else None, trend_30=trend(latest.trend_30) if latest else None,
        groups=breakdown_groups(latest, defn, lang) if latest is not None else [],
        flags=flags, chart=_chart(history, defn),
        assessment=assessment, assessment_age=age, stale=stale, max_age_days=spec.max_age_days, spec=spec,
        disagrees=bool(latest and latest.grade and assessment and assessment.csm_view != latest.grade),
        scenario_answers=_scenario_answers(spec, assessment),
    )


def _scenario_answers(spec: assessments.FormSpec, assessment: Assessment | None) -> list[dict[str, Any]]:
    if assessment is None:
        return []
    answers = (assessment.answers or {}).get("scenarios") or {}
    rows = []
    for s in spec.scenarios:
        a = answers.get(s.key) or {}
        level = a.get("current")
        rows.append({"label": s.scale.label, "level": level, "anchor": s.scale.anchor(level),
                     "note": a.get("note") or "", "wants": a.get("wants") or ""})
    return rows
