"""Touch models: rules over ARR, segment, employees, product, plan and traits; coverage and capacity."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from csops.customers.models import Account
from csops.playbooks.config import do_save_touch_models
from csops.playbooks.engine import run_rules_day
from csops.playbooks.models import AccountTouch, PlaybookSettings
from csops.playbooks.segments import capacity, compute_touch_models, coverage
from tests.playbooks.conftest import DAY

pytestmark = pytest.mark.django_db

RULES = [
    {"key": "big", "name": "Big", "touch_model": "high",
     "conditions": [{"field": "arr", "op": ">=", "value": 5000000}]},
    {"key": "plan", "name": "Enterprise plan", "touch_model": "low",
     "conditions": [{"field": "plan", "op": "in", "value": ["Enterprise"]}]},
    {"key": "fans", "name": "Community", "touch_model": "community",
     "conditions": [{"field": "trait.community", "op": "=", "value": True}]},
]


def test_the_first_matching_rule_gives_the_touch_model_and_the_rest_is_tech(acme, globex, bob):
    other = Account.objects.create(external_id="I-1", name="Initech", owner=bob, traits={"community": True})
    do_save_touch_models(RULES, actor=None)
    models = compute_touch_models()
    assert models[acme.pk] == ("high", "big")  # ARR 6,000,000 (matches the plan rule too, later)
    assert models[other.pk] == ("community", "fans")
    assert models[globex.pk] == ("tech", "")


def test_the_rules_step_stores_them_and_keeps_since_while_unchanged(acme, globex):
    do_save_touch_models(RULES, actor=None)
    run_rules_day(DAY)
    run_rules_day(DAY.replace(day=DAY.day + 1))
    assert AccountTouch.objects.get(account=acme).since == DAY


def test_coverage_counts_accounts_and_arr_per_touch_model_per_csm(acme, globex):
    do_save_touch_models(RULES, actor=None)
    run_rules_day(DAY)
    rows = {(r["owner"], r["touch_model"]): (r["accounts"], r["arr"]) for r in coverage()}
    assert rows == {("Alice", "high"): (1, Decimal("6000000.00")), ("Bob", "tech"): (1, Decimal("0.00"))}


def test_capacity_compares_accounts_per_csm_with_the_target(acme, globex, alice, bob):
    rows = {r["user"].name: (r["accounts"], r["load"]) for r in capacity(target=4)}
    assert rows == {"Alice": (1, 25), "Bob": (1, 25)}


def test_the_page_shows_coverage_and_capacity_and_cs_ops_edit_the_rules(client_as, carol, acme, globex):
    PlaybookSettings.objects.create(capacity_target=10)
    client = client_as(carol)
    text = ("- key: big\n  name: Big\n  touch_model: high\n  conditions:\n"
            "  - {field: arr, op: '>=', value: 1000000}\n")
    response = client.post(reverse("playbooks-touch-models"), {"touch_models": text})
    assert response.status_code == 302
    assert AccountTouch.objects.get(account=acme).touch_model == "high"
    page = client.get(reverse("playbooks-touch-models")).content.decode()
    assert "Alice" in page and "1 / 10" in page
    bad = client.post(reverse("playbooks-touch-models"), {"touch_models": "- key: x\n  name: X\n  touch_model: vip\n"})
    assert "touch_model must be one of high, low, tech, community" in bad.content.decode()


def test_the_coverage_api(client, victor, acme, globex, token_for):
    do_save_touch_models(RULES, actor=None)
    run_rules_day(DAY)
    rows = client.get("/api/playbooks/coverage", **token_for(victor)).json()
    assert {(r["owner"], r["touch_model"], r["accounts"], r["arr"]) for r in rows} == {
        ("Alice", "high", 1, 6000000.0), ("Bob", "tech", 1, 0.0)}
