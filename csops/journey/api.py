"""The journey REST API (mounted under /api/): read an account's journey and the maturity curves,
update onboarding steps and success plans, override a stage, export and import the configuration.

Authorised with the same functions as the pages: everyone signed in reads; the account's CSM,
CS Ops and admins change an account's journey; only CS Ops and admins import configuration.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Annotated, Any, Literal, TypeVar

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status
from pydantic import ConfigDict

from csops.api import ApiError
from csops.customers.models import Account, Contact, LifecycleStage, Product
from csops.customers.permissions import can_edit_account
from csops.journey import maturity, onboarding, stages
from csops.journey.config import ConfigInvalid, export_config, import_config
from csops.journey.models import (
    CxCheckpoint,
    FirstValue,
    MaturityState,
    Milestone,
    OnboardingPlan,
    OnboardingStep,
    Outcome,
    OutcomeStatus,
    Sentiment,
    SuccessPlan,
)
from csops.journey.success import (
    SuccessInvalid,
    current_value,
    do_add_checkpoint,
    do_add_outcome,
    do_delete_checkpoint,
    do_delete_milestone,
    do_delete_outcome,
    do_update_outcome,
)
from csops.users.roles import can_configure

router = Router(tags=["journey"])

StageCode = Literal[tuple(LifecycleStage.values)]  # type: ignore[valid-type]
StatusCode = Literal[tuple(OutcomeStatus.values)]  # type: ignore[valid-type]
SentimentCode = Literal[tuple(Sentiment.values)]  # type: ignore[valid-type]
Text = Annotated[str, Field(min_length=1, max_length=200, pattern=r"\S")]


class StrictSchema(Schema):
    model_config = ConfigDict(extra="forbid")


def _account(account_id: int) -> Account:
    account = Account.objects.filter(pk=account_id).first()
    if account is None:
        raise ApiError(404, f"account {account_id} not found")
    return account


def _editable(request: HttpRequest, account: Account) -> None:
    if not can_edit_account(request.auth, account):
        raise ApiError(403, "only the account's CSM, CS Ops and admins change its journey")


def _invalid(errors: dict[str, str] | list[str]) -> ApiError:
    items = errors.items() if isinstance(errors, dict) else [("", e) for e in errors]
    return ApiError(422, "invalid input", [{"loc": ["body", k] if k else ["body"], "msg": v, "type": "value"}
                                           for k, v in items])


class StepOut(Schema):
    id: int
    key: str
    title: str
    owner: str
    due_on: dt.date
    completion: str
    done_on: dt.date | None
    done_automatically: bool
    reopened_by_hand: bool
    overdue: bool


class PlanOut(Schema):
    id: int
    product: str
    started_on: dt.date
    completed_on: dt.date | None
    percent: int
    stalled: bool
    promoter_id: int | None
    operator_id: int | None
    warnings: list[str]
    steps: list[StepOut]


class LevelOut(Schema):
    product: str
    level: int
    since: dt.date | None
    evaluated_on: dt.date
    details: list[dict[str, Any]]


class StageChangeOut(Schema):
    day: dt.date
    stage_from: str
    stage_to: str
    source: str
    rule: str
    reason: str
    days: int


class OutcomeOut(Schema):
    id: int
    title: str
    kpi: str
    unit: str
    baseline: Decimal
    target: Decimal
    current: Decimal | None
    measure: str
    due_on: dt.date
    status: str


class CheckpointOut(Schema):
    id: int
    day: dt.date
    sentiment: str
    score: int | None
    note: str


class SuccessPlanOut(Schema):
    depth: str
    summary: str
    outcomes: list[OutcomeOut]
    checkpoints: list[CheckpointOut]
    milestones: list[dict[str, Any]]


class FirstValueOut(Schema):
    product: str
    contract_start: dt.date
    reached_on: dt.date | None
    days: int | None


class JourneyOut(Schema):
    account_id: int
    stage: str
    days_in_stage: int | None
    maturity: list[LevelOut]
    stage_history: list[StageChangeOut]
    onboarding: list[PlanOut]
    first_value: list[FirstValueOut]
    success_plan: SuccessPlanOut | None


def _step_out(step: OnboardingStep, today: dt.date) -> dict[str, Any]:
    return {"id": step.pk, "key": step.key, "title": step.title, "owner": step.owner, "due_on": step.due_on,
            "completion": step.completion, "done_on": step.done_on, "done_automatically": step.done_automatically,
            "reopened_by_hand": step.reopened_by_hand, "overdue": step.is_overdue(today=today)}


def _outcome_out(o: Outcome) -> dict[str, Any]:
    return {"id": o.pk, "title": o.title, "kpi": o.kpi, "unit": o.unit, "baseline": o.baseline, "target": o.target,
            "current": current_value(o), "measure": o.measure, "due_on": o.due_on, "status": o.status}


def _plan_out(plan: OnboardingPlan, today: dt.date) -> dict[str, Any]:
    status = onboarding.plan_status(plan, today=today)
    return {"id": plan.pk, "product": plan.product.code, "started_on": plan.started_on,
            "completed_on": plan.completed_on, "percent": status.percent, "stalled": status.stalled,
            "promoter_id": plan.promoter_id, "operator_id": plan.operator_id,
            "warnings": status.warnings.messages(), "steps": [_step_out(s, today) for s in status.steps]}


@router.get("/journey/accounts/{account_id}", response=JourneyOut)
def account_journey(request: HttpRequest, account_id: int) -> dict[str, Any]:
    account = _account(account_id)
    today = timezone.localdate()
    plans = [_plan_out(plan, today) for plan in
             OnboardingPlan.objects.filter(account=account).select_related("product").order_by("-started_on")]
    history = stages.history(account, today=today)
    sp = SuccessPlan.objects.filter(account=account).first()
    return {
        "account_id": account.pk, "stage": account.lifecycle_stage,
        "days_in_stage": history[0]["days"] if history else None,
        "maturity": [{"product": s.product.code, "level": s.level, "since": s.since, "evaluated_on": s.evaluated_on,
                      "details": s.details}
                     for s in MaturityState.objects.filter(account=account).select_related("product")],
        "stage_history": [{"day": h["change"].day, "stage_from": h["change"].stage_from,
                           "stage_to": h["change"].stage_to, "source": h["change"].source, "rule": h["change"].rule,
                           "reason": h["change"].reason, "days": h["days"]} for h in history],
        "onboarding": plans,
        "first_value": [{"product": f.product.code, "contract_start": f.contract_start, "reached_on": f.reached_on,
                         "days": f.days} for f in FirstValue.objects.filter(account=account).select_related("product")],
        "success_plan": None if sp is None else {
            "depth": sp.depth, "summary": sp.summary, "outcomes": [_outcome_out(o) for o in sp.outcomes.all()],
            "checkpoints": [{"id": c.pk, "day": c.day, "sentiment": c.sentiment, "score": c.score, "note": c.note}
                            for c in sp.checkpoints.all()],
            "milestones": [{"id": m.pk, "kind": m.kind, "title": m.title, "due_on": m.due_on, "done_on": m.done_on}
                           for m in sp.milestones.all()]},
    }


class CurvePoint(Schema):
    day: dt.date
    counts: list[int]
    total: int


class CurveOut(Schema):
    product: str
    levels: int
    points: list[CurvePoint]


@router.get("/journey/maturity/{product_code}/curve", response=CurveOut)
def maturity_curve(request: HttpRequest, product_code: str) -> dict[str, Any]:
    product = Product.objects.filter(code=product_code).first()
    if product is None:
        raise ApiError(404, f"product {product_code!r} not found")
    data = maturity.curve(product)
    return {"product": product.code, "levels": data["levels"], "points": data["points"]}


class StepPatch(StrictSchema):
    done: bool


@router.post("/journey/steps/{step_id}", response=StepOut)
def update_step(request: HttpRequest, step_id: int, payload: StepPatch) -> dict[str, Any]:
    step = OnboardingStep.objects.select_related("plan", "plan__account").filter(pk=step_id).first()
    if step is None:
        raise ApiError(404, f"step {step_id} not found")
    _editable(request, step.plan.account)
    onboarding.do_complete_step(step, actor=request.auth, done=payload.done)
    return _step_out(step, timezone.localdate())


class PeopleIn(StrictSchema):
    promoter_id: int | None
    operator_id: int | None


@router.post("/journey/plans/{plan_id}/people", response=PlanOut)
def set_plan_people(request: HttpRequest, plan_id: int, payload: PeopleIn) -> dict[str, Any]:
    """Name the customer's promoter and operator of an onboarding plan (contacts of the account, or null)."""
    plan = OnboardingPlan.objects.select_related("account", "product").filter(pk=plan_id).first()
    if plan is None:
        raise ApiError(404, f"plan {plan_id} not found")
    _editable(request, plan.account)
    people: dict[str, Contact | None] = {}
    errors: dict[str, str] = {}
    for field in ("promoter_id", "operator_id"):
        contact_id = getattr(payload, field)
        people[field] = None if contact_id is None else (
            Contact.objects.filter(pk=contact_id, account_id=plan.account_id).first())
        if contact_id is not None and people[field] is None:
            errors[field] = f"contact {contact_id} is not a person at this account"
    if errors:
        raise _invalid(errors)
    onboarding.do_set_people(plan, promoter=people["promoter_id"], operator=people["operator_id"], actor=request.auth)
    return _plan_out(plan, timezone.localdate())


