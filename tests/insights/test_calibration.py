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


def test_a_distorted_forecast_is_corrected_only_when_that_helps_rows_the_correction_did_not_see():
    import numpy as np

    rng = np.random.default_rng(1)
    p = rng.beta(1, 6, 6000)
    y = (rng.random(6000) < p).astype(int)
    parts = [np.arange(0, 3000), np.arange(3000, 6000)]
    distorted = np.sqrt(p)  # every probability too high
    choice = modelling.choose_calibration(y, distorted, parts)
    assert choice.method in modelling.CALIBRATION_METHODS and choice.calibrator is not None
    assert choice.brier[choice.method] < choice.brier["none"] - 0.01
    assert modelling.calibration_error(y, choice.held_out) < 0.03
    assert modelling.calibration_error(y, choice.calibrator.apply(distorted)) < 0.03
    # Already calibrated: nothing to gain, left alone.
    honest = modelling.choose_calibration(y, p, parts)
    assert honest.method == "none" and honest.calibrator is None and (honest.held_out == p).all()


def test_the_trained_risk_models_probabilities_match_observed_churn_in_every_bin(product):
    import math

    from csops.insights import risk
    from tests.insights.history import TODAY, build_history
    from tests.insights.test_churn_model import plant_ticket_signal

    build_history(product, accounts=200, signal=2.0, seed=3, weeks=70)
    plant_ticket_signal()
    model = risk.train(horizon=90, today=TODAY).model
    assert model is not None
    m = model.metrics
    curve = m["reliability"]  # held-out rows: later days of accounts the fold never trained on
    assert sum(b["n"] for b in curve) == m["held_out_rows"] > 1000
    for b in curve:
        # Within three standard errors of the observed rate, and never more than 0.08 apart.
        tolerance = min(0.08, max(0.03, 3 * math.sqrt(b["predicted"] * (1 - b["predicted"]) / b["n"])))
        assert abs(b["predicted"] - b["observed"]) < tolerance, b
    assert m["calibration_error"] < 0.04
    base_rate = sum(b["observed"] * b["n"] for b in curve) / m["held_out_rows"]
    assert m["brier"] < base_rate * (1 - base_rate)
    # The correction, when one was chosen, lowered the held-out Brier and travels with the model.
    method = m["calibration"]["method"]
    assert m["calibration"]["brier"][method] <= m["calibration"]["brier"]["none"]
    assert (risk.load_fitted(model).calibrator is None) == (method == "none")
