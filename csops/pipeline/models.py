"""Runs of the daily pipeline and the per-day ledger of steps that makes a re-run idempotent."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class Trigger(models.TextChoices):
    SCHEDULE = "schedule", _("Schedule")
    MANUAL = "manual", _("Manual")


class PipelineRun(models.Model):
    """One invocation of the pipeline for a day (the schedule makes at most one per day)."""

    date = models.DateField(_("day"), db_index=True)
    trigger = models.CharField(_("trigger"), max_length=16, choices=Trigger.choices, default=Trigger.MANUAL)
    status = models.CharField(_("status"), max_length=16, choices=RunStatus.choices, default=RunStatus.QUEUED)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    summary = models.TextField(_("summary"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # The scheduler claims a day by inserting this row: two workers never both schedule it.
            models.UniqueConstraint(fields=["date"], condition=models.Q(trigger="schedule"),
                                    name="pipeline_one_scheduled_run_per_day"),
        ]

    def __str__(self) -> str:
        return f"pipeline {self.date} ({self.trigger}, {self.status})"


class StepRun(models.Model):
    """The ledger of one step for one day: a succeeded row means "done for that day", so a re-run skips it."""

    date = models.DateField(_("day"))
    step = models.CharField(_("step"), max_length=64)
    run = models.ForeignKey(PipelineRun, on_delete=models.SET_NULL, null=True, related_name="step_runs")
    status = models.CharField(_("status"), max_length=16, choices=RunStatus.choices, default=RunStatus.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    claimed_by = models.CharField(max_length=100, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["-date", "id"]
        constraints = [models.UniqueConstraint(fields=["date", "step"], name="pipeline_one_step_per_day")]

    def __str__(self) -> str:
        return f"{self.step} {self.date} ({self.status})"

    @property
    def seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None
