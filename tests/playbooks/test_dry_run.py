"""A dry run lists what the real run then does, through the same code, and writes nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from csops.audit.models import AuditEntry
from csops.customers.models import Activity
from csops.playbooks.engine import run_ctas_day, run_rules_day
from csops.playbooks.models import AccountTouch, ActionRun, Cta, Departure, Episode, KeyContact, PlaybookSettings
from tests.playbooks.conftest import DAY, make_playbook, make_rule, snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def rules(acme, globex, scorecard):
    make_rule("red", {"type": "health_grade", "to": ["red"]}, make_playbook())
    make_rule("renewal", {"type": "renewal_in_days", "days": 200}, make_playbook("prep", responsibility="renewal"))
    snapshot(acme, scorecard, DAY, 20, "red")
    snapshot(globex, scorecard, DAY, 25, "red")
    globex.next_renewal_date = DAY + dt.timedelta(days=30)
    globex.save()


def _counts() -> tuple[int, ...]:
    return tuple(model.objects.count() for model in (Episode, ActionRun, Cta, AccountTouch, Activity, AuditEntry,
                                                     Departure, KeyContact, PlaybookSettings))


def test_the_dry_run_lists_exactly_what_the_real_run_fires(rules, acme, globex):
    before = _counts()
    planned = run_rules_day(DAY, dry_run=True)
    due = run_ctas_day(DAY, dry_run=True)
    assert _counts() == before  # nothing written
    assert due.due == []  # nothing is due before the rules ran for real
    done = run_rules_day(DAY)
    assert planned.fired == done.fired == sorted([("red", acme.pk), ("red", globex.pk), ("renewal", globex.pk)])
    assert sorted((e.rule.key, e.account_id) for e in Episode.objects.all()) == planned.fired
    assert [h.text for h in planned.hits] == [h.text for h in done.hits]


def test_the_dry_run_of_a_day_already_run_fires_nothing_new(rules):
    run_rules_day(DAY)
    again = run_rules_day(DAY, dry_run=True)
    assert again.fired == []
    assert len(again.hits) == 3


def test_the_dry_run_of_the_actions_lists_those_the_real_run_carries_out(rules):
    run_rules_day(DAY)
    planned = run_ctas_day(DAY, dry_run=True)
    assert Cta.objects.count() == 0
    done = run_ctas_day(DAY)
    assert len(planned.due) == Cta.objects.count() == done.outcomes["done"] == 3
