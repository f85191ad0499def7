"""Turning a rule off ends its open episodes and skips the actions they still had to do; CTAs stay."""

from __future__ import annotations

import datetime as dt

import pytest

from csops.playbooks.config import do_set_rule_active, import_config
from csops.playbooks.engine import run_ctas_day, run_rules_day
from csops.playbooks.models import ActionRun, ActionStatus, Cta, Episode, Rule
from tests.playbooks.conftest import DAY, make_playbook, make_rule, snapshot

pytestmark = pytest.mark.django_db

TWO_STEPS = [{"type": "create_cta", "title": "Call {{ account }}", "due_days": 3},
             {"type": "create_cta", "title": "Check on {{ account }} again", "after_days": 5}]


def _started(acme, scorecard) -> Rule:
    rule = make_rule("red", {"type": "health_grade", "to": ["red"]}, make_playbook(actions=TWO_STEPS))
    snapshot(acme, scorecard, DAY, 30, "red")
    run_rules_day(DAY)
    run_ctas_day(DAY)
    assert Cta.objects.count() == 1
    return rule


def test_turning_a_rule_off_ends_its_episodes_and_skips_the_delayed_actions(acme, scorecard, carol):
    rule = _started(acme, scorecard)
    do_set_rule_active(rule, False, actor=carol)
    episode = Episode.objects.get()
    assert episode.ended_on is not None
    later = ActionRun.objects.get(position=2)
    assert later.status == ActionStatus.SKIPPED
    assert later.detail.startswith("the rule was turned off on")
    assert ActionRun.objects.get(position=1).status == ActionStatus.DONE  # what was done stays done
    for n in range(1, 8):
        snapshot(acme, scorecard, DAY + dt.timedelta(days=n), 30, "red")
        run_rules_day(DAY + dt.timedelta(days=n))
        run_ctas_day(DAY + dt.timedelta(days=n))
    assert Cta.objects.count() == 1  # the first CTA stays with its owner; nothing new comes
    assert Episode.objects.count() == 1


def test_turned_on_again_it_starts_a_new_episode(acme, scorecard, carol):
    rule = _started(acme, scorecard)
    do_set_rule_active(rule, False, actor=carol)
    do_set_rule_active(rule, True, actor=carol)
    day = DAY + dt.timedelta(days=1)
    snapshot(acme, scorecard, day, 30, "red")
    run_rules_day(day)
    assert Episode.objects.filter(ended_on__isnull=True).count() == 1
    assert Episode.objects.count() == 2


def test_an_import_with_active_false_turns_it_off_the_same_way(acme, scorecard, carol):
    _started(acme, scorecard)
    import_config({"version": 1, "rules": [{"key": "red", "name": "Red", "active": False, "playbook": "call",
                                            "trigger": {"type": "health_grade", "to": ["red"]}}]}, actor=carol)
    assert not Episode.objects.filter(ended_on__isnull=True).exists()
    assert ActionRun.objects.get(position=2).status == ActionStatus.SKIPPED


def test_episodes_left_open_by_a_rule_turned_off_earlier_end_on_the_next_run(acme, scorecard):
    rule = _started(acme, scorecard)
    Rule.objects.filter(pk=rule.pk).update(is_active=False)  # as data from before turning off ended them
    run_rules_day(DAY + dt.timedelta(days=1))
    assert Episode.objects.get().ended_on == DAY + dt.timedelta(days=1)
    run_ctas_day(DAY + dt.timedelta(days=5))
    assert ActionRun.objects.get(position=2).status == ActionStatus.SKIPPED
    assert Cta.objects.count() == 1
