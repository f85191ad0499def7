"""Raw values become 0-100 scores and one weighted score, as documented in csops/health/combine.py."""

from __future__ import annotations

import pytest

from csops.health.combine import assessment_decay, combine, grade_for, normalise
from csops.health.definition import load_definition
from tests.health.conftest import DOCUMENT


def m(**normalise_and_direction):
    direction = normalise_and_direction.pop("direction", "higher_better")
    doc = {**DOCUMENT, "groups": [{**DOCUMENT["groups"][1], "measures": [
        {**DOCUMENT["groups"][1]["measures"][0], "normalise": normalise_and_direction, "direction": direction}]}]}
    doc["groups"][0]["weight"] = 100
    return load_definition(doc).groups[0].measures[0]


def test_thresholds_score_red_zero_green_full_and_yellow_in_proportion():
    measure = m(method="thresholds", red=2, green=6)
    assert [normalise(measure, v) for v in (0, 1.9, 2, 4, 6, 60)] == [0, 0, 0, 50, 100, 100]


def test_thresholds_turn_around_when_lower_is_better():
    measure = m(method="thresholds", red=8, green=2, direction="lower_better")
    assert [normalise(measure, v) for v in (0, 2, 5, 8, 9)] == [100, 100, 50, 0, 0]


def test_linear_clamps_between_its_bounds():
    measure = m(method="linear", low=-50, high=50)
    assert [normalise(measure, v) for v in (-80, -50, 0, 25, 90)] == [0, 0, 50, 75, 100]
    lower = m(method="linear", low=0, high=10, direction="lower_better")
    assert normalise(lower, 2.5) == 75


def test_percentile_ranks_among_peers_with_ties_counting_half():
    measure = m(method="percentile")
    peers = [1, 2, 2, 3]
    assert [normalise(measure, v, peers=peers) for v in (1, 2, 3)] == [12.5, 50, 87.5]
    assert normalise(m(method="percentile", direction="lower_better"), 1, peers=peers) == 87.5


def test_missing_values_stay_missing():
    assert normalise(m(method="linear", low=0, high=1), None) is None


def test_a_missing_measure_hands_its_weight_to_its_group_and_a_missing_group_to_the_others():
    defn = load_definition(DOCUMENT)
    full = {"docs_7": 100, "users_7": 100, "change_7": 100, "tickets_30": 0, "nps": 50, "custom_days": 50}
    result = combine(defn, full)
    assert result.score == pytest.approx(60 + 0 + 10) and result.coverage == 1 and result.flags == []
    no_nps = combine(defn, {**full, "nps": None})
    assert no_nps.weights["custom_days"] == pytest.approx(20) and "nps" not in no_nps.weights
    assert no_nps.coverage == pytest.approx(0.9) and no_nps.flags == ["missing_data"]
    no_support = combine(defn, {**full, "tickets_30": None})
    assert no_support.score == pytest.approx((60 * 100 + 20 * 50) / 80)
    assert sum(no_support.weights.values()) == pytest.approx(100)
    nothing = combine(defn, {})
    assert nothing.score is None and "no_data" in nothing.flags and nothing.coverage == 0


def test_a_stale_assessment_decays_to_nothing_at_twice_its_age_limit():
    assert [assessment_decay(age, 90) for age in (None, 10, 90, 135, 180, 400)] == [1, 1, 1, 0.5, 0, 0]
    doc = {**DOCUMENT, "groups": [
        {**DOCUMENT["groups"][0], "weight": 50},
        {"key": "voice", "name": {"en": "Voice", "ja": "声"}, "weight": 50, "measures": [
            {**DOCUMENT["groups"][2]["measures"][0], "key": "promo", "type": "assessment",
             "params": {"field": "promotion"}, "normalise": {"method": "linear", "low": 1, "high": 5},
             "weight": 100}]},
    ]}
    defn = load_definition(doc)
    scores = {"docs_7": 100, "users_7": 100, "change_7": 100, "promo": 0}
    assert combine(defn, scores, assessment_age_days=30).score == pytest.approx(50)
    half = combine(defn, scores, assessment_age_days=135)
    assert half.score == pytest.approx(100 * 50 / 75) and half.flags == ["stale_assessment"]
    assert half.weights["promo"] == pytest.approx(25 / 75 * 100)
    assert combine(defn, scores, assessment_age_days=200).score == pytest.approx(100)
    assert "no_assessment" in combine(defn, {**scores, "promo": None}).flags


def test_grades_follow_the_cut_offs():
    defn = load_definition(DOCUMENT)
    assert [grade_for(defn, s) for s in (None, 0, 39.99, 40, 69.9, 70, 100)] == [
        "", "red", "red", "yellow", "yellow", "green", "green"]
