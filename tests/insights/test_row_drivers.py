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


def test_an_account_with_a_burst_of_high_severity_tickets_is_told_so(product):
    from csops.insights import risk
    from csops.insights.models import ChurnRisk
    from tests.insights.history import TODAY, build_history
    from tests.insights.test_churn_model import plant_ticket_signal

    card = build_history(product, accounts=200, signal=2.0, seed=3)
    plant_ticket_signal()
    model = risk.train(horizon=90, today=TODAY).model
    assert model is not None and "high_tickets_90d" in model.features
    day = risk.HealthScore.objects.filter(scorecard=card).latest("day").day
    risk.score_day(day, model=model)
    frame = risk.feature_frame(card, [day], risk.outcomes.load_book(product=product.code), risk._measure_keys(card))
    burst = set(frame.loc[frame["high_tickets_90d"] >= 3, "account_id"])
    assert burst
    drivers = {r.account_id: [f for f, _ in r.drivers] for r in ChurnRisk.objects.filter(day=day, account_id__in=burst)}
    told = sum("high_tickets_90d" in names for names in drivers.values())
    assert told >= 0.8 * len(burst), drivers
