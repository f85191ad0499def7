from __future__ import annotations

import pytest

from csops.insights import risk
from csops.insights.models import ChurnRisk
from tests.insights.history import TODAY, build_history


@pytest.fixture
def history(product):
    return build_history(product, accounts=200, signal=2.0, seed=3)


def test_the_trained_model_beats_nothing_less_than_chance_and_stores_its_figures(history):
    result = risk.train(horizon=90, today=TODAY)
    assert result.model is not None, result.reason
    m = result.model.metrics
    assert m["auc"] > 0.7
    assert "baseline_auc" in m and m["baseline"]
    assert "trained on earlier days of half the accounts" in m["split"]
    assert result.model.scorecard_key == history.key


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
