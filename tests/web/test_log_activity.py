from __future__ import annotations

import pytest
from django.urls import reverse

from csops.customers.models import Activity, Contact


def post_url(account) -> str:
    return reverse("account-log-activity", args=[account.pk])


def payload(**extra) -> dict:
    return {"kind": "meeting", "occurred_at": "2025-05-01T10:00", "summary": "Quarterly review",
            "body": "Discussed renewal", **extra}


@pytest.mark.parametrize("persona", ["alice", "carol", "dave"])
def test_the_owner_cs_ops_and_an_admin_log_an_activity(client_as, acme, persona, request):
    user = request.getfixturevalue(persona)
    sato = acme.contacts.get()
    response = client_as(user).post(post_url(acme), payload(contacts=[sato.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("account-detail", args=[acme.pk]) + "#timeline"
    activity = Activity.objects.get(account=acme)
    assert (activity.kind, activity.summary, activity.body, activity.author) == (
        "meeting", "Quarterly review", "Discussed renewal", user
    )
    assert list(activity.contacts.all()) == [sato]
    # Entered in the company timezone (Asia/Tokyo): 10:00 JST is 01:00 UTC.
    assert activity.occurred_at.isoformat() == "2025-05-01T01:00:00+00:00"


def test_a_csm_cannot_log_an_activity_on_another_csms_account(client_as, alice, globex):
    response = client_as(alice).post(post_url(globex), payload())
    assert response.status_code == 403
    assert not Activity.objects.exists()


def test_a_viewer_cannot_log_an_activity(client_as, victor, acme):
    response = client_as(victor).post(post_url(acme), payload())
    assert response.status_code == 403
    assert not Activity.objects.exists()


@pytest.mark.parametrize("persona", ["bob", "victor"])
def test_the_form_is_hidden_from_people_who_may_not_edit_the_account(client_as, acme, persona, request):
    html = client_as(request.getfixturevalue(persona)).get(reverse("account-detail", args=[acme.pk])).content
    assert b'id="activity-form"' not in html


def test_the_owner_sees_the_form_with_the_accounts_contacts(client_as, alice, acme, globex):
    Contact.objects.create(account=globex, name="Someone Else")
    html = client_as(alice).get(reverse("account-detail", args=[acme.pk])).content.decode()
    assert 'id="activity-form"' in html
    assert "Sato Hanako" in html[html.index('id="activity-form"'):]
    assert "Someone Else" not in html


def test_an_htmx_post_returns_the_new_timeline_entry(client_as, alice, acme):
    response = client_as(alice).post(post_url(acme), payload(), HTTP_HX_REQUEST="true")
    assert response.status_code == 201
    html = response.content.decode()
    assert html.lstrip().startswith("<li")
    assert "Quarterly review" in html and "2025/05/01 10:00" in html


def test_a_contact_of_another_account_cannot_be_attached(client_as, alice, acme, globex):
    stranger = Contact.objects.create(account=globex, name="Stranger")
    response = client_as(alice).post(post_url(acme), payload(contacts=[stranger.pk]))
    assert response.status_code == 400
    assert not Activity.objects.exists()


def test_a_missing_summary_is_shown_back_in_the_form(client_as, alice, acme):
    response = client_as(alice).post(post_url(acme), payload(summary=""))
    assert response.status_code == 400
    assert 'class="errorlist' in response.content.decode()


def test_an_invalid_htmx_post_replaces_the_form_with_its_errors(client_as, alice, acme):
    response = client_as(alice).post(post_url(acme), payload(summary=""), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#activity-form"
    assert response["HX-Reswap"] == "outerHTML"
    assert 'id="activity-form"' in response.content.decode()
    assert not Activity.objects.exists()


def test_the_system_kind_cannot_be_logged_by_hand(client_as, alice, acme):
    response = client_as(alice).post(post_url(acme), payload(kind="system"))
    assert response.status_code == 400


def test_logging_is_post_only(client_as, alice, acme):
    assert client_as(alice).get(post_url(acme)).status_code == 405