class StageIn(StrictSchema):
    stage: StageCode
    reason: Annotated[str, Field(min_length=1, max_length=1000, pattern=r"\S")]
    hold_days: int | None = Field(None, ge=0, le=730)


@router.post("/journey/accounts/{account_id}/stage", response=StageChangeOut)
def override_stage(request: HttpRequest, account_id: int, payload: StageIn) -> dict[str, Any]:
    account = _account(account_id)
    _editable(request, account)
    try:
        change = stages.do_override_stage(account, payload.stage, reason=payload.reason, actor=request.auth,
                                          hold_days=payload.hold_days)
    except stages.StageInvalid as exc:
        raise _invalid(exc.errors) from None
    return {"day": change.day, "stage_from": change.stage_from, "stage_to": change.stage_to, "source": change.source,
            "rule": change.rule, "reason": change.reason, "days": 0}


class OutcomeIn(StrictSchema):
    title: Text
    kpi: Text
    unit: str = Field("", max_length=30)
    baseline: Decimal = Field(max_digits=16, decimal_places=2)
    target: Decimal = Field(max_digits=16, decimal_places=2)
    current: Decimal | None = Field(None, max_digits=16, decimal_places=2)
    measure: str = Field("", max_length=64)
    due_on: dt.date


@router.post("/journey/accounts/{account_id}/outcomes", response={201: OutcomeOut})
def add_outcome(request: HttpRequest, account_id: int, payload: OutcomeIn) -> Status:
    account = _account(account_id)
    _editable(request, account)
    try:
        outcome = do_add_outcome(account, actor=request.auth, **payload.dict())
    except SuccessInvalid as exc:
        raise _invalid(exc.errors) from None
    return Status(201, _outcome_out(outcome))


