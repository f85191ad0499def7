"""CTAs go to the role that carries the responsibility: the CSM (account owner), sales, support..."""

from __future__ import annotations

import pytest

from csops.playbooks.engine import run_ctas_day, run_rules_day
from csops.playbooks.models import Cta
from csops.playbooks.services import do_set_route, route
from tests.playbooks.conftest import DAY, make_playbook, make_rule

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("responsibility", "queue"), [
    ("onboarding", "sales"), ("implementation", "implementation"), ("upsell", "sales"), ("technical", "support"),
])
def test_by_default_team_responsibilities_go_to_their_queue(acme, responsibility, queue):
    assert route(responsibility, acme) == (None, queue)


@pytest.mark.parametrize("responsibility", ["adoption", "renewal"])
def test_adoption_and_renewal_go_to_the_account_owner(acme, alice, globex, bob, responsibility):
    assert route(responsibility, acme) == (alice, "")
    assert route(responsibility, globex) == (bob, "")


def test_an_owner_routed_cta_of_an_account_without_owner_waits_in_the_csm_queue(acme):
    acme.owner = None
    acme.save()
    assert route("renewal", acme) == (None, "csm")


def test_cs_ops_route_a_responsibility_to_a_person(acme, carol, dave):
    do_set_route("technical", to_owner=False, user=dave, queue="", actor=carol)
    assert route("technical", acme) == (dave, "")


def test_the_cta_of_a_rule_lands_with_the_routed_role(acme, globex, alice, bob):
    for account in (acme, globex):
        account.traits = {"plan_hint": "x"}
        account.next_renewal_date = DAY
        account.save()
    make_rule("renewal", {"type": "renewal_in_days", "days": 30}, make_playbook("prep", responsibility="renewal"))
    make_rule("upsell", {"type": "renewal_in_days", "days": 30}, make_playbook("upsell", responsibility="upsell"))
    run_rules_day(DAY)
    run_ctas_day(DAY)
    got = sorted((c.playbook.key, c.account.name, c.assignee.email if c.assignee else None, c.queue)
                 for c in Cta.objects.all())
    assert got == [
        ("prep", "Acme", "alice@example.com", ""), ("prep", "Globex", "bob@example.com", ""),
        ("upsell", "Acme", None, "sales"), ("upsell", "Globex", None, "sales"),
    ]


def test_an_action_may_name_its_own_responsibility(acme):
    acme.next_renewal_date = DAY
    acme.save()
    make_rule("r", {"type": "renewal_in_days", "days": 30}, make_playbook("p", actions=[
        {"type": "create_cta", "title": "Tech check for {{ account }}", "responsibility": "technical"}]))
    run_rules_day(DAY)
    run_ctas_day(DAY)
    assert Cta.objects.get().queue == "support"
