"""A day evaluated once keeps its recorded history: re-running it, or a range over it, changes nothing."""

from __future__ import annotations

import pytest

from csops.journey.maturity import evaluate_maturity
from csops.journey.models import EvaluatedDay, MaturityChange, StageChange
from csops.journey.stages import evaluate_stages
from tests.journey.conftest import day, event, write

pytestmark = pytest.mark.django_db


def snapshot() -> list[tuple]:
    return list(MaturityChange.objects.order_by("account_id", "day").values_list(
        "account_id", "day", "level_from", "level_to", "created_at"))


def test_re_running_a_day_changes_nothing(journey, lake):
    first = evaluate_maturity(day(-45), day(0))
    before = snapshot()
    again = evaluate_maturity(day(-45), day(0))
    assert again.days_evaluated == 0 and again.days_skipped == 46 * 2 // 2 and again.changes == 0
    assert snapshot() == before
    assert first.changes == len(before)


def test_late_events_do_not_rewrite_a_day_already_evaluated(journey, lake, settings, acme):
    evaluate_maturity(day(-45), day(0))
    before = snapshot()
    # Events arrive late for days already evaluated: those days keep what was recorded.
    write([event("ACME-1", day(-44), department="Z", channel="web")], settings.CSOPS_LAKE_DIR)
    evaluate_maturity(day(-45), day(0))
    assert snapshot() == before


def test_a_range_over_evaluated_and_new_days_only_records_the_new_ones(journey, lake, acme):
    evaluate_maturity(day(-45), day(-20))
    evaluate_maturity(day(-30), day(0))
    assert EvaluatedDay.objects.count() == 46
    levels = list(MaturityChange.objects.filter(account=acme).order_by("day").values_list("day", "level_to"))
    assert levels == [(day(-40), 1), (day(-10), 0), (day(-5), 1), (day(-3), 2)]


def test_re_running_stages_for_a_day_changes_nothing(journey, lake):
    evaluate_maturity(day(-45), day(0))
    evaluate_stages(day(-45), day(0))
    before = list(StageChange.objects.order_by("id").values_list("account_id", "day", "stage_to"))
    result = evaluate_stages(day(-45), day(0))
    assert result.changes == 0 and result.days_skipped == 46
    assert list(StageChange.objects.order_by("id").values_list("account_id", "day", "stage_to")) == before
