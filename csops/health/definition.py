"""A scorecard's definition: one validated document, the same as its YAML file.

``load_definition`` turns the plain document (parsed YAML, the stored JSON, a form's data) into
frozen dataclasses or raises ``DefinitionError`` listing every problem as ``(path, message)``,
with paths such as ``groups[0].measures[1].weight`` so that an editor can point at the field.
``dump_definition`` gives the document back; for a canonical document (every key written, as
``dump_definition`` writes it) ``dump_definition(load_definition(doc)) == doc`` exactly, which is
what lets scorecards live in git.

No database access: the measure-type registry (``csops.health.measures``) checks each measure's
parameters, the messages are translated (CS Ops read them in the editor), and references to the
database (the product, features) are checked on save by ``csops.health.services``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

METHODS = ("thresholds", "percentile", "linear")
DIRECTIONS = ("higher_better", "lower_better")
SEGMENTS = ("", "enterprise", "mid_market", "smb")
LEVELS = (1, 2, 3, 4, 5)
MAX_WINDOW_DAYS = 730
_SLUG = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
# Weights are percentages; float sums are compared with this tolerance.
_EPSILON = 1e-6

TOP_KEYS = ("key", "name", "product", "segment", "active", "grades", "assessment", "groups")
# The keys that live in their own Scorecard columns rather than in Scorecard.definition.
ROW_KEYS = ("key", "name", "product", "segment", "active")


class DefinitionError(ValueError):
    """A scorecard definition that does not validate; ``errors`` lists every ``(path, message)``."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        self.errors = list(errors)
        super().__init__("; ".join(f"{path}: {message}" if path else message for path, message in self.errors))


@dataclass(frozen=True)
class Name:
    """A name in both shipped languages."""

    en: str
    ja: str

    def label(self, lang: str | None = None) -> str:
        if (lang or "").startswith("ja"):
            return self.ja or self.en
        return self.en or self.ja

    def __str__(self) -> str:
        return self.en or self.ja

    def dump(self) -> dict[str, str]:
        return {"en": self.en, "ja": self.ja}


@dataclass(frozen=True)
class Grades:
    red_below: float
    green_from: float


@dataclass(frozen=True)
class MeasureDef:
    key: str
    name: Name
    type: str
    window: int
    params: dict[str, Any]
    normalise: dict[str, Any]
    direction: str
    weight: float
    group: str = ""  # the key of the group that holds it (not part of the document)

    @property
    def method(self) -> str:
        return str(self.normalise.get("method", ""))

    @property
    def lower_is_better(self) -> bool:
        return self.direction == "lower_better"


@dataclass(frozen=True)
class GroupDef:
    key: str
    name: Name
    weight: float
    measures: tuple[MeasureDef, ...]


@dataclass(frozen=True)
class Scenario:
    key: str
    name: Name
    anchors: dict[int, Name]


@dataclass(frozen=True)
class AssessmentForm:
    max_age_days: int
    scenarios: tuple[Scenario, ...]
    promotion_anchors: dict[int, Name]
    relationship_anchors: dict[int, Name]


@dataclass(frozen=True)
class ScorecardDef:
    key: str
    name: str
    product: str
    segment: str
    active: bool
    grades: Grades
    assessment: AssessmentForm | None
    groups: tuple[GroupDef, ...]
    _index: dict[str, MeasureDef] = field(default_factory=dict, compare=False, repr=False)

    @property
    def measures(self) -> tuple[MeasureDef, ...]:
        return tuple(m for g in self.groups for m in g.measures)

    def measure(self, key: str) -> MeasureDef:
        return self._index[key]

    def windows(self) -> list[int]:
        return sorted({m.window for m in self.measures})


# --------------------------------------------------------------------------------------------
# Loading


