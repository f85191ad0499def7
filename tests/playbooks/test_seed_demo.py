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


def test_the_seed_shows_a_contact_cap_deferring_a_touch(acme, carol, client):
    """The first stalled onboarding account's promoter had the campaign's three emails this week: the nudge waits."""
    from csops.journey.models import OnboardingPlan, OnboardingStep
    from csops.outreach.models import Message, Touch
    from csops.playbooks.models import ActionRun, ActionStatus

    contract = acme.contracts.get()
    plan = OnboardingPlan.objects.create(account=acme, contract=contract, product=contract.product, template_key="t",
                                         started_on=DEMO_TODAY - dt.timedelta(days=30))
    OnboardingStep.objects.create(plan=plan, position=1, key="setup", title="Initial setup", owner="operator",
                                  due_on=DEMO_TODAY - dt.timedelta(days=10), completion="manual")
    promoter = acme.contacts.get(role="promoter")
    call_command("playbooks", "seed-demo", "--date", DEMO_TODAY.isoformat())

    campaign = Message.objects.filter(contact=promoter, source="outreach").order_by("scheduled_for")
    assert [(m.template.key, m.scheduled_for) for m in campaign] == [  # 2026-11-01 is a Sunday
        ("onboarding-welcome", dt.date(2026, 10, 28)), ("onboarding-setup-guide", dt.date(2026, 10, 29)),
        ("onboarding-first-document", dt.date(2026, 10, 30))]
    assert Touch.objects.filter(contact=promoter).count() == 3  # the nudge is not one of them
    nudge = ActionRun.objects.get(playbook__key="onboarding-stall", position=1)
    assert nudge.status == ActionStatus.DEFERRED
    assert nudge.detail.startswith(f"contact cap: {promoter.name}")
    assert not Message.objects.filter(source="playbooks").exists()

    client.force_login(carol)
    page = client.get("/playbooks/log/?status=deferred").content.decode()
    assert "Deferred by a contact cap" in page and "contact cap: Sato Hanako" in page

    call_command("playbooks", "seed-demo", "--date", DEMO_TODAY.isoformat())  # twice: nothing new
    assert Message.objects.filter(contact=promoter).count() == 3
    assert ActionRun.objects.filter(status=ActionStatus.DEFERRED).count() == 1
