"""Bad rules and playbooks are refused on save with messages that say what and where; nothing is saved."""

from __future__ import annotations

import pytest

from csops.playbooks.config import ConfigInvalid, do_save_playbook, do_save_rule, do_save_touch_models
from csops.playbooks.models import Playbook, Rule
from tests.playbooks.conftest import make_playbook, make_rule

pytestmark = pytest.mark.django_db


def _errors(call, *args, **kwargs) -> list[str]:
    with pytest.raises(ConfigInvalid) as caught:
        call(*args, **kwargs)
    return caught.value.errors


def test_a_template_with_an_undefined_variable_is_refused():
    errors = _errors(do_save_playbook, {"key": "p", "name": "P", "actions": [
        {"type": "create_cta", "title": "Call {{ acount }} for {{ owner }}"}]}, actor=None)
    assert errors == ["playbook: action 1 (create_cta): title: unknown variable {{ acount }}"]
    assert not Playbook.objects.exists()


def test_a_template_with_a_syntax_error_is_refused():
    errors = _errors(do_save_playbook, {"key": "p", "name": "P", "actions": [
        {"type": "slack", "endpoint": "ops", "text": "{% if %}"}]}, actor=None)
    assert errors[0].startswith("playbook: action 1 (slack): text:")


def test_unknown_action_fields_and_types_are_named():
    errors = _errors(do_save_playbook, {"key": "p", "name": "P", "actions": [
        {"type": "create_cta", "title": "x", "prio": "high"}, {"type": "fax"}]}, actor=None)
    assert errors[0].startswith("playbook: action 1 (create_cta): unknown field(s) prio; known: ")
    assert errors[1].startswith("playbook: action 2: unknown type 'fax'; known: add_activity, change_stage")


def test_an_email_action_must_name_an_existing_template():
    errors = _errors(do_save_playbook, {"key": "p", "name": "P", "actions": [
        {"type": "send_email", "template": "missing"}]}, actor=None)
    assert errors == ["playbook: action 1 (send_email): unknown email template 'missing' (outreach templates)"]


def test_a_rule_on_an_unknown_field_is_refused():
    playbook = make_playbook()
    errors = _errors(do_save_rule, {"key": "r", "name": "R", "playbook": playbook.key,
                                    "trigger": {"type": "renewal_in_days", "dayz": 90}}, actor=None)
    assert errors == ["rule: trigger (renewal_in_days): unknown field 'dayz'; known: days",
                      "rule: trigger (renewal_in_days): days is required"]
    assert not Rule.objects.exists()


def test_a_rule_with_an_unknown_trigger_or_segment_field_is_refused():
    playbook = make_playbook()
    errors = _errors(do_save_rule, {"key": "r", "name": "R", "playbook": playbook.key,
                                    "trigger": {"type": "health_score_dropped", "points": 10, "days": 14},
                                    "segment": {"tier": ["gold"], "stages": ["trial"]}}, actor=None)
    assert errors == [
        "rule: trigger (health_score_dropped): days must be 7 or 30 (the trends a snapshot keeps)",
        "rule: segment: unknown field 'tier'; known: products, segments, stages, touch_models, where",
        "rule: segment: stages: unknown value(s) trial; known: onboarding, adoption, expansion, renewal, churned",
    ]


def test_a_touch_model_rule_on_an_unknown_field_is_refused():
    errors = _errors(do_save_touch_models, [{"key": "big", "name": "Big", "touch_model": "high",
                                             "conditions": [{"field": "revenue", "op": ">", "value": 1}]}], actor=None)
    assert errors == ["touch model big: conditions[1]: unknown field 'revenue'; known: arr, employees, seats, "
                      "segment, stage, industry, country, product, plan, trait.<name>"]


def test_a_playbook_that_re_triggers_its_own_rule_is_refused():
    playbook = make_playbook("move", actions=[{"type": "change_stage", "stage": "renewal"}])
    errors = _errors(make_rule, "renewal-stage", {"type": "stage_entered", "to": ["renewal"]}, playbook)
    assert errors == ["rule renewal-stage: its playbook would trigger it again (a loop: renewal-stage → "
                      "renewal-stage); change the action or the trigger"]


def test_a_loop_through_two_rules_is_refused_when_the_second_is_saved():
    to_renewal = make_playbook("to-renewal", actions=[{"type": "change_stage", "stage": "renewal"}])
    to_expansion = make_playbook("to-expansion", actions=[{"type": "change_stage", "stage": "expansion"}])
    make_rule("a", {"type": "stage_entered", "to": ["expansion"]}, to_renewal)
    errors = _errors(make_rule, "b", {"type": "stage_entered", "to": ["renewal"]}, to_expansion)
    assert "rule a: its playbook would trigger it again (a loop: a → b → a)" in errors[0] or \
        "rule b: its playbook would trigger it again (a loop: b → a → b)" in " ".join(errors)


def test_editing_a_playbook_into_a_loop_is_refused_too():
    playbook = make_playbook("note")
    make_rule("renewal-stage", {"type": "stage_entered", "to": ["renewal"]}, playbook)
    errors = _errors(do_save_playbook, {"key": "note", "name": "Note", "actions": [
        {"type": "change_stage", "stage": "renewal"}]}, actor=None, instance=playbook)
    assert errors[0].startswith("rule renewal-stage: its playbook would trigger it again")
