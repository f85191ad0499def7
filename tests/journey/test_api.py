"""The journey API: read with a token; the account's CSM, CS Ops and admins update; others are refused."""

from __future__ import annotations

import json

import pytest

from csops.journey import onboarding
from csops.journey.maturity import evaluate_maturity
from tests.journey.conftest import day

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(alice, bob, carol, dave, victor):
    return {"alice": alice, "bob": bob, "carol": carol, "dave": dave, "victor": victor}


def test_an_outsider_gets_401_everywhere(client, acme):
    for method, url in (("get", f"/api/journey/accounts/{acme.pk}"), ("get", "/api/journey/maturity/delivery/curve"),
                        ("post", "/api/journey/steps/1"), ("post", f"/api/journey/accounts/{acme.pk}/stage"),
                        ("patch", "/api/journey/outcomes/1"), ("get", "/api/journey/config"),
                        ("put", "/api/journey/config")):
        if method == "get":
            response = client.get(url)
        else:
            response = getattr(client, method)(url, data="{}", content_type="application/json")
        assert response.status_code == 401, url
        assert response.json()["error"] == "authentication required"


def test_reading_an_accounts_journey(client, token_for, victor, journey, lake, acme):
    evaluate_maturity(day(-45), day(0))
    body = client.get(f"/api/journey/accounts/{acme.pk}", **token_for(victor)).json()
    assert body["maturity"][0]["level"] == 2 and body["stage"] == acme.lifecycle_stage
    curve = client.get("/api/journey/maturity/delivery/curve", **token_for(victor)).json()
    assert curve["levels"] == 3 and curve["points"][-1]["counts"] == [0, 0, 1, 1]


@pytest.mark.parametrize("persona,status", [("alice", 200), ("bob", 403), ("victor", 403), ("carol", 200)])
def test_updating_a_step(persona, status, people, client, token_for, journey, new_customer, alice):
    new_customer.owner = alice
    new_customer.save()
    step = onboarding.do_start_plan(new_customer.contracts.get()).steps.get(key="kickoff")
    response = client.post(f"/api/journey/steps/{step.pk}", data=json.dumps({"done": True}),
                           content_type="application/json", **token_for(people[persona]))
    assert response.status_code == status
    if status == 200:
        assert response.json()["done_on"] is not None and response.json()["reopened_by_hand"] is False
        reopened = client.post(f"/api/journey/steps/{step.pk}", data=json.dumps({"done": False}),
                               content_type="application/json", **token_for(people[persona]))
        assert reopened.json()["done_on"] is None and reopened.json()["reopened_by_hand"] is True


def test_outcomes_through_the_api(client, token_for, alice, acme):
    auth = token_for(alice)
    created = client.post(f"/api/journey/accounts/{acme.pk}/outcomes", content_type="application/json", data=json.dumps(
        {"title": "No paper", "kpi": "Letters", "baseline": "300", "target": "0", "due_on": "2027-03-31"}), **auth)
    assert created.status_code == 201
    outcome_id = created.json()["id"]
    patched = client.patch(f"/api/journey/outcomes/{outcome_id}", content_type="application/json",
                           data=json.dumps({"current": "150", "status": "open"}), **auth)
    assert patched.status_code == 200 and patched.json()["current"] == "150.00"
    bad = client.patch(f"/api/journey/outcomes/{outcome_id}", content_type="application/json",
                       data=json.dumps({"colour": "red"}), **auth)
    assert bad.status_code == 422


def test_a_stage_override_needs_a_reason(client, token_for, alice, acme):
    response = client.post(f"/api/journey/accounts/{acme.pk}/stage", content_type="application/json",
                           data=json.dumps({"stage": "adoption", "reason": ""}), **token_for(alice))
    assert response.status_code == 422


@pytest.mark.parametrize("persona,status", [("alice", 403), ("victor", 403), ("carol", 200)])
def test_configuration_import_through_the_api(persona, status, people, client, token_for, journey):
    auth = token_for(people[persona])
    doc = client.get("/api/journey/config", **auth).json()
    doc["onboarding_templates"][0]["steps"][0]["due_days"] = 3
    response = client.put("/api/journey/config", data=json.dumps(doc), content_type="application/json", **auth)
    assert response.status_code == status
    doc["onboarding_templates"][0]["steps"][0]["due_days"] = -3
    bad = client.put("/api/journey/config", data=json.dumps(doc), content_type="application/json", **auth)
    assert bad.status_code == (422 if status == 200 else 403)
