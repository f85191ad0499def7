"""Journey pages: the account panel, the portfolio (maturity curves), the onboarding board, TTFV,
the configuration (thin: parse, authorise, call a service, render)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from csops.customers.models import Account, LifecycleStage, Product
from csops.customers.permissions import can_edit_account, can_view_account
from csops.journey import maturity, onboarding, stages, ttfv
from csops.journey.config import ConfigInvalid, dump_yaml, export_config, import_config, load_yaml
from csops.journey.forms import (
    CheckpointForm,
    ConfigForm,
    MilestoneForm,
    OutcomeEditForm,
    OutcomeForm,
    OutcomeUpdateForm,
    PeopleForm,
    StageForm,
    SuccessPlanForm,
)
from csops.journey.models import (
    CxCheckpoint,
    FirstValue,
    MaturityModel,
    MaturityState,
    Milestone,
    OnboardingPlan,
    OnboardingStep,
    Outcome,
    SuccessPlan,
)
from csops.journey.stages import StageInvalid, do_override_stage
from csops.journey.success import (
    SuccessInvalid,
    current_value,
    do_add_checkpoint,
    do_add_milestone,
    do_add_outcome,
    do_delete_checkpoint,
    do_delete_milestone,
    do_delete_outcome,
    do_mark_milestone,
    do_save_plan,
    do_update_outcome,
)
from csops.users.roles import can_configure

CHART_W, CHART_H = 720, 220
LEVEL_COLOURS = ("#cbd2d9", "#9fc3e7", "#5b9bd5", "#2f75b5", "#1f4e79", "#163a5a", "#0f2a42", "#0a1d2e",
                 "#06121d", "#03080d", "#000000")


# The panel sits on the account page next to other apps' forms: its own id prefix avoids clashes
# (the activity form's ``id_summary`` against the success plan's summary).
AUTO_ID = "journey-%s"


def _account_url(account: Account) -> str:
    return reverse("account-detail", args=[account.pk]) + "#journey-panel"


# --- the account panel -------------------------------------------------------------------------


def panel_context(account: Account, user: Any, *, today: dt.date) -> dict[str, Any]:
    states = list(MaturityState.objects.filter(account=account).select_related("product").order_by("product__code"))
    models = {m.product_id: m for m in MaturityModel.objects.filter(product_id__in=[s.product_id for s in states])
              .prefetch_related("levels")}
    levels = []
    for state in states:
        model = models.get(state.product_id)
        n = len(model.levels.all()) if model else 0
        current = next((d for d in state.details if d["level"] == state.level), None)
        nxt = next((d for d in state.details if d["level"] == state.level + 1), None)
        levels.append({"state": state, "levels": n, "current": current, "next": nxt,
                       "name": current["name"] if current else _("Below Lv.1")})
    plans = []
    for plan in (OnboardingPlan.objects.filter(account=account).select_related("product", "promoter", "operator")
                 .order_by("-started_on")):
        status = onboarding.plan_status(plan, today=today)
        if plan.completed_on is None or (today - plan.completed_on).days <= 30:
            plans.append(status)
    may_edit = can_edit_account(user, account)
    for status in plans:
        status.people_form = (PeopleForm(plan=status.plan, prefix=f"people-{status.plan.pk}", auto_id=AUTO_ID)  # type: ignore[attr-defined]
                              if may_edit else None)
    plan = SuccessPlan.objects.filter(account=account).first()
    outcomes = []
    if plan is not None:
        for outcome in plan.outcomes.all():
            outcome.current_value = current_value(outcome)  # type: ignore[attr-defined]
            if outcome.current_value is not None and outcome.target != outcome.baseline:  # type: ignore[attr-defined]
                share = (outcome.current_value - outcome.baseline) / (outcome.target - outcome.baseline)  # type: ignore[attr-defined]
                outcome.percent = int(max(0, min(1, float(share))) * 100)  # type: ignore[attr-defined]
            else:
                outcome.percent = None  # type: ignore[attr-defined]
            if may_edit:
                outcome.edit_form = OutcomeEditForm(  # type: ignore[attr-defined]
                    prefix=f"edit-{outcome.pk}", auto_id=AUTO_ID,
                    initial={k: getattr(outcome, k) for k in ("title", "kpi", "unit", "baseline", "target", "due_on")})
            outcomes.append(outcome)
    return {
        "account": account, "levels": levels, "plans": plans, "today": today,
        # Products whose levels changed: their history is being recomputed (maturity.request_rebuild).
        "rebuilding": list(MaturityModel.objects.filter(rebuild_requested_at__isnull=False,
                                                        product__contracts__account=account)
                           .select_related("product").distinct()),
        "stage_history": _with_rule_labels(stages.history(account, today=today)[:8]),
        "first_values": list(FirstValue.objects.filter(account=account).select_related("product")),
        "success_plan": plan, "outcomes": outcomes,
        "milestones": list(plan.milestones.all()) if plan else [],
        "checkpoints": list(plan.checkpoints.all()[:5]) if plan else [],
        "may_edit": may_edit,
        "stage_form": StageForm(initial={"stage": account.lifecycle_stage}, auto_id=AUTO_ID) if may_edit else None,
        "plan_form": SuccessPlanForm(initial={"depth": plan.depth if plan else "light",
                                              "summary": plan.summary if plan else ""},
                                     auto_id=AUTO_ID) if may_edit else None,
        "outcome_form": OutcomeForm(prefix="outcome", auto_id=AUTO_ID) if may_edit else None,
        "milestone_form": MilestoneForm(prefix="milestone", auto_id=AUTO_ID) if may_edit else None,
        "checkpoint_form": CheckpointForm(prefix="cx", initial={"day": today}, auto_id=AUTO_ID) if may_edit else None,
    }


def _with_rule_labels(history: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Say which rule moved the stage: a progression rule's key, or the contracts' reason."""
    contract_reasons = {"no live contract": _("no live contract"), "renewal window": _("renewal window")}
    for h in history:
        rule = h["change"].rule
        h["rule_label"] = (contract_reasons.get(rule) or _("rule “%(key)s”") % {"key": rule}) if rule else ""
    return history