class OutcomePatch(StrictSchema):
    title: Text | None = None
    kpi: Text | None = None
    unit: str | None = Field(None, max_length=30)
    baseline: Decimal | None = Field(None, max_digits=16, decimal_places=2)
    current: Decimal | None = Field(None, max_digits=16, decimal_places=2)
    target: Decimal | None = Field(None, max_digits=16, decimal_places=2)
    status: StatusCode | None = None
    due_on: dt.date | None = None


@router.patch("/journey/outcomes/{outcome_id}", response=OutcomeOut)
def update_outcome(request: HttpRequest, outcome_id: int, payload: OutcomePatch) -> dict[str, Any]:
    outcome = _outcome(outcome_id)
    _editable(request, outcome.plan.account)
    changes = payload.dict(exclude_unset=True)
    for required in ("title", "kpi", "unit", "baseline", "target", "status", "due_on"):
        if required in changes and changes[required] is None:
            raise _invalid({required: "cannot be null"})
    try:
        do_update_outcome(outcome, actor=request.auth, **changes)
    except SuccessInvalid as exc:
        raise _invalid(exc.errors) from None
    return _outcome_out(outcome)


M = TypeVar("M", Outcome, Milestone, CxCheckpoint)


def _plan_item(model: type[M], pk: int, what: str) -> M:
    """An outcome, milestone or checkpoint with its success plan and account, or a 404 naming it."""
    item = model.objects.select_related("plan", "plan__account").filter(pk=pk).first()
    if item is None:
        raise ApiError(404, f"{what} {pk} not found")
    return item


