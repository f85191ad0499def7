"""Qualitative assessments: a CSM's answers to the scorecard's fixed-format questions.

Every CSM answers the same anchored 1-5 scales (the scorecard's ``assessment`` section), so that
assessments compare across CSMs. Parsing and validation live here, not in the form, so that a page,
the API or an import check an assessment the same way and name the same fields in their errors.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from csops.audit.services import record
from csops.customers.models import Account, ActivityKind
from csops.customers.services.accounts import do_log_activity
from csops.health.definition import DefinitionError, ScorecardDef, load_definition
from csops.health.models import Assessment, Grade, Scorecard
from csops.users.roles import can_configure, can_edit_owned_by

LEVELS = (1, 2, 3, 4, 5)
DEFAULT_MAX_AGE_DAYS = 90


def can_assess(user: Any, account: Account) -> bool:
    """The owner CSM assesses their own accounts; CS Ops and admins may too; nobody else."""
    return can_edit_owned_by(user, account.owner_id)


def can_edit_scorecards(user: Any) -> bool:
    return can_configure(user)


def lang_code() -> str:
    return "ja" if (get_language() or "").startswith("ja") else "en"


# --------------------------------------------------------------------------- the form's shape


@dataclass(frozen=True)
class Scale:
    """One anchored 1-5 question, in the reader's language."""

    field: str  # the form field that holds its level
    label: str
    anchors: tuple[tuple[int, str], ...]  # (level, what the level means)

    def anchor(self, level: int | None) -> str:
        return dict(self.anchors).get(level or 0, "")


@dataclass(frozen=True)
class ScenarioSpec:
    key: str
    scale: Scale

    @property
    def note_field(self) -> str:
        return f"s-{self.key}-note"

    @property
    def wants_field(self) -> str:
        return f"s-{self.key}-wants"


@dataclass(frozen=True)
class FormSpec:
    """The fixed format of one scorecard's assessment, ready to render in one language."""

    max_age_days: int
    scenarios: tuple[ScenarioSpec, ...]
    promotion: Scale
    relationship: Scale


def scenario_field(key: str) -> str:
    return f"s-{key}-current"


def _anchors(raw: Mapping[Any, Any] | None, lang: str) -> tuple[tuple[int, str], ...]:
    out = []
    for level in LEVELS:
        text = (raw or {}).get(level, (raw or {}).get(str(level)))
        out.append((level, label_of(text, lang)))
    return tuple(out)


def label_of(name: Any, lang: str) -> str:
    if name is None:
        return ""
    if hasattr(name, "label"):
        return str(name.label(lang))
    if isinstance(name, Mapping):
        return str(name.get(lang) or name.get("en") or name.get("ja") or "")
    return str(name)


def definition_of(scorecard: Scorecard) -> ScorecardDef | None:
    """The scorecard's validated definition, or None when the stored one no longer validates."""
    try:
        return load_definition(full_document(scorecard))
    except DefinitionError:
        return None


def full_document(scorecard: Scorecard) -> dict[str, Any]:
    data = dict(scorecard.definition or {})
    data.setdefault("key", scorecard.key)
    data.setdefault("name", scorecard.name)
    data.setdefault("product", scorecard.product.code)
    data.setdefault("segment", scorecard.segment)
    data.setdefault("active", scorecard.is_active)
    return data


def form_spec(scorecard: Scorecard, *, lang: str | None = None) -> FormSpec:
    lang = lang or lang_code()
    defn = definition_of(scorecard)
    form = getattr(defn, "assessment", None) if defn is not None else None
    if form is None:
        raw = (scorecard.definition or {}).get("assessment") or {}
        max_age = int(raw.get("max_age_days") or DEFAULT_MAX_AGE_DAYS)
        scenarios = [(s.get("key"), s.get("name"), s.get("anchors")) for s in raw.get("scenarios") or []]
        promotion, relationship = raw.get("promotion_anchors"), raw.get("relationship_anchors")
    else:
        max_age = int(form.max_age_days)
        scenarios = [(s.key, s.name, s.anchors) for s in form.scenarios]
        promotion, relationship = form.promotion_anchors, form.relationship_anchors
    return FormSpec(
        max_age_days=max_age,
        scenarios=tuple(
            ScenarioSpec(key=str(key), scale=Scale(scenario_field(str(key)), label_of(name, lang) or str(key),
                                                   _anchors(anchors, lang)))
            for key, name, anchors in scenarios if key
        ),
        promotion=Scale("promotion", _("Internal promotion"), _anchors(promotion, lang)),
        relationship=Scale("relationship", _("Contract holder and operators"), _anchors(relationship, lang)),
    )


# --------------------------------------------------------------------------- validation


