"""Stage rules can ask what maturity levels ask: health measures, events, traits, contract facts."""

from __future__ import annotations

import datetime as dt

import pytest

from csops.health.models import HealthScore, Scorecard
from csops.journey.config import ConfigInvalid, import_config
from csops.journey.models import StageChange
from csops.journey.stages import evaluate_stages
from tests.journey.conftest import RULES, config, day, event, write

pytestmark = pytest.mark.django_db

HEALTHY = {"type": "measure", "product": "delivery", "measure": "active_users", "op": ">=", "value": 5}


@pytest.fixture
def scorecard(product) -> Scorecard:
    return Scorecard.objects.create(key="delivery", name="Delivery", product=product, definition={
        "groups": [{"key": "usage", "name": "Usage", "measures": [{"key": "active_users", "name": "Active users"}]}]})


def with_rule(*conditions: dict, match: str = "any") -> dict:
    rule = {"key": "healthy", "from": "onboarding", "to": "adoption", "match": match, "conditions": list(conditions)}
    return config(stages={"renewal_window_days": 30, "override_days": 30, "rules": [rule, RULES[1]]})


def snapshot(account, scorecard, on: dt.date, raw: float) -> None:
    HealthScore.objects.create(account=account, scorecard=scorecard, day=on, scorecard_version=1, score=50,
                               breakdown={"active_users": {"raw": raw, "score": 40, "weight": 1}})


def stages_of(account) -> list[tuple[dt.date, str, str, str]]:
    return list(StageChange.objects.filter(account=account).order_by("day", "id")
                .values_list("day", "stage_to", "source", "rule"))


def test_a_measure_rule_moves_the_account_on_the_day_the_measure_crosses(new_customer, scorecard):
    import_config(with_rule(HEALTHY, {"type": "plan_complete"}), actor=None)
    snapshot(new_customer, scorecard, day(-15), 3)
    snapshot(new_customer, scorecard, day(-6), 7)  # crosses 5 on D-6
    evaluate_stages(day(-25), day(-10))
    assert stages_of(new_customer) == [(day(-20), "onboarding", "initial", "")]
    evaluate_stages(day(-9), day(0))
    assert stages_of(new_customer)[-1] == (day(-6), "adoption", "rule", "healthy")


def test_days_already_evaluated_are_not_rewritten_by_a_later_measure(new_customer, scorecard):
    import_config(with_rule(HEALTHY), actor=None)
    evaluate_stages(day(-25), day(-5))
    snapshot(new_customer, scorecard, day(-12), 9)  # arrives late, for a day already evaluated
    evaluate_stages(day(-25), day(0))
    # D-12..D-5 stay as recorded; the first day not yet evaluated takes the measure into account.
    assert stages_of(new_customer) == [(day(-20), "onboarding", "initial", ""),
                                       (day(-4), "adoption", "rule", "healthy")]


def test_event_and_contract_conditions_need_all_when_match_is_all(new_customer, settings):
    write([event("NEW-1", day(-8)), event("NEW-1", day(-3))], settings.CSOPS_LAKE_DIR)
    sends = {"type": "event_count", "event": "document_sent", "window_days": 30, "op": ">=", "value": 2}
    seats = {"type": "contract", "field": "seats", "op": ">=", "value": 3}  # any product
    import_config(with_rule(sends, seats, match="all"), actor=None)
    evaluate_stages(day(-25), day(0))
    assert stages_of(new_customer)[-1] == (day(-3), "adoption", "rule", "healthy")


def test_an_unknown_measure_in_a_stage_rule_is_refused_with_its_path(new_customer, scorecard):
    with pytest.raises(ConfigInvalid) as caught:
        import_config(with_rule({"type": "plan_complete"}, dict(HEALTHY, measure="nps")), actor=None)
    assert "stages.rules[0].conditions[1].measure: unknown measure 'nps' (known: active_users)" in caught.value.errors


def test_a_stage_condition_for_an_unknown_product_or_with_a_bad_field_is_refused(new_customer, scorecard):
    with pytest.raises(ConfigInvalid) as caught:
        import_config(with_rule(dict(HEALTHY, product="nope"), dict(HEALTHY, op="~", colour="red")), actor=None)
    errors = caught.value.errors
    assert any(e.startswith("stages.rules[0].conditions[0].product: unknown product 'nope'") for e in errors)
    assert "stages.rules[0].conditions[1].colour: unknown field for a measure condition" in errors
    assert any(e.startswith("stages.rules[0].conditions[1].op: must be one of") for e in errors)
