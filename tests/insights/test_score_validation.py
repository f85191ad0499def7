from __future__ import annotations

import datetime as dt
import math

from csops.health.models import HealthScore
from csops.insights.validation import validate_scorecard
from tests.insights.history import TODAY, build_history


def test_a_score_driven_by_noise_is_reported_as_weak_and_its_signal_measures_as_strong(product):
    card = build_history(product, signal=2.0)
    result = validate_scorecard(card, horizon=90, today=TODAY)
    assert result.ok and result.positives > 10
    by_key = {m.key: m for m in result.measures}
    # The usage measures carry the planted signal; the ticket measure (70 % of the score) is noise.
    assert by_key["docs"].auc > 0.75 and by_key["active"].auc > 0.7
    assert abs(by_key["tickets"].auc - 0.5) < 0.1
    assert result.auc < by_key["docs"].auc


def test_only_days_whose_horizon_has_passed_are_used(product):
    card = build_history(product, accounts=40)
    result = validate_scorecard(card, horizon=90, today=TODAY, suggest=False)
    assert (TODAY - result.last_day).days >= 90
    usable = HealthScore.objects.filter(scorecard=card, day__lte=TODAY - dt.timedelta(days=90))
    assert result.rows <= usable.count()


def test_churn_rates_by_grade_and_decile_add_up_to_the_rows(product):
    card = build_history(product, accounts=80)
    result = validate_scorecard(card, horizon=90, today=TODAY, suggest=False)
    assert sum(g["rows"] for g in result.by_grade) == result.rows
    assert sum(d["rows"] for d in result.by_decile) == result.rows
    assert all(0 <= d["churn_rate"] <= 1 for d in result.by_decile)


def test_no_history_old_enough_is_said_plainly(product):
    card = build_history(product, accounts=10, weeks=4)
    result = validate_scorecard(card, horizon=90, today=TODAY)
    assert not result.ok and "horizon" in result.reason
    assert math.isnan(result.auc)
