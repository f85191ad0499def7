from __future__ import annotations

from csops.audit.models import AuditEntry
from csops.health.definition import load_definition
from csops.health.services import definition_of
from csops.insights.validation import do_apply_suggested_weights, reversible, validate_scorecard
from tests.insights.history import TODAY, build_history, scorecard_document


def test_suggested_weights_move_weight_to_the_measures_that_predict_and_gain_auc(product):
    card = build_history(product, signal=2.0)
    result = validate_scorecard(card, horizon=90, today=TODAY)
    s = result.suggestion
    assert s is not None
    assert s.weights["docs"] + s.weights["active"] > 80
    assert s.weights["tickets"] < 20
    assert s.gain > 0.1  # held-out later days and other accounts
    assert abs(sum(s.weights.values()) - 100) < 1e-6


def test_applying_them_saves_a_new_audited_scorecard_version(product, carol):
    card = build_history(product, signal=2.0)
    result = validate_scorecard(card, horizon=90, today=TODAY)
    saved = do_apply_suggested_weights(card, result.suggestion.document, actor=carol,
                                       figures={"auc_current": result.suggestion.auc_current})
    assert saved.version == card.version + 1
    defn = definition_of(saved)
    assert {g.key: g.weight for g in defn.groups}["usage"] > 70
    assert AuditEntry.objects.filter(action="health.scorecard_changed", actor=carol).exists()
    assert AuditEntry.objects.filter(action="insights.weights_applied", actor=carol).exists()


def test_a_measure_set_up_the_wrong_way_round_is_suggested_reversed_and_the_score_gains(product, carol):
    card = build_history(product, signal=2.0, tickets_follow=-15.0)
    result = validate_scorecard(card, horizon=90, today=TODAY)
    tickets = next(m for m in result.measures if m.key == "tickets")
    assert tickets.auc < 0.3  # alone it ranks the churners high: it works the other way
    s = result.suggestion
    assert s.reversed == {"tickets"} and tickets.reversed
    assert s.weights["tickets"] > 10 and s.signed()["tickets"] == -s.weights["tickets"]
    assert s.gain > 0.1
    saved = do_apply_suggested_weights(card, s.document, actor=carol, figures={"reversed": sorted(s.reversed)})
    directions = {m.key: m.direction for m in definition_of(saved).measures}
    assert directions == {"docs": "higher_better", "active": "higher_better", "tickets": "lower_better"}


def test_without_a_reversed_signal_no_direction_changes(product):
    card = build_history(product, signal=2.0)
    s = validate_scorecard(card, horizon=90, today=TODAY).suggestion
    assert s.reversed == frozenset()
    assert all(m["direction"] == "higher_better" for g in s.document["groups"] for m in g["measures"])


def test_only_measures_whose_score_turns_around_exactly_may_be_reversed():
    doc = scorecard_document()
    doc["groups"][0]["measures"][0]["normalise"] = {"method": "thresholds", "red": 5, "green": 20}
    doc["groups"][0]["measures"][1]["normalise"] = {"method": "linear", "low": 0, "high": 20}
    assert reversible(load_definition(doc)) == {"active", "tickets"}
