"""Maturity levels are evaluated for every account from the lake, with known answers on a small lake."""

from __future__ import annotations

import datetime as dt

import pytest

from csops.customers.models import Account, Contract
from csops.journey.maturity import curve, evaluate_maturity, median_days_between_levels, movers
from csops.journey.models import MaturityChange, MaturityState
from tests.journey.conftest import day

pytestmark = pytest.mark.django_db


def changes(account: Account) -> list[tuple[dt.date, int, int]]:
    return list(MaturityChange.objects.filter(account=account).order_by("day")
                .values_list("day", "level_from", "level_to"))


def test_each_account_gets_the_highest_level_whose_lower_levels_all_hold(journey, lake, acme, globex):
    evaluate_maturity(day(0), day(0))
    levels = dict(MaturityState.objects.values_list("account__external_id", "level"))
    assert levels == {"ACME-1": 2, "GLOBEX-1": 3}


def test_a_higher_level_is_not_reached_when_a_lower_one_fails(journey, lake, product):
    # Hooli sends nothing: "no postal send" (Lv.3) holds, but Lv.1 does not, so it stays below Lv.1.
    hooli = Account.objects.create(external_id="HOOLI-1", name="Hooli")
    Contract.objects.create(external_id="C-HOOLI", account=hooli, product=product, mrr=1000,
                            start_date=dt.date(2025, 1, 1))
    evaluate_maturity(day(0), day(0))
    state = MaturityState.objects.get(account=hooli)
    assert state.level == 0
    lv3 = next(d for d in state.details if d["level"] == 3)
    assert lv3["holds"] is True


def test_the_panel_knows_which_conditions_of_the_next_level_are_met_and_missing(journey, lake, acme):
    evaluate_maturity(day(0), day(0))
    state = MaturityState.objects.get(account=acme)
    nxt = next(d for d in state.details if d["level"] == 3)
    assert nxt["holds"] is False
    assert nxt["conditions"][0]["met"] is False
    assert nxt["conditions"][0]["actual"] == 1  # one postal send in the window


def test_a_backfill_records_only_the_days_the_level_changed(journey, lake, acme):
    evaluate_maturity(day(-45), day(0))
    assert changes(acme) == [(day(-40), 0, 1), (day(-10), 1, 0), (day(-5), 0, 1), (day(-3), 1, 2)]


def test_a_backfill_costs_one_query_per_distinct_aggregate_whatever_the_number_of_days(journey, lake):
    short = evaluate_maturity(day(-1), day(0))
    assert short.queries == 3  # sends, departments, postal sends
    long = evaluate_maturity(day(-400), day(-2))
    assert long.queries == 3
    assert long.days_evaluated == 399


def test_accounts_without_a_live_contract_are_not_evaluated(journey, lake, acme):
    Contract.objects.filter(account=acme).update(end_date=day(-20), status="churned")
    evaluate_maturity(day(-45), day(0))
    assert changes(acme) == [(day(-40), 0, 1)]
    assert not MaturityState.objects.filter(account=acme).exists()


def test_the_curve_counts_accounts_per_level_at_the_end_of_each_month(journey, lake):
    evaluate_maturity(day(-45), day(0))
    points = curve(lake_product())["points"]
    assert [p["day"] for p in points] == [dt.date(2026, 2, 28), dt.date(2026, 3, 31)]
    assert points[-1]["counts"] == [0, 0, 1, 1]  # Acme at Lv.2, Globex at Lv.3
    assert points[0]["counts"] == [1, 1, 0, 0]  # on D-31: Acme at Lv.1 (its D-40 send), Globex below


def test_movers_and_median_days_between_levels(journey, lake, acme, globex):
    evaluate_maturity(day(-45), day(0))
    moved = {m["name"]: (m["from"], m["to"]) for m in movers(lake_product(), since=dt.date(2026, 3, 1),
                                                               until=day(0))}
    assert moved == {"Acme": (1, 2), "Globex": (0, 3)}
    medians = median_days_between_levels(lake_product())
    # Acme: Lv.1 on D-40, Lv.2 on D-3 (37 days); Globex: Lv.1 on D-10, Lv.2 on D-9 (1 day).
    assert medians[0] == {"from": 1, "to": 2, "accounts": 2, "median_days": 19.0}


def lake_product():
    from csops.customers.models import Product

    return Product.objects.get(code="delivery")