@require_GET
def account_panel(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_object_or_404(Account, pk=pk)
    if not can_view_account(request.user, account):
        raise PermissionDenied
    return render(request, "journey/panel.html", panel_context(account, request.user, today=timezone.localdate()))


def _editable(request: HttpRequest, pk: int) -> Account:
    account = get_object_or_404(Account, pk=pk)
    if not can_edit_account(request.user, account):
        raise PermissionDenied(_("Only the account's CSM, CS Ops and admins change its journey."))
    return account


def _report(request: HttpRequest, errors: dict[str, Any] | list[str]) -> None:
    items = errors.items() if isinstance(errors, dict) else [("", e) for e in errors]
    for field, message in items:
        text = message if isinstance(message, str) else "; ".join(str(m) for m in message)
        messages.error(request, f"{field}: {text}" if field else text)


@require_POST
def step_done(request: HttpRequest, pk: int) -> HttpResponse:
    step = get_object_or_404(OnboardingStep.objects.select_related("plan", "plan__account"), pk=pk)
    account = _editable(request, step.plan.account_id)
    onboarding.do_complete_step(step, actor=request.user, done=request.POST.get("done") != "0")
    return redirect(_account_url(account))


@require_POST
def plan_people(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_object_or_404(OnboardingPlan.objects.select_related("account"), pk=pk)
    account = _editable(request, plan.account_id)
    form = PeopleForm(request.POST, plan=plan, prefix=f"people-{plan.pk}")
    if not form.is_valid():
        _report(request, form.errors)
    else:
        try:
            warnings = onboarding.do_set_people(plan, promoter=form.cleaned_data["promoter"],
                                                operator=form.cleaned_data["operator"], actor=request.user)
        except ValueError as exc:
            _report(request, [str(exc)])
        else:
            messages.success(request, _("Promoter and operator saved."))
            for text in warnings.messages():
                messages.warning(request, text)
    return redirect(_account_url(account))


@require_POST
def stage_override(request: HttpRequest, pk: int) -> HttpResponse:
    account = _editable(request, pk)
    form = StageForm(request.POST)
    if not form.is_valid():
        _report(request, form.errors)
    else:
        try:
            do_override_stage(account, form.cleaned_data["stage"], reason=form.cleaned_data["reason"],
                              actor=request.user)
            messages.success(request, _("Stage changed."))
        except StageInvalid as exc:
            _report(request, exc.errors)
    return redirect(_account_url(account))


@require_POST
def success_plan(request: HttpRequest, pk: int) -> HttpResponse:
    account = _editable(request, pk)
    form = SuccessPlanForm(request.POST)
    if form.is_valid():
        do_save_plan(account, actor=request.user, **form.cleaned_data)
    else:
        _report(request, form.errors)
    return redirect(_account_url(account))


@require_POST
def outcome_add(request: HttpRequest, pk: int) -> HttpResponse:
    account = _editable(request, pk)
    form = OutcomeForm(request.POST, prefix="outcome")
    if not form.is_valid():
        _report(request, form.errors)
    else:
        data = dict(form.cleaned_data)
        try:
            do_add_outcome(account, actor=request.user, **data)
        except SuccessInvalid as exc:
            _report(request, exc.errors)
    return redirect(_account_url(account))


@require_POST
def outcome_update(request: HttpRequest, pk: int) -> HttpResponse:
    outcome = get_object_or_404(Outcome.objects.select_related("plan"), pk=pk)
    account = _editable(request, outcome.plan.account_id)
    form = OutcomeUpdateForm(request.POST)
    if not form.is_valid():
        _report(request, form.errors)
    else:
        try:
            do_update_outcome(outcome, actor=request.user, **form.cleaned_data)
        except SuccessInvalid as exc:
            _report(request, exc.errors)
    return redirect(_account_url(account))


@require_POST
def outcome_edit(request: HttpRequest, pk: int) -> HttpResponse:
    outcome = get_object_or_404(Outcome.objects.select_related("plan", "plan__account"), pk=pk)
    account = _editable(request, outcome.plan.account_id)
    form = OutcomeEditForm(request.POST, prefix=f"edit-{outcome.pk}")
    if not form.is_valid():
        _report(request, form.errors)
    else:
        try:
            do_update_outcome(outcome, actor=request.user, **form.cleaned_data)
            messages.success(request, _("Outcome saved."))
        except SuccessInvalid as exc:
            _report(request, exc.errors)
    return redirect(_account_url(account))


@require_POST
def outcome_delete(request: HttpRequest, pk: int) -> HttpResponse:
    outcome = get_object_or_404(Outcome.objects.select_related("plan", "plan__account"), pk=pk)
    account = _editable(request, outcome.plan.account_id)
    do_delete_outcome(outcome, actor=request.user)
    messages.success(request, _("Outcome deleted."))
    return redirect(_account_url(account))


@require_POST
def milestone_delete(request: HttpRequest, pk: int) -> HttpResponse:
    milestone = get_object_or_404(Milestone.objects.select_related("plan", "plan__account"), pk=pk)
    account = _editable(request, milestone.plan.account_id)
    do_delete_milestone(milestone, actor=request.user)
    messages.success(request, _("Milestone deleted."))
    return redirect(_account_url(account))


@require_POST
def checkpoint_delete(request: HttpRequest, pk: int) -> HttpResponse:
    checkpoint = get_object_or_404(CxCheckpoint.objects.select_related("plan", "plan__account"), pk=pk)
    account = _editable(request, checkpoint.plan.account_id)
    do_delete_checkpoint(checkpoint, actor=request.user)
    messages.success(request, _("Checkpoint deleted."))
    return redirect(_account_url(account))


@require_POST
def milestone_add(request: HttpRequest, pk: int) -> HttpResponse:
    account = _editable(request, pk)
    form = MilestoneForm(request.POST, prefix="milestone")
    if form.is_valid():
        do_add_milestone(account, actor=request.user, **form.cleaned_data)
    else:
        _report(request, form.errors)
    return redirect(_account_url(account))


@require_POST
def milestone_done(request: HttpRequest, pk: int) -> HttpResponse:
    milestone = get_object_or_404(Milestone.objects.select_related("plan"), pk=pk)
    account = _editable(request, milestone.plan.account_id)
    do_mark_milestone(milestone, actor=request.user,
                      done_on=None if request.POST.get("done") == "0" else timezone.localdate())
    return redirect(_account_url(account))


@require_POST
def checkpoint_add(request: HttpRequest, pk: int) -> HttpResponse:
    account = _editable(request, pk)
    form = CheckpointForm(request.POST, prefix="cx")
    if not form.is_valid():
        _report(request, form.errors)
    else:
        try:
            do_add_checkpoint(account, actor=request.user, **form.cleaned_data)
        except SuccessInvalid as exc:
            _report(request, exc.errors)
    return redirect(_account_url(account))


# --- portfolio pages -------------------------------------------------------------------------


def curve_chart(data: dict[str, Any]) -> dict[str, Any]:
    """Stacked bars (one per month) of accounts per level, as SVG rectangles."""
    points = data["points"]
    if not points:
        return {"bars": [], "width": CHART_W, "height": CHART_H, "peak": 0, "legend": []}
    peak = max(p["total"] for p in points) or 1
    slot = CHART_W / len(points)
    bars = []
    for k, point in enumerate(points):
        y = float(CHART_H)
        segments = []
        for level, count in enumerate(point["counts"]):
            h = CHART_H * count / peak
            y -= h
            segments.append({"level": level, "count": count, "y": round(y, 1), "height": round(h, 1),
                             "colour": LEVEL_COLOURS[min(level, len(LEVEL_COLOURS) - 1)]})
        bars.append({"x": round(k * slot + slot * 0.1, 1), "width": round(slot * 0.8, 1), "day": point["day"],
                     "total": point["total"], "segments": segments, "label_x": round(k * slot + slot / 2, 1)})
    legend = [{"level": lv, "colour": LEVEL_COLOURS[min(lv, len(LEVEL_COLOURS) - 1)]}
              for lv in range(data["levels"] + 1)]
    return {"bars": bars, "width": CHART_W, "height": CHART_H, "peak": peak, "legend": legend}


@require_GET
def portfolio(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    month_start = today.replace(day=1)
    products = []
    for model in MaturityModel.objects.select_related("product").prefetch_related("levels").order_by("product__code"):
        product = model.product
        evaluated = maturity.curve(product)
        last_day = evaluated["points"][-1]["day"] if evaluated["points"] else today
        since = last_day.replace(day=1) if evaluated["points"] else month_start
        moved = maturity.movers(product, since=since, until=last_day)
        products.append({
            "product": product, "model": model, "levels": list(model.levels.all()),
            "chart": curve_chart(evaluated), "distribution": maturity.distribution(product),
            "movers_up": [m for m in moved if m["up"]][:15], "movers_down": [m for m in moved if not m["up"]][:15],
            "moved_since": since, "medians": maturity.median_days_between_levels(product),
            "ttfv": ttfv.overall(product.code),
        })
    stage_counts = dict(Account.objects.values_list("lifecycle_stage").annotate(n=Count("pk")))
    stage_rows = [{"stage": s, "label": s.label, "count": stage_counts.get(s.value, 0)} for s in LifecycleStage]
    return render(request, "journey/portfolio.html", {
        "products": products, "stage_rows": stage_rows, "may_configure": can_configure(request.user)})


@require_GET
def onboarding_board(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    mine = request.GET.get("mine") == "1"
    product = request.GET.get("product") or None
    rows = onboarding.board(today=today, owner=request.user if mine else None, product=product)
    return render(request, "journey/onboarding.html", {
        "rows": rows, "today": today, "mine": mine, "product": product,
        "products": Product.objects.filter(onboarding_templates__isnull=False).distinct().order_by("code"),
        "overdue": sum(1 for r in rows if r.overdue), "stalled": sum(1 for r in rows if r.stalled),
    })


def _box(group: dict[str, Any], scale: float) -> dict[str, Any]:
    if not group["n"]:
        return {}
    box = {k: round(float(group[k]) * scale, 1) + 2 for k in ("min", "p25", "median", "p75", "max")}
    box["width"] = max(1.0, round(box["p75"] - box["p25"], 1))
    return box


@require_GET
def ttfv_page(request: HttpRequest) -> HttpResponse:
    sections = []
    for model in MaturityModel.objects.select_related("product").exclude(first_value={}).order_by("product__code"):
        code = model.product.code
        cohorts = ttfv.distribution(code, by="cohort")
        segments = ttfv.distribution(code, by="segment")
        longest = max([g["max"] or 0 for g in cohorts + segments] + [1])
        scale = 400 / longest
        for group in cohorts + segments:
            group["box"] = _box(group, scale)
        sections.append({"model": model, "overall": ttfv.overall(code), "cohorts": cohorts, "segments": segments,
                         "longest": longest})
    return render(request, "journey/ttfv.html", {"sections": sections})


@require_http_methods(["GET", "POST"])
def config_page(request: HttpRequest) -> HttpResponse:
    may_configure = can_configure(request.user)
    errors: list[str] = []
    if request.method == "POST":
        if not may_configure:
            raise PermissionDenied(_("Only CS Ops and admins change the journey configuration."))
        form = ConfigForm(request.POST)
        if form.is_valid():
            try:
                summary = import_config(load_yaml(form.cleaned_data["document"]), actor=request.user,
                                        dry_run=request.POST.get("dry_run") == "1")
                messages.success(request, summary)
                return redirect("journey-config")
            except ConfigInvalid as exc:
                errors = exc.errors
    else:
        form = ConfigForm(initial={"document": dump_yaml(export_config())})
    return render(request, "journey/config.html", {"form": form, "errors": errors, "may_configure": may_configure})


@require_GET
def config_export(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(dump_yaml(export_config()), content_type="application/yaml; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="journey.yaml"'
    return response
