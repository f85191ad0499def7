from __future__ import annotations

from csops.insights import modelling
from tests.insights.synthetic import churn_table


def test_held_out_probabilities_are_calibrated_within_tolerance():
    frame = churn_table(3000, signal=1.2, seed=8)
    data = modelling.dataset_from_frame(frame, label="churned", id_col="account", time_col="month")
    result = modelling.evaluate(data, models=("logistic_l2", "gradient_boosting"), refit=False)
    base_rate = data.y.mean()
    for name in ("logistic_l2", "gradient_boosting"):
        r = result.results[name]
        assert r.calibration_error < 0.04, name
        # Better than always predicting the base rate.
        assert r.brier < base_rate * (1 - base_rate), name
        assert sum(b["n"] for b in r.reliability) == len(result.test_index)


def test_the_reliability_curve_of_a_perfect_forecast_is_the_diagonal():
    import numpy as np

    rng = np.random.default_rng(0)
    p = rng.uniform(0, 1, 20000)
    y = (rng.random(20000) < p).astype(int)
    assert modelling.calibration_error(y, p) < 0.02
    assert modelling.lift_top(y, p) > 1.7
