from __future__ import annotations

from csops.insights import modelling
from tests.insights.synthetic import churn_table


def _evaluate(frame, **kwargs):
    data = modelling.dataset_from_frame(frame, label="churned", id_col="account", time_col="month")
    return modelling.evaluate(data, **kwargs)


def test_a_planted_signal_is_found_by_every_model():
    result = _evaluate(churn_table(1200, signal=1.5))
    for name in ("logistic_l1", "logistic_l2", "gradient_boosting"):
        assert result.results[name].auc > 0.75, name
        assert result.results[name].lift > 2.0, name


def test_pure_noise_scores_about_one_half():
    result = _evaluate(churn_table(1500, signal=0.0, seed=3))
    for name in ("logistic_l1", "logistic_l2", "gradient_boosting"):
        assert abs(result.results[name].auc - 0.5) < 0.08, name


def test_the_baseline_is_always_reported_and_names_its_column():
    result = _evaluate(churn_table(800, seed=1), models=("logistic_l2",))
    assert "baseline" in result.results
    assert result.results["baseline"].note == "logins alone"


def test_the_drivers_name_the_planted_columns_first_with_their_direction():
    result = _evaluate(churn_table(1500, signal=1.5, seed=2))
    top = {d.feature: d.weight for d in result.drivers["logistic_l2"][:2]}
    assert set(top) == {"logins", "tickets"}
    assert top["logins"] < 0 < top["tickets"]
    boosted = [d.feature for d in result.drivers["gradient_boosting"][:2]]
    assert set(boosted) == {"logins", "tickets"}


def test_without_a_time_column_it_uses_stratified_cross_validation():
    frame = churn_table(900, seed=4).drop(columns=["month"])
    data = modelling.dataset_from_frame(frame, label="churned", id_col="account")
    result = modelling.evaluate(data, models=("logistic_l2",))
    assert result.split == "stratified 5-fold cross-validation"
    assert result.results["logistic_l2"].auc > 0.75
