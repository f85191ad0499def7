"""Feedback shows on the account's timeline: when it is recorded and when its status changes."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from csops.customers.models import Activity
from csops.feedback.models import Feedback
from csops.feedback.services import FeedbackInvalid, do_record_feedback, do_set_status

pytestmark = pytest.mark.django_db


def feedback_entries(account) -> list[Activity]:
    return list(account.activities.filter(data__has_key="feedback").order_by("pk"))


def test_recording_feedback_writes_a_timeline_entry(acme, alice):
    contact = acme.contacts.get()
    feedback = do_record_feedback(acme, kind="feature_request", title="Bulk invoice download",
                                  body="They send 2,000 invoices a month.", contact=contact, actor=alice)
    [entry] = feedback_entries(acme)
    assert entry.kind == "system" and entry.author == alice
    assert entry.summary == "Feedback recorded (Feature request): Bulk invoice download"
    assert entry.body == "They send 2,000 invoices a month."
    assert entry.data == {"feedback": feedback.pk, "event": "feedback_recorded", "kind": "feature_request",
                          "status": "new"}
    # Recording what the customer asked for is not a touch with them: their last touch does not move.
    assert list(entry.contacts.all()) == []


def test_invalid_feedback_writes_nothing(acme, alice):
    with pytest.raises(FeedbackInvalid):
        do_record_feedback(acme, kind="feature_request", title="  ", actor=alice)
    assert feedback_entries(acme) == []


def test_a_status_change_writes_a_timeline_entry_and_a_no_op_does_not(acme, alice, carol):
    feedback = do_record_feedback(acme, kind="bug", title="PDF export cuts the last page", actor=alice)
    do_set_status(feedback, "shipped", actor=carol)
    do_set_status(feedback, "shipped", actor=carol)  # unchanged: nothing to tell
    recorded, shipped = feedback_entries(acme)
    assert shipped.kind == "system" and shipped.author == carol
    assert shipped.summary == "Feedback status changed to Shipped: PDF export cuts the last page"
    assert shipped.data == {"feedback": feedback.pk, "event": "feedback_status_changed", "status": ["new", "shipped"]}


def test_the_csm_sees_the_shipped_request_on_the_account_page(acme, alice, carol, client):
    client.force_login(alice)
    client.post(reverse("feedback-account", args=[acme.pk]), {"kind": "feature_request", "title": "SSO via Okta"})
    feedback = Feedback.objects.get(title="SSO via Okta")
    client.force_login(carol)
    client.post(reverse("feedback-status", args=[feedback.pk]), {"status": "shipped", "next": "/feedback/"})
    client.force_login(alice)
    html = client.get(reverse("account-detail", args=[acme.pk])).content.decode()
    timeline = html[html.index('id="timeline-list"'):]
    assert "Feedback recorded (Feature request): SSO via Okta" in timeline
    assert "Feedback status changed to Shipped: SSO via Okta" in timeline
    assert timeline.index("Shipped: SSO via Okta") < timeline.index("recorded (Feature request)")  # newest first


def test_feedback_through_the_api_reaches_the_timeline(acme, alice, carol, client, token_for):
    response = client.post("/api/feedback", data=json.dumps({"account_id": acme.pk, "kind": "bug", "title": "Slow"}),
                           content_type="application/json", **token_for(alice))
    assert response.status_code == 201
    client.patch(f"/api/feedback/{response.json()['id']}", data=json.dumps({"status": "planned"}),
                 content_type="application/json", **token_for(carol))
    assert [e.data["event"] for e in feedback_entries(acme)] == ["feedback_recorded", "feedback_status_changed"]
