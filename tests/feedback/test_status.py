"""Only CS Ops and admins change the shared status, through the page or the API; it is audited."""

from __future__ import annotations

import json

import pytest

from csops.audit.models import AuditEntry
from csops.feedback.services import do_record_feedback

pytestmark = pytest.mark.django_db

MAY_SET_STATUS = {"alice": False, "bob": False, "carol": True, "dave": True, "victor": False}


@pytest.fixture
def people(alice, bob, carol, dave, victor):
    return {"alice": alice, "bob": bob, "carol": carol, "dave": dave, "victor": victor}


@pytest.fixture
def request_from_acme(acme, alice):
    return do_record_feedback(acme, kind="feature_request", title="Bulk invoice download", actor=alice)


@pytest.mark.parametrize("persona", sorted(MAY_SET_STATUS))
def test_changing_the_status_through_the_api(persona, people, request_from_acme, client, token_for):
    response = client.patch(f"/api/feedback/{request_from_acme.pk}", data=json.dumps({"status": "planned"}),
                            content_type="application/json", **token_for(people[persona]))
    allowed = MAY_SET_STATUS[persona]
    assert response.status_code == (200 if allowed else 403)
    request_from_acme.refresh_from_db()
    assert (request_from_acme.status == "planned") is allowed


@pytest.mark.parametrize("persona", sorted(MAY_SET_STATUS))
def test_changing_the_status_through_the_page(persona, people, request_from_acme, client):
    client.force_login(people[persona])
    response = client.post(f"/feedback/{request_from_acme.pk}/status/", {"status": "shipped", "next": "/feedback/"})
    allowed = MAY_SET_STATUS[persona]
    assert response.status_code == (302 if allowed else 403)
    request_from_acme.refresh_from_db()
    assert (request_from_acme.status == "shipped") is allowed
    page = client.get("/feedback/").content.decode()
    assert (f'action="/feedback/{request_from_acme.pk}/status/"' in page) is allowed


def test_a_status_change_writes_the_audit_row_with_before_and_after(carol, request_from_acme, client, token_for):
    client.patch(f"/api/feedback/{request_from_acme.pk}", data=json.dumps({"status": "under_review"}),
                 content_type="application/json", **token_for(carol))
    entry = AuditEntry.objects.get(action="feedback.status_changed")
    assert entry.actor == carol and entry.changes == {"status": ["new", "under_review"]}


def test_an_unknown_status_is_refused(carol, request_from_acme, client, token_for):
    response = client.patch(f"/api/feedback/{request_from_acme.pk}", data=json.dumps({"status": "done"}),
                            content_type="application/json", **token_for(carol))
    assert response.status_code == 422
    assert response.json()["error"] == "invalid input"
