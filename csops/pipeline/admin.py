from __future__ import annotations

from django.contrib import admin

from csops.pipeline.models import PipelineRun, StepRun


@admin.register(PipelineRun)
class PipelineRunAdmin(admin.ModelAdmin):
    list_display = ["date", "trigger", "status", "started_at", "finished_at"]
    list_filter = ["status", "trigger"]


@admin.register(StepRun)
class StepRunAdmin(admin.ModelAdmin):
    list_display = ["date", "step", "status", "attempts", "finished_at"]
    list_filter = ["status", "step"]
