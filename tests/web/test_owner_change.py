from __future__ import annotations

import pytest
from django.urls import reverse

from csops.audit.models import AuditEntry


def owner_url(account) -> str:
    return reverse("account-assign-owner", args=[account.pk])


@pytest.mark.parametrize("persona", ["carol", "dave"])
def test_cs_ops_and_admins_change_the_owner(client_as, acme, bob, persona, request):
    actor = request.getfixturevalue(persona)
    response = client_as(actor).post(owner_url(acme), {"owner": bob.pk})
    assert response.status_code == 302
    acme.refresh_from_db()
    assert acme.owner == bob
    entry = AuditEntry.objects.get(action="account.owner_assigned")
    assert entry.actor == actor


def test_cs_ops_can_leave_an_account_unassigned(client_as, carol, acme):
    client_as(carol).post(owner_url(acme), {"owner": ""})
    acme.refresh_from_db()
    assert acme.owner is None


@pytest.mark.parametrize("persona", ["alice", "bob", "victor"])
def test_csms_and_viewers_cannot_change_the_owner(client_as, acme, bob, persona, request):
    response = client_as(request.getfixturevalue(persona)).post(owner_url(acme), {"owner": bob.pk})
    assert response.status_code == 403
    acme.refresh_from_db()
    assert acme.owner.email == "alice@example.com"


@pytest.mark.parametrize(("persona", "shown"), [("alice", False), ("victor", False), ("carol", True), ("dave", True)])
def test_the_owner_control_is_shown_only_to_cs_ops_and_admins(client_as, acme, persona, shown, request):
    html = client_as(request.getfixturevalue(persona)).get(reverse("account-detail", args=[acme.pk])).content
    assert (owner_url(acme).encode() in html) is shown


def test_a_viewer_cannot_be_made_owner(client_as, carol, victor, acme):
    client_as(carol).post(owner_url(acme), {"owner": victor.pk})
    acme.refresh_from_db()
    assert acme.owner.email == "alice@example.com"
