from __future__ import annotations

import collections

import numpy as np
import pytest

from csops.demo.events import expected_event_count, generate_events
from csops.demo.generate import DEFAULT_TODAY, SEGMENTS, DemoConfig, generate_company


@pytest.fixture(scope="module")
def company():
    return generate_company(DemoConfig())


def test_the_default_demo_has_400_accounts_over_seven_csms(company):
    assert len(company.accounts) == 400
    owners = collections.Counter(a.owner for a in company.accounts)
    assert sorted(owners) == list(range(7))
    assert len(company.csms) == 7
    assert company.csms[0][0] == "csm@demo.csops.example"


def test_segments_are_mixed_and_consistent_with_company_size(company):
    share = collections.Counter(a.segment for a in company.accounts)
    assert 40 <= share["enterprise"] <= 90 and 100 <= share["mid_market"] <= 180 and share["smb"] >= 150
    for account in company.accounts:
        low, high = {"enterprise": (1000, 80000), "mid_market": (100, 999), "smb": (10, 99)}[account.segment]
        assert low <= account.employees <= high


def test_names_and_domains_are_unique_and_never_real(company):
    assert len({a.name for a in company.accounts}) == 400
    assert len({a.domain for a in company.accounts}) == 400
    assert all(a.domain.endswith(".example") for a in company.accounts)
    assert all(c.email.endswith("@" + company.accounts[c.account].domain) for c in company.contacts)


def test_both_products_are_sold_and_money_is_whole_yen_scaled_by_segment(company):
    assert {c.product for c in company.contracts} == {"delivery", "analytics"}
    assert all(isinstance(c.mrr, int) and c.mrr > 0 for c in company.contracts)
    median = {
        s: np.median([c.mrr for c in company.contracts if c.product == "delivery"
                      and company.accounts[c.account].segment == s]) for s in SEGMENTS
    }
    assert median["enterprise"] > 3 * median["mid_market"] > 3 * median["smb"]


def test_contracts_renew_yearly_inside_the_window(company):
    live = [c for c in company.contracts if c.status != "churned"]
    assert all(c.renewal_date > DEFAULT_TODAY and (c.renewal_date - DEFAULT_TODAY).days <= 366 for c in live)
    churned = [c for c in company.contracts if c.status == "churned"]
    assert churned and all(c.end_date and c.end_date < DEFAULT_TODAY for c in churned)
    outcomes = collections.Counter(r.outcome for r in company.renewals if r.product == "delivery")
    assert set(outcomes) == {"renewed", "expanded", "contracted", "churned"}


def test_volumes_are_about_what_the_demo_promises(company):
    assert 5_000 <= len(company.contacts) <= 15_000
    assert 8_000 <= len(company.activities) <= 30_000
    assert 100 <= len(company.handoffs) <= 250
    assert 1_000_000 <= expected_event_count(company) <= 2_000_000


def test_the_drawn_events_match_their_expected_count():
    small = generate_company(DemoConfig(accounts=40, months=6))
    drawn = sum(t.num_rows for t in generate_events(small))
    assert drawn == pytest.approx(expected_event_count(small), rel=0.05)


def test_every_account_has_its_people_and_only_some_a_promoter(company):
    roles = collections.defaultdict(collections.Counter)
    for c in company.contacts:
        roles[c.account][c.role] += 1
    assert all(roles[i]["decision_maker"] == 1 for i in range(400))
    with_promoter = sum(1 for i in range(400) if roles[i]["promoter"])
    assert 200 <= with_promoter <= 340
    doubling = [c for c in company.contacts if c.traits.get("also_operator")]
    assert doubling and all(c.role == "promoter" and roles[c.account]["operator"] == 0 for c in doubling)


def test_lifecycle_stages_follow_the_contracts(company):
    stages = collections.Counter(a.lifecycle_stage for a in company.accounts)
    assert set(stages) == {"onboarding", "adoption", "expansion", "renewal", "churned"}
    for account in company.accounts:
        assert (account.lifecycle_stage == "churned") == (account.churned_on is not None)
