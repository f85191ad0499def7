"""The daily revenue forecast the dashboard shows: recorded by the pipeline step, one row per day,
reconciled with the contracts, sliced by the dashboard's filters."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from csops.customers.models import Account, Contract
from csops.customers.services.accounts import refresh_account_rollup
from csops.insights import risk
from csops.insights.models import RevenueForecast
from csops.insights.revenue import record_forecast
from csops.web import dashboard as d

TODAY = dt.date(2026, 11, 15)


@pytest.fixture
def book(acme, globex, product):
    """Acme (enterprise, Alice) ¥6M ARR renewing in April; Globex (smb, Bob) ¥1.2M renewing next month."""
    Contract.objects.create(external_id="C-GLOBEX-1", account=globex, product=product, mrr=Decimal("100000"),
                            start_date=dt.date(2025, 12, 10), renewal_date=dt.date(2026, 12, 10))
    refresh_account_rollup([globex.pk])
    return acme, globex


def section(user, **filters) -> d.ForecastPanel:
    build = next(s.build for s in d.SECTIONS if s.key == "forecast")
    return build(d.DashboardFilters(**filters), user, TODAY)


def test_the_forecast_starts_from_the_live_contracts_and_a_rerun_keeps_one_row(book):
    first = record_forecast(TODAY, sims=300)  # quarters end on month starts
    assert first.arr_now == pytest.approx(7_200_000)
    assert [q["end"] for q in first.quarters] == ["2027-02-01", "2027-05-01", "2027-08-01", "2027-11-01"]
    q = first.next_quarter
    assert q["arr_low"] <= q["arr"] <= q["arr_high"]
    assert 0 < q["grr_low"] <= q["grr"] <= q["grr_high"] <= 1
    # The slices add up to the whole.
    assert sum(r["arr"] for r in first.by_segment) == pytest.approx(first.arr_now)
    assert sum(r["next_quarter"] for r in first.by_owner) == pytest.approx(q["arr"])
    again = record_forecast(TODAY, sims=300)
    assert RevenueForecast.objects.count() == 1 and again.pk == first.pk
    assert again.quarters == first.quarters  # seeded: the same data gives the same figures


def test_nothing_renews_in_the_quarter_for_acme_so_its_slice_keeps_its_arr(book, carol):
    acme, globex = book
    record_forecast(TODAY, sims=300)
    enterprise = section(carol, segment="enterprise")
    assert enterprise.scope == "segment"
    assert enterprise.arr_now == enterprise.arr == pytest.approx(6_000_000)
    assert enterprise.grr == enterprise.nrr == pytest.approx(1.0)
    assert enterprise.arr_low is None  # intervals are recorded for the whole company only
    bobs = section(carol, owner=str(globex.owner_id))
    assert bobs.scope == "owner" and bobs.arr_now == pytest.approx(1_200_000)
    assert bobs.arr <= bobs.arr_now * 1.5
    mine = section(acme.owner, owner="mine")
    assert mine.arr_now == pytest.approx(6_000_000)
    both = section(carol, segment="smb", product="delivery")
    assert both.scope == "company" and both.combined_filters and both.arr_now == pytest.approx(7_200_000)
    nobody = section(carol, segment="mid_market")
    assert nobody.day == TODAY and nobody.arr_now == 0


def test_the_pipeline_step_records_the_forecast_even_without_a_churn_model(book):
    summary = risk.run_insights_day(TODAY)
    assert "revenue forecast recorded" in summary
    row = RevenueForecast.objects.get(day=TODAY)
    assert not row.used_churn_risk


def test_the_dashboard_shows_next_quarter(book, client_as, carol):
    page = client_as(carol).get(reverse("dashboard")).content.decode()
    assert 'data-section="forecast-ready"' in page and "No forecast yet" in page
    record_forecast(TODAY, sims=300)
    page = client_as(carol).get(reverse("dashboard")).content.decode()
    assert 'data-forecast="next-quarter"' in page
    assert "Expected ARR in 3 months" in page and "GRR next quarter" in page and "NRR next quarter" in page
    assert "¥7,200,000" in page  # ARR today
    page = client_as(carol).get(reverse("dashboard"), {"segment": "enterprise"}).content.decode()
    assert "For the selected segment." in page


def test_an_account_with_no_contract_is_not_in_the_forecast(book):
    Account.objects.create(external_id="EMPTY-1", name="Empty", segment="smb")
    assert record_forecast(TODAY, sims=100).arr_now == pytest.approx(7_200_000)