class _Checker:
    """Collects errors while walking the document, so that one save reports every problem."""

    def __init__(self) -> None:
        self.errors: list[tuple[str, str]] = []

    def error(self, path: str, message: str) -> None:
        self.errors.append((path, message))

    def mapping(self, value: Any, path: str) -> Mapping[Any, Any] | None:
        if not isinstance(value, Mapping):
            self.error(path, _("must be a mapping"))
            return None
        return value

    def unknown_keys(self, data: Mapping[Any, Any], allowed: tuple[str, ...], path: str) -> None:
        for key in data:
            if key not in allowed:
                self.error(_join(path, str(key)),
                           _("unknown field; expected one of %(allowed)s") % {"allowed": ", ".join(allowed)})

    def text(self, data: Mapping[Any, Any], key: str, path: str, *, required: bool = True, max_length: int = 200,
             pattern: re.Pattern[str] | None = None, hint: str = "") -> str:
        where = _join(path, key)
        if key not in data:
            if required:
                self.error(where, _("is required"))
            return ""
        value = data[key]
        if not isinstance(value, str):
            self.error(where, _("must be text"))
            return ""
        if required and not value.strip():
            self.error(where, _("must not be empty"))
        elif len(value) > max_length:
            self.error(where, _("is longer than %(n)s characters") % {"n": max_length})
        elif pattern is not None and value and not pattern.match(value):
            self.error(where, hint or _("has an invalid format"))
        return value

    def number(self, data: Mapping[Any, Any], key: str, path: str, *, low: float | None = None,
               high: float | None = None) -> float | None:
        where = _join(path, key)
        if key not in data:
            self.error(where, _("is required"))
            return None
        value = data[key]
        if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
            self.error(where, _("must be a number"))
            return None
        if low is not None and value < low:
            self.error(where, _("must be at least %(low)s") % {"low": _fmt(low)})
        elif high is not None and value > high:
            self.error(where, _("must be at most %(high)s") % {"high": _fmt(high)})
        return value

    def integer(self, data: Mapping[Any, Any], key: str, path: str, *, low: int, high: int) -> int | None:
        where = _join(path, key)
        if key not in data:
            self.error(where, _("is required"))
            return None
        value = data[key]
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(where, _("must be a whole number"))
            return None
        if not low <= value <= high:
            self.error(where, _("must be between %(low)s and %(high)s") % {"low": low, "high": high})
        return value

    def name(self, data: Mapping[Any, Any], key: str, path: str) -> Name:
        where = _join(path, key)
        value = data.get(key)
        if not isinstance(value, Mapping):
            self.error(where, _("must give the name in English and Japanese: {en: ..., ja: ...}"))
            return Name("", "")
        self.unknown_keys(value, ("en", "ja"), where)
        en = self.text(value, "en", where)
        ja = self.text(value, "ja", where)
        return Name(en, ja)

    def anchors(self, value: Any, path: str) -> dict[int, Name]:
        mapping = self.mapping(value, path)
        if mapping is None:
            return {}
        out: dict[int, Name] = {}
        levels = {}
        for raw_key, text in mapping.items():
            try:
                level = int(raw_key)
            except (TypeError, ValueError):
                level = 0
            if level not in LEVELS or str(level) != str(raw_key).strip():
                self.error(_join(path, str(raw_key)), _("anchor levels are 1 to 5"))
                continue
            levels[level] = text
        for level in LEVELS:
            if level not in levels:
                self.error(_join(path, str(level)), _("every level 1 to 5 needs its anchor"))
                continue
            out[level] = self.name({str(level): levels[level]}, str(level), path)
        return out


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]" if path else f"[{key}]"
    return f"{path}.{key}" if path else key


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def load_definition(data: Mapping[str, Any]) -> ScorecardDef:
    """Validate a whole scorecard document; raise DefinitionError listing every problem."""
    from csops.health.measures import measure_type, measure_types

    c = _Checker()
    if not isinstance(data, Mapping):
        raise DefinitionError([("", _("a scorecard is a mapping of its fields"))])
    c.unknown_keys(data, TOP_KEYS, "")
    key = c.text(data, "key", "", max_length=64, pattern=_KEY,
                 hint=_("use lower-case letters, digits, '-' and '_' (e.g. docflow-default)"))
    name = c.text(data, "name", "")
    product = c.text(data, "product", "", max_length=50)
    segment = data.get("segment", "")
    if segment not in SEGMENTS:
        c.error("segment", _("must be one of: %(choices)s") % {"choices": ", ".join(repr(s) for s in SEGMENTS)})
        segment = ""
    active = data.get("active", True)
    if not isinstance(active, bool):
        c.error("active", _("must be true or false"))
        active = True

    grades = Grades(40, 70)
    raw_grades = c.mapping(data.get("grades"), "grades")
    if raw_grades is not None:
        c.unknown_keys(raw_grades, ("red_below", "green_from"), "grades")
        red = c.number(raw_grades, "red_below", "grades", low=0, high=100)
        green = c.number(raw_grades, "green_from", "grades", low=0, high=100)
        if red is not None and green is not None:
            if red > green:
                c.error("grades.green_from", _("must not be below red_below (%(red)s)") % {"red": _fmt(red)})
            grades = Grades(red, green)

    assessment = None
    if data.get("assessment") is not None:
        assessment = _load_assessment(c, data["assessment"])

    groups: list[GroupDef] = []
    seen_measures: dict[str, str] = {}
    raw_groups = data.get("groups")
    if not isinstance(raw_groups, list) or not raw_groups:
        c.error("groups", _("a scorecard needs at least one group of measures"))
        raw_groups = []
    seen_groups: set[str] = set()
    for gi, raw_group in enumerate(raw_groups):
        gpath = f"groups[{gi}]"
        group = c.mapping(raw_group, gpath)
        if group is None:
            continue
        c.unknown_keys(group, ("key", "name", "weight", "measures"), gpath)
        gkey = c.text(group, "key", gpath, max_length=64, pattern=_SLUG,
                      hint=_("use lower-case letters, digits and '_' (e.g. usage)"))
        if gkey and gkey in seen_groups:
            c.error(f"{gpath}.key", _("group %(key)s appears twice") % {"key": gkey})
        seen_groups.add(gkey)
        gname = c.name(group, "name", gpath)
        gweight = c.number(group, "weight", gpath, low=0, high=100)
        measures: list[MeasureDef] = []
        raw_measures = group.get("measures")
        if not isinstance(raw_measures, list) or not raw_measures:
            c.error(f"{gpath}.measures", _("group %(key)s needs at least one measure") % {"key": gkey or gi})
            raw_measures = []
        for mi, raw_measure in enumerate(raw_measures):
            mpath = f"{gpath}.measures[{mi}]"
            m = c.mapping(raw_measure, mpath)
            if m is None:
                continue
            c.unknown_keys(m, ("key", "name", "type", "window", "params", "normalise", "direction", "weight"), mpath)
            mkey = c.text(m, "key", mpath, max_length=64, pattern=_SLUG,
                          hint=_("use lower-case letters, digits and '_' (e.g. active_users_30)"))
            if mkey and mkey in seen_measures:
                c.error(f"{mpath}.key", _("measure %(key)s is already defined at %(path)s") % {
                    "key": mkey, "path": seen_measures[mkey]})
            elif mkey:
                seen_measures[mkey] = mpath
            mname = c.name(m, "name", mpath)
            mtype = c.text(m, "type", mpath, max_length=64)
            window = c.integer(m, "window", mpath, low=1, high=MAX_WINDOW_DAYS)
            params = m.get("params", {})
            if not isinstance(params, Mapping):
                c.error(f"{mpath}.params", _("must be a mapping"))
                params = {}
            params = dict(params)
            kind = measure_type(mtype) if mtype else None
            if mtype and kind is None:
                c.error(f"{mpath}.type", _("unknown measure type %(type)r; known: %(known)s") % {
                    "type": mtype, "known": ", ".join(measure_types())})
            elif kind is not None:
                for ppath, message in kind.check_params(params):
                    c.error(_join(f"{mpath}.params", ppath) if ppath else f"{mpath}.params", message)
            direction = m.get("direction", "higher_better")
            if direction not in DIRECTIONS:
                c.error(f"{mpath}.direction", _("must be one of: %(choices)s") % {"choices": ", ".join(DIRECTIONS)})
                direction = ""  # the cut-offs cannot be checked against an unknown direction
            normalise = _load_normalise(c, m.get("normalise"), f"{mpath}.normalise", direction)
            direction = direction or "higher_better"
            mweight = c.number(m, "weight", mpath, low=0, high=100)
            measures.append(MeasureDef(
                key=mkey, name=mname, type=mtype, window=window or 1, params=params, normalise=normalise,
                direction=direction, weight=mweight if mweight is not None else 0, group=gkey,
            ))
        total = sum(m.weight for m in measures)
        if measures and all(isinstance(mm, Mapping) and "weight" in mm for mm in raw_measures) \
                and abs(total - 100) > _EPSILON:
            c.error(f"{gpath}.measures", _("measure weights in group %(group)s add up to %(total)s, not 100") % {
                "group": gkey or gi, "total": _fmt(total)})
        groups.append(GroupDef(key=gkey, name=gname, weight=gweight if gweight is not None else 0,
                               measures=tuple(measures)))
    if groups and len(groups) == len(raw_groups) and all("weight" in g for g in raw_groups if isinstance(g, Mapping)):
        total = sum(g.weight for g in groups)
        if abs(total - 100) > _EPSILON:
            c.error("groups", _("group weights add up to %(total)s, not 100") % {"total": _fmt(total)})
    if any(m.type == "assessment" for g in groups for m in g.measures) and assessment is None:
        c.error("assessment", _("assessment measures need the assessment form (scenarios and anchors)"))
    if c.errors:
        raise DefinitionError(c.errors)
    defn = ScorecardDef(key=key, name=name, product=product, segment=segment, active=active, grades=grades,
                        assessment=assessment, groups=tuple(groups))
    defn._index.update({m.key: m for m in defn.measures})
    return defn


