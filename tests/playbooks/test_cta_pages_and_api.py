"""The CTA pages and API enforce the same rules: 403 for another CSM, read-only viewers."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from csops.playbooks.models import Cta

pytestmark = pytest.mark.django_db


def test_bob_gets_403_closing_alices_cta_on_the_page(client_as, bob, acme_cta):
    response = client_as(bob).post(reverse("playbooks-cta-close", args=[acme_cta.pk]), {"outcome": "resolved"})
    assert response.status_code == 403
    assert Cta.objects.get().status == "open"


def test_bob_gets_403_closing_alices_cta_through_the_api(client, bob, acme_cta, token_for):
    response = client.post(f"/api/playbooks/ctas/{acme_cta.pk}/close", json.dumps({"outcome": "resolved"}),
                           content_type="application/json", **token_for(bob))
    assert response.status_code == 403
    assert response.json()["error"].startswith("Only the assignee")


def test_alice_closes_her_cta_through_the_api(client, alice, acme_cta, token_for):
    response = client.post(f"/api/playbooks/ctas/{acme_cta.pk}/close",
                           json.dumps({"outcome": "resolved", "note": "done"}), content_type="application/json",
                           **token_for(alice))
    assert response.status_code == 200
    assert response.json()["status"] == "closed"


def test_an_unknown_outcome_is_a_422_naming_the_field(client, alice, acme_cta, token_for):
    response = client.post(f"/api/playbooks/ctas/{acme_cta.pk}/close", json.dumps({"outcome": "meh"}),
                           content_type="application/json", **token_for(alice))
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "outcome"


def test_alice_snoozes_and_reassigns_on_the_page(client_as, alice, bob, acme_cta):
    client = client_as(alice)
    until = timezone.localdate() + dt.timedelta(days=2)
    client.post(reverse("playbooks-cta-snooze", args=[acme_cta.pk]), {"until": until.isoformat()})
    client.post(reverse("playbooks-cta-reassign", args=[acme_cta.pk]), {"to": bob.pk})
    cta = Cta.objects.get()
    assert (cta.status, cta.snoozed_until, cta.assignee) == ("snoozed", until, bob)


def test_a_viewer_reads_a_cta_without_the_forms(client_as, victor, acme_cta):
    response = client_as(victor).get(reverse("playbooks-cta", args=[acme_cta.pk]))
    assert response.status_code == 200
    assert b"Health score fell" in response.content
    assert reverse("playbooks-cta-close", args=[acme_cta.pk]).encode() not in response.content
    assert client_as(victor).post(reverse("playbooks-cta-close", args=[acme_cta.pk]),
                                  {"outcome": "resolved"}).status_code == 403


def test_the_api_lists_my_open_ctas(client, alice, acme_cta, globex_cta, token_for):
    response = client.get("/api/playbooks/ctas?mine=true&status=open", **token_for(alice))
    assert [c["title"] for c in response.json()] == ["Call Acme"]


def test_the_account_panel_lists_the_accounts_open_ctas(client_as, bob, acme_cta):
    response = client_as(bob).get(reverse("playbooks-account-panel", args=[acme_cta.account.pk]))
    assert b"Call Acme" in response.content
    assert b"Start playbook" not in response.content  # not Bob's account


def test_the_account_page_loads_the_cta_panel_lazily(client_as, alice, acme):
    response = client_as(alice).get(reverse("account-detail", args=[acme.pk]))
    assert reverse("playbooks-account-panel", args=[acme.pk]).encode() in response.content
    assert b'data-slot="ctas"' in response.content


def test_the_api_preview_lists_the_accounts_a_rule_would_hit(client, carol, acme, token_for):
    acme.next_renewal_date = dt.date(2026, 12, 1)
    acme.save()
    response = client.post("/api/playbooks/rules/preview",
                           json.dumps({"trigger": {"type": "renewal_in_days", "days": 60}, "day": "2026-11-01"}),
                           content_type="application/json", **token_for(carol))
    assert response.status_code == 200
    assert [(h["account"], h["fires"]) for h in response.json()] == [("Acme", True)]


def test_the_api_preview_refuses_a_bad_rule_with_the_reasons(client, carol, token_for):
    response = client.post("/api/playbooks/rules/preview", json.dumps({"trigger": {"type": "renewal_in_days"}}),
                           content_type="application/json", **token_for(carol))
    assert response.status_code == 422
    assert response.json()["detail"] == ["trigger (renewal_in_days): days is required"]
    late = client.post("/api/playbooks/rules/preview",
                       json.dumps({"trigger": {"type": "renewal_in_days", "days": 30}, "day": "9999-12-31"}),
                       content_type="application/json", **token_for(carol))
    assert late.status_code == 422
