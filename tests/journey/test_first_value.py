"""Time to first value: from the contract start to the first electronic send, per account and group."""

from __future__ import annotations

import pytest

from csops.journey import ttfv
from csops.journey.models import FirstValue
from tests.journey.conftest import day, event, write

pytestmark = pytest.mark.django_db


def test_first_value_is_the_first_matching_event_after_the_contract_start(journey, new_customer, settings):
    write([event("NEW-1", day(-60), channel="web"),  # the history starts before the contract
           event("NEW-1", day(-15), channel="postal"), event("NEW-1", day(-12), channel="email")],
          settings.CSOPS_LAKE_DIR)
    assert ttfv.evaluate_first_value(day(-14)) == 0
    assert FirstValue.objects.get(account=new_customer).reached_on is None
    assert ttfv.evaluate_first_value(day(0)) == 1
    fv = FirstValue.objects.get(account=new_customer)
    assert (fv.reached_on, fv.days) == (day(-12), 8)
    assert ttfv.evaluate_first_value(day(0)) == 0  # found once, never recomputed


def test_a_contract_older_than_the_history_has_no_duration(journey, lake, acme):
    ttfv.evaluate_first_value(day(0))
    fv = FirstValue.objects.get(account=acme)
    assert fv.reached_on == day(-40) and not fv.measurable and fv.days is None


def test_distribution_per_segment_and_cohort(journey, new_customer, settings):
    write([event("NEW-1", day(-60)), event("NEW-1", day(-17), channel="web")], settings.CSOPS_LAKE_DIR)
    ttfv.evaluate_first_value(day(0))
    assert ttfv.distribution("delivery", by="segment") == [
        {"group": "smb", "n": 1, "median": 3, "p25": 3, "p75": 3, "min": 3, "max": 3, "waiting": 0, "days": [3]}]
    assert ttfv.distribution("delivery", by="cohort")[0]["group"] == "2026 Q1"
