"""Forms of the health pages. They parse and re-display input; the rules live in assessments.py and
in the scorecard definition's validation (services.do_save_scorecard)."""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from csops.health.assessments import Answers, AssessmentInvalid, FormSpec, Scale, parse_answers
from csops.health.models import Assessment, Grade

# --------------------------------------------------------------------------- assessment


@dataclass
class ScaleRow:
    """One anchored question as the template draws it: a radio per level with its anchor text."""

    field: str
    label: str
    options: list[dict[str, Any]]  # {"level", "anchor", "checked"}
    error: str
    note_field: str = ""
    note: str = ""
    wants_field: str = ""
    wants: str = ""


class AssessmentForm:
    """The fixed-format assessment of one scorecard, bound to posted data or to the last answers."""

    def __init__(self, spec: FormSpec, data: Mapping[str, Any] | None = None, *,
                 previous: Assessment | None = None, prefix: str = "") -> None:
        self.spec = spec
        self.data = data
        self.prefix = prefix
        self.errors: dict[str, str] = {}
        self.answers: Answers | None = None
        self.values: dict[str, str] = {} if data is not None else _initial(spec, previous)
        if data is not None:
            self.values = {k: str(v) for k, v in data.items() if isinstance(v, str | int)}

    @property
    def is_bound(self) -> bool:
        return self.data is not None

    def is_valid(self) -> bool:
        if self.data is None:
            return False
        try:
            self.answers = parse_answers(self.spec, self.data)
        except AssessmentInvalid as exc:
            self.errors = dict(exc.errors)
            return False
        return True

    def add_errors(self, errors: Mapping[str, str]) -> None:
        self.errors.update(errors)

    @property
    def non_field_errors(self) -> list[str]:
        return [v for k, v in self.errors.items() if k == "__all__"]

    def _row(self, scale: Scale, **extra: Any) -> ScaleRow:
        current = self.values.get(scale.field, "")
        return ScaleRow(
            field=scale.field, label=scale.label, error=self.errors.get(scale.field, ""),
            options=[{"level": level, "anchor": anchor, "checked": current == str(level)}
                     for level, anchor in scale.anchors],
            **extra,
        )

    def scenario_rows(self) -> list[ScaleRow]:
        return [
            self._row(s.scale, note_field=s.note_field, note=self.values.get(s.note_field, ""),
                      wants_field=s.wants_field, wants=self.values.get(s.wants_field, ""))
            for s in self.spec.scenarios
        ]

    def promotion_row(self) -> ScaleRow:
        return self._row(self.spec.promotion)

    def relationship_row(self) -> ScaleRow:
        return self._row(self.spec.relationship)

    def view_options(self) -> list[dict[str, Any]]:
        current = self.values.get("csm_view", "")
        return [{"value": value, "label": label, "checked": current == value} for value, label in Grade.choices]

    @property
    def view_error(self) -> str:
        return self.errors.get("csm_view", "")

    @property
    def note(self) -> str:
        return self.values.get("note", "")


def _initial(spec: FormSpec, previous: Assessment | None) -> dict[str, str]:
    """Start from the last assessment: a CSM usually changes one or two answers, not all."""
    if previous is None:
        return {}
    values = {"promotion": str(previous.promotion), "relationship": str(previous.relationship),
              "csm_view": previous.csm_view}
    scenarios = (previous.answers or {}).get("scenarios") or {}
    for s in spec.scenarios:
        answer = scenarios.get(s.key) or {}
        if answer.get("current"):
            values[s.scale.field] = str(answer["current"])
        values[s.note_field] = str(answer.get("note") or "")
        values[s.wants_field] = str(answer.get("wants") or "")
    return values


# --------------------------------------------------------------------------- scorecard editor

# The structured editor posts one input per editable number, named by its path in the definition
# (the same path DefinitionError reports), so that a validation error lands beside its input.
_PATH_PART = re.compile(r"([A-Za-z_]+)(?:\[(\d+)\])?")
NORMALISE_METHODS = ("thresholds", "linear", "percentile")
DIRECTIONS = ("higher_better", "lower_better")


def editable_paths(definition: Mapping[str, Any]) -> list[str]:
    """Every input of the structured editor, as definition paths."""
    paths = ["grades.red_below", "grades.green_from", "assessment.max_age_days"]
    for gi, group in enumerate(definition.get("groups") or []):
        paths.append(f"groups[{gi}].weight")
        for mi, _measure in enumerate(group.get("measures") or []):
            base = f"groups[{gi}].measures[{mi}]"
            paths += [f"{base}.weight", f"{base}.direction", f"{base}.normalise.method"]
            paths += [f"{base}.normalise.{p}" for p in ("red", "green", "low", "high")]
    return paths


def _split(path: str) -> list[str | int]:
    parts: list[str | int] = []
    for piece in path.split("."):
        m = _PATH_PART.fullmatch(piece)
        if not m:
            raise ValueError(path)
        parts.append(m.group(1))
        if m.group(2) is not None:
            parts.append(int(m.group(2)))
    return parts


def get_path(data: Any, path: str) -> Any:
    node = data
    for part in _split(path):
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return None
    return node


def _set_path(data: Any, path: str, value: Any) -> None:
    parts = _split(path)
    node = data
    for part in parts[:-1]:
        if isinstance(part, str) and isinstance(node, dict) and part not in node:
            node[part] = {}
        node = node[part]
    if value is None:
        if isinstance(node, dict):
            node.pop(parts[-1], None)  # type: ignore[arg-type]
    else:
        node[parts[-1]] = value


def _number(text: str) -> int | float:
    number = float(text.replace(",", ""))
    return int(number) if number.is_integer() else number


def apply_structured(definition: Mapping[str, Any], post: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The definition with the posted structured-editor values applied, and the inputs that are not numbers.

    Inputs absent from the post keep their stored value, so a partial post (an htmx preview of one
    field) changes only what it names.
    """
    data = copy.deepcopy(dict(definition))
    errors: dict[str, str] = {}
    for path in editable_paths(data):
        if path not in post:
            continue
        raw = str(post.get(path) or "").strip()
        leaf = path.rsplit(".", 1)[-1]
        if leaf == "method":
            if raw not in NORMALISE_METHODS:
                errors[path] = _("Choose thresholds, linear or percentile.")
                continue
            _set_path(data, path, raw)
        elif leaf == "direction":
            if raw not in DIRECTIONS:
                errors[path] = _("Choose higher is better or lower is better.")
                continue
            _set_path(data, path, raw)
        elif raw == "":
            if leaf in ("red", "green", "low", "high"):
                _set_path(data, path, None)
            else:
                errors[path] = _("Enter a number.")
        else:
            try:
                _set_path(data, path, _number(raw))
            except ValueError:
                errors[path] = _("“%(value)s” is not a number.") % {"value": raw[:30]}
    # Keep only the bounds the chosen method reads, so that a switch of method does not leave stale keys.
    for gi, group in enumerate(data.get("groups") or []):
        for mi, measure in enumerate(group.get("measures") or []):
            norm = measure.get("normalise")
            if not isinstance(norm, dict):
                continue
            keep = {"thresholds": ("red", "green"), "linear": ("low", "high")}.get(norm.get("method"), ())
            for key in ("red", "green", "low", "high"):
                if key not in keep and f"groups[{gi}].measures[{mi}].normalise.{key}" in post:
                    norm.pop(key, None)
    return data, errors
