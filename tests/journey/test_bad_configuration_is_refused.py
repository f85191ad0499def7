"""Bad configuration is refused as a whole, each problem named by its place, and nothing changes."""

from __future__ import annotations

import copy

import pytest

from csops.journey.config import ConfigInvalid, import_config
from csops.journey.models import MaturityModel, OnboardingTemplate, StageRule
from tests.journey.conftest import MODEL, RULES, TEMPLATE, config

pytestmark = pytest.mark.django_db


def refused(doc) -> list[str]:
    with pytest.raises(ConfigInvalid) as info:
        import_config(doc, actor=None)
    return info.value.errors


def test_a_level_condition_on_an_unknown_measure_is_refused(product):
    model = copy.deepcopy(MODEL)
    model["levels"][1]["conditions"] = [{"type": "measure", "measure": "no_such_measure", "op": ">=", "value": 3}]
    errors = refused(config(maturity_models=[model]))
    assert any(e.startswith("maturity_models[0].levels[1].conditions[0].measure:") and "no_such_measure" in e
               for e in errors), errors
    assert not MaturityModel.objects.exists()


def test_unknown_condition_types_features_and_fields_are_refused(product):
    model = copy.deepcopy(MODEL)
    model["levels"][0]["conditions"] = [
        {"type": "vibes", "value": 1},
        {"type": "feature_used", "feature": "teleport", "window_days": 30},
        {"type": "trait", "field": "shoe_size", "op": "==", "value": "L"},
        {"type": "event_count", "event": "document_sent", "window_days": -3, "colour": "red"},
    ]
    errors = refused(config(maturity_models=[model]))
    text = "\n".join(errors)
    assert "conditions[0].type: unknown condition type 'vibes'" in text
    assert "conditions[1].feature: unknown feature 'teleport'" in text
    assert "conditions[2].field: must be one of" in text
    assert "conditions[3].window_days" in text and "conditions[3].colour: unknown field" in text


def test_cycles_in_stage_rules_are_refused(product):
    rules = copy.deepcopy(RULES) + [{"key": "back", "from": "expansion", "to": "onboarding",
                                     "conditions": [{"type": "days_in_stage", "days": 30}]}]
    errors = refused(config(stages={"rules": rules}))
    assert any("form a cycle" in e and "adoption -> expansion -> onboarding -> adoption" in e for e in errors)
    assert not StageRule.objects.exists()


def test_rules_cannot_target_renewal_or_churned(product):
    errors = refused(config(stages={"rules": [{"key": "x", "from": "adoption", "to": "churned",
                                               "conditions": [{"type": "first_value"}]}]}))
    assert any(e.startswith("stages.rules[0].to:") for e in errors)


def test_a_step_due_before_the_contract_start_is_refused(product):
    template = copy.deepcopy(TEMPLATE)
    template["steps"][0]["due_days"] = -5
    errors = refused(config(onboarding_templates=[template]))
    assert "onboarding_templates[0].steps[0].due_days: a step cannot be due before the contract starts (-5 days)" \
        in errors
    assert not OnboardingTemplate.objects.exists()


def test_an_automatic_step_needs_a_condition_and_owners_are_known(product):
    template = copy.deepcopy(TEMPLATE)
    template["steps"][1].pop("condition")
    template["steps"][0]["owner"] = "intern"
    errors = refused(config(onboarding_templates=[template]))
    assert "onboarding_templates[0].steps[1].condition: an automatic step needs a condition" in errors
    assert any(e.startswith("onboarding_templates[0].steps[0].owner: must be one of") for e in errors)


def test_an_unknown_product_and_a_wrong_version_are_refused(db):
    errors = refused({"version": 2, "maturity_models": [dict(MODEL, product="nope")]})
    assert "version: must be 1" in errors
    assert "maturity_models[0].product: unknown product 'nope'" in errors
