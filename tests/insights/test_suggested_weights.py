from __future__ import annotations

from csops.audit.models import AuditEntry
from csops.health.services import definition_of
from csops.insights.validation import do_apply_suggested_weights, validate_scorecard
from tests.insights.history import TODAY, build_history


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
