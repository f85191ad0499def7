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


def test_my_day_shows_the_queue_ctas_waiting_on_my_accounts_below_my_own(client_as, alice, acme, globex,
                                                                          acme_cta):
    from csops.customers.models import Account
    from csops.playbooks.services import do_close_cta, do_create_cta, do_snooze_cta, do_take_cta

    today = timezone.localdate()

    def queued(account, title, responsibility="upsell"):
        return do_create_cta(account=account, title=title, reason="", reason_data={},
                             responsibility=responsibility, priority=2, due_on=today, checklist=[], day=today)

    upsell = queued(acme, "Upsell Acme")
    queued(acme, "Fix the Acme SSO", responsibility="technical")
    queued(globex, "Upsell Globex")  # Bob's account
    queued(Account.objects.create(external_id="ORPHAN-1", name="Orphan"), "Renew Orphan", "renewal")  # queue csm
    do_snooze_cta(queued(acme, "Snoozed Acme upsell"), until=today + dt.timedelta(days=3), actor=alice)
    do_close_cta(queued(acme, "Closed Acme upsell"), outcome="not_needed", actor=alice)

    page = client_as(alice).get(reverse("playbooks-cockpit")).content.decode()
    mine = page[page.index('data-section="ctas"'):page.index('data-section="queued"')]
    waiting = page[page.index('data-section="queued"'):page.index('data-section="at-risk"')]
    assert "Call Acme" in mine and "Upsell Acme" not in mine
    assert "Waiting in a queue on your accounts" in waiting
    assert "Upsell Acme" in waiting and "sales" in waiting
    assert "Fix the Acme SSO" in waiting and "support" in waiting
    assert "Call Acme" not in waiting  # assigned to her: above
    for other in ("Upsell Globex", "Renew Orphan", "Snoozed Acme upsell", "Closed Acme upsell"):
        assert other not in waiting, other
    assert reverse("playbooks-cta-take", args=[upsell.pk]) in waiting

    do_take_cta(upsell, actor=alice)
    page = client_as(alice).get(reverse("playbooks-cockpit")).content.decode()
    mine = page[page.index('data-section="ctas"'):page.index('data-section="queued"')]
    waiting = page[page.index('data-section="queued"'):page.index('data-section="at-risk"')]
    assert "Upsell Acme" in mine and "Upsell Acme" not in waiting


def test_bobs_day_shows_the_queue_ctas_of_his_accounts_only(client_as, bob, acme, globex, carol):
    from csops.playbooks.services import do_create_cta

    for account, title in ((acme, "Upsell Acme"), (globex, "Upsell Globex")):
        do_create_cta(account=account, title=title, reason="", reason_data={}, responsibility="upsell",
                      priority=2, due_on=timezone.localdate(), checklist=[], day=timezone.localdate())
    page = client_as(bob).get(reverse("playbooks-cockpit")).content.decode()
    waiting = page[page.index('data-section="queued"'):page.index('data-section="at-risk"')]
    assert "Upsell Globex" in waiting and "Upsell Acme" not in waiting
    # CS Ops looking at Bob's day see the same list, without take buttons (taking would assign it to them)
    page = client_as(carol).get(reverse("playbooks-cockpit"), {"csm": bob.pk}).content.decode()
    waiting = page[page.index('data-section="queued"'):page.index('data-section="at-risk"')]
    assert "Waiting in a queue on Bob's accounts" in waiting and "Upsell Globex" in waiting
    assert "/take/" not in waiting
