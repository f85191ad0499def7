from __future__ import annotations

import numpy as np
import pandas as pd

from csops.insights import modelling
from tests.insights.synthetic import churn_table


def test_every_training_row_is_observed_before_its_test_period():
    frame = churn_table(600, seed=5)
    folds = modelling.time_folds(frame["month"], 3, gap_days=31)
    for train, test in folds:
        assert frame["month"].iloc[train].max() + pd.Timedelta(days=31) < frame["month"].iloc[test].min()


def test_shuffling_the_future_labels_breaks_the_model():
    frame = churn_table(1500, signal=1.5, seed=6)
    data = modelling.dataset_from_frame(frame, label="churned", id_col="account", time_col="month")
    honest = modelling.evaluate(data, models=("logistic_l2",), refit=False)
    assert honest.results["logistic_l2"].auc > 0.75
    # Keep the past as it was; scramble who churned in the later periods the model is tested on.
    rng = np.random.default_rng(0)
    first_test = np.sort(data.time.unique())[len(data.time.unique()) // 3]
    future = np.flatnonzero(data.time.to_numpy() >= first_test)
    data.y[future] = data.y[rng.permutation(future)]
    shuffled = modelling.evaluate(data, models=("logistic_l2",), refit=False)
    assert abs(shuffled.results["logistic_l2"].auc - 0.5) < 0.08


def test_shuffling_the_training_labels_leaves_nothing_to_learn():
    frame = churn_table(1500, signal=1.5, seed=7)
    frame["churned"] = np.random.default_rng(1).permutation(frame["churned"].to_numpy())
    data = modelling.dataset_from_frame(frame, label="churned", time_col="month")
    result = modelling.evaluate(data, models=("logistic_l2", "gradient_boosting"), refit=False)
    for name in ("logistic_l2", "gradient_boosting"):
        assert abs(result.results[name].auc - 0.5) < 0.08


def test_the_encoder_learns_its_medians_from_training_rows_only():
    train = pd.DataFrame({"x": [1.0, 2.0, 3.0, None]})
    later = pd.DataFrame({"x": [None, 100.0]})
    encoder = modelling.Encoder().fit(train)
    spec = encoder.columns[0]
    assert spec.median == 2.0
    # The later rows' own median (100) never enters: their gap is filled with the training median.
    z = encoder.transform(later)
    assert z[0, 0] == (2.0 - spec.mean) / spec.std
