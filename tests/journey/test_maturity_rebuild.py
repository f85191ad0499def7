"""Changing a maturity model's levels recomputes the product's history with the new levels; a new model
gets its history from the lake's first event day. Renaming alone keeps the recorded history."""

from __future__ import annotations

import copy

import pytest
from django.core.management import call_command

from csops.journey.config import import_config
from csops.journey.maturity import evaluate_maturity, rebuild_pass, rebuild_pending
from csops.journey.models import EvaluatedDay, MaturityChange, MaturityModel, MaturityState
from csops.pipeline.registry import get_step, worker_passes
from tests.journey.conftest import MODEL, SPREAD, config, day

pytestmark = pytest.mark.django_db


def levels_of(account) -> list[tuple]:
    return list(MaturityChange.objects.filter(account=account).order_by("day").values_list("day", "level_to"))


def stricter() -> dict:
    """Lv.2 now needs three departments: Acme (two) never reaches it."""
    model = copy.deepcopy(MODEL)
    model["levels"][1]["conditions"] = [dict(SPREAD, value=3)]
    return config(maturity_models=[model])


@pytest.fixture
def evaluated(journey, lake, acme):
    evaluate_maturity(day(-45), day(0))
    MaturityModel.objects.update(rebuild_requested_at=None, rebuild_until=None)  # as if built already
    assert levels_of(acme) == [(day(-40), 1), (day(-10), 0), (day(-5), 1), (day(-3), 2)]
    return acme


def test_changed_levels_clear_the_old_history_and_rebuild_it_with_the_new_ones(evaluated):
    summary = import_config(stricter(), actor=None)
    assert "maturity levels changed for delivery" in summary
    # The old levels' history is gone at once (the panel shows no stale "why"), and a rebuild is asked for.
    assert not MaturityChange.objects.exists() and not MaturityState.objects.exists()
    assert not EvaluatedDay.objects.exists()
    model = MaturityModel.objects.get()
    assert model.rebuild_requested_at is not None and model.rebuild_until == day(0)
    assert rebuild_pending() == ["delivery"]
    # From the lake's first event day (D-40) to the last day evaluated before (D0), with the new levels.
    assert levels_of(evaluated) == [(day(-40), 1), (day(-10), 0), (day(-5), 1)]
    assert EvaluatedDay.objects.order_by("day").first().day == day(-40)
    assert EvaluatedDay.objects.order_by("day").last().day == day(0)
    state = MaturityState.objects.get(account=evaluated)
    assert state.level == 1 and state.evaluated_on == day(0)
    assert state.details[1]["conditions"][0]["value"] == 3
    model.refresh_from_db()
    assert model.rebuild_requested_at is None
    assert rebuild_pending() == []  # done once


def test_renaming_a_level_keeps_the_recorded_history(evaluated):
    model = copy.deepcopy(MODEL)
    model["levels"][0]["name"] = "Sends something"
    summary = import_config(config(maturity_models=[model]), actor=None)
    assert "maturity levels changed" not in summary
    assert MaturityModel.objects.get().rebuild_requested_at is None
    assert levels_of(evaluated) == [(day(-40), 1), (day(-10), 0), (day(-5), 1), (day(-3), 2)]


def test_the_worker_rebuilds_in_the_background_once(evaluated):
    assert "journey-maturity-rebuild" in dict(worker_passes())
    import_config(stricter(), actor=None)
    assert rebuild_pass(worker_id="w1", should_stop=lambda: False) == {"maturity histories rebuilt": 1}
    assert rebuild_pass(worker_id="w2", should_stop=lambda: False) == {"maturity histories rebuilt": 0}
    assert levels_of(evaluated)[-1] == (day(-5), 1)


def test_a_new_model_gets_its_curve_from_the_console(journey, lake, acme):
    assert MaturityModel.objects.get().rebuild_requested_at is not None  # imported, never evaluated
    out = call_command("journey", "evaluate", "--rebuild", "--to", day(0).isoformat())
    assert "delivery" in out
    assert levels_of(acme) == [(day(-40), 1), (day(-10), 0), (day(-5), 1), (day(-3), 2)]
    assert MaturityModel.objects.get().rebuild_requested_at is None


def test_the_daily_pipeline_rebuilds_a_changed_model_before_evaluating_its_day(evaluated):
    import_config(stricter(), actor=None)
    summary = get_step("maturity").run(day(1), progress=lambda done, total: None)
    assert "history rebuilt for delivery" in summary
    # Rebuilt up to the pipeline's day, then that day evaluated as usual (already done: skipped).
    assert EvaluatedDay.objects.order_by("day").last().day == day(1)
    assert levels_of(evaluated)[:3] == [(day(-40), 1), (day(-10), 0), (day(-5), 1)]


def test_the_console_refuses_a_rebuild_from_a_day(journey):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="first event day"):
        call_command("journey", "evaluate", "--rebuild", "--from", day(-3).isoformat())
    with pytest.raises(CommandError, match="no maturity model"):
        call_command("journey", "evaluate", "--rebuild", "--product", "nope")


def test_a_failed_rebuild_is_asked_for_again(evaluated, monkeypatch):
    from csops.journey import maturity

    import_config(stricter(), actor=None)

    def broken(*args, **kwargs):
        raise RuntimeError("lake unreachable")

    monkeypatch.setattr(maturity, "evaluate_maturity", broken)
    with pytest.raises(RuntimeError):
        rebuild_pending()
    model = MaturityModel.objects.get()
    assert model.rebuild_requested_at is not None and model.rebuild_until == day(0)
    monkeypatch.undo()
    assert rebuild_pending() == ["delivery"]