def _load_normalise(c: _Checker, value: Any, path: str, direction: str) -> dict[str, Any]:
    data = c.mapping(value, path)
    if data is None:
        return {}
    method = data.get("method")
    if method not in METHODS:
        c.error(f"{path}.method", _("must be one of: %(choices)s") % {"choices": ", ".join(METHODS)})
        return dict(data)
    if method == "thresholds":
        c.unknown_keys(data, ("method", "red", "green"), path)
        red, green = c.number(data, "red", path), c.number(data, "green", path)
        if red is not None and green is not None:
            if direction == "higher_better" and red > green:
                c.error(f"{path}.green", _("higher is better, so green (%(green)s) must not be below red (%(red)s)")
                        % {"green": _fmt(green), "red": _fmt(red)})
            if direction == "lower_better" and red < green:
                c.error(f"{path}.green", _("lower is better, so green (%(green)s) must not be above red (%(red)s)")
                        % {"green": _fmt(green), "red": _fmt(red)})
    elif method == "linear":
        c.unknown_keys(data, ("method", "low", "high"), path)
        low, high = c.number(data, "low", path), c.number(data, "high", path)
        if low is not None and high is not None and not low < high:
            c.error(f"{path}.high", _("must be above low (%(low)s)") % {"low": _fmt(low)})
    else:
        c.unknown_keys(data, ("method",), path)
    return dict(data)


