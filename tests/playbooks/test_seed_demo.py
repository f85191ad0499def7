"""``csops playbooks seed-demo``: the seed's plays, run for the demo's today, idempotent."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from csops.customers.models import Activity
from csops.demo.generate import DEFAULT_TODAY as DEMO_TODAY
from csops.playbooks.models import Cta, Episode, Rule

pytestmark = pytest.mark.django_db


def test_the_seed_fires_the_plays_that_have_data_and_running_it_twice_changes_nothing(acme, globex, alice):
    acme.next_renewal_date = DEMO_TODAY + dt.timedelta(days=100)
    acme.save()
    Activity.objects.create(account=globex, kind="ticket", summary="Down", data={"severity": "high"},
                            occurred_at=dt.datetime(2026, 10, 30, 3, tzinfo=dt.UTC))
    call_command("playbooks", "seed-demo", "--date", DEMO_TODAY.isoformat())
    assert {r.key for r in Rule.objects.filter(is_active=True)} >= {
        "onboarding-stalled", "health-drop", "renewal-120", "nps-detractor", "expansion-signal", "promoter-left"}
    ctas = sorted((c.account.name, c.playbook.key, c.assignee.email if c.assignee else c.queue)
                  for c in Cta.objects.all())
    assert ctas == [("Acme", "renewal-prep", "alice@example.com"), ("Globex", "escalation-support", "support")]
    assert all(c.reason for c in Cta.objects.all())
    call_command("playbooks", "seed-demo", "--date", DEMO_TODAY.isoformat())
    assert (Episode.objects.count(), Cta.objects.count()) == (2, 2)
