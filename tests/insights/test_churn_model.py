from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from django.utils import timezone

from csops.customers.models import Activity, Contract
from csops.insights import risk
from csops.insights.models import ChurnRisk
from tests.insights.history import TODAY, build_history


def plant_ticket_signal(*, seed: int = 0) -> None:
    """High-severity tickets: a few at random for every account, and three in the 80 days before the
    end for 60 % of the accounts that churn. A signal the health score does not carry, so that a
    model reading both beats any single column."""
    rng = np.random.default_rng(seed)
    tz = timezone.get_current_timezone()
    first = TODAY - dt.timedelta(days=800)
    rows = []
    for c in Contract.objects.all():
        days = [first + dt.timedelta(days=int(d)) for d in rng.integers(0, 800, rng.poisson(3))]
        if c.end_date and rng.random() < 0.6:
            days += [c.end_date - dt.timedelta(days=int(d)) for d in rng.integers(5, 80, 3)]
        rows += [Activity(account_id=c.account_id, kind="ticket", summary="Ticket", data={"severity": "high"},
                          occurred_at=dt.datetime(d.year, d.month, d.day, 10, tzinfo=tz))
                 for d in days if not (c.end_date and d >= c.end_date)]
    Activity.objects.bulk_create(rows, batch_size=2000)


@pytest.fixture
def history(product):
    return build_history(product, accounts=200, signal=2.0, seed=3)


@pytest.fixture
def long_history(product):
    """70 weeks: enough for a full 90-day gap between each fold's training rows and its test period."""
    card = build_history(product, accounts=200, signal=2.0, seed=3, weeks=70)
    plant_ticket_signal()
    return card


def test_the_trained_model_beats_its_baseline_on_held_out_rows_and_stores_its_figures(long_history):
    result = risk.train(horizon=90, today=TODAY)
    assert result.model is not None, result.reason
    m = result.model.metrics
    assert m["baseline"] and m["auc"] > 0.75
    # Health and tickets together beat the best single column on accounts and days it never saw.
    assert m["auc"] > m["baseline_auc"] + 0.03
    assert m["brier"] < m["baseline_brier"]
    assert "trained on earlier days of half the accounts" in m["split"] and "gap 90 days" in m["split"]
    assert m["calibration"]["method"] in ("none", "platt", "isotonic")
    assert result.model.scorecard_key == long_history.key


def test_no_training_label_looks_into_its_folds_test_period(long_history):
    result = risk.train(horizon=90, today=TODAY)
    assert result.model is not None, result.reason
    assert result.model.metrics["gap_days"] == 90
    days = pd.to_datetime(result.frame["day"]).to_numpy()
    for train, test in result.evaluation.folds:
        assert len(train) and len(test)
        # A training row's label covers the 90 days after it: they end before the test period starts.
        assert days[train].max() + np.timedelta64(90, "D") < days[test].min()
        assert not set(result.frame["account_id"].iloc[train]) & set(result.frame["account_id"].iloc[test])


def test_with_too_little_history_for_the_full_gap_it_says_so(history):
    m = risk.train(horizon=90, today=TODAY).model.metrics
    assert 0 < m["gap_days"] < 90 and "history too short for a gap of 90 days" in m["split"]


def test_daily_scoring_writes_one_calibrated_probability_per_account_and_is_idempotent(history):
    model = risk.train(horizon=90, today=TODAY).model
    day = risk.HealthScore.objects.filter(scorecard=history).latest("day").day
    n = risk.score_day(day, model=model)
    assert n > 0 and ChurnRisk.objects.filter(day=day).count() == n
    assert risk.score_day(day, model=model) == n
    assert ChurnRisk.objects.filter(day=day).count() == n
    risks = list(ChurnRisk.objects.filter(day=day))
    assert all(0 <= r.probability <= 1 for r in risks)
    riskiest = max(risks, key=lambda r: r.probability)
    assert riskiest.drivers and isinstance(riskiest.drivers[0][0], str)


def test_the_pipeline_step_trains_when_there_is_no_model_yet(history):
    day = risk.HealthScore.objects.filter(scorecard=history).latest("day").day
    summary = risk.run_insights_day(day)
    assert "churn model trained" in summary and "churn risk scored for" in summary
    assert "trained" not in risk.run_insights_day(day)


def test_without_history_it_says_why(product):
    result = risk.train(horizon=90, today=TODAY)
    assert result.model is None and result.reason
