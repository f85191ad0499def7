from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np

from csops.customers.models import Account, Contract
from csops.insights import forecast, outcomes

TODAY = dt.date(2026, 11, 1)


def _book(product, n: int = 120, seed: int = 0) -> outcomes.Book:
    """SMB accounts churn fast, enterprise accounts rarely."""
    rng = np.random.default_rng(seed)
    for i in range(n):
        segment = "smb" if i % 2 else "enterprise"
        start = TODAY - dt.timedelta(days=int(rng.integers(60, 900)))
        life = rng.exponential(300 if segment == "smb" else 3000)
        end = start + dt.timedelta(days=int(life))
        churned = end < TODAY
        account = Account.objects.create(external_id=f"L-{i}", name=f"L {i}", segment=segment)
        Contract.objects.create(external_id=f"LC-{i}", account=account, product=product,
                                mrr=Decimal(50000 if segment == "enterprise" else 10000), start_date=start,
                                end_date=end if churned else None, status="churned" if churned else "active")
    return outcomes.load_book()


def test_ltv_is_higher_where_customers_stay_longer_and_states_its_assumptions(product):
    result = forecast.ltv(_book(product), today=TODAY, margin=0.8)
    assert result is not None and result.margin == 0.8 and result.horizon_months == 120
    seg = {s["segment"]: s for s in result.by_segment}
    assert seg["enterprise"]["expected_months"] > seg["smb"]["expected_months"]
    assert seg["enterprise"]["mean_ltv"] > seg["smb"]["mean_ltv"]
    assert dict(result.km["smb"])[12] < dict(result.km["enterprise"])[12]
    row = result.per_account.iloc[0]
    assert row["ltv"] == row["arr"] / 12 * 0.8 * row["expected_months"]


def test_cohorts_show_logo_and_revenue_retention_only_where_the_cohort_is_old_enough(product):
    book = _book(product)
    rows = forecast.cohorts(book, today=TODAY, last_quarters=20)
    assert sum(r["accounts"] for r in rows) == 120
    newest = rows[-1]
    assert newest["logo"][-1] is None  # too young for 18 months
    oldest = rows[0]
    assert all(v is None or 0 <= v <= 1 for v in oldest["logo"])
    by_segment = {r["cohort"]: r for r in forecast.cohorts(book, today=TODAY, by="segment")}
    assert by_segment["smb"]["logo"][3] < by_segment["enterprise"]["logo"][3]
