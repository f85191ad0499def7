"""Background tasks (django-tasks, database backend) that ``csops worker`` runs."""

from __future__ import annotations

from django_tasks import task

from csops.pipeline.models import PipelineRun
from csops.pipeline.services import run_pipeline


@task()
def run_pipeline_task(run_id: int) -> str:
    run = PipelineRun.objects.get(pk=run_id)
    return run_pipeline(run.date, trigger=run.trigger, run=run).summary()
