"""Health on the dashboard: the latest grade per account, at-risk ARR and the grade drill-down."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

pytest.importorskip("csops.health.models")

from csops.customers.models import Account, Contract  # noqa: E402
from csops.health.models import HealthScore, Scorecard  # noqa: E402
from csops.web import dashboard as d  # noqa: E402
from csops.web.queries import AccountFilters, filter_accounts  # noqa: E402

TODAY = dt.date(2026, 11, 15)


@pytest.fixture
def scorecard(product) -> Scorecard:
    return Scorecard.objects.create(key="delivery", name="Delivery", product=product)


def score(account, scorecard, day, grade) -> HealthScore:
    return HealthScore.objects.create(account=account, scorecard=scorecard, day=day, scorecard_version=1,
                                      score={"red": 20, "yellow": 50, "green": 80}[grade], grade=grade)


@pytest.fixture
def initech(db, product) -> Account:
    account = Account.objects.create(external_id="INITECH-1", name="Initech", arr=Decimal("1200000"))
    Contract.objects.create(external_id="C-INI", account=account, product=product, mrr=Decimal("100000"),
                            start_date=dt.date(2025, 1, 1), renewal_date=TODAY + dt.timedelta(days=10))
    return account


def test_at_risk_arr_is_the_arr_of_accounts_graded_red_on_the_latest_day(acme, initech, scorecard, carol):
    score(acme, scorecard, TODAY - dt.timedelta(days=1), "red")
    score(acme, scorecard, TODAY, "green")  # the latest day wins
    score(initech, scorecard, TODAY, "red")
    b = d.build_dashboard(d.DashboardFilters(), user=carol, today=TODAY)
    assert b.at_risk_arr == Decimal("1200000")
    assert b.at_risk_accounts == 1
    assert {x.grade: x.accounts for x in b.health} == {"red": 1, "yellow": 0, "green": 1, "none": 0}
    assert b.renewals[0].by_grade == {"red": Decimal("1200000")}


def test_without_scores_there_is_no_at_risk_figure(acme, carol):
    b = d.build_dashboard(d.DashboardFilters(), user=carol, today=TODAY)
    assert b.at_risk_arr is None and b.health is None


def test_the_account_list_filters_by_the_same_grade(acme, initech, globex, scorecard, carol):
    score(acme, scorecard, TODAY, "green")
    score(initech, scorecard, TODAY, "red")

    def names(grade: str) -> list[str]:
        return [a.name for a in filter_accounts(AccountFilters(health=grade), user=carol, today=TODAY)]

    assert names("red") == ["Initech"]
    assert names("green") == ["Acme"]
    assert names("none") == ["Globex"]
