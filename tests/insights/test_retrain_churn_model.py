"""The daily step retrains the churn model when its scorecard changed, its features no longer match
the data, or it is too old; never twice for one day, and never when nothing changed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.apps import apps

from csops.health.services import do_save_scorecard
from csops.insights import risk
from csops.insights.models import ChurnModel
from tests.insights.history import TODAY, build_history, scorecard_document

DAY = TODAY


@pytest.fixture
def card(product):
    return do_save_scorecard(scorecard_document(product.code), actor=None)


def make_model(card, *, trained_on: dt.date = DAY - dt.timedelta(days=1), **fields) -> ChurnModel:
    values = {"trained_on": trained_on, "horizon_days": 90, "scorecard_key": card.key,
              "scorecard_version": card.version, "model_name": "logistic_l2",
              "metrics": {"auc": 0.8, "baseline": "score", "baseline_auc": 0.7},
              "features": risk.feature_columns(card), "rows": 100, "artifact": b""}
    values.update(fields)
    return ChurnModel.objects.create(**values)


def change_weights(card):
    doc = scorecard_document(card.product.code, key=card.key)
    doc["groups"][0]["weight"], doc["groups"][1]["weight"] = 60, 40
    return do_save_scorecard(doc, actor=None)


def remove_tickets_measure(card):
    doc = scorecard_document(card.product.code, key=card.key)
    doc["groups"] = doc["groups"][:1]
    doc["groups"][0]["weight"] = 100
    return do_save_scorecard(doc, actor=None)


# --- the triggers -------------------------------------------------------------------------------


def test_nothing_changed_gives_no_reason(card):
    assert risk.retrain_reasons(make_model(card), DAY) == []


def test_a_newer_scorecard_version_is_a_reason(card):
    model = make_model(card)
    card = change_weights(card)
    assert card.version == 2
    assert risk.retrain_reasons(model, DAY) == ["scorecard test-card changed (version 1 → 2)"]


def test_an_unrecorded_scorecard_version_is_a_reason(card):
    reasons = risk.retrain_reasons(make_model(card, scorecard_version=None), DAY)
    assert reasons == ["scorecard test-card version 1, the model's not recorded"]


def test_features_that_no_longer_match_the_data_are_a_reason(card):
    # A model from before a feature was added to the code: same scorecard version, one feature fewer.
    model = make_model(card, features=[f for f in risk.feature_columns(card) if f != "high_tickets_90d"])
    assert risk.retrain_reasons(model, DAY) == ["features changed (new: high_tickets_90d)"]


def test_a_removed_measure_changes_both_the_version_and_the_features(card):
    model = make_model(card)
    remove_tickets_measure(card)
    assert risk.retrain_reasons(model, DAY) == ["scorecard test-card changed (version 1 → 2)",
                                                "features changed (gone: tickets)"]


def test_a_model_as_old_as_the_limit_is_a_reason(card):
    limit = risk.MAX_MODEL_AGE_DAYS
    young = make_model(card, trained_on=DAY - dt.timedelta(days=limit - 1))
    assert risk.retrain_reasons(young, DAY) == []
    old = make_model(card, trained_on=DAY - dt.timedelta(days=limit))
    assert risk.retrain_reasons(old, DAY) == [f"model {limit} days old (limit {limit})"]


def test_an_inactive_scorecard_is_a_reason(card):
    model = make_model(card)
    card.is_active = False
    card.save()
    assert risk.retrain_reasons(model, DAY) == ["its scorecard test-card is no longer active"]


def test_a_model_trained_on_the_day_or_later_is_never_retrained(card):
    model = make_model(card, trained_on=DAY, scorecard_version=None, features=[])
    assert risk.retrain_reasons(model, DAY) == []
    assert risk.retrain_reasons(model, DAY - dt.timedelta(days=7)) == []


def test_feature_columns_are_the_columns_of_the_feature_frame(product):
    card = build_history(product, accounts=30, weeks=3, seed=5)
    day = risk.HealthScore.objects.filter(scorecard=card).latest("day").day
    frame = risk.feature_frame(card, [day], risk.outcomes.load_book(product=product.code), risk._measure_keys(card))
    assert not frame.empty
    assert [c for c in frame.columns if c not in risk.FEATURE_EXCLUDE] == risk.feature_columns(card)


def test_the_migration_fills_the_version_of_older_models_from_their_snapshots(product):
    card = build_history(product, accounts=5, weeks=3, seed=6)
    last = risk.HealthScore.objects.filter(scorecard=card).latest("day").day
    model = make_model(card, trained_on=last, scorecard_version=None)
    keyless = make_model(card, scorecard_key="", scorecard_version=None)
    from importlib import import_module

    import_module("csops.insights.migrations.0004_churnmodel_scorecard_version").fill_versions(apps, None)
    model.refresh_from_db()
    keyless.refresh_from_db()
    assert model.scorecard_version == card.version and keyless.scorecard_version is None


# --- the daily step (training and scoring stubbed) ----------------------------------------------


@pytest.fixture
def step(monkeypatch):
    """run_insights_day with a stand-in training (a model row, or a failure) and no scoring."""
    calls: list[dict] = []
    state = {"fail": None}

    def train(*, today, horizon=risk.DEFAULT_HORIZON, scorecard_key=None):
        calls.append({"today": today, "horizon": horizon, "scorecard_key": scorecard_key})
        if state["fail"]:
            return risk.TrainResult(None, None, state["fail"])
        card = risk.main_scorecard(scorecard_key)
        return risk.TrainResult(make_model(card, trained_on=today, horizon_days=horizon), None)

    monkeypatch.setattr(risk, "train", train)
    monkeypatch.setattr(risk, "score_day", lambda day, *, model=None: 7)
    monkeypatch.setattr("csops.insights.revenue.record_forecast", lambda day, *, model=None: None)
    return calls, state


def test_the_step_does_not_retrain_when_nothing_changed(card, step):
    calls, _ = step
    model = make_model(card)
    summary = risk.run_insights_day(DAY)
    assert calls == [] and "trained" not in summary
    assert summary == "churn risk scored for 7 accounts; revenue forecast recorded"
    assert risk.current_model() == model


@pytest.mark.parametrize(("change", "why"), [
    (lambda m, c: change_weights(c), "scorecard test-card changed (version 1 → 2)"),
    (lambda m, c: ChurnModel.objects.filter(pk=m.pk).update(features=m.features[:-1]),
     "features changed (new: high_tickets_90d)"),
    (lambda m, c: ChurnModel.objects.filter(pk=m.pk).update(trained_on=DAY - dt.timedelta(days=45)),
     "model 45 days old (limit 30)"),
])
def test_the_step_retrains_once_and_says_why(card, step, change, why):
    calls, _ = step
    old = make_model(card, horizon_days=60)
    change(old, card)
    summary = risk.run_insights_day(DAY)
    assert summary.startswith(f"churn model retrained because {why}; churn model trained: logistic_l2")
    assert summary.endswith("churn risk scored for 7 accounts; revenue forecast recorded")
    assert calls == [{"today": DAY, "horizon": 60, "scorecard_key": "test-card"}]
    new = risk.current_model()
    assert new != old and new.trained_on == DAY and new.metrics["trained_because"] == why
    assert new.scorecard_version == risk.Scorecard.objects.get(key="test-card").version
    # A re-run of the day trains no second time.
    assert "trained" not in risk.run_insights_day(DAY)
    assert len(calls) == 1 and ChurnModel.objects.count() == 2


def test_a_failed_retraining_keeps_the_model_says_so_and_is_not_retried_the_same_day(card, step):
    calls, state = step
    old = make_model(card)
    change_weights(card)
    state["fail"] = "fewer than 5 churns within 90 days after the usable snapshots"
    summary = risk.run_insights_day(DAY)
    expected = (f"churn model not retrained (scorecard test-card changed (version 1 → 2)): {state['fail']}; "
                f"still scoring with the model trained on {old.trained_on}; churn risk scored for 7 accounts")
    assert summary.startswith(expected)
    assert risk.run_insights_day(DAY).startswith(expected)
    assert len(calls) == 1 and risk.current_model() == old
    old.refresh_from_db()
    assert old.metrics["retrain_failed"]["day"] == str(DAY)
    # The next day it tries again.
    risk.run_insights_day(DAY + dt.timedelta(days=1))
    assert len(calls) == 2


def test_a_first_model_records_why_it_was_trained(card, step):
    summary = risk.run_insights_day(DAY)
    assert summary.startswith("churn model trained:")
    assert risk.current_model().metrics["trained_because"] == "no model yet"


# --- the daily step for real ----------------------------------------------------------------------


def test_after_a_measure_is_removed_the_step_retrains_on_the_new_scorecard_once(product):
    card = build_history(product, accounts=200, signal=2.0, seed=3)
    day = risk.HealthScore.objects.filter(scorecard=card).latest("day").day
    first = risk.train(horizon=90, today=day - dt.timedelta(days=7)).model
    assert first is not None and first.scorecard_version == 1 and "tickets" in first.features
    assert "trained" not in risk.run_insights_day(day)

    remove_tickets_measure(card)
    summary = risk.run_insights_day(day)
    assert summary.startswith("churn model retrained because scorecard test-card changed (version 1 → 2), "
                              "features changed (gone: tickets); churn model trained:"), summary
    assert "churn risk scored for" in summary
    model = risk.current_model()
    assert model != first and model.scorecard_version == 2 and "tickets" not in model.features
    assert model.trained_on == day and model.metrics["trained_because"].startswith("scorecard test-card changed")
    assert set(risk.ChurnRisk.objects.filter(day=day).values_list("model_id", flat=True)) == {model.id}
    # Idempotent for the day, and the new model fits the new scorecard: no retraining loop.
    assert "trained" not in risk.run_insights_day(day)
    assert ChurnModel.objects.count() == 2
    assert risk.retrain_reasons(model, day + dt.timedelta(days=1)) == []
