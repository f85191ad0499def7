from __future__ import annotations

import numpy as np
import pytest

from csops.insights.survival import fit_weibull, kaplan_meier


def test_kaplan_meier_matches_the_textbook_example():
    # 6 lifetimes, 2 censored: S = 5/6 after t=1, x 3/4 after t=3 (4 at risk), x 1/2 after t=5 (2 at risk).
    km = kaplan_meier(np.array([1, 2, 3, 4, 5, 6]), np.array([1, 0, 1, 0, 1, 0]))
    assert km.times.tolist() == [1, 3, 5]
    assert km.survival == pytest.approx([5 / 6, 5 / 6 * 3 / 4, 5 / 6 * 3 / 4 / 2])
    assert km.at(2.5) == pytest.approx(5 / 6)
    assert km.median() == 5


def test_the_weibull_model_recovers_a_planted_hazard_ratio_and_shape():
    rng = np.random.default_rng(0)
    n = 3000
    x = rng.normal(size=n)
    shape, scale, beta = 1.5, 20.0, 0.5
    # Inverse-CDF draw of S(t|x) = exp(-(t/scale)^shape * exp(beta x))
    t = scale * (-np.log(rng.random(n)) / np.exp(beta * x)) ** (1 / shape)
    censor = rng.uniform(5, 60, n)
    event = (t <= censor).astype(int)
    model = fit_weibull(np.minimum(t, censor), event, x[:, None], ["x"], ridge=0.0)
    assert model.shape == pytest.approx(shape, rel=0.08)
    assert model.scale == pytest.approx(scale, rel=0.08)
    assert model.beta[0] / model.std[0] == pytest.approx(beta, rel=0.15)
    assert model.hazard_ratios()["x"] > 1
