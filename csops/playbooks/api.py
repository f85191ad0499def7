"""The playbooks REST API (mounted under /api/): CTAs and their changes, rules and their dry run, coverage.

Authorisation is the UI's (csops.playbooks.services.can_act_on_cta, csops.users.roles): anyone
signed in reads; the assignee, the account owner or CS Ops change a CTA; the account owner or CS Ops
take an unassigned queue CTA (409 when it has an assignee); CS Ops preview rules.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema
from pydantic import ConfigDict

from csops.api import ApiError
from csops.playbooks import config, segments
from csops.playbooks.cockpit import reason_of
from csops.playbooks.engine import preview
from csops.playbooks.models import Cta, CtaStatus, Outcome, Rule
from csops.playbooks.services import CtaAlreadyAssigned, do_close_cta, do_reassign_cta, do_snooze_cta, do_take_cta
from csops.users.models import User
from csops.users.roles import can_configure

router = Router(tags=["playbooks"])

OutcomeCode = Literal[tuple(Outcome.values)]  # type: ignore[valid-type]
StatusCode = Literal[tuple(CtaStatus.values)]  # type: ignore[valid-type]


class StrictSchema(Schema):
    model_config = ConfigDict(extra="forbid")


class CtaOut(Schema):
    id: int
    account_id: int
    account: str
    title: str
    reason: str
    reason_data: dict[str, Any]
    responsibility: str
    assignee_email: str | None
    queue: str
    priority: int
    due_on: dt.date
    status: str
    snoozed_until: dt.date | None
    outcome: str
    checklist: list[dict[str, Any]]
    rule: str | None
    created_on: dt.date


def _out(cta: Cta) -> dict[str, Any]:
    return {"id": cta.pk, "account_id": cta.account_id, "account": cta.account.name, "title": cta.title,
            "reason": reason_of(cta), "reason_data": cta.reason_data, "responsibility": cta.responsibility,
            "assignee_email": cta.assignee.email if cta.assignee else None, "queue": cta.queue,
            "priority": cta.priority, "due_on": cta.due_on, "status": cta.status, "snoozed_until": cta.snoozed_until,
            "outcome": cta.outcome, "checklist": cta.checklist, "rule": cta.rule.key if cta.rule else None,
            "created_on": cta.created_on}


class CtaFilter(Schema):
    mine: bool = False
    status: StatusCode | None = None
    queue: str | None = None
    account_id: int | None = None


@router.get("/playbooks/ctas", response=list[CtaOut])
def list_ctas(request: HttpRequest, filters: Query[CtaFilter]) -> list[dict[str, Any]]:
    qs = Cta.objects.select_related("account", "assignee", "rule").order_by("priority", "due_on", "pk")
    if filters.mine:
        qs = qs.filter(assignee=request.auth)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.queue:
        qs = qs.filter(queue=filters.queue, assignee__isnull=True)
    if filters.account_id:
        qs = qs.filter(account_id=filters.account_id)
    return [_out(c) for c in qs[:500]]


def _get(cta_id: int) -> Cta:
    cta = Cta.objects.select_related("account", "assignee", "rule").filter(pk=cta_id).first()
    if cta is None:
        raise ApiError(404, "no such CTA")
    return cta


@router.get("/playbooks/ctas/{cta_id}", response=CtaOut)
def get_cta(request: HttpRequest, cta_id: int) -> dict[str, Any]:
    return _out(_get(cta_id))


def _change(request: HttpRequest, cta_id: int, change: Any) -> dict[str, Any]:
    cta = _get(cta_id)
    try:
        change(cta)
    except PermissionDenied as exc:
        raise ApiError(403, str(exc)) from None
    except CtaAlreadyAssigned as exc:
        raise ApiError(409, str(exc)) from None
    except ValueError as exc:
        raise ApiError(422, str(exc)) from None
    return _out(_get(cta_id))


class SnoozeIn(StrictSchema):
    until: dt.date


@router.post("/playbooks/ctas/{cta_id}/snooze", response=CtaOut)
def snooze_cta(request: HttpRequest, cta_id: int, payload: SnoozeIn) -> dict[str, Any]:
    return _change(request, cta_id, lambda c: do_snooze_cta(c, until=payload.until, actor=request.auth))


class ReassignIn(StrictSchema):
    to_email: str


@router.post("/playbooks/ctas/{cta_id}/reassign", response=CtaOut)
def reassign_cta(request: HttpRequest, cta_id: int, payload: ReassignIn) -> dict[str, Any]:
    def change(cta: Cta) -> None:
        to = User.objects.filter(email=payload.to_email.lower()).first()
        if to is None:
            raise ValueError(f"no user {payload.to_email!r}")
        do_reassign_cta(cta, to=to, actor=request.auth)
    return _change(request, cta_id, change)


@router.post("/playbooks/ctas/{cta_id}/take", response=CtaOut)
def take_cta(request: HttpRequest, cta_id: int) -> dict[str, Any]:
    """Take an unassigned queue CTA for oneself: 403 if one may not act on the account, 409 if assigned."""
    return _change(request, cta_id, lambda c: do_take_cta(c, actor=request.auth))


class CloseIn(StrictSchema):
    outcome: OutcomeCode
    note: str = ""


@router.post("/playbooks/ctas/{cta_id}/close", response=CtaOut)
def close_cta(request: HttpRequest, cta_id: int, payload: CloseIn) -> dict[str, Any]:
    return _change(request, cta_id, lambda c: do_close_cta(c, outcome=payload.outcome, note=payload.note,
                                                           actor=request.auth))


class RuleOut(Schema):
    key: str
    name: str
    active: bool
    trigger: dict[str, Any]
    segment: dict[str, Any]
    playbook: str


@router.get("/playbooks/rules", response=list[RuleOut])
def list_rules(request: HttpRequest) -> list[dict[str, Any]]:
    return [{"key": r.key, "name": r.name, "active": r.is_active, "trigger": r.trigger, "segment": r.segment,
             "playbook": r.playbook.key} for r in Rule.objects.select_related("playbook").order_by("key")]


class PreviewIn(StrictSchema):
    trigger: dict[str, Any]
    segment: dict[str, Any] = {}
    day: dt.date | None = None


class HitOut(Schema):
    account_id: int
    account: str
    reason: dict[str, Any]
    text: str
    fires: bool


@router.post("/playbooks/rules/preview", response=list[HitOut])
def preview_rule(request: HttpRequest, payload: PreviewIn) -> list[dict[str, Any]]:
    """The accounts a rule (saved or not) would hit on a day: the dry run of the rule editor."""
    if not can_configure(request.auth):
        raise ApiError(403, "only CS Ops and admins preview rules")
    from csops.playbooks.engine import segment_filter_errors
    from csops.playbooks.triggers import validate_trigger

    errors = validate_trigger(payload.trigger) + segment_filter_errors(payload.segment)
    if errors:
        raise ApiError(422, "invalid rule", errors)
    from csops.usage.query import QueryError

    try:
        hits = preview(payload.trigger, payload.segment, payload.day or timezone.localdate())
    except OverflowError:
        raise ApiError(422, "invalid rule", ["the day and the windows of the trigger run past the calendar"]) from None
    except QueryError as exc:
        raise ApiError(503, "the event lake could not answer", [str(exc)]) from None
    return [{"account_id": h.account_id, "account": h.account, "reason": h.reason, "text": h.text, "fires": h.new}
            for h in hits]


class CoverageOut(Schema):
    owner_id: int | None
    owner: str
    touch_model: str
    accounts: int
    arr: float


@router.get("/playbooks/coverage", response=list[CoverageOut])
def coverage(request: HttpRequest) -> list[dict[str, Any]]:
    return [{k: float(v) if k == "arr" else v for k, v in row.items() if k != "label"} for row in segments.coverage()]


@router.get("/playbooks/export")
def export(request: HttpRequest) -> dict[str, Any]:
    """The whole playbook configuration, as ``csops playbooks export`` writes it (JSON here)."""
    return config.export_config()
