"""/pipeline/: recent runs of the daily pipeline, each step's outcome, and failures with their traceback."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from csops.pipeline.models import PipelineRun, RunStatus, StepRun
from csops.pipeline.registry import steps
from csops.pipeline.services import enqueue_manual_run
from csops.users.roles import can_configure


def _require_configure(request: HttpRequest) -> None:
    if not can_configure(request.user):
        raise PermissionDenied(_("Only CS Ops and admins see and run the pipeline."))


@require_GET
def pipeline_page(request: HttpRequest) -> HttpResponse:
    _require_configure(request)
    runs = PipelineRun.objects.order_by("-created_at", "-id")[:30]
    ledger = StepRun.objects.order_by("-date", "step")
    return render(request, "pipeline/pipeline.html", {
        "runs": runs,
        "failures": ledger.filter(status=RunStatus.FAILED)[:20],
        "recent_steps": ledger[:60],
        "steps": steps(),
        "today": timezone.localdate(),
    })


@require_POST
def pipeline_run_now(request: HttpRequest) -> HttpResponse:
    _require_configure(request)
    run = enqueue_manual_run(timezone.localdate())
    messages.success(request, _("The pipeline for %(day)s is queued; the worker runs it.") % {"day": run.date})
    return redirect("pipeline")
