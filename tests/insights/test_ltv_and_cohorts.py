from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pytest

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


def _label_accounts(product) -> None:
    """Enterprise accounts (the long-lived) are high touch, reached first value within a week and are at
    Lv.2; SMB accounts are tech touch, took 75 days and are at Lv.1 (a second product's Lv.0 is ignored)."""
    from csops.customers.models import Product
    from csops.journey.models import FirstValue, MaturityState
    from csops.playbooks.models import AccountTouch

    other = Product.objects.create(code="analytics", name="Analytics")
    for account in Account.objects.all():
        enterprise = account.segment == "enterprise"
        start = account.contracts.get().start_date
        AccountTouch.objects.create(account=account, touch_model="high" if enterprise else "tech", since=start)
        MaturityState.objects.create(account=account, product=product, level=2 if enterprise else 1,
                                     evaluated_on=TODAY)
        MaturityState.objects.create(account=account, product=other, level=0, evaluated_on=TODAY)
        FirstValue.objects.create(account=account, product=product, contract_start=start,
                                  reached_on=start + dt.timedelta(days=7 if enterprise else 75))


def test_ltv_by_touch_model_and_maturity_level_follows_who_stays(product):
    from csops.insights import report

    book = _book(product)
    _label_accounts(product)
    result = forecast.ltv(book, today=TODAY)
    touch = {r["group"]: r for r in forecast.ltv_by(result, report.touch_models(), missing="none")}
    assert set(touch) == {"high", "tech"} and touch["high"]["accounts"] + touch["tech"]["accounts"] == 120
    assert touch["high"]["still_after_12"] > touch["tech"]["still_after_12"]
    assert touch["high"]["mean_ltv"] > touch["tech"]["mean_ltv"]
    assert touch["high"]["total_ltv"] + touch["tech"]["total_ltv"] == pytest.approx(result.per_account["ltv"].sum())
    # Grouping the same way as the segments gives the segments' figures.
    seg = {s["segment"]: s for s in result.by_segment}
    assert touch["high"]["mean_ltv"] == pytest.approx(seg["enterprise"]["mean_ltv"])
    levels = report.maturity_levels()
    assert set(levels.values()) == {"1", "2"}  # the highest level over the products
    maturity = {r["group"]: r for r in forecast.ltv_by(result, levels, missing="none")}
    assert maturity["2"]["mean_ltv"] > maturity["1"]["mean_ltv"]


def test_an_account_without_a_touch_model_is_its_own_group(product):
    book = _book(product, n=40)
    result = forecast.ltv(book, today=TODAY)
    rows = forecast.ltv_by(result, {}, missing="none")
    assert [(r["group"], r["accounts"]) for r in rows] == [("none", 40)]


def test_cohorts_by_onboarding_speed_and_maturity_level(product):
    from csops.insights import report

    book = _book(product)
    _label_accounts(product)
    speed = report.onboarding_speeds()
    assert set(speed.values()) == {"1", "4"}  # within 14 days, over 60 days
    rows = {r["cohort"]: r for r in forecast.cohorts(book, today=TODAY, by="group", groups=speed)}
    assert set(rows) == {"1", "4"} and rows["1"]["accounts"] + rows["4"]["accounts"] == 120
    assert rows["1"]["logo"][3] > rows["4"]["logo"][3]
    by_segment = {r["cohort"]: r for r in forecast.cohorts(book, today=TODAY, by="segment")}
    assert rows["1"]["logo"] == by_segment["enterprise"]["logo"]  # the same accounts, the same figures
    maturity = {r["cohort"]: r for r in forecast.cohorts(book, today=TODAY, by="group",
                                                         groups=report.maturity_levels())}
    assert maturity["2"]["revenue"] == by_segment["enterprise"]["revenue"]


def test_accounts_still_waiting_for_first_value_or_started_before_the_history(product):
    from csops.insights import report
    from csops.journey.models import FirstValue

    _book(product, n=4)
    waiting, unknown, fast, slow = Account.objects.order_by("pk")
    FirstValue.objects.create(account=waiting, product=product, contract_start=TODAY, reached_on=None)
    FirstValue.objects.create(account=unknown, product=product, contract_start=TODAY, reached_on=TODAY,
                              measurable=False)
    FirstValue.objects.create(account=fast, product=product, contract_start=TODAY - dt.timedelta(days=20),
                              reached_on=TODAY)
    FirstValue.objects.create(account=slow, product=product, contract_start=TODAY - dt.timedelta(days=45),
                              reached_on=TODAY)
    assert report.onboarding_speeds() == {waiting.pk: "wait", fast.pk: "2", slow.pk: "3"}


def test_the_page_shows_ltv_and_cohorts_by_touch_model_onboarding_speed_and_maturity(product, client_as, alice):
    from csops.audit.services import record

    _book(product)
    _label_accounts(product)
    record(None, "demo.loaded", None, {"today": TODAY.isoformat()})
    text = client_as(alice).get("/insights/").content.decode()

    def table(name: str) -> str:
        return text.split(f'data-table="{name}"')[1].split("</table>")[0]

    assert "High touch" in table("ltv-by-touch") and "Tech touch" in table("ltv-by-touch")
    assert "Lv.2" in table("ltv-by-maturity") and "Lv.1" in table("ltv-by-maturity")
    assert "Within 14 days" in table("cohorts-by-speed") and "Over 60 days" in table("cohorts-by-speed")
    assert "Lv.2" in table("cohorts-by-maturity")
    assert "touch model and maturity level are the account's current ones" in text.lower()


def test_a_customer_who_left_keeps_the_maturity_level_it_had_when_it_left(product):
    from csops.insights import report
    from csops.journey.models import MaturityChange, MaturityState

    _book(product, n=2)
    live, gone = Account.objects.order_by("pk")
    MaturityState.objects.create(account=live, product=product, level=3, evaluated_on=TODAY)
    MaturityChange.objects.create(account=live, product=product, day=TODAY - dt.timedelta(days=90), level_from=0,
                                  level_to=1)
    MaturityChange.objects.create(account=gone, product=product, day=TODAY - dt.timedelta(days=200), level_from=0,
                                  level_to=2)
    MaturityChange.objects.create(account=gone, product=product, day=TODAY - dt.timedelta(days=100), level_from=2,
                                  level_to=1)
    assert report.maturity_levels() == {live.pk: "3", gone.pk: "1"}
