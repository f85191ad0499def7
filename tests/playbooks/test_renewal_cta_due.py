"""A renewal-preparation CTA is never due after the renewal, and is urgent when the renewal is close."""

from __future__ import annotations

import datetime as dt

import pytest

from csops.playbooks.engine import run_ctas_day, run_rules_day
from csops.playbooks.models import Cta, Priority
from tests.playbooks.conftest import DAY, make_playbook, make_rule

pytestmark = pytest.mark.django_db

PREP = [{"type": "create_cta", "title": "Prepare the renewal of {{ account }}", "priority": "medium",
         "due_days": 21}]


def _cta_for_renewal_in(acme, days: int, actions=PREP) -> Cta:
    acme.next_renewal_date = DAY + dt.timedelta(days=days)
    acme.save()
    make_rule("renewal-120", {"type": "renewal_in_days", "days": 120}, make_playbook("prep", actions=actions))
    run_rules_day(DAY)
    run_ctas_day(DAY)
    return Cta.objects.get()


def test_far_from_the_renewal_the_playbook_decides(acme):
    cta = _cta_for_renewal_in(acme, 100)
    assert (cta.due_on, cta.priority) == (DAY + dt.timedelta(days=21), Priority.MEDIUM)


def test_the_due_date_is_capped_at_the_renewal_and_the_priority_raised(acme):
    cta = _cta_for_renewal_in(acme, 10)
    assert (cta.due_on, cta.priority) == (DAY + dt.timedelta(days=10), Priority.HIGH)
    assert cta.reason_data["renewal"] == (DAY + dt.timedelta(days=10)).isoformat()


def test_a_renewal_within_a_month_is_high_priority_even_when_the_due_date_fits(acme):
    cta = _cta_for_renewal_in(acme, 25, actions=[{**PREP[0], "due_days": 5, "priority": "low"}])
    assert (cta.due_on, cta.priority) == (DAY + dt.timedelta(days=5), Priority.HIGH)


def test_ctas_without_a_renewal_in_their_reason_are_untouched(acme, scorecard):
    from tests.playbooks.conftest import snapshot

    make_rule("red", {"type": "health_grade", "to": ["red"]}, make_playbook(actions=PREP))
    snapshot(acme, scorecard, DAY, 30, "red")
    run_rules_day(DAY)
    run_ctas_day(DAY)
    cta = Cta.objects.get()
    assert (cta.due_on, cta.priority) == (DAY + dt.timedelta(days=21), Priority.MEDIUM)
