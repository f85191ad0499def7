"""Triggers about events (a support escalation, a detractor's answer): each new event gets its own episode and CTA."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from csops.customers.models import Activity
from csops.playbooks.engine import preview, run_ctas_day, run_rules_day
from csops.playbooks.models import Cta, Episode
from tests.playbooks.conftest import DAY, make_playbook, make_rule

pytestmark = pytest.mark.django_db


def _day(n: int) -> dt.date:
    return DAY + dt.timedelta(days=n)


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _ticket(account, day: dt.date, summary: str, hour: int = 10) -> Activity:
    return Activity.objects.create(account=account, kind="ticket", summary=summary, occurred_at=_at(day, hour),
                                   data={"severity": "high", "status": "open"})


def _run(day: dt.date) -> None:
    run_rules_day(day)
    run_ctas_day(day)


@pytest.fixture
def escalation_rule(db):
    return make_rule("escalation", {"type": "support_escalation", "severities": ["high"], "days": 7},
                     make_playbook("support", actions=[{"type": "create_cta", "title": "Help {{ account }}"}],
                                   responsibility="technical"))


def test_a_second_escalation_in_the_window_gets_its_own_cta(acme, escalation_rule):
    first = _ticket(acme, _day(0), "Cannot log in")
    _run(_day(0))
    _run(_day(0))  # re-running a day creates nothing twice
    _run(_day(1))
    assert Cta.objects.count() == 1
    second = _ticket(acme, _day(2), "Invoices are not sent")
    _run(_day(2))
    _run(_day(2))
    assert sorted(Cta.objects.values_list("reason", flat=True)) == [
        f"New high support ticket on {_day(0).isoformat()}: Cannot log in",
        f"New high support ticket on {_day(2).isoformat()}: Invoices are not sent"]
    old, new = Episode.objects.order_by("pk")
    assert (old.event_key, old.ended_on) == (f"activity:{first.pk}", _day(2))  # superseded by the newer ticket
    assert (new.event_key, new.ended_on) == (f"activity:{second.pk}", None)
    _run(_day(3))
    assert Cta.objects.count() == 2
    _run(_day(9))  # out of the 7-day window
    assert not Episode.objects.filter(ended_on__isnull=True).exists()


def test_a_second_detractor_answer_gets_its_own_cta(acme, globex):
    make_rule("detractor", {"type": "nps_detractor", "max_score": 6, "days": 30}, make_playbook("recover"))
    promoter = acme.contacts.get()
    Activity.objects.create(account=acme, kind="survey", summary="NPS 3", data={"nps": 3},
                            occurred_at=_at(_day(-3))).contacts.set([promoter])
    _run(_day(0))
    other = acme.contacts.create(name="Ito", role="user", email="ito@acme.example")
    Activity.objects.create(account=acme, kind="survey", summary="NPS 5", data={"nps": 5},
                            occurred_at=_at(_day(1))).contacts.set([other])
    _run(_day(1))
    _run(_day(2))
    assert sorted(Cta.objects.values_list("reason", flat=True)) == [
        f"NPS answer of 3, a detractor ({_day(-3).isoformat()})",
        f"NPS answer of 5, a detractor ({_day(1).isoformat()})"]


def test_the_preview_says_a_new_event_would_fire(acme, escalation_rule):
    _ticket(acme, _day(0), "Cannot log in")
    _run(_day(0))
    assert Episode.objects.get().event_key.startswith("activity:")
    hits = preview(escalation_rule.trigger, escalation_rule.segment, _day(1), rule=escalation_rule)
    assert [h.new for h in hits] == [False]
    _ticket(acme, _day(1), "Slow")
    hits = preview(escalation_rule.trigger, escalation_rule.segment, _day(1), rule=escalation_rule)
    assert [h.new for h in hits] == [True]


def test_an_episode_opened_before_event_keys_takes_the_event_and_does_not_fire_again(acme, escalation_rule):
    ticket = _ticket(acme, _day(0), "Cannot log in")
    Episode.objects.create(rule=escalation_rule, account=acme, started_on=_day(0), last_held_on=_day(0),
                           reason={"text": "old"})
    _run(_day(1))
    episode = Episode.objects.get()
    assert (episode.event_key, episode.last_held_on, episode.ended_on) == (f"activity:{ticket.pk}", _day(1), None)
    assert not Cta.objects.exists()
