"""Success plans: the customer's outcomes (Co) and their experience with us (CX).

A CSM keeps the plans of their own accounts; CS Ops and admins every plan (checked by the callers
with ``can_edit_account``). Every change is a ``do_*`` function: atomic and audited.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from csops.audit.services import record
from csops.customers.models import Account
from csops.journey import conditions as C
from csops.journey.models import (
    CxCheckpoint,
    Milestone,
    MilestoneKind,
    Outcome,
    OutcomeStatus,
    Sentiment,
    SuccessDepth,
    SuccessPlan,
)


class SuccessInvalid(ValueError):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def _audit(actor: Any, action: str, plan: SuccessPlan, changes: dict[str, Any]) -> None:
    # Decimals and dates (also inside [old, new] pairs) are kept as text in the JSON audit row.
    record(actor, action, plan.account, json.loads(json.dumps(changes, default=str)))


def plan_for(account: Account) -> SuccessPlan | None:
    return SuccessPlan.objects.filter(account=account).first()


def do_save_plan(account: Account, *, depth: str, summary: str, actor: Any) -> SuccessPlan:
    if depth not in SuccessDepth.values:
        raise SuccessInvalid({"depth": _("Choose light or deep.")})
    with transaction.atomic():
        plan, _created = SuccessPlan.objects.get_or_create(account=account)
        plan.depth, plan.summary = depth, summary.strip()
        plan.save()
        _audit(actor, "journey.success_plan_saved", plan, {"depth": depth, "summary": plan.summary})
    return plan


def _check_outcome(values: dict[str, Any], *, account: Account) -> dict[str, str]:
    errors: dict[str, str] = {}
    for name in ("title", "kpi"):
        if name in values and not str(values[name] or "").strip():
            errors[name] = _("This field is required.")
    if values.get("status") is not None and values["status"] not in OutcomeStatus.values:
        errors["status"] = _("Unknown status.")
    baseline, target = values.get("baseline"), values.get("target")
    if baseline is not None and target is not None and baseline == target:
        errors["target"] = _("The target must differ from the baseline.")
    measure = values.get("measure")
    if measure:
        products = list(account.contracts.values_list("product__code", flat=True).distinct())
        known: set[str] = set()
        for code in products or [None]:
            found = C.known_measures(code)
            known |= found or set()
        if measure not in known:
            errors["measure"] = _("Unknown measure %(key)r.") % {"key": measure}
    return errors


def do_add_outcome(account: Account, *, actor: Any, title: str, kpi: str, baseline: Decimal, target: Decimal,
                   due_on: dt.date, unit: str = "", current: Decimal | None = None, measure: str = "") -> Outcome:
    values = {"title": title, "kpi": kpi, "baseline": baseline, "target": target, "measure": measure}
    errors = _check_outcome(values, account=account)
    if errors:
        raise SuccessInvalid(errors)
    with transaction.atomic():
        plan, _created = SuccessPlan.objects.get_or_create(account=account)
        outcome = Outcome.objects.create(plan=plan, title=title.strip(), kpi=kpi.strip(), unit=unit.strip(),
                                         baseline=baseline, target=target, current=current, measure=measure,
                                         due_on=due_on)
        _audit(actor, "journey.outcome_added", plan, {"outcome": outcome.title, "kpi": outcome.kpi,
                                                      "baseline": baseline, "target": target, "due_on": due_on})
    return outcome


def do_update_outcome(outcome: Outcome, *, actor: Any, **changes: Any) -> Outcome:
    allowed = {"title", "kpi", "unit", "baseline", "target", "current", "measure", "due_on", "status"}
    unknown = set(changes) - allowed
    if unknown:
        raise SuccessInvalid({k: _("This field cannot be changed.") for k in sorted(unknown)})
    merged = {"baseline": outcome.baseline, "target": outcome.target, **changes}
    errors = _check_outcome(merged, account=outcome.plan.account)
    if errors:
        raise SuccessInvalid(errors)
    with transaction.atomic():
        old = {k: getattr(outcome, k) for k in changes}
        for key, value in changes.items():
            setattr(outcome, key, value)
        outcome.save()
        _audit(actor, "journey.outcome_updated", outcome.plan, {
            "outcome": outcome.title, **{k: [old[k], v] for k, v in changes.items()}})
    outcome.refresh_from_db()
    return outcome


def do_delete_outcome(outcome: Outcome, *, actor: Any) -> None:
    with transaction.atomic():
        _audit(actor, "journey.outcome_deleted", outcome.plan, {
            "outcome": outcome.title, "kpi": outcome.kpi, "baseline": outcome.baseline, "target": outcome.target,
            "current": outcome.current, "due_on": outcome.due_on, "status": outcome.status})
        outcome.delete()


def do_add_milestone(account: Account, *, actor: Any, kind: str, title: str,
                     due_on: dt.date | None = None) -> Milestone:
    errors = {}
    if kind not in MilestoneKind.values:
        errors["kind"] = _("Choose behavioural or operational.")
    if not title.strip():
        errors["title"] = _("This field is required.")
    if errors:
        raise SuccessInvalid(errors)
    with transaction.atomic():
        plan, _created = SuccessPlan.objects.get_or_create(account=account)
        milestone = Milestone.objects.create(plan=plan, kind=kind, title=title.strip(), due_on=due_on)
        _audit(actor, "journey.milestone_added", plan, {"milestone": milestone.title, "kind": kind})
    return milestone


def do_mark_milestone(milestone: Milestone, *, actor: Any, done_on: dt.date | None) -> Milestone:
    with transaction.atomic():
        milestone.done_on = done_on
        milestone.save(update_fields=["done_on"])
        _audit(actor, "journey.milestone_done" if done_on else "journey.milestone_reopened", milestone.plan,
               {"milestone": milestone.title, "done_on": done_on})
    return milestone


def do_delete_milestone(milestone: Milestone, *, actor: Any) -> None:
    with transaction.atomic():
        _audit(actor, "journey.milestone_deleted", milestone.plan, {
            "milestone": milestone.title, "kind": milestone.kind, "due_on": milestone.due_on,
            "done_on": milestone.done_on})
        milestone.delete()


def do_add_checkpoint(account: Account, *, actor: Any, day: dt.date, sentiment: str, score: int | None = None,
                      note: str = "") -> CxCheckpoint:
    errors = {}
    if sentiment not in Sentiment.values:
        errors["sentiment"] = _("Choose positive, neutral or negative.")
    if score is not None and not 0 <= score <= 10:
        errors["score"] = _("A survey score is from 0 to 10.")
    if errors:
        raise SuccessInvalid(errors)
    with transaction.atomic():
        plan, _created = SuccessPlan.objects.get_or_create(account=account)
        checkpoint = CxCheckpoint.objects.create(plan=plan, day=day, sentiment=sentiment, score=score,
                                                 note=note.strip(),
                                                 author=actor if getattr(actor, "pk", None) else None)
        _audit(actor, "journey.cx_checkpoint_added", plan, {"day": day, "sentiment": sentiment, "score": score})
    return checkpoint


def do_delete_checkpoint(checkpoint: CxCheckpoint, *, actor: Any) -> None:
    with transaction.atomic():
        _audit(actor, "journey.cx_checkpoint_deleted", checkpoint.plan, {
            "day": checkpoint.day, "sentiment": checkpoint.sentiment, "score": checkpoint.score,
            "note": checkpoint.note})
        checkpoint.delete()


def current_value(outcome: Outcome) -> Decimal | None:
    """The outcome's current value: entered, or the latest raw value of its health measure."""
    if not outcome.measure or not C.health_installed():
        return outcome.current
    from csops.health.models import HealthScore

    for breakdown in (HealthScore.objects.filter(account_id=outcome.plan.account_id).order_by("-day")
                      .values_list("breakdown", flat=True)[:5]):
        entry = (breakdown or {}).get(outcome.measure)
        if isinstance(entry, dict) and entry.get("raw") is not None:
            return Decimal(str(entry["raw"]))
    return outcome.current
