"""Onboarding plans: a template's ordered steps, copied onto an account when its contract starts.

Each step has an owner side (the customer's promoter or operator, or our sales, implementation
consultant, CSM or support), a due day (contract start + ``due_days``) and a completion: checked
by hand, or automatic when its condition (csops.journey.conditions) holds since the plan start.
Automatic steps are checked for all open plans of a product at once (one pass per condition).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from csops.audit.services import record
from csops.customers.models import Account, Contact, ContactRole, Contract
from csops.journey.evaluate import AccountRow, Evaluator, account_rows
from csops.journey.models import Completion, OnboardingPlan, OnboardingStep, OnboardingTemplate

# Contracts that started longer ago than this get no plan when first seen (an install adopting
# csops should not open plans for customers onboarded years ago).
PLAN_LOOKBACK_DAYS = 180


def template_for(contract: Contract, segment: str) -> OnboardingTemplate | None:
    """The segment's template for the product, else the product's template for every segment."""
    templates = {t.segment: t for t in OnboardingTemplate.objects.filter(product_id=contract.product_id)}
    return templates.get(segment) or templates.get("")


def _people(account: Account) -> tuple[Contact | None, Contact | None]:
    contacts = list(account.contacts.filter(is_active=True, role__in=[ContactRole.PROMOTER, ContactRole.OPERATOR])
                    .order_by("created_at", "id"))
    promoter = next((c for c in contacts if c.role == ContactRole.PROMOTER), None)
    operator = next((c for c in contacts if c.role == ContactRole.OPERATOR), None)
    return promoter, operator


def do_start_plan(contract: Contract, *, actor: Any = None) -> OnboardingPlan | None:
    """Create the onboarding plan of ``contract`` from its template (None when there is no template).

    Idempotent: a contract has at most one plan. Promoter and operator come from the account's
    contacts (ContactRole); ``role_warnings`` tells when they are missing or the same person.
    """
    existing = OnboardingPlan.objects.filter(contract=contract).first()
    if existing is not None:
        return existing
    account = contract.account
    template = template_for(contract, account.segment)
    if template is None:
        return None
    promoter, operator = _people(account)
    with transaction.atomic():
        plan = OnboardingPlan.objects.create(
            account=account, contract=contract, product_id=contract.product_id, template_key=template.key,
            started_on=contract.start_date, stall_days=template.stall_days, promoter=promoter, operator=operator,
        )
        OnboardingStep.objects.bulk_create([
            OnboardingStep(plan=plan, position=k, key=s["key"], title=s["title"], description=s.get("description", ""),
                           owner=s["owner"], due_on=contract.start_date + dt.timedelta(days=int(s["due_days"])),
                           completion=s.get("completion", Completion.MANUAL), condition=s.get("condition") or {})
            for k, s in enumerate(template.steps)
        ])
        record(actor, "journey.plan_started", plan, {"template": template.key, "contract": contract.external_id})
    return plan


def ensure_plans(day: dt.date, *, lookback_days: int = PLAN_LOOKBACK_DAYS) -> int:
    """Start the plans of contracts that started in the ``lookback_days`` up to ``day``; returns how many."""
    contracts = (Contract.objects.filter(status__in=Contract.LIVE_STATUSES, start_date__lte=day,
                                         start_date__gte=day - dt.timedelta(days=lookback_days),
                                         onboarding_plan__isnull=True)
                 .select_related("account").order_by("start_date", "id"))
    started = 0
    for contract in contracts:
        if do_start_plan(contract) is not None:
            started += 1
    return started


@dataclass
class RoleWarnings:
    no_promoter: bool
    no_operator: bool
    same_person: bool

    @property
    def any(self) -> bool:
        return self.no_promoter or self.no_operator or self.same_person

    def messages(self) -> list[str]:
        out = []
        if self.same_person:
            out.append(_("The promoter and the operator are the same person: keep the two roles apart."))
        if self.no_promoter:
            out.append(_("No promoter recorded: name who champions the product at the customer."))
        if self.no_operator:
            out.append(_("No operator recorded: name who runs the product day to day."))
        return out


def _same_person(a: Contact, b: Contact) -> bool:
    if a.pk == b.pk:
        return True
    if a.email and b.email and a.email.strip().casefold() == b.email.strip().casefold():
        return True
    return " ".join(a.name.split()).casefold() == " ".join(b.name.split()).casefold()


def role_warnings(plan: OnboardingPlan) -> RoleWarnings:
    """Promoter and operator must be two people (seed 002: 推進者と運用担当者は分ける)."""
    promoter, operator = plan.promoter, plan.operator
    # A promoter flagged as also running the product (CRM trait) is the same person without an operator row.
    also = bool(promoter and (promoter.traits or {}).get("also_operator"))
    same = also or bool(promoter and operator and _same_person(promoter, operator))
    return RoleWarnings(no_promoter=promoter is None, no_operator=operator is None and not also, same_person=same)


def do_set_people(plan: OnboardingPlan, *, promoter: Contact | None, operator: Contact | None,
                  actor: Any) -> RoleWarnings:
    for person in (promoter, operator):
        if person is not None and person.account_id != plan.account_id:
            raise ValueError(_("The contact is not a person at this account."))
    with transaction.atomic():
        plan.promoter, plan.operator = promoter, operator
        plan.save(update_fields=["promoter", "operator"])
        record(actor, "journey.plan_people", plan, {
            "promoter": promoter.pk if promoter else None, "operator": operator.pk if operator else None})
    return role_warnings(plan)


def _refresh_completion(plans: list[OnboardingPlan]) -> None:
    ids = [p.pk for p in plans]
    steps: dict[int, list[OnboardingStep]] = defaultdict(list)
    for step in OnboardingStep.objects.filter(plan_id__in=ids):
        steps[step.plan_id].append(step)
    for plan in plans:
        own = steps.get(plan.pk, [])
        done = own and all(s.done_on for s in own)
        completed = max(s.done_on for s in own) if done else None  # type: ignore[type-var]
        if plan.completed_on != completed:
            plan.completed_on = completed
            plan.save(update_fields=["completed_on"])


def do_complete_step(step: OnboardingStep, *, actor: Any, done: bool = True, day: dt.date | None = None) -> None:
    """Check (or uncheck) a step by hand; audited, and the plan's completion follows.

    Unchecking marks the step ``reopened_by_hand``: ``auto_complete`` then leaves it open until a
    person checks it again (or the plan is created anew).
    """
    with transaction.atomic():
        if done:
            step.reopened_by_hand = False
        elif step.done_on is not None:
            step.reopened_by_hand = True
        step.done_on = (day or timezone.localdate()) if done else None
        step.done_by = actor if done and getattr(actor, "pk", None) else None
        step.done_automatically = False
        step.save(update_fields=["done_on", "done_by", "done_automatically", "reopened_by_hand"])
        record(actor, "journey.step_done" if done else "journey.step_reopened", step.plan,
               {"step": step.key, "done_on": step.done_on.isoformat() if step.done_on else None})
        _refresh_completion([step.plan])


def auto_complete(day: dt.date) -> int:
    """Mark done every open automatic step whose condition holds by ``day``; returns how many.

    Steps a person reopened (``reopened_by_hand``) are skipped: their condition may still hold.
    """
    open_steps = list(OnboardingStep.objects.filter(completion=Completion.AUTO, done_on__isnull=True,
                                                    reopened_by_hand=False, plan__started_on__lte=day)
                      .select_related("plan", "plan__product"))
    by_product: dict[str, list[OnboardingStep]] = defaultdict(list)
    for step in open_steps:
        by_product[step.plan.product.code].append(step)
    done = 0
    touched: dict[int, OnboardingPlan] = {}
    for product, steps in by_product.items():
        plans = {s.plan_id: s.plan for s in steps}
        facts = {a.pk: a for a in account_rows(product, account_ids=[p.account_id for p in plans.values()])}
        # One row per plan, anchored at its start: "since the start" counts from there.
        rows = [AccountRow(p.account_id, _external(facts, p), {}, [], anchor=p.started_on)
                for p in plans.values()]
        plan_index = {p.pk: k for k, p in enumerate(plans.values())}
        first = min(p.started_on for p in plans.values())
        ev = Evaluator(product=product, accounts=rows, first=first, last=day, data_first=first)
        by_condition: dict[str, list[OnboardingStep]] = defaultdict(list)
        for step in steps:
            by_condition[json.dumps(step.condition, sort_keys=True)].append(step)
        changed = []
        for key, group in by_condition.items():
            cond = dict(json.loads(key))
            cond.setdefault("window_days", None)
            met, _ = ev.met(cond)
            for step in group:
                i = plan_index[step.plan_id]
                start = max(0, (step.plan.started_on - first).days)
                hits = np.flatnonzero(met[i, start:])
                if hits.size:
                    step.done_on = ev.days[start + int(hits[0])]
                    step.done_automatically = True
                    changed.append(step)
                    touched[step.plan_id] = step.plan
        OnboardingStep.objects.bulk_update(changed, ["done_on", "done_automatically"], batch_size=1000)
        done += len(changed)
    _refresh_completion(list(touched.values()))
    return done


def _external(facts: dict[int, AccountRow], plan: OnboardingPlan) -> str:
    row = facts.get(plan.account_id)
    return row.external_id if row else Account.objects.get(pk=plan.account_id).external_id


# --- what pages show -------------------------------------------------------------------------


@dataclass
class PlanStatus:
    plan: OnboardingPlan
    steps: list[OnboardingStep]
    done: int
    total: int
    overdue: list[OnboardingStep]
    stalled: bool
    last_progress: dt.date
    warnings: RoleWarnings

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 100

    @property
    def next_step(self) -> OnboardingStep | None:
        return next((s for s in self.steps if s.done_on is None), None)


def plan_status(plan: OnboardingPlan, *, today: dt.date, steps: list[OnboardingStep] | None = None) -> PlanStatus:
    """Progress %, overdue steps, and stalled: no step done in the plan's ``stall_days``."""
    steps = steps if steps is not None else list(plan.steps.all())
    done_days = [s.done_on for s in steps if s.done_on]
    last = max([plan.started_on, *done_days])
    overdue = [s for s in steps if s.is_overdue(today=today)]
    stalled = plan.completed_on is None and (today - last).days > plan.stall_days
    return PlanStatus(plan=plan, steps=steps, done=len(done_days), total=len(steps), overdue=overdue,
                      stalled=stalled, last_progress=last, warnings=role_warnings(plan))


def board(*, today: dt.date, owner: Any = None, product: str | None = None) -> list[PlanStatus]:
    """Every plan in progress, overdue first (most overdue steps, then oldest due), then stalled."""
    plans = (OnboardingPlan.objects.filter(completed_on__isnull=True, started_on__lte=today)
             .select_related("account", "account__owner", "product", "promoter", "operator"))
    if owner is not None:
        plans = plans.filter(account__owner=owner)
    if product:
        plans = plans.filter(product__code=product)
    plans = plans.filter(Q(account__contracts__status__in=Contract.LIVE_STATUSES)).distinct()
    plan_list = list(plans)
    steps: dict[int, list[OnboardingStep]] = defaultdict(list)
    for step in OnboardingStep.objects.filter(plan_id__in=[p.pk for p in plan_list]).order_by("position"):
        steps[step.plan_id].append(step)
    out = [plan_status(p, today=today, steps=steps.get(p.pk, [])) for p in plan_list]
    out.sort(key=lambda s: (
        not s.overdue, -len(s.overdue), min((x.due_on for x in s.overdue), default=dt.date.max),
        not s.stalled, s.percent, s.plan.account.name))
    return out