def _load_assessment(c: _Checker, value: Any) -> AssessmentForm | None:
    path = "assessment"
    data = c.mapping(value, path)
    if data is None:
        return None
    c.unknown_keys(data, ("max_age_days", "scenarios", "promotion_anchors", "relationship_anchors"), path)
    max_age = c.integer(data, "max_age_days", path, low=1, high=3650)
    scenarios: list[Scenario] = []
    raw = data.get("scenarios")
    if not isinstance(raw, list) or not raw:
        c.error(f"{path}.scenarios", _("list the product's usage scenarios (at least one)"))
        raw = []
    seen: set[str] = set()
    for si, raw_scenario in enumerate(raw):
        spath = f"{path}.scenarios[{si}]"
        s = c.mapping(raw_scenario, spath)
        if s is None:
            continue
        c.unknown_keys(s, ("key", "name", "anchors"), spath)
        skey = c.text(s, "key", spath, max_length=64, pattern=_SLUG, hint=_("use lower-case letters, digits and '_'"))
        if skey in seen:
            c.error(f"{spath}.key", _("scenario %(key)s appears twice") % {"key": skey})
        seen.add(skey)
        scenarios.append(Scenario(key=skey, name=c.name(s, "name", spath),
                                  anchors=c.anchors(s.get("anchors"), f"{spath}.anchors")))
    return AssessmentForm(
        max_age_days=max_age or 90,
        scenarios=tuple(scenarios),
        promotion_anchors=c.anchors(data.get("promotion_anchors"), f"{path}.promotion_anchors"),
        relationship_anchors=c.anchors(data.get("relationship_anchors"), f"{path}.relationship_anchors"),
    )


# --------------------------------------------------------------------------------------------
# Dumping


def dump_definition(defn: ScorecardDef) -> dict[str, Any]:
    """The whole document, every key written, in a stable order (what YAML export writes)."""
    doc: dict[str, Any] = {
        "key": defn.key,
        "name": defn.name,
        "product": defn.product,
        "segment": defn.segment,
        "active": defn.active,
        "grades": {"red_below": defn.grades.red_below, "green_from": defn.grades.green_from},
    }
    if defn.assessment is not None:
        form = defn.assessment
        doc["assessment"] = {
            "max_age_days": form.max_age_days,
            "scenarios": [
                {"key": s.key, "name": s.name.dump(), "anchors": _dump_anchors(s.anchors)} for s in form.scenarios
            ],
            "promotion_anchors": _dump_anchors(form.promotion_anchors),
            "relationship_anchors": _dump_anchors(form.relationship_anchors),
        }
    doc["groups"] = [
        {
            "key": g.key,
            "name": g.name.dump(),
            "weight": g.weight,
            "measures": [
                {
                    "key": m.key,
                    "name": m.name.dump(),
                    "type": m.type,
                    "window": m.window,
                    "params": dict(m.params),
                    "normalise": dict(m.normalise),
                    "direction": m.direction,
                    "weight": m.weight,
                }
                for m in g.measures
            ],
        }
        for g in defn.groups
    ]
    return doc


def _dump_anchors(anchors: Mapping[int, Name]) -> dict[int, dict[str, str]]:
    return {level: anchors[level].dump() for level in LEVELS if level in anchors}


def split_document(doc: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the Scorecard row's fields, the JSON stored in Scorecard.definition) of a whole document."""
    row = {k: doc[k] for k in ROW_KEYS if k in doc}
    rest = {k: v for k, v in doc.items() if k not in ROW_KEYS}
    return row, rest
