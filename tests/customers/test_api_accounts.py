from __future__ import annotations

import json

import pytest

from csops.audit.models import AuditEntry
from csops.customers.models import Account

pytestmark = pytest.mark.django_db


def post(client, url, body, headers):
    return client.post(url, data=json.dumps(body), content_type="application/json", **headers)


def patch(client, url, body, headers):
    return client.patch(url, data=json.dumps(body), content_type="application/json", **headers)


def test_an_anonymous_caller_gets_a_401_json_error(client, acme):
    response = client.get("/api/accounts")
    assert response.status_code == 401
    assert response.json() == {"error": "authentication required", "detail": []}


def test_a_bad_token_is_refused(client, acme):
    response = client.get("/api/accounts", HTTP_AUTHORIZATION="Bearer csops_nope")
    assert response.status_code == 401


def test_a_revoked_token_is_refused(client, alice, acme):
    from django.utils import timezone

    from csops.users.models import ApiToken

    token, raw = ApiToken.issue(alice)
    token.revoked_at = timezone.now()
    token.save()
    assert client.get("/api/accounts", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401


def test_a_viewer_lists_and_reads_accounts(client, victor, acme, globex, token_for):
    response = client.get("/api/accounts", **token_for(victor))
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [a["name"] for a in body["items"]] == ["Acme", "Globex"]
    detail = client.get(f"/api/accounts/{acme.pk}", **token_for(victor)).json()
    assert detail["owner_email"] == "alice@example.com"
    assert detail["arr"] == "6000000.00"


def test_the_list_filters_by_owner_and_search(client, victor, acme, globex, token_for):
    by_owner = client.get("/api/accounts?owner_email=bob@example.com", **token_for(victor)).json()
    assert [a["name"] for a in by_owner["items"]] == ["Globex"]
    by_q = client.get("/api/accounts?q=acm", **token_for(victor)).json()
    assert [a["name"] for a in by_q["items"]] == ["Acme"]


def test_cs_ops_creates_an_account_and_it_is_audited(client, carol, alice, token_for):
    body = {"external_id": "INI-9", "name": "Initech", "segment": "smb", "owner_email": "alice@example.com"}
    response = post(client, "/api/accounts", body, token_for(carol))
    assert response.status_code == 201, response.content
    account = Account.objects.get(external_id="INI-9")
    assert account.owner == alice
    assert AuditEntry.objects.filter(action="account.created", object_id=str(account.pk)).exists()


def test_a_csm_cannot_create_accounts(client, alice, token_for):
    response = post(client, "/api/accounts", {"external_id": "X", "name": "X"}, token_for(alice))
    assert response.status_code == 403
    assert response.json()["error"]


def test_unknown_fields_and_bad_values_are_422_with_their_location(client, carol, token_for):
    body = {"external_id": "X-1", "name": "X", "segment": "galactic", "colour": "red"}
    response = post(client, "/api/accounts", body, token_for(carol))
    assert response.status_code == 422
    payload = response.json()
    assert payload["error"] == "invalid input"
    locations = {tuple(d["loc"][-1:]) for d in payload["detail"]}
    assert ("segment",) in locations and ("colour",) in locations
    assert not Account.objects.filter(external_id="X-1").exists()


def test_a_duplicate_external_id_is_a_409(client, carol, acme, token_for):
    response = post(client, "/api/accounts", {"external_id": "ACME-1", "name": "Again"}, token_for(carol))
    assert response.status_code == 409
    assert Account.objects.filter(external_id="ACME-1").count() == 1


def test_the_owning_csm_edits_their_account(client, alice, acme, token_for):
    response = patch(client, f"/api/accounts/{acme.pk}", {"industry": "Logistics"}, token_for(alice))
    assert response.status_code == 200
    acme.refresh_from_db()
    assert acme.industry == "Logistics"


def test_a_csm_cannot_edit_another_csms_account(client, bob, acme, token_for):
    response = patch(client, f"/api/accounts/{acme.pk}", {"industry": "Hacked"}, token_for(bob))
    assert response.status_code == 403
    acme.refresh_from_db()
    assert acme.industry == ""


def test_a_csm_cannot_reassign_their_own_account(client, alice, bob, acme, token_for):
    response = patch(client, f"/api/accounts/{acme.pk}", {"owner_email": "bob@example.com"}, token_for(alice))
    assert response.status_code == 403
    acme.refresh_from_db()
    assert acme.owner == alice


def test_cs_ops_reassigns_an_account(client, carol, bob, acme, token_for):
    response = patch(client, f"/api/accounts/{acme.pk}", {"owner_email": "bob@example.com"}, token_for(carol))
    assert response.status_code == 200
    acme.refresh_from_db()
    assert acme.owner == bob


def test_a_viewer_cannot_edit_or_delete(client, victor, acme, token_for):
    assert patch(client, f"/api/accounts/{acme.pk}", {"industry": "x"}, token_for(victor)).status_code == 403
    assert client.delete(f"/api/accounts/{acme.pk}", **token_for(victor)).status_code == 403
    assert Account.objects.filter(pk=acme.pk).exists()


def test_an_unknown_account_is_a_404(client, victor, token_for):
    response = client.get("/api/accounts/999999", **token_for(victor))
    assert response.status_code == 404
    assert "not found" in response.json()["error"]


def test_an_admin_deletes_an_account(client, dave, acme, token_for):
    assert client.delete(f"/api/accounts/{acme.pk}", **token_for(dave)).status_code == 204
    assert not Account.objects.filter(pk=acme.pk).exists()


def test_session_auth_needs_csrf_for_writes(alice, acme):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    assert client.get("/api/accounts").status_code == 200
    response = patch(client, f"/api/accounts/{acme.pk}", {"industry": "x"}, {})
    assert response.status_code in (401, 403)
    acme.refresh_from_db()
    assert acme.industry == ""


def test_the_openapi_schema_lists_the_crud_routes(client, alice, token_for):
    schema = client.get("/api/openapi.json", **token_for(alice)).json()
    for route in ("/api/accounts", "/api/accounts/{account_id}", "/api/contracts", "/api/contacts", "/api/activities"):
        assert route in schema["paths"]
