from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from csops.customers.models import Account, Activity, Contract
from csops.insights import forecast, outcomes

TODAY = dt.date(2026, 11, 1)


def _contract(product, n: int, *, segment: str, mrr: int, start: dt.date, status: str = "active",
              end: dt.date | None = None) -> Contract:
    account = Account.objects.create(external_id=f"F-{n}", name=f"F {n}", segment=segment)
    return Contract.objects.create(external_id=f"FC-{n}", account=account, product=product, mrr=Decimal(mrr),
                                   start_date=start, end_date=end, status=status,
                                   renewal_date=None if end else dt.date(2027, start.month, start.day))


def _renewal(contract: Contract, day: dt.date, outcome: str, before: int, after: int) -> None:
    Activity.objects.create(account=contract.account, kind="system", summary="renewal",
                            occurred_at=timezone.make_aware(dt.datetime.combine(day, dt.time(9))),
                            data={"renewal": outcome, "product": contract.product.code, "mrr": [before, after]})


@pytest.fixture
def book(product):
    live = [_contract(product, i, segment="smb", mrr=10000 * (i + 1), start=dt.date(2025, 1 + i, 10))
            for i in range(6)]
    gone = _contract(product, 99, segment="smb", mrr=30000, start=dt.date(2025, 2, 1), status="churned",
                     end=dt.date(2026, 2, 1))
    _renewal(live[0], dt.date(2026, 1, 10), "expanded", 5000, 10000)
    _renewal(live[1], dt.date(2026, 2, 10), "renewed", 20000, 20000)
    _renewal(gone, dt.date(2026, 2, 1), "churned", 30000, 0)
    return outcomes.load_book()


def test_this_months_arr_is_the_sum_of_the_live_contracts(book):
    result = forecast.forecast(book, today=TODAY, sims=200)
    live = sum(c.mrr * 12 for c in Contract.objects.filter(status__in=Contract.LIVE_STATUSES))
    assert result.current_arr == pytest.approx(float(live))
    assert result.low[0] == result.high[0] == result.current_arr


def test_past_arr_follows_the_recorded_renewals(book):
    # Before its expansion on 2026-01-10 the first contract ran at 5,000 a month.
    before = book.arr_by_account(dt.date(2025, 12, 1))
    first = Contract.objects.get(external_id="FC-0").account_id
    assert before[first] == 5000 * 12
    churned = Contract.objects.get(external_id="FC-99").account_id
    assert before[churned] == 30000 * 12
    assert book.arr_by_account(dt.date(2026, 3, 1))[churned] == 0


def test_expected_arr_falls_with_churn_and_its_interval_brackets_it(book):
    result = forecast.forecast(book, today=TODAY, sims=500)
    assert all(lo <= e + 1e-6 and e <= hi + 1e-6 for lo, e, hi in zip(result.low, result.expected, result.high,
                                                                          strict=True))
    q = result.quarters[-1]
    assert 0 <= q["grr_low"] <= q["grr"] <= q["grr_high"] <= 1
    assert q["nrr"] >= q["grr"]
    assert len(result.months) == 13 and len(result.renewals) == 6


def test_an_accounts_own_risk_replaces_the_segment_rate_for_a_near_renewal(book):
    soon = Contract.objects.get(external_id="FC-0")
    soon.renewal_date = TODAY + dt.timedelta(days=20)
    soon.save()
    book = outcomes.load_book()
    sure = forecast.forecast(book, today=TODAY, sims=300, risk={soon.account_id: 1.0})
    row = next(r for r in sure.renewals if r["contract_id"] == soon.pk)
    assert row["p"]["churned"] == 1.0 and row["expected_arr"] == 0.0


def test_history_gives_grr_and_nrr_of_the_last_twelve_months(book):
    history = forecast.retention_history(book, today=TODAY)
    year = [h for h in history if h["months"] == 12][0]
    assert year["grr"] < 1.0  # the churned contract
    assert year["nrr"] > year["grr"]  # the expansion
