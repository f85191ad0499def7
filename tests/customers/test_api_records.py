from __future__ import annotations

import json
from decimal import Decimal

import pytest

from csops.customers.models import Activity, Contact, Contract

pytestmark = pytest.mark.django_db


def send(client, method, url, body, headers):
    return getattr(client, method)(url, data=json.dumps(body), content_type="application/json", **headers)


def contract_body(account, **extra):
    body = {
        "external_id": "C-NEW", "account_id": account.pk, "product": "delivery", "plan": "Standard",
        "seats": 10, "mrr": "120000", "currency": "JPY", "start_date": "2026-01-01", "renewal_date": "2027-01-01",
    }
    body.update(extra)
    return body


def test_adding_a_contract_updates_the_accounts_arr(client, alice, acme, token_for):
    response = send(client, "post", "/api/contracts", contract_body(acme), token_for(alice))
    assert response.status_code == 201, response.content
    assert response.json()["arr"] == "1440000.00"
    acme.refresh_from_db()
    assert acme.arr == Decimal("7440000")


def test_jpy_amounts_with_decimals_are_refused(client, alice, acme, token_for):
    response = send(client, "post", "/api/contracts", contract_body(acme, mrr="100.50"), token_for(alice))
    assert response.status_code == 422
    assert "JPY" in json.dumps(response.json()["detail"])
    assert not Contract.objects.filter(external_id="C-NEW").exists()


def test_an_unknown_product_is_refused(client, alice, acme, token_for):
    response = send(client, "post", "/api/contracts", contract_body(acme, product="nope"), token_for(alice))
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "product"]


def test_a_renewal_before_the_start_is_refused(client, alice, acme, token_for):
    body = contract_body(acme, renewal_date="2025-01-01")
    assert send(client, "post", "/api/contracts", body, token_for(alice)).status_code == 422


def test_a_csm_cannot_add_a_contract_to_another_csms_account(client, bob, acme, token_for):
    response = send(client, "post", "/api/contracts", contract_body(acme), token_for(bob))
    assert response.status_code == 403
    assert not Contract.objects.filter(external_id="C-NEW").exists()


def test_churning_a_contract_removes_it_from_arr(client, alice, acme, token_for):
    contract = acme.contracts.get()
    response = send(client, "patch", f"/api/contracts/{contract.pk}", {"status": "churned"}, token_for(alice))
    assert response.status_code == 200
    acme.refresh_from_db()
    assert acme.arr == 0


def test_a_contact_is_added_edited_and_removed_by_the_owner(client, alice, acme, token_for):
    body = {"account_id": acme.pk, "name": "Tanaka", "email": "tanaka@acme.example", "role": "operator"}
    created = send(client, "post", "/api/contacts", body, token_for(alice))
    assert created.status_code == 201
    contact_id = created.json()["id"]
    edited = send(client, "patch", f"/api/contacts/{contact_id}", {"role": "promoter"}, token_for(alice))
    assert edited.json()["role"] == "promoter"
    assert client.delete(f"/api/contacts/{contact_id}", **token_for(alice)).status_code == 204
    assert not Contact.objects.filter(pk=contact_id).exists()


def test_a_contact_with_a_bad_email_or_role_is_refused(client, alice, acme, token_for):
    body = {"account_id": acme.pk, "name": "Tanaka", "email": "not-an-email", "role": "boss"}
    response = send(client, "post", "/api/contacts", body, token_for(alice))
    assert response.status_code == 422
    fields = {d["loc"][-1] for d in response.json()["detail"]}
    assert {"email", "role"} <= fields


def test_a_csm_cannot_touch_another_csms_contacts(client, bob, acme, token_for):
    contact = acme.contacts.get()
    response = send(client, "patch", f"/api/contacts/{contact.pk}", {"name": "x"}, token_for(bob))
    assert response.status_code == 403
    assert client.delete(f"/api/contacts/{contact.pk}", **token_for(bob)).status_code == 403


def test_an_activity_is_logged_with_its_contacts_and_author(client, alice, acme, token_for):
    contact = acme.contacts.get()
    body = {"account_id": acme.pk, "kind": "meeting", "summary": "QBR", "contact_ids": [contact.pk]}
    response = send(client, "post", "/api/activities", body, token_for(alice))
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["author_email"] == "alice@example.com"
    assert data["contact_ids"] == [contact.pk]
    listed = client.get(f"/api/activities?account_id={acme.pk}", **token_for(alice)).json()
    assert [a["summary"] for a in listed] == ["QBR"]


def test_an_activity_cannot_name_another_accounts_contact(client, alice, acme, globex, token_for):
    stranger = Contact.objects.create(account=globex, name="Other")
    body = {"account_id": acme.pk, "kind": "call", "summary": "x", "contact_ids": [stranger.pk]}
    response = send(client, "post", "/api/activities", body, token_for(alice))
    assert response.status_code == 422
    assert not Activity.objects.exists()


def test_a_viewer_cannot_log_activities(client, victor, acme, token_for):
    body = {"account_id": acme.pk, "kind": "note", "summary": "x"}
    assert send(client, "post", "/api/activities", body, token_for(victor)).status_code == 403


def test_a_malformed_json_body_is_a_clear_4xx(client, alice, acme, token_for):
    response = client.post("/api/activities", data="{not json", content_type="application/json", **token_for(alice))
    assert 400 <= response.status_code < 500
    assert "error" in response.json()
