"""The portfolio: grade distribution by product, segment and owner; at-risk ARR; disagreements.
Every number links to the list of the accounts behind it, and the list has exactly that many rows."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from csops.health.models import Assessment
from tests.health_ui.conftest import snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored(scorecard, acme, globex, globex_contract, today, alice):
    snapshot(acme, scorecard, day=today, users=1, promotion=1)  # red
    snapshot(globex, scorecard, day=today, users=12, promotion=5)  # green
    Assessment.objects.create(account=acme, scorecard=scorecard, author=alice, assessed_on=today,
                              promotion=4, relationship=4, csm_view="green")


def _links(html: str) -> list[tuple[str, str]]:
    return re.findall(r'<a href="/health/accounts/\?([^"]*)">([^<]+)</a>', html)


def test_the_portfolio_counts_grades_and_shows_at_risk_arr(victor, scored, acme, client):
    client.force_login(victor)
    html = client.get("/health/").content.decode()
    assert "Health of the portfolio" in html
    assert "At-risk ARR (red accounts)" in html
    assert f"¥{acme.arr:,.0f}" in html  # Acme, red, is the ARR at risk
    assert "By product" in html and "By segment" in html and "By owner" in html
    assert "Alice" in html and "Bob" in html


def test_every_number_links_to_as_many_accounts_as_it_says(victor, scored, client):
    client.force_login(victor)
    html = client.get("/health/").content.decode()
    links = [(q.replace("&amp;", "&"), n) for q, n in _links(html) if n.strip().isdigit()]
    assert links
    for query, number in links:
        listing = client.get(f"/health/accounts/?{query}").content.decode()
        assert listing.count("<tr data-account=") == int(number), query


def test_a_disagreement_between_computed_grade_and_csm_view_is_listed(victor, scored, client):
    client.force_login(victor)
    html = client.get("/health/").content.decode()
    assert "Where they disagree" in html
    listing = client.get("/health/accounts/?disagree=1").content.decode()
    assert 'data-account="ACME-1"' in listing and 'data-account="GLOBEX-1"' not in listing


def test_the_at_risk_list_holds_the_red_accounts(victor, scored, client):
    client.force_login(victor)
    listing = client.get("/health/accounts/?grade=red").content.decode()
    assert 'data-account="ACME-1"' in listing and 'data-account="GLOBEX-1"' not in listing


def test_without_scores_the_page_says_so(victor, client, db):
    client.force_login(victor)
    assert "No account has been scored yet." in client.get("/health/").content.decode()


def test_money_is_summed_as_decimal(scored):
    from csops.health.portfolio import build_portfolio, load_rows

    day, rows = load_rows()
    page = build_portfolio(rows, day=day, currency="JPY")
    assert isinstance(page.overall.at_risk_arr, Decimal)
    assert page.overall.grades["red"].count == 1 and page.overall.grades["green"].count == 1


def test_a_grade_list_opens_the_same_accounts_in_the_main_account_list(victor, scored, client):
    client.force_login(victor)
    listing = client.get("/health/accounts/?grade=red").content.decode()
    match = re.search(r'<a href="/\?([^"]*)">Open these accounts in the account list', listing)
    assert match is not None
    main_list = client.get("/?" + match.group(1).replace("&amp;", "&")).content.decode()
    assert "Acme" in main_list and "Globex" not in main_list


def test_the_disagreement_list_cannot_be_said_by_the_main_account_list(victor, scored, client):
    client.force_login(victor)
    listing = client.get("/health/accounts/?disagree=1").content.decode()
    assert "Open these accounts in the account list" not in listing
