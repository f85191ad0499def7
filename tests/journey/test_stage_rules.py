"""Lifecycle stages follow the rules, the renewal window and the contracts; a manual override holds."""

from __future__ import annotations

import datetime as dt

import pytest

from csops.audit.models import AuditEntry
from csops.customers.models import Activity, Contract
from csops.journey import onboarding
from csops.journey.maturity import evaluate_maturity
from csops.journey.models import StageChange
from csops.journey.stages import StageInvalid, do_override_stage, evaluate_stages
from tests.journey.conftest import day

pytestmark = pytest.mark.django_db


def stages_of(account) -> list[tuple[dt.date, str, str]]:
    return list(StageChange.objects.filter(account=account).order_by("day", "id")
                .values_list("day", "stage_to", "source"))


def test_an_account_starts_in_onboarding_and_moves_on_when_its_plan_is_complete(journey, new_customer, alice):
    plan = onboarding.do_start_plan(new_customer.contracts.get())
    evaluate_stages(day(-25), day(-15))
    assert stages_of(new_customer) == [(day(-20), "onboarding", "initial")]
    for step in plan.steps.all():
        onboarding.do_complete_step(step, actor=alice, day=day(-12))
    evaluate_stages(day(-14), day(0))
    assert stages_of(new_customer)[-1] == (day(-12), "adoption", "rule")
    new_customer.refresh_from_db()
    assert new_customer.lifecycle_stage == "adoption"
    assert Activity.objects.filter(account=new_customer, kind="system", data__rule="plan-done").exists()


def test_rules_chain_within_a_day_and_maturity_drives_expansion(journey, lake, globex):
    evaluate_maturity(day(-45), day(0))
    plan = onboarding.do_start_plan(globex.contracts.get())
    assert plan is not None
    for step in plan.steps.all():
        onboarding.do_complete_step(step, actor=None, day=day(-30))
    evaluate_stages(day(-45), day(0))
    # Lv.3 on D-9: adoption -> expansion by the "wide" rule.
    assert (day(-9), "expansion", "rule") in stages_of(globex)


def test_the_renewal_window_and_churn_come_from_the_contracts(journey, lake, acme):
    # Acme renews on 2026-04-01: the 30-day window starts on 2026-03-02; its contract ends on D-1.
    evaluate_stages(day(-45), day(-2))
    assert stages_of(acme)[-1] == (dt.date(2026, 3, 2), "renewal", "rule")
    Contract.objects.filter(account=acme).update(end_date=day(-1), status="churned")
    evaluate_stages(day(-1), day(0))
    assert stages_of(acme)[-1] == (day(-1), "churned", "rule")


def test_a_manual_override_needs_a_reason_is_audited_and_holds_against_the_rules(journey, new_customer, alice):
    with pytest.raises(StageInvalid, match="reason"):
        do_override_stage(new_customer, "adoption", reason="  ", actor=alice)
    plan = onboarding.do_start_plan(new_customer.contracts.get())
    for step in plan.steps.all():
        onboarding.do_complete_step(step, actor=alice, day=day(-15))
    evaluate_stages(day(-20), day(-11))
    assert stages_of(new_customer)[-1] == (day(-15), "adoption", "rule")
    do_override_stage(new_customer, "onboarding", reason="Re-onboarding after their reorganisation", actor=alice,
                      day=day(-10), hold_days=5)
    evaluate_stages(day(-10), day(0))
    changes = stages_of(new_customer)
    assert changes[-2] == (day(-10), "onboarding", "manual")
    # The override holds until D-5; the next day the rules apply again (the plan is complete).
    assert changes[-1] == (day(-4), "adoption", "rule")
    entry = AuditEntry.objects.get(action="journey.stage_override")
    assert entry.changes["reason"] == "Re-onboarding after their reorganisation"
    assert Activity.objects.filter(account=new_customer, kind="system", body__contains="reorganisation").exists()


def test_an_unknown_stage_is_refused(journey, acme, alice):
    with pytest.raises(StageInvalid, match="Unknown stage"):
        do_override_stage(acme, "dormant", reason="because", actor=alice)


def _globex_onboarded(globex) -> None:
    evaluate_maturity(day(-45), day(0))
    plan = onboarding.do_start_plan(globex.contracts.get())
    for step in plan.steps.all():
        onboarding.do_complete_step(step, actor=None, day=day(-30))


@pytest.mark.parametrize("product_code,expands", [("delivery", True), ("sign", False), (None, True)])
def test_maturity_at_least_compares_the_named_products_level(product_code, expands, journey, lake, globex):
    from csops.customers.models import Product
    from csops.journey.config import import_config
    from tests.journey.conftest import RULES, config

    Product.objects.create(code="sign", name="e-Signature")  # Globex has no level in it
    wide = {"type": "maturity_at_least", "level": 3}
    if product_code:
        wide["product"] = product_code
    rules = [RULES[0], dict(RULES[1], conditions=[wide])]
    import_config(config(stages={"renewal_window_days": 30, "override_days": 30, "rules": rules}), actor=None)
    _globex_onboarded(globex)
    evaluate_stages(day(-45), day(0))
    assert ((day(-9), "expansion", "rule") in stages_of(globex)) is expands


def test_maturity_at_least_refuses_an_unknown_product(journey):
    from csops.journey.config import ConfigInvalid, import_config
    from tests.journey.conftest import RULES, config

    rules = [RULES[0], dict(RULES[1], conditions=[{"type": "maturity_at_least", "level": 3, "product": "nope"}])]
    with pytest.raises(ConfigInvalid) as caught:
        import_config(config(stages={"renewal_window_days": 30, "override_days": 30, "rules": rules}), actor=None)
    assert any(e.startswith("stages.rules[1].conditions[0].product: unknown product 'nope'")
               for e in caught.value.errors), caught.value.errors
