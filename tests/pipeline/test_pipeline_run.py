"""`csops pipeline run`: each registered step once per day; failures recorded, visible, and re-run alone."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import CommandError, call_command

from csops.pipeline.models import PipelineRun, StepRun
from csops.pipeline.registry import steps

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 11, 2)


def test_the_outreach_step_is_registered_by_its_app():
    assert "outreach" in [s.name for s in steps()]


def test_steps_run_in_pipeline_order(recorder):
    names = [s.name for s in steps()]
    assert names.index("test-measures") < names.index("outreach")


def test_a_run_records_each_step_with_its_summary(recorder):
    call_command("pipeline", "run", "--date", DAY.isoformat())
    ledger = StepRun.objects.get(date=DAY, step="test-measures")
    assert ledger.status == "succeeded" and ledger.summary == "recorded 2026-11-02"
    assert PipelineRun.objects.get().status == "succeeded"


def test_running_a_day_twice_runs_each_step_once(recorder):
    call_command("pipeline", "run", "--date", DAY.isoformat())
    call_command("pipeline", "run", "--date", DAY.isoformat())
    assert recorder.days == [DAY]
    assert PipelineRun.objects.count() == 2
    assert StepRun.objects.get(date=DAY, step="test-measures").attempts == 1


def test_force_runs_a_succeeded_step_again(recorder):
    call_command("pipeline", "run", "--date", DAY.isoformat())
    call_command("pipeline", "run", "--date", DAY.isoformat(), "--force", "--step", "test-measures")
    assert recorder.days == [DAY, DAY]


def test_a_failing_step_is_recorded_with_its_traceback_and_the_others_still_run(recorder):
    recorder.fail = True
    with pytest.raises(CommandError, match="1 failed"):
        call_command("pipeline", "run", "--date", DAY.isoformat())
    failed = StepRun.objects.get(date=DAY, step="test-measures")
    assert failed.status == "failed"
    assert "RuntimeError: the warehouse is unreachable" in failed.error
    assert StepRun.objects.get(date=DAY, step="outreach").status == "succeeded"
    assert PipelineRun.objects.get().status == "failed"


def test_a_rerun_after_a_failure_runs_only_what_failed(recorder):
    recorder.fail = True
    with pytest.raises(CommandError):
        call_command("pipeline", "run", "--date", DAY.isoformat())
    recorder.fail = False
    call_command("pipeline", "run", "--date", DAY.isoformat())
    assert recorder.days == [DAY]
    ledger = StepRun.objects.get(date=DAY, step="test-measures")
    assert ledger.status == "succeeded" and ledger.attempts == 2 and ledger.error == ""
    assert StepRun.objects.get(date=DAY, step="outreach").attempts == 1


def test_days_are_independent(recorder):
    call_command("pipeline", "run", "--date", DAY.isoformat())
    call_command("pipeline", "run", "--date", (DAY + dt.timedelta(days=1)).isoformat())
    assert recorder.days == [DAY, DAY + dt.timedelta(days=1)]


def test_an_unknown_step_or_date_is_refused():
    with pytest.raises(CommandError, match="unknown step"):
        call_command("pipeline", "run", "--step", "nope")
    with pytest.raises(CommandError):
        call_command("pipeline", "run", "--date", "yesterday")


def test_a_stale_running_step_is_taken_over(recorder, settings):
    from django.utils import timezone

    StepRun.objects.create(date=DAY, step="test-measures", status="running",
                           started_at=timezone.now() - dt.timedelta(hours=5))
    call_command("pipeline", "run", "--date", DAY.isoformat())
    assert recorder.days == [DAY]


def test_a_step_running_elsewhere_is_not_run_twice(recorder):
    from django.utils import timezone

    StepRun.objects.create(date=DAY, step="test-measures", status="running", started_at=timezone.now())
    call_command("pipeline", "run", "--date", DAY.isoformat())
    assert recorder.days == []
