"""Onboarding plans: created at contract start from the right template, steps completed by events or by hand."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from csops.customers.models import Contact, Contract
from csops.journey import onboarding
from csops.journey.config import import_config
from csops.journey.models import OnboardingPlan
from tests.journey.conftest import TEMPLATE, config, day, event, write

pytestmark = pytest.mark.django_db


def test_a_plan_is_created_when_a_contract_starts_with_due_days_from_the_start(journey, new_customer):
    started = onboarding.ensure_plans(day(0))
    assert started == 1
    plan = OnboardingPlan.objects.get(account=new_customer)
    assert plan.started_on == day(-20)
    assert [(s.key, s.owner, s.due_on) for s in plan.steps.order_by("position")] == [
        ("kickoff", "csm", day(-13)), ("first-send", "promoter", day(10))]
    assert plan.promoter.name == "Kato Ken" and plan.operator.name == "Mori Ai"
    assert onboarding.ensure_plans(day(0)) == 0  # once per contract


def test_a_new_contract_opens_its_plan_after_the_commit(journey, new_customer, product,
                                                        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        contract = Contract.objects.create(external_id="C-NEW-2", account=new_customer, product=product,
                                           mrr=Decimal("5000"), start_date=dt.date.today())
    assert OnboardingPlan.objects.filter(contract=contract).exists()


def test_contracts_that_started_long_ago_get_no_plan(journey, acme):
    assert onboarding.ensure_plans(day(0)) == 0
    assert not OnboardingPlan.objects.filter(account=acme).exists()


def test_the_segment_template_wins_over_the_product_template(journey, new_customer):
    smb = dict(TEMPLATE, key="delivery-smb", segment="smb", steps=[TEMPLATE["steps"][0]])
    import_config(config(onboarding_templates=[TEMPLATE, smb]), actor=None)
    plan = onboarding.do_start_plan(new_customer.contracts.get())
    assert plan.template_key == "delivery-smb" and plan.steps.count() == 1


def test_an_automatic_step_is_completed_by_the_first_matching_event_after_the_start(journey, new_customer,
                                                                                     settings):
    write([event("NEW-1", day(-30)), event("NEW-1", day(-8)), event("NEW-1", day(-2))], settings.CSOPS_LAKE_DIR)
    plan = onboarding.do_start_plan(new_customer.contracts.get())
    assert onboarding.auto_complete(day(-10)) == 0  # the D-30 send came before the contract
    assert onboarding.auto_complete(day(0)) == 1
    step = plan.steps.get(key="first-send")
    assert step.done_on == day(-8) and step.done_automatically
    kickoff = plan.steps.get(key="kickoff")
    assert kickoff.done_on is None
    onboarding.do_complete_step(kickoff, actor=None, day=day(-1))
    plan.refresh_from_db()
    assert plan.completed_on == day(-1)


def test_a_step_reopened_by_hand_is_not_completed_automatically_again(journey, new_customer, settings):
    write([event("NEW-1", day(-8)), event("NEW-1", day(-2))], settings.CSOPS_LAKE_DIR)
    plan = onboarding.do_start_plan(new_customer.contracts.get())
    assert onboarding.auto_complete(day(-1)) == 1
    step = plan.steps.get(key="first-send")
    assert step.done_automatically and not step.reopened_by_hand
    onboarding.do_complete_step(step, actor=None, done=False, day=day(-1))
    step.refresh_from_db()
    assert step.done_on is None and step.reopened_by_hand
    assert onboarding.auto_complete(day(0)) == 0  # the condition still holds, the CSM's word stands
    assert onboarding.auto_complete(day(1)) == 0
    step.refresh_from_db()
    assert step.done_on is None
    onboarding.do_complete_step(step, actor=None, day=day(0))  # a person marks it done: the flag clears
    step.refresh_from_db()
    assert step.done_on == day(0) and not step.done_automatically and not step.reopened_by_hand
    # A plan created anew starts with fresh steps that complete themselves again.
    plan.delete()
    plan = onboarding.do_start_plan(new_customer.contracts.get())
    assert onboarding.auto_complete(day(0)) == 1
    assert plan.steps.get(key="first-send").done_on == day(-8)


def test_unchecking_an_open_step_does_not_block_its_automatic_completion(journey, new_customer, settings):
    write([event("NEW-1", day(-8))], settings.CSOPS_LAKE_DIR)
    plan = onboarding.do_start_plan(new_customer.contracts.get())
    step = plan.steps.get(key="first-send")
    onboarding.do_complete_step(step, actor=None, done=False, day=day(-9))
    step.refresh_from_db()
    assert not step.reopened_by_hand
    assert onboarding.auto_complete(day(0)) == 1


def test_progress_overdue_and_stalled(journey, new_customer):
    plan = onboarding.do_start_plan(new_customer.contracts.get())
    status = onboarding.plan_status(plan, today=day(0))
    assert status.percent == 0 and [s.key for s in status.overdue] == ["kickoff"]
    assert status.stalled  # nothing done in the 20 days since the start (stall after 14)
    board = onboarding.board(today=day(0))
    assert [row.plan for row in board] == [plan]


def test_promoter_and_operator_being_the_same_person_is_warned(journey, new_customer):
    Contact.objects.filter(account=new_customer, role="operator").update(name="Kato  Ken", email="KATO@new.example")
    plan = onboarding.do_start_plan(new_customer.contracts.get())
    warnings = onboarding.role_warnings(plan)
    assert warnings.same_person and not warnings.no_promoter
    assert "same person" in " ".join(warnings.messages())


def test_a_missing_operator_is_warned(journey, new_customer):
    Contact.objects.filter(account=new_customer, role="operator").delete()
    plan = onboarding.do_start_plan(new_customer.contracts.get())
    warnings = onboarding.role_warnings(plan)
    assert warnings.no_operator and not warnings.same_person


def test_a_promoter_marked_as_also_the_operator_is_warned(journey, new_customer):
    Contact.objects.filter(account=new_customer, role="operator").delete()
    Contact.objects.filter(account=new_customer, role="promoter").update(traits=json.loads('{"also_operator": true}'))
    plan = onboarding.do_start_plan(new_customer.contracts.get())
    warnings = onboarding.role_warnings(plan)
    assert warnings.same_person and not warnings.no_operator
