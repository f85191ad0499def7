"""Forms of the health pages. They parse and re-display input; the rules live in assessments.py and
in the scorecard definition's validation (services.do_save_scorecard)."""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from csops.customers.models import Product, Segment
from csops.health.assessments import Answers, AssessmentInvalid, FormSpec, Scale, parse_answers
from csops.health.models import Assessment, Grade, Scorecard

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


# --------------------------------------------------------------------------- new scorecard

START_COPY, START_DEFAULT, START_EMPTY = "copy", "default", "empty"
# The fields of the "New scorecard" form that name a field of the scorecard document.
NEW_FIELDS = ("key", "name", "product", "segment")


def _start_choices() -> list[tuple[str, str]]:
    return [
        (START_COPY, _("A copy of an existing scorecard (its groups, measures and assessment form)")),
        (START_DEFAULT, _("The product's shipped default scorecard")),
        (START_EMPTY, _("A Usage group with one starter measure (active users), to build on")),
    ]


class NewScorecardForm(forms.Form):
    """Product, segment, key and name of a new scorecard, and what it starts from.

    The document it describes is validated and saved by ``services.do_save_scorecard``; this form
    only checks what the page asks for (a free key, a known product, a source when copying).
    """

    product = forms.ChoiceField(label=_lazy("Product"))
    segment = forms.ChoiceField(label=_lazy("Segment"), required=False)
    key = forms.CharField(label=_lazy("Key"), max_length=64,
                          help_text=_lazy("Lower-case letters, digits, '-' and '_' (e.g. delivery-enterprise)."))
    name = forms.CharField(label=_lazy("Name"), max_length=200)
    start = forms.ChoiceField(label=_lazy("Start from"), widget=forms.RadioSelect, initial=START_COPY)
    source = forms.ModelChoiceField(label=_lazy("Scorecard to copy"), required=False, queryset=Scorecard.objects.none())
    active = forms.BooleanField(label=_lazy("Active"), required=False,
                                help_text=_lazy("An active scorecard scores its product's accounts from the next "
                                                "scoring run. Leave it inactive while you build it."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product"].choices = [("", "---------")] + [
            (p.code, f"{p.name} ({p.code})") for p in Product.objects.order_by("code")]
        self.fields["product"].error_messages["invalid_choice"] = _lazy("Unknown product: choose one from the list.")
        self.fields["segment"].choices = [("", _("All segments")), *Segment.choices]
        self.fields["start"].choices = _start_choices()
        self.fields["source"].queryset = Scorecard.objects.select_related("product").order_by(
            "product__code", "segment", "key")
        self.fields["source"].label_from_instance = lambda sc: f"{sc.name} ({sc.key}, {sc.product.code})"

    def clean_key(self) -> str:
        from csops.health.definition import _KEY

        key = self.cleaned_data["key"].strip()
        if not _KEY.match(key):
            raise forms.ValidationError(_("Use lower-case letters, digits, '-' and '_', starting with a letter "
                                          "or digit (e.g. delivery-enterprise)."))
        if Scorecard.objects.filter(key=key).exists():
            raise forms.ValidationError(_("Another scorecard already has the key %(key)s.") % {"key": key})
        return key

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, product = data.get("start"), data.get("product")
        if start == START_COPY and not data.get("source"):
            self.add_error("source", _("Choose the scorecard to copy."))
        if start == START_DEFAULT and product:
            from csops.health.yaml_io import default_document

            if default_document(product) is None:
                self.add_error("start", _("Product %(product)s has no shipped default scorecard; copy one or "
                                          "start from a Usage group.") % {"product": product})
        return data

    def document(self) -> dict[str, Any]:
        """The whole scorecard document to save (call after ``is_valid()``)."""
        from csops.health.definition import ROW_KEYS
        from csops.health.services import document_of
        from csops.health.yaml_io import default_document

        data = self.cleaned_data
        if data["start"] == START_COPY:
            base = document_of(data["source"])
        elif data["start"] == START_DEFAULT:
            base = default_document(data["product"]) or {}
        else:
            base = starter_definition()
        body = {k: copy.deepcopy(v) for k, v in base.items() if k not in ROW_KEYS}
        return {"key": data["key"], "name": data["name"].strip(), "product": data["product"],
                "segment": data.get("segment") or "", "active": bool(data.get("active")), **body}


def starter_definition() -> dict[str, Any]:
    """A new scorecard's body when it starts from nothing: one Usage group with one measure.

    A group needs at least one measure to validate, so the group starts with active users over
    30 days; CS Ops add and change measures in the YAML editor.
    """
    return {
        "grades": {"red_below": 40, "green_from": 70},
        "groups": [{
            "key": "usage", "name": {"en": "Usage", "ja": "利用状況"}, "weight": 100,
            "measures": [{
                "key": "active_users_30",
                "name": {"en": "Active users (30 days)", "ja": "アクティブユーザー数（30日）"},
                "type": "active_users", "window": 30, "params": {},
                "normalise": {"method": "thresholds", "red": 3, "green": 10},
                "direction": "higher_better", "weight": 100,
            }],
        }],
    }
