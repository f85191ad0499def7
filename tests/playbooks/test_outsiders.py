"""Every playbooks page and API endpoint needs a login or a token; configuration needs CS Ops."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from tests.playbooks.conftest import make_playbook, make_rule

pytestmark = pytest.mark.django_db


@pytest.fixture
def things(acme, acme_cta):
    playbook = make_playbook()
    rule = make_rule("renewal", {"type": "renewal_in_days", "days": 90}, playbook)
    return {"cta": acme_cta.pk, "account": acme.pk, "playbook": playbook.pk, "rule": rule.pk}


def _pages(t: dict[str, int]) -> list[tuple[str, str]]:
    return [
        ("get", reverse("playbooks-cockpit")), ("get", reverse("playbooks-ctas")),
        ("get", reverse("playbooks-cta", args=[t["cta"]])),
        ("post", reverse("playbooks-cta-snooze", args=[t["cta"]])),
        ("post", reverse("playbooks-cta-reassign", args=[t["cta"]])),
        ("post", reverse("playbooks-cta-take", args=[t["cta"]])),
        ("post", reverse("playbooks-cta-close", args=[t["cta"]])),
        ("post", reverse("playbooks-cta-check", args=[t["cta"], 0])),
        ("get", reverse("playbooks-account-panel", args=[t["account"]])),
        ("post", reverse("playbooks-start", args=[t["account"]])),
        ("get", reverse("playbooks-library")), ("get", reverse("playbooks-rule-new")),
        ("get", reverse("playbooks-rule-edit", args=[t["rule"]])),
        ("post", reverse("playbooks-rule-toggle", args=[t["rule"]])),
        ("get", reverse("playbooks-playbook-new")), ("get", reverse("playbooks-playbook-edit", args=[t["playbook"]])),
        ("get", reverse("playbooks-touch-models")), ("get", reverse("playbooks-routing")),
        ("get", reverse("playbooks-log")), ("get", reverse("playbooks-export")), ("post", reverse("playbooks-import")),
    ]


API = [("get", "/api/playbooks/ctas"), ("get", "/api/playbooks/ctas/{cta}"),
       ("post", "/api/playbooks/ctas/{cta}/snooze"), ("post", "/api/playbooks/ctas/{cta}/reassign"),
       ("post", "/api/playbooks/ctas/{cta}/take"), ("post", "/api/playbooks/ctas/{cta}/close"),
       ("get", "/api/playbooks/rules"),
       ("post", "/api/playbooks/rules/preview"), ("get", "/api/playbooks/coverage"), ("get", "/api/playbooks/export")]


def test_an_outsider_is_sent_to_the_login_page_from_every_page(client, things):
    for method, url in _pages(things):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert "/login" in response["Location"], url


def test_an_outsider_gets_401_from_every_api_endpoint(client, things):
    for method, path in API:
        url = path.format(cta=things["cta"])
        response = getattr(client, method)(url, json.dumps({}), content_type="application/json") if method == "post" \
            else client.get(url)
        assert response.status_code == 401, url


def test_a_csm_may_not_change_configuration(client_as, alice, things):
    client = client_as(alice)
    for name, args, data in [
        ("playbooks-rule-toggle", [things["rule"]], {}), ("playbooks-rule-edit", [things["rule"]], {"name": "x"}),
        ("playbooks-playbook-edit", [things["playbook"]], {"name": "x"}), ("playbooks-rule-new", [], {}),
        ("playbooks-touch-models", [], {"touch_models": "[]"}), ("playbooks-routing", [], {"form": "settings"}),
        ("playbooks-import", [], {}),
    ]:
        assert client.post(reverse(name, args=args), data).status_code == 403, name


def test_a_csm_may_not_preview_rules_through_the_api(client, alice, token_for):
    response = client.post("/api/playbooks/rules/preview", json.dumps({"trigger": {"type": "renewal_in_days",
                                                                                   "days": 90}}),
                           content_type="application/json", **token_for(alice))
    assert response.status_code == 403
