"""A rule fires once per episode: not again while it holds, again after it stopped holding."""

from __future__ import annotations

import datetime as dt

import pytest

from csops.playbooks.engine import run_ctas_day, run_rules_day
from csops.playbooks.models import ActionRun, Cta, Episode
from tests.playbooks.conftest import DAY, make_playbook, make_rule, snapshot

pytestmark = pytest.mark.django_db


def _day(n: int) -> dt.date:
    return DAY + dt.timedelta(days=n)


def test_a_red_grade_fires_once_while_it_stays_red(acme, scorecard):
    make_rule("red", {"type": "health_grade", "to": ["red"]}, make_playbook())
    for n in range(3):
        snapshot(acme, scorecard, _day(n), 30, "red")
        run_rules_day(_day(n))
        run_ctas_day(_day(n))
    assert Episode.objects.count() == 1
    assert Cta.objects.count() == 1


def test_it_fires_again_after_the_condition_stopped_holding(acme, scorecard):
    make_rule("red", {"type": "health_grade", "to": ["red"]}, make_playbook())
    for n, grade in enumerate(["red", "green", "red"]):
        snapshot(acme, scorecard, _day(n), 30 if grade == "red" else 80, grade)
        run_rules_day(_day(n))
        run_ctas_day(_day(n))
    first, second = Episode.objects.order_by("started_on")
    assert (first.started_on, first.ended_on) == (_day(0), _day(1))
    assert (second.started_on, second.ended_on) == (_day(2), None)
    assert Cta.objects.count() == 2


def test_re_running_a_day_creates_nothing_twice(acme, scorecard):
    make_rule("red", {"type": "health_grade", "to": ["red"]}, make_playbook())
    snapshot(acme, scorecard, DAY, 30, "red")
    for _ in range(2):
        run_rules_day(DAY)
        run_ctas_day(DAY)
    assert (Episode.objects.count(), ActionRun.objects.count(), Cta.objects.count()) == (1, 1, 1)


def test_the_cta_says_why_it_exists(acme, scorecard):
    make_rule("drop", {"type": "health_score_dropped", "points": 10}, make_playbook())
    snapshot(acme, scorecard, DAY, 42, "yellow", trend_7=-15)
    run_rules_day(DAY)
    run_ctas_day(DAY)
    cta = Cta.objects.get()
    assert cta.title == "Call Acme"
    assert cta.reason == "Health score fell 15.0 points in 7 days, to 42.0 (Delivery health)"
    assert cta.reason_data["drop"] == 15.0
    assert [item["text"] for item in cta.checklist] == ["Prepare", "Call"]
    assert cta.due_on == DAY + dt.timedelta(days=3)


def test_a_later_action_is_skipped_when_the_episode_ended_first(acme, scorecard):
    make_rule("red", {"type": "health_grade", "to": ["red"]}, make_playbook(actions=[
        {"type": "add_activity", "summary": "{{ account }} turned red"},
        {"type": "create_cta", "title": "Call {{ account }}", "after_days": 2},
    ]))
    snapshot(acme, scorecard, DAY, 30, "red")
    run_rules_day(DAY)
    run_ctas_day(DAY)
    snapshot(acme, scorecard, _day(1), 80, "green")
    run_rules_day(_day(1))
    run_ctas_day(_day(2))
    assert not Cta.objects.exists()
    assert ActionRun.objects.get(position=2).status == "skipped"
