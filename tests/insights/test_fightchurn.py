from __future__ import annotations

from pathlib import Path

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
