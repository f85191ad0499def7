"""The dashboard's figures as plain functions, without HTTP: ARR, movement, retention, renewals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from csops.customers.models import Account, Activity, Contract, Product
from csops.web import dashboard as d

TODAY = dt.date(2026, 11, 15)


@pytest.fixture
def addon(db) -> Product:
    return Product.objects.create(code="analytics", name="Analytics Add-on")


def contract(account, product, mrr, start, *, end=None, status="active", renewal=None, ext=None) -> Contract:
    return Contract.objects.create(
        external_id=ext or f"C-{account.pk}-{product.code}-{start}", account=account, product=product,
        mrr=Decimal(mrr), start_date=start, end_date=end, status=status, renewal_date=renewal,
    )


def board(user, **filters) -> d.Dashboard:
    return d.build_dashboard(d.DashboardFilters(**filters), user=user, today=TODAY)


def month(b: d.Dashboard, label: str) -> d.MonthFigures:
    return next(m for m in b.months if m.label == label)


def test_this_months_arr_equals_the_sum_of_live_contracts(acme, globex, product, addon, carol):
    contract(globex, product, 100_000, dt.date(2026, 2, 1))
    contract(globex, addon, 20_000, dt.date(2026, 12, 1))  # signed, starts next month: counts today
    contract(globex, addon, 30_000, dt.date(2025, 1, 1), end=dt.date(2026, 3, 1), status="churned")
    b = board(carol)
    assert b.arr == Decimal("500000") * 12 + Decimal("120000") * 12
    assert b.arr == d.live_contract_arr(d.DashboardFilters(), user=carol)
    assert b.months[-1].end_arr == b.arr


def test_each_month_ends_where_its_movement_says(acme, globex, product, addon, carol):
    contract(globex, product, 100_000, dt.date(2026, 2, 10))
    contract(acme, addon, 30_000, dt.date(2026, 5, 3))
    contract(globex, addon, 10_000, dt.date(2025, 9, 1), end=dt.date(2026, 9, 1), status="churned")
    for m in board(carol).months:
        assert m.end_arr == m.start_arr + m.new + m.expansion - m.contraction - m.churn


def test_a_first_contract_is_new_arr_and_an_add_on_is_expansion(acme, globex, product, addon, carol):
    contract(globex, product, 100_000, dt.date(2026, 2, 10))
    contract(acme, addon, 30_000, dt.date(2026, 5, 3))
    b = board(carol)
    assert month(b, "2026-02").new == Decimal("1200000")
    assert month(b, "2026-02").accounts["new"] == 1
    assert month(b, "2026-05").expansion == Decimal("360000")
    assert month(b, "2026-05").new == 0


def test_a_churned_contract_is_churn_in_the_month_it_ended(globex, product, carol):
    contract(globex, product, 50_000, dt.date(2025, 3, 1), end=dt.date(2026, 3, 1), status="churned")
    b = board(carol)
    assert month(b, "2026-02").end_arr == Decimal("600000")
    assert month(b, "2026-03").churn == Decimal("600000")
    assert month(b, "2026-03").end_arr == 0
    assert b.arr == 0


def test_a_recorded_renewal_with_more_seats_counts_at_the_old_price_before_it(acme, carol):
    # Acme's contract now says 500,000 a month; it renewed on 2026-04-01 up from 400,000.
    Activity.objects.create(
        account=acme, kind="system", summary="renewal",
        occurred_at=dt.datetime(2026, 4, 1, 10, tzinfo=dt.UTC),
        data={"renewal": "expanded", "product": "delivery", "mrr": [400_000, 500_000]},
    )
    b = board(carol)
    assert month(b, "2026-03").end_arr == Decimal("4800000")
    assert month(b, "2026-04").expansion == Decimal("1200000")
    assert month(b, "2026-04").end_arr == Decimal("6000000") == b.arr


def test_retention_is_trailing_twelve_months(acme, globex, product, carol):
    # Two customers a year ago: Acme stays at 500,000 a month, Globex (100,000) leaves in June.
    contract(globex, product, 100_000, dt.date(2024, 6, 1), end=dt.date(2026, 6, 1), status="churned")
    oct_ = month(board(carol), "2026-10")
    assert oct_.nrr == pytest.approx(500_000 / 600_000)
    assert oct_.grr == pytest.approx(500_000 / 600_000)


def test_expansion_lifts_nrr_above_grr(acme, carol):
    Activity.objects.create(
        account=acme, kind="system", summary="renewal", occurred_at=dt.datetime(2026, 4, 1, 10, tzinfo=dt.UTC),
        data={"renewal": "expanded", "product": "delivery", "mrr": [400_000, 500_000]},
    )
    oct_ = month(board(carol), "2026-10")
    assert oct_.nrr == pytest.approx(1.25)
    assert oct_.grr == pytest.approx(1.0)


def test_retention_is_unknown_without_customers_a_year_earlier(globex, product, carol):
    contract(globex, product, 100_000, dt.date(2026, 8, 1))
    assert month(board(carol), "2026-10").nrr is None


def test_renewal_windows_count_live_contracts_renewing_from_today(acme, globex, product, carol):
    Contract.objects.filter(account=acme).update(renewal_date=TODAY + dt.timedelta(days=20))
    contract(globex, product, 100_000, dt.date(2026, 1, 1), renewal=TODAY + dt.timedelta(days=100))
    contract(globex, product, 1, dt.date(2025, 1, 1), renewal=TODAY - dt.timedelta(days=1), ext="past")
    w30, w90, w180 = board(carol).renewals
    assert (w30.accounts, w30.arr) == (1, Decimal("6000000"))
    assert (w90.accounts, w90.arr) == (1, Decimal("6000000"))
    assert (w180.accounts, w180.arr) == (2, Decimal("7200000"))


def test_filters_by_product_segment_and_owner(acme, globex, product, addon, alice, bob, carol):
    contract(globex, product, 100_000, dt.date(2026, 2, 1))
    contract(globex, addon, 10_000, dt.date(2026, 3, 1))
    assert board(carol, product="analytics").arr == Decimal("120000")
    assert board(carol, segment="smb").arr == Decimal("1320000")  # Globex
    assert board(carol, owner=str(alice.pk)).arr == Decimal("6000000")
    assert board(alice, owner="mine").arr == Decimal("6000000")
    assert board(carol, owner="none").arr == 0
    for filters in ({"product": "analytics"}, {"segment": "smb"}, {"owner": str(bob.pk)}):
        assert board(carol, **filters).arr == d.live_contract_arr(d.DashboardFilters(**filters), user=carol)


def test_a_movement_drills_down_to_its_accounts(acme, globex, product, addon, carol):
    contract(globex, product, 100_000, dt.date(2026, 2, 10))
    contract(acme, addon, 30_000, dt.date(2026, 2, 3))
    ids = d.movement_account_ids(d.DashboardFilters(), user=carol, month=dt.date(2026, 2, 1), kind="new",
                                 today=TODAY)
    assert ids == [globex.pk]
    ids = d.movement_account_ids(d.DashboardFilters(), user=carol, month=dt.date(2026, 2, 1), kind="expansion",
                                 today=TODAY)
    assert ids == [acme.pk]
    assert d.movement_account_ids(d.DashboardFilters(), user=carol, month=dt.date(2026, 2, 1), kind="bogus",
                                  today=TODAY) == []


def test_an_empty_company_has_a_dashboard_of_zeros(carol):
    b = board(carol)
    assert b.arr == 0 and b.accounts_paying == 0
    assert len(b.months) == d.MONTHS_SHOWN
    assert all(m.nrr is None for m in b.months)
    assert Account.objects.count() == 0
