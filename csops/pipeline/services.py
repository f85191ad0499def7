"""Running the daily pipeline: each registered step at most once per day, failures recorded, never fatal.

Idempotence has two layers. The ledger (``StepRun``, unique per day and step) makes a re-run skip
the steps that already succeeded for that day; a step is claimed by a row-count update, so two
workers never run the same step for the same day at once. And every step is itself idempotent for
its day (outreach queues a message under a unique key), so that a crash in the middle of a step,
after which the step is run again, still creates nothing twice.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import traceback
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from csops.pipeline.models import PipelineRun, RunStatus, StepRun, Trigger
from csops.pipeline.registry import Progress, Step, steps

logger = logging.getLogger("csops.pipeline")


def _noop(done: int, total: int) -> None:
    return None


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class PipelineResult:
    run: PipelineRun
    ran: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def summary(self) -> str:
        parts = [f"pipeline {self.run.date.isoformat()}: {len(self.ran)} ran, {len(self.skipped)} skipped"]
        parts.append(f"{len(self.failed)} failed" + (f" ({', '.join(self.failed)})" if self.failed else ""))
        return ", ".join(parts)


def _claim(step: Step, day: dt.date, run: PipelineRun, *, force: bool, now: dt.datetime) -> StepRun | None:
    """Take the day's ledger row of ``step`` for this run, or None when it is done or running elsewhere."""
    try:
        with transaction.atomic():
            StepRun.objects.get_or_create(date=day, step=step.name)
    except IntegrityError:  # another worker inserted it between our get and create
        pass
    stale = now - dt.timedelta(minutes=settings.CSOPS_PIPELINE_STALE_MINUTES)
    claimable = Q(status__in=[RunStatus.QUEUED, RunStatus.FAILED]) | Q(status=RunStatus.RUNNING, started_at__lt=stale)
    if force:
        claimable |= Q(status=RunStatus.SUCCEEDED)
    taken = StepRun.objects.filter(claimable, date=day, step=step.name).update(
        status=RunStatus.RUNNING, run=run, claimed_by=worker_name(), started_at=now, finished_at=None,
        attempts=F("attempts") + 1, error="",
    )
    return StepRun.objects.get(date=day, step=step.name) if taken else None


def run_pipeline(
    day: dt.date, *, trigger: str = Trigger.MANUAL, only: list[str] | None = None, force: bool = False,
    run: PipelineRun | None = None, on_step: Progress | None = None, progress: Progress | None = None,
) -> PipelineResult:
    """Run every registered step (or ``only`` those) for ``day``. A failing step is recorded with its
    traceback and the next steps still run: they own separate data, and CS Ops see the failure on
    /pipeline/ and re-run the day, which re-runs only what did not succeed."""
    if run is None:
        run = PipelineRun.objects.create(date=day, trigger=trigger)
    run.status, run.started_at = RunStatus.RUNNING, timezone.now()
    run.save(update_fields=["status", "started_at"])
    result = PipelineResult(run=run)
    todo = [s for s in steps() if only is None or s.name in only]
    for index, step in enumerate(todo):
        ledger = _claim(step, day, run, force=force, now=timezone.now())
        if ledger is None:
            result.skipped.append(step.name)
        else:
            try:
                summary = step.run(day, progress=progress or _noop)
            except Exception:
                ledger.status, ledger.error = RunStatus.FAILED, traceback.format_exc()
                result.failed.append(step.name)
                logger.exception("pipeline step %s failed for %s", step.name, day)
            else:
                ledger.status, ledger.summary = RunStatus.SUCCEEDED, summary[:2000]
                result.ran.append(step.name)
            ledger.finished_at = timezone.now()
            ledger.save(update_fields=["status", "error", "summary", "finished_at"])
        if on_step:
            on_step(index + 1, len(todo))
    run.status = RunStatus.FAILED if result.failed else RunStatus.SUCCEEDED
    run.finished_at = timezone.now()
    run.summary = result.summary()
    run.save(update_fields=["status", "finished_at", "summary"])
    logger.info(run.summary)
    return result


def pipeline_time() -> dt.time:
    return dt.time.fromisoformat(settings.CSOPS_PIPELINE_TIME)


def due_day(now: dt.datetime) -> dt.date | None:
    """The local day whose scheduled run is due at ``now``, or None before the configured time."""
    local = timezone.localtime(now)
    return local.date() if local.time() >= pipeline_time() else None


def schedule_due_run(now: dt.datetime) -> PipelineRun | None:
    """Claim today's scheduled run (once per day, across workers) and enqueue it as a background task.

    Returns the new run, or None when it is not yet time or the day is already scheduled.
    """
    day = due_day(now)
    if day is None or PipelineRun.objects.filter(date=day, trigger=Trigger.SCHEDULE).exists():
        return None
    from csops.pipeline.tasks import run_pipeline_task

    try:
        with transaction.atomic():
            run = PipelineRun.objects.create(date=day, trigger=Trigger.SCHEDULE)
            run_pipeline_task.enqueue(run_id=run.pk)
    except IntegrityError:
        return None
    logger.info("scheduled the daily pipeline for %s", day)
    return run


def enqueue_manual_run(day: dt.date) -> PipelineRun:
    from csops.pipeline.tasks import run_pipeline_task

    with transaction.atomic():
        run = PipelineRun.objects.create(date=day, trigger=Trigger.MANUAL)
        run_pipeline_task.enqueue(run_id=run.pk)
    return run