def _outcome(outcome_id: int) -> Outcome:
    return _plan_item(Outcome, outcome_id, "outcome")


@router.delete("/journey/outcomes/{outcome_id}", response={204: None})
def delete_outcome(request: HttpRequest, outcome_id: int) -> Status:
    outcome = _outcome(outcome_id)
    _editable(request, outcome.plan.account)
    do_delete_outcome(outcome, actor=request.auth)
    return Status(204, None)


@router.delete("/journey/milestones/{milestone_id}", response={204: None})
def delete_milestone(request: HttpRequest, milestone_id: int) -> Status:
    milestone = _plan_item(Milestone, milestone_id, "milestone")
    _editable(request, milestone.plan.account)
    do_delete_milestone(milestone, actor=request.auth)
    return Status(204, None)


@router.delete("/journey/checkpoints/{checkpoint_id}", response={204: None})
def delete_checkpoint(request: HttpRequest, checkpoint_id: int) -> Status:
    checkpoint = _plan_item(CxCheckpoint, checkpoint_id, "checkpoint")
    _editable(request, checkpoint.plan.account)
    do_delete_checkpoint(checkpoint, actor=request.auth)
    return Status(204, None)


class CheckpointIn(StrictSchema):
    day: dt.date
    sentiment: SentimentCode
    score: int | None = Field(None, ge=0, le=10)
    note: str = Field("", max_length=2000)


@router.post("/journey/accounts/{account_id}/checkpoints", response={201: CheckpointOut})
def add_checkpoint(request: HttpRequest, account_id: int, payload: CheckpointIn) -> Status:
    account = _account(account_id)
    _editable(request, account)
    c = do_add_checkpoint(account, actor=request.auth, **payload.dict())
    return Status(201, {"id": c.pk, "day": c.day, "sentiment": c.sentiment, "score": c.score, "note": c.note})


@router.get("/journey/config", response=dict[str, Any])
def get_config(request: HttpRequest) -> dict[str, Any]:
    return export_config()


class ImportOut(Schema):
    summary: str


@router.put("/journey/config", response=ImportOut)
def put_config(request: HttpRequest, dry_run: bool = False) -> dict[str, Any]:
    """Import the whole configuration document (the shape GET returns), all or nothing."""
    if not can_configure(request.auth):
        raise ApiError(403, "only CS Ops and admins change the journey configuration")
    try:
        payload = json.loads(request.body or b"null")
    except ValueError as exc:
        raise _invalid([f"not valid JSON: {exc}"]) from None
    try:
        return {"summary": import_config(payload, actor=request.auth, dry_run=dry_run)}
    except ConfigInvalid as exc:
        raise _invalid(exc.errors) from None
