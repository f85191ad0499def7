"""The journey adds onboarding progress and maturity level to the health measure library."""

from __future__ import annotations

import zoneinfo

import pytest

from csops.health.measures import DbScope, measure_type
from csops.journey import onboarding
from csops.journey.maturity import evaluate_maturity
from tests.journey.conftest import day

pytestmark = pytest.mark.django_db


def scope(accounts, product, on):
    return DbScope(account_ids=[a.pk for a in accounts], day=on, scorecard_id=None, product_id=product.pk,
                   tz=zoneinfo.ZoneInfo("Asia/Tokyo"))


def test_onboarding_progress_is_the_share_of_steps_done_by_the_day(journey, new_customer, product):
    plan = onboarding.do_start_plan(new_customer.contracts.get())
    onboarding.do_complete_step(plan.steps.get(key="kickoff"), actor=None, day=day(-5))
    compute = measure_type("onboarding_progress").db
    assert compute(scope([new_customer], product, day(-6)), None) == {new_customer.pk: 0.0}
    assert compute(scope([new_customer], product, day(0)), None) == {new_customer.pk: 50.0}


def test_maturity_level_on_the_day(journey, lake, acme, globex, product):
    evaluate_maturity(day(-45), day(0))
    compute = measure_type("maturity_level").db
    assert compute(scope([acme, globex], product, day(-20)), None) == {acme.pk: 1.0, globex.pk: 0.0}
    assert compute(scope([acme, globex], product, day(0)), None) == {acme.pk: 2.0, globex.pk: 3.0}
