"""Taking a queue CTA: who may (the account's owner CSM, CS Ops, admins), what it leaves behind, refusals."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from csops.audit.models import AuditEntry
from csops.customers.models import Activity
from csops.playbooks.models import Cta
from csops.playbooks.services import CtaAlreadyAssigned, do_close_cta, do_create_cta, do_take_cta
from tests.playbooks.conftest import DAY

pytestmark = pytest.mark.django_db


def _queue_cta(account, title: str, responsibility: str = "upsell") -> Cta:
    return do_create_cta(account=account, title=title, reason="Expansion signal", reason_data={},
                         responsibility=responsibility, priority=2, due_on=DAY, checklist=[], day=DAY)


@pytest.fixture
def acme_upsell(acme) -> Cta:
    return _queue_cta(acme, "Upsell Acme")


@pytest.fixture
def globex_upsell(globex) -> Cta:
    return _queue_cta(globex, "Upsell Globex")


def _api_take(client, cta: Cta, headers: dict[str, str]):
    return client.post(f"/api/playbooks/ctas/{cta.pk}/take", json.dumps({}), content_type="application/json",
                       **headers)


# --- the service -----------------------------------------------------------------------------------


def test_the_owner_csm_takes_a_sales_cta_on_her_account(acme_upsell, alice):
    assert (acme_upsell.assignee, acme_upsell.queue) == (None, "sales")
    do_take_cta(acme_upsell, actor=alice)
    cta = Cta.objects.get(pk=acme_upsell.pk)
    assert (cta.assignee, cta.queue, cta.status) == (alice, "", "open")
    entry = Activity.objects.filter(account=cta.account, data__event="cta_taken").get()
    assert entry.summary == "CTA taken by Alice from queue sales: Upsell Acme"
    assert entry.author == alice
    assert (entry.data["cta"], entry.data["queue"], entry.data["to"]) == (cta.pk, "sales", alice.email)
    audit = AuditEntry.objects.get(action="playbooks.cta_taken")
    assert audit.actor == alice and audit.object_id == str(cta.pk)
    assert audit.changes == {"assignee": [None, alice.email], "queue": ["sales", ""]}


@pytest.mark.parametrize("who", ["carol", "dave"])
def test_cs_ops_and_admins_take_a_queue_cta_on_any_account(acme_upsell, who, request):
    person = request.getfixturevalue(who)
    do_take_cta(acme_upsell, actor=person)
    assert Cta.objects.get(pk=acme_upsell.pk).assignee == person


def test_a_viewer_may_not_take(acme_upsell, victor):
    with pytest.raises(PermissionDenied):
        do_take_cta(acme_upsell, actor=victor)
    assert Cta.objects.get(pk=acme_upsell.pk).assignee is None


def test_another_csm_may_not_take_on_an_account_she_does_not_own(acme_upsell, bob):
    with pytest.raises(PermissionDenied):
        do_take_cta(acme_upsell, actor=bob)
    cta = Cta.objects.get(pk=acme_upsell.pk)
    assert (cta.assignee, cta.queue) == (None, "sales")
    assert not AuditEntry.objects.filter(action="playbooks.cta_taken").exists()


def test_an_assigned_cta_cannot_be_taken(acme_cta, alice, carol):
    with pytest.raises(CtaAlreadyAssigned, match="already assigned to Alice"):
        do_take_cta(acme_cta, actor=carol)
    assert Cta.objects.get(pk=acme_cta.pk).assignee == alice


def test_of_two_people_taking_at_once_only_the_first_wins(acme_upsell, alice, carol):
    stale = Cta.objects.get(pk=acme_upsell.pk)  # carol's page was loaded before alice took it
    do_take_cta(acme_upsell, actor=alice)
    with pytest.raises(CtaAlreadyAssigned, match="already assigned to Alice"):
        do_take_cta(stale, actor=carol)
    assert Cta.objects.get(pk=acme_upsell.pk).assignee == alice
    assert AuditEntry.objects.filter(action="playbooks.cta_taken").count() == 1


def test_a_closed_queue_cta_cannot_be_taken(acme_upsell, alice):
    do_close_cta(acme_upsell, outcome="not_needed", actor=alice)
    with pytest.raises(ValueError, match="closed CTA cannot be taken"):
        do_take_cta(acme_upsell, actor=alice)
    assert Cta.objects.get(pk=acme_upsell.pk).assignee is None


def test_only_cs_ops_take_from_the_csm_queue_of_an_account_without_owner(alice, carol):
    from csops.customers.models import Account

    orphan = Account.objects.create(external_id="ORPHAN-1", name="Orphan")
    cta = _queue_cta(orphan, "Renew Orphan", responsibility="renewal")
    assert cta.queue == "csm"
    with pytest.raises(PermissionDenied):
        do_take_cta(cta, actor=alice)
    do_take_cta(cta, actor=carol)
    assert Cta.objects.get(pk=cta.pk).assignee == carol


# --- the API ---------------------------------------------------------------------------------------


def test_the_owner_takes_through_the_api(client, alice, acme_upsell, token_for):
    response = _api_take(client, acme_upsell, token_for(alice))
    assert response.status_code == 200
    assert (response.json()["assignee_email"], response.json()["queue"]) == ("alice@example.com", "")


def test_taking_an_assigned_cta_through_the_api_is_a_409(client, carol, acme_cta, token_for):
    response = _api_take(client, acme_cta, token_for(carol))
    assert response.status_code == 409
    assert response.json()["error"] == "This CTA is already assigned to Alice."


def test_a_viewer_gets_403_taking_through_the_api(client, victor, acme_upsell, token_for):
    response = _api_take(client, acme_upsell, token_for(victor))
    assert response.status_code == 403
    assert Cta.objects.get(pk=acme_upsell.pk).assignee is None


def test_an_outsider_csm_gets_403_taking_through_the_api(client, bob, acme_upsell, token_for):
    response = _api_take(client, acme_upsell, token_for(bob))
    assert response.status_code == 403
    assert response.json()["error"] == "Only the account owner or CS Ops may take this CTA."
    assert Cta.objects.get(pk=acme_upsell.pk).assignee is None


def test_taking_a_closed_cta_through_the_api_is_a_422(client, alice, acme_upsell, token_for):
    do_close_cta(acme_upsell, outcome="not_needed", actor=alice)
    assert _api_take(client, acme_upsell, token_for(alice)).status_code == 422


def test_taking_an_unknown_cta_through_the_api_is_a_404(client, alice, token_for):
    assert client.post("/api/playbooks/ctas/999999/take", **token_for(alice)).status_code == 404


# --- the pages -------------------------------------------------------------------------------------


def test_the_owner_takes_from_the_cta_page(client_as, alice, acme_upsell):
    client = client_as(alice)
    page = client.get(reverse("playbooks-cta", args=[acme_upsell.pk])).content.decode()
    assert reverse("playbooks-cta-take", args=[acme_upsell.pk]) in page
    response = client.post(reverse("playbooks-cta-take", args=[acme_upsell.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("playbooks-cta", args=[acme_upsell.pk])
    assert "You took this CTA: Upsell Acme" in response.content.decode()
    assert Cta.objects.get(pk=acme_upsell.pk).assignee == alice
    assert reverse("playbooks-cta-take", args=[acme_upsell.pk]) not in response.content.decode()


def test_a_viewer_sees_no_take_button_and_gets_403(client_as, victor, acme_upsell):
    client = client_as(victor)
    page = client.get(reverse("playbooks-cta", args=[acme_upsell.pk])).content.decode()
    assert reverse("playbooks-cta-take", args=[acme_upsell.pk]) not in page
    assert client.post(reverse("playbooks-cta-take", args=[acme_upsell.pk])).status_code == 403
    assert Cta.objects.get(pk=acme_upsell.pk).assignee is None


def test_an_outsider_csm_sees_no_take_button_and_gets_403(client_as, bob, acme_upsell):
    client = client_as(bob)
    page = client.get(reverse("playbooks-cta", args=[acme_upsell.pk])).content.decode()
    assert reverse("playbooks-cta-take", args=[acme_upsell.pk]) not in page
    assert client.post(reverse("playbooks-cta-take", args=[acme_upsell.pk])).status_code == 403
    assert Cta.objects.get(pk=acme_upsell.pk).assignee is None


def test_taking_an_assigned_cta_on_the_page_says_who_has_it(client_as, carol, acme_cta, alice):
    response = client_as(carol).post(reverse("playbooks-cta-take", args=[acme_cta.pk]), follow=True)
    assert response.status_code == 200
    assert "This CTA is already assigned to Alice." in response.content.decode()
    assert Cta.objects.get(pk=acme_cta.pk).assignee == alice


def test_taking_needs_a_post(client_as, alice, acme_upsell):
    assert client_as(alice).get(reverse("playbooks-cta-take", args=[acme_upsell.pk])).status_code == 405


def test_the_queue_list_offers_take_on_my_accounts_only_and_comes_back(client_as, alice, acme_upsell,
                                                                       globex_upsell):
    client = client_as(alice)
    listing = reverse("playbooks-ctas") + "?queue=sales"
    page = client.get(listing).content.decode()
    assert "Upsell Acme" in page and "Upsell Globex" in page
    assert reverse("playbooks-cta-take", args=[acme_upsell.pk]) in page
    assert reverse("playbooks-cta-take", args=[globex_upsell.pk]) not in page
    response = client.post(reverse("playbooks-cta-take", args=[acme_upsell.pk]), {"next": listing})
    assert response.status_code == 302 and response["Location"] == listing
    assert Cta.objects.get(pk=acme_upsell.pk).assignee == alice


def test_take_never_redirects_off_site(client_as, alice, acme_upsell):
    response = client_as(alice).post(reverse("playbooks-cta-take", args=[acme_upsell.pk]),
                                     {"next": "https://evil.example/"})
    assert response["Location"] == reverse("playbooks-cta", args=[acme_upsell.pk])


def test_a_snoozed_queue_cta_may_be_taken_and_stays_snoozed(acme_upsell, alice):
    import datetime as dt

    from django.utils import timezone

    from csops.playbooks.services import do_snooze_cta

    until = timezone.localdate() + dt.timedelta(days=3)
    do_snooze_cta(acme_upsell, until=until, actor=alice)
    do_take_cta(acme_upsell, actor=alice)
    cta = Cta.objects.get(pk=acme_upsell.pk)
    assert (cta.assignee, cta.status, cta.snoozed_until) == (alice, "snoozed", until)
