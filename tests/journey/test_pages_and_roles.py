"""Journey pages: everyone signed in reads; a CSM changes only their accounts' journey; CS Ops configure."""

from __future__ import annotations

import pytest

from csops.journey import onboarding
from csops.journey.maturity import evaluate_maturity
from csops.journey.models import OnboardingStep, Outcome, StageChange, SuccessPlan
from tests.journey.conftest import day

pytestmark = pytest.mark.django_db

READ_PAGES = ["/journey/", "/journey/onboarding/", "/journey/ttfv/", "/journey/config/", "/journey/config.yaml"]


@pytest.fixture
def people(alice, bob, carol, dave, victor):
    return {"alice": alice, "bob": bob, "carol": carol, "dave": dave, "victor": victor}


@pytest.fixture
def evaluated(journey, lake, acme):
    evaluate_maturity(day(-45), day(0))
    return acme


def test_an_outsider_is_sent_to_the_login_page(client, acme):
    for url in [*READ_PAGES, f"/journey/accounts/{acme.pk}/panel"]:
        assert "/login/" in client.get(url)["Location"], url
    for url in (f"/journey/accounts/{acme.pk}/stage", "/journey/config/", "/journey/steps/1"):
        assert "/login/" in client.post(url)["Location"], url


@pytest.mark.parametrize("persona", ["alice", "bob", "carol", "dave", "victor"])
def test_everyone_signed_in_reads_every_page(persona, people, client, evaluated):
    client.force_login(people[persona])
    for url in [*READ_PAGES, f"/journey/accounts/{evaluated.pk}/panel"]:
        assert client.get(url).status_code == 200, url


def test_the_panel_shows_the_level_why_the_stage_and_the_plan(client, alice, evaluated, new_customer):
    client.force_login(alice)
    html = client.get(f"/journey/accounts/{evaluated.pk}/panel").content.decode()
    assert "Lv.2 of 3" in html and "Spreads" in html
    assert "For Lv.3 (Paper-free)" in html and "missing" in html
    assert 'name="reason"' in html  # Alice owns Acme: she may override the stage


def test_the_account_page_loads_the_panel_lazily(client, alice, acme):
    client.force_login(alice)
    html = client.get(f"/accounts/{acme.pk}/").content.decode()
    assert f'hx-get="/journey/accounts/{acme.pk}/panel"' in html and 'data-slot="journey"' in html


def test_the_portfolio_draws_the_maturity_curve(client, victor, evaluated):
    client.force_login(victor)
    html = client.get("/journey/").content.decode()
    assert "<svg" in html and "2026-03-31 Lv.2: 1" in html


@pytest.mark.parametrize("persona,allowed", [("alice", True), ("bob", False), ("victor", False), ("carol", True)])
def test_who_may_override_acmes_stage(persona, allowed, people, client, acme):
    client.force_login(people[persona])
    response = client.post(f"/journey/accounts/{acme.pk}/stage", {"stage": "adoption", "reason": "Live in 3 teams"})
    assert response.status_code == (302 if allowed else 403)
    assert StageChange.objects.filter(account=acme, source="manual").exists() is allowed


@pytest.mark.parametrize("persona,allowed", [("alice", True), ("bob", False), ("victor", False), ("dave", True)])
def test_who_may_check_an_onboarding_step_and_edit_the_success_plan(persona, allowed, people, client, journey,
                                                                    new_customer, alice):
    new_customer.owner = alice
    new_customer.save()
    plan = onboarding.do_start_plan(new_customer.contracts.get())
    step = plan.steps.get(key="kickoff")
    client.force_login(people[persona])
    assert client.post(f"/journey/steps/{step.pk}", {"done": "1"}).status_code == (302 if allowed else 403)
    assert (OnboardingStep.objects.get(pk=step.pk).done_on is not None) is allowed
    response = client.post(f"/journey/accounts/{new_customer.pk}/outcomes", {
        "outcome-title": "No more paper", "outcome-kpi": "Letters a month", "outcome-baseline": "300",
        "outcome-target": "0", "outcome-due_on": "2027-03-31"})
    assert response.status_code == (302 if allowed else 403)
    assert Outcome.objects.exists() is allowed
    response = client.post(f"/journey/accounts/{new_customer.pk}/checkpoints", {
        "cx-day": "2026-04-01", "cx-sentiment": "neutral", "cx-score": "7"})
    assert SuccessPlan.objects.filter(checkpoints__isnull=False).exists() is allowed


@pytest.mark.parametrize("persona,allowed", [("alice", False), ("victor", False), ("carol", True), ("dave", True)])
def test_only_cs_ops_and_admins_import_configuration(persona, allowed, people, client, journey):
    client.force_login(people[persona])
    text = client.get("/journey/config.yaml").content.decode().replace("Paperless", "Paper-free journey")
    response = client.post("/journey/config/", {"document": text})
    assert response.status_code == (302 if allowed else 403)
    from csops.journey.models import MaturityModel

    assert (MaturityModel.objects.get().name == "Paper-free journey") is allowed


def test_a_bad_import_on_the_page_shows_every_error_and_changes_nothing(client, carol, journey):
    client.force_login(carol)
    text = client.get("/journey/config.yaml").content.decode().replace("due_days: 7", "due_days: -7")
    response = client.post("/journey/config/", {"document": text})
    assert response.status_code == 200
    assert "a step cannot be due before the contract starts" in response.content.decode()


def test_the_panel_shows_the_current_levels_conditions_and_the_rule_that_moved_the_stage(client, victor, evaluated):
    from csops.journey.models import StageChange as Change

    Change.objects.create(account=evaluated, day=day(-2), stage_from="onboarding", stage_to="adoption",
                          source="rule", rule="plan-done")
    Change.objects.create(account=evaluated, day=day(-1), stage_from="adoption", stage_to="renewal",
                          source="rule", rule="renewal window")
    client.force_login(victor)
    html = client.get(f"/journey/accounts/{evaluated.pk}/panel").content.decode()
    assert "Lv.2 (Spreads) holds by:" in html and "For Lv.3 (Paper-free)" in html
    assert "rule “plan-done”" in html and "renewal window" in html
    assert f"as of {day(0).strftime('%m/%d/%Y')}" in html  # the reader's date format
