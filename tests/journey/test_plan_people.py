"""The customer's promoter and operator of an onboarding plan: set from the account's contacts on the
panel and through the API, warnings follow, audited; only the account's CSM, CS Ops and admins change them."""

from __future__ import annotations

import json

import pytest

from csops.audit.models import AuditEntry
from csops.customers.models import Account, Contact
from csops.journey import onboarding

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(alice, bob, carol, dave, victor):
    return {"alice": alice, "bob": bob, "carol": carol, "dave": dave, "victor": victor}


@pytest.fixture
def plan(journey, new_customer, alice):
    new_customer.owner = alice
    new_customer.save()
    return onboarding.do_start_plan(new_customer.contracts.get())


def _contacts(plan):
    return {c.name: c for c in Contact.objects.filter(account=plan.account)}


def test_the_panel_offers_the_accounts_contacts(client, alice, plan):
    client.force_login(alice)
    html = client.get(f"/journey/accounts/{plan.account_id}/panel").content.decode()
    assert f'action="/journey/plans/{plan.pk}/people"' in html
    assert f'id="journey-people-{plan.pk}-promoter"' in html and "Mori Ai" in html


def test_the_panel_shows_no_people_form_to_a_reader(client, victor, plan):
    client.force_login(victor)
    html = client.get(f"/journey/accounts/{plan.account_id}/panel").content.decode()
    assert "/people" not in html


def test_setting_the_same_person_twice_warns_and_is_audited(client, alice, plan):
    kato = _contacts(plan)["Kato Ken"]
    client.force_login(alice)
    response = client.post(f"/journey/plans/{plan.pk}/people", {
        f"people-{plan.pk}-promoter": kato.pk, f"people-{plan.pk}-operator": kato.pk}, follow=True)
    plan.refresh_from_db()
    assert plan.promoter == kato and plan.operator == kato
    assert onboarding.role_warnings(plan).same_person
    assert any("same person" in str(m) for m in response.context["messages"])
    entry = AuditEntry.objects.filter(action="journey.plan_people").get()
    assert entry.changes == {"promoter": kato.pk, "operator": kato.pk}


def test_clearing_the_operator_warns_it_is_missing(client, alice, plan):
    kato = _contacts(plan)["Kato Ken"]
    client.force_login(alice)
    response = client.post(f"/journey/plans/{plan.pk}/people", {
        f"people-{plan.pk}-promoter": kato.pk, f"people-{plan.pk}-operator": ""}, follow=True)
    plan.refresh_from_db()
    assert plan.operator is None
    assert any("No operator recorded" in str(m) for m in response.context["messages"])


def test_a_contact_of_another_account_is_refused_on_the_page(client, alice, plan, acme):
    stranger = Contact.objects.filter(account=acme).first()
    client.force_login(alice)
    client.post(f"/journey/plans/{plan.pk}/people", {f"people-{plan.pk}-promoter": stranger.pk})
    plan.refresh_from_db()
    assert plan.promoter.name == "Kato Ken"
    assert not AuditEntry.objects.filter(action="journey.plan_people").exists()


@pytest.mark.parametrize("persona,allowed", [("alice", True), ("bob", False), ("victor", False), ("carol", True),
                                             ("dave", True)])
def test_who_may_set_the_people_on_the_page(persona, allowed, people, client, plan):
    mori = _contacts(plan)["Mori Ai"]
    client.force_login(people[persona])
    response = client.post(f"/journey/plans/{plan.pk}/people", {
        f"people-{plan.pk}-promoter": mori.pk, f"people-{plan.pk}-operator": mori.pk})
    assert response.status_code == (302 if allowed else 403)
    plan.refresh_from_db()
    assert (plan.promoter == mori) is allowed


@pytest.mark.parametrize("persona,status", [("alice", 200), ("bob", 403), ("victor", 403), ("carol", 200),
                                            ("dave", 200)])
def test_who_may_set_the_people_through_the_api(persona, status, people, client, token_for, plan):
    contacts = _contacts(plan)
    body = {"promoter_id": contacts["Mori Ai"].pk, "operator_id": contacts["Kato Ken"].pk}
    response = client.post(f"/api/journey/plans/{plan.pk}/people", data=json.dumps(body),
                           content_type="application/json", **token_for(people[persona]))
    assert response.status_code == status
    plan.refresh_from_db()
    assert (plan.promoter_id == body["promoter_id"]) is (status == 200)
    if status == 200:
        assert response.json()["promoter_id"] == body["promoter_id"] and response.json()["warnings"] == []
    else:
        assert response.json()["error"]


def test_the_api_answers_the_warnings_and_refuses_strangers(client, token_for, alice, plan, acme):
    auth = token_for(alice)
    kato = _contacts(plan)["Kato Ken"]
    response = client.post(f"/api/journey/plans/{plan.pk}/people", content_type="application/json",
                           data=json.dumps({"promoter_id": kato.pk, "operator_id": None}), **auth)
    assert response.status_code == 200
    assert response.json()["operator_id"] is None
    assert any("No operator recorded" in w for w in response.json()["warnings"])
    stranger = Contact.objects.filter(account=acme).first()
    bad = client.post(f"/api/journey/plans/{plan.pk}/people", content_type="application/json",
                      data=json.dumps({"promoter_id": stranger.pk, "operator_id": None}), **auth)
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "promoter_id"]
    missing = client.post("/api/journey/plans/999999/people", content_type="application/json",
                          data=json.dumps({"promoter_id": None, "operator_id": None}), **auth)
    assert missing.status_code == 404


def test_an_outsider_gets_401(client, plan):
    response = client.post(f"/api/journey/plans/{plan.pk}/people", data="{}", content_type="application/json")
    assert response.status_code == 401
    assert "/login/" in client.post(f"/journey/plans/{plan.pk}/people")["Location"]
    assert Account.objects.filter(pk=plan.account_id).exists()
