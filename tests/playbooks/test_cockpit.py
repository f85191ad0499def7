"""The CSM's day: open CTAs by priority and due date with why, accounts at risk, renewals, onboarding."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from csops.playbooks.engine import run_ctas_day, run_rules_day
from tests.playbooks.conftest import make_playbook, make_rule, snapshot

pytestmark = pytest.mark.django_db


def test_my_day_lists_my_ctas_by_priority_with_their_reason(client_as, alice, acme, globex, scorecard):
    today = timezone.localdate()
    acme.next_renewal_date = today + dt.timedelta(days=45)
    acme.save()
    make_rule("red", {"type": "health_grade", "to": ["red"]}, make_playbook("call"))
    make_rule("renewal", {"type": "renewal_in_days", "days": 120}, make_playbook("prep", actions=[
        {"type": "create_cta", "title": "Prepare the renewal of {{ account }}", "priority": "low",
         "due_days": 20}], responsibility="renewal"))
    snapshot(acme, scorecard, today, 28, "red")
    snapshot(globex, scorecard, today, 20, "red")
    run_rules_day(today)
    run_ctas_day(today)
    page = client_as(alice).get(reverse("playbooks-cockpit")).content.decode()
    assert page.index("Call Acme") < page.index("Prepare the renewal of Acme")  # high before low
    assert "Health grade is Red (score 28.0, Delivery health)" in page
    assert "Renewal on" in page
    assert "Call Globex" not in page  # Bob's
    at_risk = page[page.index('data-section="at-risk"'):page.index('data-section="renewals"')]
    assert "Acme" in at_risk and "Globex" not in at_risk
    renewals = page[page.index('data-section="renewals"'):page.index('data-section="onboarding"')]
    assert "Acme" in renewals


def test_my_day_lists_overdue_onboarding_steps_of_my_accounts(client_as, alice, acme):
    from csops.journey.models import OnboardingPlan, OnboardingStep

    today = timezone.localdate()
    contract = acme.contracts.get()
    plan = OnboardingPlan.objects.create(account=acme, contract=contract, product=contract.product,
                                         template_key="t", started_on=today - dt.timedelta(days=20))
    OnboardingStep.objects.create(plan=plan, position=1, key="kickoff", title="Kick-off meeting", owner="csm",
                                  due_on=today - dt.timedelta(days=5), completion="manual")
    page = client_as(alice).get(reverse("playbooks-cockpit")).content.decode()
    assert "Kick-off meeting" in page


def test_cs_ops_look_at_a_csms_day_and_the_team_queues(client_as, carol, alice, acme, acme_cta):
    from csops.playbooks.services import do_create_cta

    do_create_cta(account=acme, title="Upsell Acme", reason="", reason_data={}, responsibility="upsell",
                  priority=2, due_on=timezone.localdate(), checklist=[], day=timezone.localdate())
    page = client_as(carol).get(reverse("playbooks-cockpit"), {"csm": alice.pk}).content.decode()
    assert "Call Acme" in page
    assert "sales" in page
    queue = client_as(carol).get(reverse("playbooks-ctas"), {"queue": "sales"}).content.decode()
    assert "Upsell Acme" in queue and "Call Acme" not in queue


def test_the_nav_links_my_day(client_as, alice):
    page = client_as(alice).get(reverse("playbooks-cockpit")).content.decode()
    assert f'href="{reverse("playbooks-cockpit")}" aria-current="page"' in page
