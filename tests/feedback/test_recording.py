"""Who may record feedback on Acme (Alice's), through the account page fragment and the API."""

from __future__ import annotations

import json

import pytest

from csops.audit.models import AuditEntry
from csops.feedback.models import Feedback

pytestmark = pytest.mark.django_db

MAY_RECORD_ON_ACME = {"alice": True, "bob": False, "carol": True, "dave": True, "victor": False}


@pytest.fixture
def people(alice, bob, carol, dave, victor):
    return {"alice": alice, "bob": bob, "carol": carol, "dave": dave, "victor": victor}


@pytest.mark.parametrize("persona", sorted(MAY_RECORD_ON_ACME))
def test_recording_feedback_on_acme_through_the_page(persona, people, acme, client):
    client.force_login(people[persona])
    response = client.post(f"/feedback/accounts/{acme.pk}/", {"kind": "feature_request", "title": f"by {persona}"})
    allowed = MAY_RECORD_ON_ACME[persona]
    assert response.status_code == (200 if allowed else 403)
    assert Feedback.objects.filter(title=f"by {persona}").exists() is allowed


@pytest.mark.parametrize("persona", sorted(MAY_RECORD_ON_ACME))
def test_recording_feedback_on_acme_through_the_api(persona, people, acme, client, token_for):
    body = {"account_id": acme.pk, "kind": "bug", "title": f"api by {persona}"}
    response = client.post("/api/feedback", data=json.dumps(body), content_type="application/json",
                           **token_for(people[persona]))
    allowed = MAY_RECORD_ON_ACME[persona]
    assert response.status_code == (201 if allowed else 403)
    assert Feedback.objects.filter(title=f"api by {persona}").exists() is allowed
    if not allowed:
        assert response.json() == {"error": "you may not record feedback on this account", "detail": []}


@pytest.mark.parametrize("persona", sorted(MAY_RECORD_ON_ACME))
def test_everyone_signed_in_reads_the_feedback_panel_and_list(persona, people, acme, client):
    client.force_login(people[persona])
    panel = client.get(f"/feedback/accounts/{acme.pk}/")
    assert panel.status_code == 200
    assert ("Record feedback" in panel.content.decode()) is MAY_RECORD_ON_ACME[persona]
    assert client.get("/feedback/").status_code == 200


def test_alice_records_a_request_from_her_contact_and_it_is_audited(alice, acme, product, client):
    contact = acme.contacts.get()
    client.force_login(alice)
    response = client.post(f"/feedback/accounts/{acme.pk}/", {
        "kind": "feature_request", "title": "請求書の一括ダウンロード", "body": "経理が毎月100件落としている",
        "contact": contact.pk, "product": product.pk,
    })
    assert response.status_code == 200
    assert "Feedback recorded." in response.content.decode()
    feedback = Feedback.objects.get()
    assert (feedback.account, feedback.contact, feedback.product, feedback.author) == (acme, contact, product, alice)
    assert feedback.status == "new"
    assert AuditEntry.objects.filter(action="feedback.recorded", object_id=str(feedback.pk), actor=alice).exists()


def test_a_contact_of_another_account_is_refused_on_the_page_and_in_the_api(
    alice, acme, globex_contact, client, token_for,
):
    client.force_login(alice)
    response = client.post(f"/feedback/accounts/{acme.pk}/", {
        "kind": "bug", "title": "wrong contact", "contact": globex_contact.pk,
    })
    assert response.status_code == 200 and "field-error" in response.content.decode()
    api = client.post("/api/feedback", data=json.dumps({
        "account_id": acme.pk, "kind": "bug", "title": "wrong contact", "contact_id": globex_contact.pk,
    }), content_type="application/json", **token_for(alice))
    assert api.status_code == 422
    assert api.json()["detail"][0]["loc"] == ["body", "contact_id"]
    assert not Feedback.objects.exists()


def test_the_api_refuses_unknown_fields_and_kinds_with_the_error_shape(alice, acme, client, token_for):
    response = client.post("/api/feedback", data=json.dumps({
        "account_id": acme.pk, "kind": "wish", "title": "x", "priority": "high",
    }), content_type="application/json", **token_for(alice))
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "invalid input"
    assert {tuple(d["loc"]) for d in body["detail"]} >= {("body", "payload", "kind"), ("body", "payload", "priority")}


def test_recording_on_a_missing_account_is_a_404(alice, client, token_for):
    response = client.post("/api/feedback", data=json.dumps({"account_id": 999, "kind": "bug", "title": "x"}),
                           content_type="application/json", **token_for(alice))
    assert response.status_code == 404


def test_an_anonymous_caller_is_refused(acme, client):
    assert client.get("/api/feedback").status_code == 401
    assert client.get(f"/feedback/accounts/{acme.pk}/").status_code in (302, 401, 403)
