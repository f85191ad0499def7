"""The CSMs' own red/yellow/green view beside the computed score: churn by view, its AUC, and whether it
adds signal beyond the score on held-out accounts, from the view as known on each snapshot day."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from csops.customers.models import Contract
from csops.health.models import Assessment
from csops.insights.validation import csm_views, snapshot_frame, validate_scorecard
from tests.insights.history import TODAY, build_history

WEEKS = 26
FIRST = TODAY - dt.timedelta(weeks=WEEKS)


def _assess(card, account_id: int, day: dt.date, view: str) -> Assessment:
    return Assessment.objects.create(account_id=account_id, scorecard=card, assessed_on=day, promotion=3,
                                     relationship=3, csm_view=view)


def _plant_views(card, *, planted: bool, seed: int = 1, every_weeks: int = 4) -> None:
    """An assessment every few weeks per account: with ``planted``, a CSM who sees churn coming within the
    next 90 days calls it red most of the time; otherwise the call is a coin toss."""
    rng = np.random.default_rng(seed)
    ends = dict(Contract.objects.filter(account__health_scores__scorecard=card).distinct()
                .values_list("account_id", "end_date"))
    rows = []
    for account_id, end in ends.items():
        for w in range(0, WEEKS, every_weeks):
            day = FIRST + dt.timedelta(weeks=w)
            if end is not None and day >= end:
                break
            soon = end is not None and (end - day).days <= 90
            coin = [1 / 3, 1 / 3, 1 / 3]
            p = ([0.7, 0.2, 0.1] if soon else [0.1, 0.3, 0.6]) if planted else coin
            view = str(rng.choice(["red", "yellow", "green"], p=p))
            rows.append(Assessment(account_id=account_id, scorecard=card, assessed_on=day, promotion=3,
                                   relationship=3, csm_view=view))
    Assessment.objects.bulk_create(rows)


def test_a_csm_view_that_sees_churn_coming_is_reported_as_adding_signal(product):
    card = build_history(product, signal=2.0)
    _plant_views(card, planted=True)
    result = validate_scorecard(card, horizon=90, today=TODAY, suggest=False)
    v = result.csm_view
    assert v is not None and v.rows == result.rows and v.max_age_days == 90
    assert v.auc > 0.7
    assert not np.isnan(v.auc_score)
    assert v.auc_combined_heldout > v.auc_score_heldout + 0.05 and v.verdict == "adds"
    rates = {b["view"]: b["churn_rate"] for b in v.by_view}
    assert rates["red"] > rates["yellow"] > rates["green"]
    assert sum(b["rows"] for b in v.by_view) == result.rows


def test_a_csm_view_that_is_noise_scores_about_half_and_adds_nothing(product):
    card = build_history(product, signal=2.0)
    _plant_views(card, planted=False)
    v = validate_scorecard(card, horizon=90, today=TODAY, suggest=False).csm_view
    assert abs(v.auc - 0.5) < 0.08
    assert v.verdict != "adds" and v.gain < 0.02


def test_days_before_an_assessment_was_entered_count_as_none(product):
    card = build_history(product, accounts=60, signal=2.0)
    # Every CSM knows exactly who churned -- but says so only after the last usable snapshot day.
    ends = dict(Contract.objects.values_list("account_id", "end_date"))
    for account_id, end in ends.items():
        _assess(card, account_id, TODAY - dt.timedelta(days=30), "red" if end else "green")
    result = validate_scorecard(card, horizon=90, today=TODAY, suggest=False)
    v = result.csm_view
    assert v.rows_with_view == 0 and {b["view"]: b["rows"] for b in v.by_view}["none"] == result.rows
    assert v.verdict == "unknown"


def test_the_view_on_a_day_is_the_latest_on_or_before_it_within_the_max_age(product):
    card = build_history(product, accounts=10, signal=0.0)
    frame, _ = snapshot_frame(card, horizon=90, today=TODAY)
    account = int(frame["account_id"].iloc[0])
    days = sorted(frame.loc[frame["account_id"] == account, "day"])
    first, second = days[2], days[4]
    _assess(card, account, first, "red")
    _assess(card, account, second, "yellow")
    _assess(card, account, second, "green")  # entered later the same day: it wins
    views = csm_views(card, frame, max_age_days=20)
    mine = pd.Series(views[frame["account_id"] == account].to_numpy(),
                     index=frame.loc[frame["account_id"] == account, "day"]).sort_index()
    assert list(mine[mine.index < first]) == ["none"] * 2
    assert mine[first] == "red" and mine[days[3]] == "red"
    assert mine[second] == "green" and mine[days[6]] == "green"  # 14 days old
    assert mine[days[7]] == "none"  # 21 days old: past the max age
    assert (views[frame["account_id"] != account] == "none").all()
