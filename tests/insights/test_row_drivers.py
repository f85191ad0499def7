from __future__ import annotations

import pandas as pd

from csops.insights import modelling
from tests.insights.synthetic import churn_table


def test_a_risky_account_is_explained_by_what_makes_it_risky():
    frame = churn_table(1500, signal=1.5, seed=9)
    data = modelling.dataset_from_frame(frame, label="churned", id_col="account", time_col="month")
    for name in ("logistic_l2", "gradient_boosting"):
        fitted = modelling.fit_model(name, data.X, data.y, ordered=True)
        quiet = pd.DataFrame({"logins": [0.5], "tickets": [2.0], "noise": [0.0], "region": ["east"]})
        noisy = pd.DataFrame({"logins": [20.0], "tickets": [9.0], "noise": [0.0], "region": ["east"]})
        assert modelling.row_drivers(fitted, quiet)[0][0][0] == "logins", name
        assert modelling.row_drivers(fitted, noisy)[0][0][0] == "tickets", name