class AssessmentInvalid(Exception):
    """The answers do not fit the scorecard's form; ``errors`` maps each form field to what is wrong."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass
class Answers:
    scenarios: dict[str, dict[str, Any]] = field(default_factory=dict)  # key -> {"current", "note", "wants"}
    promotion: int = 0
    relationship: int = 0
    csm_view: str = ""
    note: str = ""


def _level(value: Any, scale: Scale, errors: dict[str, str]) -> int:
    text = "" if value is None else str(value).strip()
    if not text:
        errors[scale.field] = _("%(label)s: choose a level from 1 to 5.") % {"label": scale.label}
        return 0
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number not in LEVELS:
        errors[scale.field] = _("%(label)s: %(value)s is not on the scale; choose a level from 1 to 5.") % {
            "label": scale.label, "value": text[:20],
        }
        return 0
    return number


def parse_answers(spec: FormSpec, data: Mapping[str, Any]) -> Answers:
    """Read posted (or API) values into answers, or raise AssessmentInvalid naming every bad field."""
    errors: dict[str, str] = {}
    answers = Answers()
    for scenario in spec.scenarios:
        answers.scenarios[scenario.key] = {
            "current": _level(data.get(scenario.scale.field), scenario.scale, errors),
            "note": str(data.get(scenario.note_field) or "").strip(),
            "wants": str(data.get(scenario.wants_field) or "").strip(),
        }
    answers.promotion = _level(data.get("promotion"), spec.promotion, errors)
    answers.relationship = _level(data.get("relationship"), spec.relationship, errors)
    view = str(data.get("csm_view") or "").strip()
    if view not in Grade.values:
        errors["csm_view"] = _("Your own view: choose red, yellow or green.")
    answers.csm_view = view
    answers.note = str(data.get("note") or "").strip()
    if errors:
        raise AssessmentInvalid(errors)
    return answers


# --------------------------------------------------------------------------- recording


def do_record_assessment(
    account: Account, scorecard: Scorecard, data: Mapping[str, Any], *, actor: Any,
    assessed_on: dt.date | None = None,
) -> Assessment:
    """Validate and store an assessment, audit it and put it on the account's timeline."""
    if not can_assess(actor, account):
        raise PermissionDenied(_("Only the account's CSM, CS Ops and admins record assessments."))
    if scorecard.product_id not in set(account.contracts.values_list("product_id", flat=True)) and not \
            scorecard.scores.filter(account=account).exists():
        raise AssessmentInvalid({"__all__": _("This scorecard does not score this account.")})
    spec = form_spec(scorecard, lang=lang_code())
    answers = parse_answers(spec, data)
    with transaction.atomic():
        assessment = Assessment.objects.create(
            account=account, scorecard=scorecard, author=actor if getattr(actor, "pk", None) else None,
            assessed_on=assessed_on or timezone.localdate(),
            answers={"scenarios": answers.scenarios},
            promotion=answers.promotion, relationship=answers.relationship,
            csm_view=answers.csm_view, note=answers.note,
        )
        record(actor, "health.assessment_recorded", assessment, {
            "account": account.external_id, "scorecard": scorecard.key,
            "csm_view": answers.csm_view, "promotion": answers.promotion, "relationship": answers.relationship,
            "scenarios": {k: v["current"] for k, v in answers.scenarios.items()},
        })
        do_log_activity(
            account, kind=ActivityKind.NOTE, actor=actor,
            summary=_timeline_summary(scorecard, answers),
            body=_timeline_body(spec, answers),
            data={"health_assessment": assessment.pk, "scorecard": scorecard.key, "csm_view": answers.csm_view},
        )
    return assessment


def _timeline_summary(scorecard: Scorecard, answers: Answers) -> str:
    return _("Health assessment (%(scorecard)s): own view %(view)s, promotion %(promotion)s/5, "
             "relationship %(relationship)s/5") % {
        "scorecard": scorecard.name, "view": Grade(answers.csm_view).label,
        "promotion": answers.promotion, "relationship": answers.relationship,
    }


def _timeline_body(spec: FormSpec, answers: Answers) -> str:
    lines = []
    for scenario in spec.scenarios:
        a = answers.scenarios[scenario.key]
        lines.append(f"{scenario.scale.label}: {a['current']}/5 — {scenario.scale.anchor(a['current'])}")
        if a["note"]:
            lines.append("  " + a["note"])
        if a["wants"]:
            lines.append("  " + _("Wants: %(wants)s") % {"wants": a["wants"]})
    if answers.note:
        lines.append(answers.note)
    return "\n".join(lines)


# --------------------------------------------------------------------------- reading


def latest_assessment(account: Account | int, scorecard: Scorecard | int) -> Assessment | None:
    return (Assessment.objects.filter(account=account, scorecard=scorecard)
            .select_related("author").order_by("-assessed_on", "-id").first())


def age_days(assessment: Assessment, *, today: dt.date) -> int:
    return max(0, (today - assessment.assessed_on).days)


def is_stale(assessment: Assessment, *, max_age_days: int, today: dt.date) -> bool:
    return age_days(assessment, today=today) > max_age_days


def latest_views(scorecard_ids: list[int] | None = None) -> dict[tuple[int, int], Assessment]:
    """The latest assessment of every (account, scorecard), in one query."""
    qs = Assessment.objects.order_by("account_id", "scorecard_id", "-assessed_on", "-id")
    if scorecard_ids is not None:
        qs = qs.filter(scorecard_id__in=scorecard_ids)
    out: dict[tuple[int, int], Assessment] = {}
    for a in qs.only("id", "account_id", "scorecard_id", "assessed_on", "csm_view", "author_id"):
        out.setdefault((a.account_id, a.scorecard_id), a)
    return out
