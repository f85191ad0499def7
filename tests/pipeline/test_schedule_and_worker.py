"""The worker starts the daily pipeline once a day at CSOPS_PIPELINE_TIME (local) and runs it as a task."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from csops.pipeline.models import PipelineRun
from csops.pipeline.services import schedule_due_run

pytestmark = pytest.mark.django_db


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def test_nothing_is_scheduled_before_the_configured_time(settings):
    settings.CSOPS_PIPELINE_TIME = "06:00"
    assert schedule_due_run(local(dt.date(2026, 11, 2), 5, 59)) is None
    assert not PipelineRun.objects.exists()


def test_the_day_is_scheduled_once_after_the_configured_time(settings):
    settings.CSOPS_PIPELINE_TIME = "06:00"
    run = schedule_due_run(local(dt.date(2026, 11, 2), 6, 0))
    assert run.date == dt.date(2026, 11, 2) and run.trigger == "schedule"
    assert schedule_due_run(local(dt.date(2026, 11, 2), 7, 0)) is None
    assert DBTaskResult.objects.count() == 1


def test_the_scheduled_day_is_the_local_day(settings):
    settings.CSOPS_PIPELINE_TIME = "06:00"
    # 2026-11-02 22:00 UTC is 07:00 on 2026-11-03 in Tokyo
    run = schedule_due_run(dt.datetime(2026, 11, 2, 22, 0, tzinfo=dt.UTC))
    assert run.date == dt.date(2026, 11, 3)


# The worker closes stale database connections between passes, as long-running processes must;
# inside a test's transaction that would close the test's own connection, so these tests commit.
@pytest.mark.django_db(transaction=True)
def test_one_worker_pass_runs_the_scheduled_pipeline(recorder, settings, keep_signals):
    settings.CSOPS_PIPELINE_TIME = "00:00"
    call_command("worker", "--no-loop")
    run = PipelineRun.objects.get()
    assert run.status == "succeeded"
    assert recorder.days == [timezone.localdate()]
    call_command("worker", "--no-loop")
    assert PipelineRun.objects.count() == 1  # the day is done


@pytest.mark.django_db(transaction=True)
def test_the_worker_prints_a_one_line_summary(recorder, settings, keep_signals, capsys):
    settings.CSOPS_PIPELINE_TIME = "00:00"
    call_command("worker", "--no-loop")
    out = capsys.readouterr().out.strip().splitlines()
    assert out[-1].startswith("worker stopped after 1 pass:")
    assert "1 tasks" in out[-1] and "1 pipeline runs scheduled" in out[-1]
