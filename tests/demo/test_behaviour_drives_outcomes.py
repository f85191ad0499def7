"""The demo is only useful if what a CSM can observe (usage, promoters, tickets, NPS) really
predicts churn and expansion. These tests hold for any seed: the margins are several standard
errors wide."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from csops.demo.events import generate_events
from csops.demo.generate import DemoConfig, day_number, generate_company, health_of


@pytest.fixture(scope="module", params=[1, 2, 3])
def company(request):
    return generate_company(DemoConfig(seed=request.param))


def test_low_usage_accounts_without_a_promoter_churn_far_more_often(company):
    f = company.factors
    risky = (f.usage_depth < np.median(f.usage_depth)) & ~f.promoter
    churned = company.churned
    assert risky.sum() >= 50
    assert churned[risky].mean() > churned[~risky].mean() + 0.15
    assert churned[risky].mean() > 2 * churned[~risky].mean()


def test_a_missing_promoter_is_visible_in_the_contacts_and_predicts_churn(company):
    has_promoter = np.zeros(len(company.accounts), dtype=bool)
    for c in company.contacts:
        has_promoter[c.account] |= c.role == "promoter"
    churned = company.churned
    assert churned[~has_promoter].mean() > churned[has_promoter].mean() + 0.1


def test_more_support_friction_means_more_high_severity_tickets_and_more_churn(company):
    n = len(company.accounts)
    high = np.zeros(n)
    for a in company.activities:
        if a.kind == "ticket" and a.data["severity"] == "high":
            high[a.account] += 1
    friction = company.factors.support_friction
    top, bottom = friction > np.quantile(friction, 0.75), friction < np.quantile(friction, 0.25)
    assert high[top].mean() > 2 * high[bottom].mean()
    assert company.churned[top].mean() > company.churned[bottom].mean() + 0.05


def test_nps_answers_follow_the_underlying_health(company):
    health = health_of(company.factors)
    pairs = np.array([(health[a.account], a.data["nps"]) for a in company.activities if a.kind == "survey"])
    assert len(pairs) > 500
    assert np.corrcoef(pairs[:, 0], pairs[:, 1])[0, 1] > 0.4


def test_expansion_and_the_add_on_go_to_deep_broad_users(company):
    f = company.factors
    strong = (f.usage_depth + f.breadth) > np.median(f.usage_depth + f.breadth)
    assert company.expanded[strong].mean() > company.expanded[~strong].mean() + 0.1
    addon = np.array([a.has_addon for a in company.accounts])
    assert f.usage_depth[addon].mean() > f.usage_depth[~addon].mean() + 0.4
    assert company.churned[addon].mean() < company.churned[~addon].mean()


@pytest.fixture(scope="module")
def with_events():
    company = generate_company(DemoConfig(seed=5, accounts=150))
    table = pa.concat_tables(generate_events(company))
    return company, table


def _daily_counts(company, table):
    index = {a.external_id: i for i, a in enumerate(company.accounts)}
    account = np.array([index.get(x, -1) for x in table.column("account_id").to_pylist()])
    # Tokyo dates, as the demo draws them
    day = (table.column("timestamp").cast(pa.int64()).to_numpy() // 1_000_000 + 9 * 3600) // 86_400
    return account, day


def test_usage_fades_in_the_months_before_a_churn(with_events):
    company, table = with_events
    account, day = _daily_counts(company, table)
    start = day_number(company.config.window_start)
    early, late = 0, 0
    for i, a in enumerate(company.accounts):
        if a.churned_on is None:
            continue
        churn = day_number(a.churned_on)
        if churn - 240 < max(start, day_number(a.since)):
            continue  # not enough history to compare
        mine = day[account == i]
        early += ((mine >= churn - 240) & (mine < churn - 180)).sum()
        late += ((mine >= churn - 60) & (mine < churn)).sum()
        assert not (mine >= churn).any()
    assert early > 0
    assert late < 0.6 * early


def test_no_document_is_sent_before_the_time_to_first_value(with_events):
    company, table = with_events
    sent = table.filter(pc.equal(table.column("event"), "document_sent"))
    account, day = _daily_counts(company, sent)
    first_value = company.usage.since + company.usage.ttfv
    assert (day >= first_value[account]).all()


def test_events_name_real_contacts_and_accounts_with_departments(with_events):
    company, table = with_events
    contacts = {c.external_id: c for c in company.contacts}
    users = table.column("user_id").drop_null().unique().to_pylist()
    assert users and all(u in contacts for u in users)
    assert {a.external_id for a in company.accounts} >= set(table.column("account_id").unique().to_pylist())
    anonymous = table.filter(pc.is_null(table.column("user_id")))
    assert 0 < anonymous.num_rows < 0.05 * table.num_rows
    assert anonymous.column("anonymous_id").null_count == 0
    sent = table.filter(pc.equal(table.column("event"), "document_sent")).slice(0, 200)
    for row in sent.to_pylist():
        props = json.loads(row["properties"])
        assert props["department"] == contacts[row["user_id"]].department
        assert props["document_type"]


def test_people_and_accounts_appear_in_events_only_once_they_exist(with_events):
    company, table = with_events
    first_seen = table.group_by("user_id").aggregate([("timestamp", "min")]).to_pylist()
    contacts = {c.external_id: c for c in company.contacts}
    for row in first_seen:
        if row["user_id"] is not None:
            assert row["timestamp_min"] >= contacts[row["user_id"]].created_at
    starts = table.group_by("account_id").aggregate([("timestamp", "min")]).to_pylist()
    accounts = {a.external_id: a for a in company.accounts}
    for row in starts:
        assert row["timestamp_min"] >= accounts[row["account_id"]].created_at
