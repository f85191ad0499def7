from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from csops.insights import fightchurn

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "fightchurn_sim"


@pytest.mark.skipif(not (SHARED / "socialnet7_dataset.csv").is_file(), reason="the shared fightchurn data is absent")
def test_the_most_and_least_valuable_events_are_recognised_on_the_book_observations():
    weights = fightchurn.event_weights(pd.read_csv(SHARED / "socialnet7_dataset.csv"), "is_churn",
                                       fightchurn.true_utility(SHARED))
    assert weights.order[0] == "newfriend" and weights.order[-1] == "unfriend"
    assert weights.spearman > 0.8


@pytest.mark.skipif(not (SHARED / "socialnet7_dataset.csv").is_file(), reason="the shared fightchurn data is absent")
def test_diminishing_returns_split_the_valuable_events_from_the_harmful_ones():
    truth = fightchurn.true_utility(SHARED)
    weights = fightchurn.event_weights(pd.read_csv(SHARED / "socialnet7_dataset.csv"), "is_churn", truth)
    assert weights.saturation is not None
    assert {n for n, w in weights.weights.items() if w > 0} == {n for n, v in truth.items() if v > 0}
    assert weights.spearman > 0.9


def test_the_planted_diminishing_returns_and_the_value_of_each_event_are_recovered():
    rng = np.random.default_rng(1)
    n = 20000
    typical = np.array([40.0, 5.0, 20.0])
    true_value = np.array([0.5, 6.0, -1.5])  # per event at zero, like the simulator's utility
    counts = rng.gamma(2.0, typical / 2.0, size=(n, 3))
    utility = (typical * true_value * (1 - np.exp(-2 * counts / typical))).sum(axis=1)
    churn = rng.random(n) < 1 / (1 + np.exp(0.135 * utility - 0.5 + 3))
    frame = pd.DataFrame(counts, columns=[f"{e}{fightchurn.SUFFIX}" for e in ("like", "newfriend", "adview")])
    frame["churn"] = churn
    weights = fightchurn.event_weights(frame, "churn", dict(zip(("like", "newfriend", "adview"), true_value,
                                                                 strict=True)))
    assert weights.saturation == 2.0
    # Relative to newfriend (+6): like +0.5/6, adview -1.5/6. Raw counts give about +0.05 and -0.06.
    assert weights.weights["like"] == pytest.approx(0.5 / 6, rel=0.25)
    assert weights.weights["adview"] == pytest.approx(-1.5 / 6, rel=0.25)


def test_consecutive_subscriptions_make_one_contract_and_a_gap_starts_another():
    subs = pd.DataFrame({
        "account_id": [1, 1, 1, 2],
        "start_date": pd.to_datetime(["2020-01-01", "2020-02-01", "2020-04-01", "2020-01-05"]),
        "end_date": pd.to_datetime(["2020-02-01", "2020-03-01", "2020-07-01", "2020-02-05"]),
    })
    periods = fightchurn._periods(subs)
    assert periods[periods["account_id"] == 1]["churned"].tolist() == [True, False]
    assert periods[periods["account_id"] == 2]["churned"].tolist() == [True]
    assert len(periods) == 3
