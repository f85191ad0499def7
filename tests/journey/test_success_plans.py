"""Success plans: outcomes with KPI, baseline and target; milestones; CX checkpoints; all audited."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from csops.audit.models import AuditEntry
from csops.journey.models import Outcome
from csops.journey.success import (
    SuccessInvalid,
    do_add_checkpoint,
    do_add_milestone,
    do_add_outcome,
    do_mark_milestone,
    do_save_plan,
    do_update_outcome,
)

pytestmark = pytest.mark.django_db


def test_a_csm_records_the_outcome_the_customer_wants_and_its_progress(acme, alice):
    do_save_plan(acme, depth="deep", summary="Close the books two days faster", actor=alice)
    outcome = do_add_outcome(acme, actor=alice, title="Faster month end", kpi="Days to close", unit="days",
                             baseline=Decimal(7), target=Decimal(5), due_on=dt.date(2027, 3, 31))
    do_update_outcome(outcome, actor=alice, current=Decimal(6))
    assert Outcome.objects.get().progress() == 50
    milestone = do_add_milestone(acme, actor=alice, kind="behavioural", title="Accounting sends every invoice")
    do_mark_milestone(milestone, actor=alice, done_on=dt.date(2026, 5, 1))
    do_add_checkpoint(acme, actor=alice, day=dt.date(2026, 5, 2), sentiment="positive", score=9, note="Happy")
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"journey.success_plan_saved", "journey.outcome_added", "journey.outcome_updated",
            "journey.milestone_added", "journey.milestone_done", "journey.cx_checkpoint_added"} <= actions


def test_bad_outcomes_and_checkpoints_are_refused(acme, alice):
    with pytest.raises(SuccessInvalid) as info:
        do_add_outcome(acme, actor=alice, title=" ", kpi="x", baseline=Decimal(1), target=Decimal(1),
                       due_on=dt.date(2027, 1, 1), measure="nope")
    assert set(info.value.errors) == {"title", "target", "measure"}
    with pytest.raises(SuccessInvalid, match="score"):
        do_add_checkpoint(acme, actor=alice, day=dt.date(2026, 1, 1), sentiment="positive", score=11)
    with pytest.raises(SuccessInvalid, match="depth"):
        do_save_plan(acme, depth="medium", summary="", actor=alice)
