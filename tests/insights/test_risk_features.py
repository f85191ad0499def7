"""The churn model's features are what was known on each observation day: renewals, journey, tickets."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd
import pytest
from django.utils import timezone

from csops.customers.models import Account, Activity, Contract
from csops.insights import outcomes, risk
from csops.journey.models import EvaluatedDay, MaturityChange, OnboardingPlan, OnboardingStep, StageChange

D = pd.Timestamp


def book(contracts: list[dict], renewals: list[dict] | None = None) -> outcomes.Book:
    frame = pd.DataFrame([{"product": "delivery", "segment": "smb", "owner_id": None, "end": pd.NaT,
                           "renewal": pd.NaT, "churned": False, "mrr": 100.0} | c for c in contracts])
    for col in ("start", "end", "renewal"):
        frame[col] = pd.to_datetime(frame[col])
    frame = frame.set_index("id", drop=False)
    columns = ["contract_id", "account_id", "product", "segment", "date", "outcome", "mrr_before", "mrr_after"]
    rows = pd.DataFrame(renewals or [], columns=columns)
    rows["date"] = pd.to_datetime(rows["date"])
    return outcomes.Book(frame, rows)


def days_to_renewal(b: outcomes.Book, day: str) -> dict[int, int]:
    return risk._contract_features(b, D(day).date())["days_to_renewal"].to_dict()


# A renewal recorded on some other contract: the data source records renewals.
OTHER = {"id": 99, "account_id": 9, "start": "2023-01-01", "renewal": "2026-01-01"}
OTHER_RENEWAL = {"contract_id": 99, "account_id": 9, "product": "delivery", "segment": "smb", "date": "2025-01-01",
                 "outcome": "renewed", "mrr_before": 100.0, "mrr_after": 100.0}


def test_a_multi_year_contract_renews_on_its_renewal_date_not_on_its_anniversary():
    b = book([{"id": 1, "account_id": 1, "start": "2024-01-01", "renewal": "2027-01-01"}, OTHER], [OTHER_RENEWAL])
    assert days_to_renewal(b, "2025-06-01")[1] == (D("2027-01-01") - D("2025-06-01")).days


def test_co_termed_contracts_count_the_earliest_upcoming_renewal():
    b = book([{"id": 1, "account_id": 1, "start": "2024-04-01", "renewal": "2026-04-01"},
              {"id": 2, "account_id": 1, "start": "2025-09-01", "renewal": "2026-04-01"},
              {"id": 3, "account_id": 2, "start": "2024-04-01", "renewal": "2026-04-01"},
              {"id": 4, "account_id": 2, "start": "2025-02-01", "renewal": "2026-02-01"}, OTHER], [OTHER_RENEWAL])
    got = days_to_renewal(b, "2025-10-01")
    assert got[1] == (D("2026-04-01") - D("2025-10-01")).days  # not the added contract's anniversary
    assert got[2] == (D("2026-02-01") - D("2025-10-01")).days


def test_before_a_recorded_renewal_the_upcoming_renewal_was_that_one_not_todays_date():
    renewal = OTHER_RENEWAL | {"contract_id": 1, "account_id": 1, "date": "2025-04-01"}
    b = book([{"id": 1, "account_id": 1, "start": "2024-04-01", "renewal": "2026-04-01"}], [renewal])
    assert days_to_renewal(b, "2025-01-01")[1] == (D("2025-04-01") - D("2025-01-01")).days
    assert days_to_renewal(b, "2025-06-01")[1] == (D("2026-04-01") - D("2025-06-01")).days


def test_without_any_renewal_record_a_far_renewal_date_is_taken_back_to_the_days_year():
    # Today's row says 2027-06-15; with no record, renewals in between may have gone unrecorded.
    b = book([{"id": 1, "account_id": 1, "start": "2023-06-15", "renewal": "2027-06-15"}])
    assert days_to_renewal(b, "2025-09-01")[1] == (D("2026-06-15") - D("2025-09-01")).days


def test_a_stale_renewal_date_rolls_forward_and_no_date_falls_back_to_the_anniversary():
    b = book([{"id": 1, "account_id": 1, "start": "2023-03-10", "renewal": "2024-02-29"},
              {"id": 2, "account_id": 2, "start": "2023-03-10"}, OTHER], [OTHER_RENEWAL])
    got = days_to_renewal(b, "2025-05-01")
    assert got[1] == (D("2026-02-28") - D("2025-05-01")).days
    assert got[2] == (D("2026-03-10") - D("2025-05-01")).days


# --- the journey, as known on the day -------------------------------------------------------------


@pytest.fixture
def journey(product):
    """Acme: onboarding from 1 March, adoption from 1 June, expansion from 1 September (recorded
    later than the first two observation days); maturity 1 from 10 March, 2 from 1 July; an
    onboarding plan of three steps; high-severity tickets in April and August."""
    account = Account.objects.create(external_id="J-1", name="Acme", segment="smb")
    contract = Contract.objects.create(external_id="JC-1", account=account, product=product, plan="Business", seats=5,
                                       mrr=Decimal(100000), start_date=dt.date(2025, 3, 1),
                                       renewal_date=dt.date(2026, 3, 1), status="active")
    for day, stage in ((dt.date(2025, 3, 1), "onboarding"), (dt.date(2025, 6, 1), "adoption"),
                       (dt.date(2025, 9, 1), "expansion")):
        StageChange.objects.create(account=account, day=day, stage_to=stage, source="rule")
    EvaluatedDay.objects.create(product=product, day=dt.date(2025, 3, 1))
    MaturityChange.objects.create(account=account, product=product, day=dt.date(2025, 3, 10), level_from=0, level_to=1)
    MaturityChange.objects.create(account=account, product=product, day=dt.date(2025, 7, 1), level_from=1, level_to=2)
    plan = OnboardingPlan.objects.create(account=account, contract=contract, product=product, template_key="t",
                                         started_on=dt.date(2025, 3, 1))
    for k, (due, done) in enumerate(((dt.date(2025, 3, 15), dt.date(2025, 3, 14)),
                                     (dt.date(2025, 4, 1), dt.date(2025, 5, 20)),
                                     (dt.date(2025, 5, 1), None))):
        OnboardingStep.objects.create(plan=plan, position=k, key=f"s{k}", title=f"Step {k}", owner="csm", due_on=due,
                                      completion="manual", done_on=done)
    tz = timezone.get_current_timezone()
    for when, severity in ((dt.datetime(2025, 4, 10, 9), "high"), (dt.datetime(2025, 4, 20, 9), "urgent"),
                           (dt.datetime(2025, 4, 25, 9), "low"), (dt.datetime(2025, 8, 5, 9), "high")):
        Activity.objects.create(account=account, kind="ticket", occurred_at=when.replace(tzinfo=tz),
                                summary="Ticket", data={"severity": severity})
    return account


def test_the_journey_features_are_what_was_known_on_each_day(journey, product):
    days = [dt.date(2025, 2, 1), dt.date(2025, 4, 15), dt.date(2025, 6, 15), dt.date(2025, 8, 15)]
    keys = pd.DataFrame({"account_id": [journey.pk] * len(days), "day": days})
    f = risk.journey_features(product.pk, keys).set_index(keys["day"])
    assert pd.isna(f.loc[days[0], "stage"])  # before any stage change: unknown
    assert list(f["stage"].iloc[1:]) == ["onboarding", "adoption", "adoption"]  # September's not yet
    # Before the product's first evaluated day the level is unknown, not 0.
    assert pd.isna(f.loc[days[0], "maturity_level"]) and list(f["maturity_level"].iloc[1:]) == [1, 1, 2]
    # 15 April: 1 of 3 steps done, step 2 (due 1 April) overdue; 15 June: 2 done, step 3 overdue.
    assert f.loc[days[1], "onboarding_done_share"] == pytest.approx(1 / 3)
    assert f.loc[days[1], "onboarding_overdue"] == 1
    assert f.loc[days[2], "onboarding_done_share"] == pytest.approx(2 / 3)
    assert f.loc[days[2], "onboarding_overdue"] == 1
    assert pd.isna(f.loc[days[0], "onboarding_done_share"])  # no plan started yet
    # High and urgent tickets in the 90 days up to the day; the low one does not count.
    assert list(f["high_tickets_90d"]) == [0, 1, 2, 1]  # 20 April is after 15 April; April is out by 15 August


def test_a_later_stage_change_does_not_rewrite_an_earlier_row(journey, product):
    keys = pd.DataFrame({"account_id": [journey.pk], "day": [dt.date(2025, 6, 15)]})
    before = risk.journey_features(product.pk, keys)
    StageChange.objects.create(account=journey, day=dt.date(2025, 6, 16), stage_to="renewal", source="manual")
    MaturityChange.objects.create(account=journey, product=product, day=dt.date(2025, 6, 16), level_from=1, level_to=3)
    pd.testing.assert_frame_equal(before, risk.journey_features(product.pk, keys))


def test_the_churn_model_reads_the_journey_features(product):
    from tests.insights.history import TODAY, build_history

    build_history(product, accounts=120, signal=2.0, seed=4)
    for account in Account.objects.all()[:60]:
        StageChange.objects.create(account=account, day=TODAY - dt.timedelta(days=400), stage_to="adoption",
                                   source="rule")
    result = risk.train(horizon=90, today=TODAY)
    assert result.model is not None, result.reason
    assert set(risk.JOURNEY_COLUMNS) <= set(result.frame.columns)
    assert "stage" in result.model.features and "high_tickets_90d" in result.model.features


def test_an_early_churn_record_is_not_taken_for_the_renewal_date():
    churn = OTHER_RENEWAL | {"contract_id": 1, "account_id": 1, "date": "2025-07-01", "outcome": "churned"}
    b = book([{"id": 1, "account_id": 1, "start": "2024-04-01", "end": "2025-07-01", "renewal": "2026-04-01",
               "churned": True}, OTHER], [OTHER_RENEWAL, churn])
    assert days_to_renewal(b, "2025-05-01")[1] == (D("2026-04-01") - D("2025-05-01")).days
