"""State changes of playbooks: CTAs (create, snooze, reassign, take, close, checklist), routing, settings.

Each ``do_*`` is atomic and writes its audit row; every change of a CTA also lands on the
account's timeline, so that whoever opens the account sees what was asked and what came of it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from csops.audit.services import record
from csops.customers.services.accounts import do_log_activity
from csops.playbooks.models import Cta, CtaStatus, Outcome, PlaybookSettings, Responsibility, Route
from csops.users.roles import can_configure, can_edit_owned_by, is_reader

# Seed 000, The MODEL: who carries which responsibility when CS Ops did not say otherwise.
DEFAULT_ROUTES: dict[str, dict[str, Any]] = {
    Responsibility.ONBOARDING: {"queue": "sales"},
    Responsibility.IMPLEMENTATION: {"queue": "implementation"},
    Responsibility.ADOPTION: {"to_owner": True},
    Responsibility.RENEWAL: {"to_owner": True},
    Responsibility.UPSELL: {"queue": "sales"},
    Responsibility.TECHNICAL: {"queue": "support"},
}
CSM_QUEUE = "csm"  # where an owner-routed CTA goes when the account has no owner yet


def route(responsibility: str, account: Any) -> tuple[Any, str]:
    """(assignee or None, queue) for a CTA of ``responsibility`` on ``account``."""
    row = Route.objects.filter(responsibility=responsibility).select_related("user").first()
    spec = ({"to_owner": row.to_owner, "user": row.user, "queue": row.queue} if row
            else DEFAULT_ROUTES.get(responsibility, {"to_owner": True}))
    if spec.get("to_owner"):
        return (account.owner, "") if account.owner_id else (None, CSM_QUEUE)
    user = spec.get("user")
    if user is not None and user.is_active:
        return user, ""
    return None, spec.get("queue") or responsibility


def routing_table() -> list[dict[str, Any]]:
    rows = {r.responsibility: r for r in Route.objects.select_related("user")}
    table = []
    for value, label in Responsibility.choices:
        row = rows.get(value)
        spec = ({"to_owner": row.to_owner, "user": row.user, "queue": row.queue} if row
                else {"to_owner": False, "user": None, "queue": "", **DEFAULT_ROUTES[value]})
        table.append({"responsibility": value, "label": label, **spec, "is_default": row is None})
    return table


def do_set_route(responsibility: str, *, to_owner: bool, user: Any, queue: str, actor: Any) -> Route:
    if responsibility not in Responsibility.values:
        raise ValueError(f"unknown responsibility {responsibility!r}")
    with transaction.atomic():
        row, _created = Route.objects.get_or_create(responsibility=responsibility)
        before = {"to_owner": row.to_owner, "user": getattr(row.user, "email", None), "queue": row.queue}
        row.to_owner, row.user, row.queue = to_owner, None if to_owner else user, "" if (to_owner or user) else queue
        row.save()
        after = {"to_owner": row.to_owner, "user": getattr(row.user, "email", None), "queue": row.queue}
        changes = {k: [before[k], v] for k, v in after.items() if before[k] != v}
        if changes or _created:
            record(actor, "playbooks.route_changed", row, changes)
    return row


def do_save_settings(*, actor: Any, **values: int) -> PlaybookSettings:
    with transaction.atomic():
        current = PlaybookSettings.get()
        changes = {}
        for name, value in values.items():
            if getattr(current, name) != value:
                changes[name] = [getattr(current, name), value]
                setattr(current, name, value)
        current.save()
        if changes:
            record(actor, "playbooks.settings_changed", current, changes)
    return current


# --- CTAs ---------------------------------------------------------------------------------------


def can_act_on_cta(user: Any, cta: Cta) -> bool:
    """CS Ops and admins act on any CTA; a CSM on the CTAs assigned to them or on their accounts."""
    if can_configure(user):
        return True
    if not is_reader(user):
        return False
    return cta.assignee_id == user.pk or can_edit_owned_by(user, cta.account.owner_id)


def can_take_cta(user: Any, cta: Cta) -> bool:
    """Who may take a queue CTA for themselves: whoever may act on the account's CTAs.

    That is the account's owner CSM, CS Ops and admins (never a viewer, never another CSM); an
    account with no owner is CS Ops' (``can_edit_owned_by``). Whether the CTA is still free is
    ``do_take_cta``'s to say.
    """
    return can_edit_owned_by(user, cta.account.owner_id)


class CtaAlreadyAssigned(ValueError):
    """The CTA has an assignee already (taken or reassigned since it was shown): the API's 409."""


def _require(user: Any, cta: Cta) -> None:
    if not can_act_on_cta(user, cta):
        raise PermissionDenied(_("Only the assignee, the account owner or CS Ops may change this CTA."))


def _timeline(cta: Cta, summary: str, *, actor: Any, data: dict[str, Any], body: str | None = None) -> None:
    do_log_activity(cta.account, kind="system", actor=actor, summary=summary[:300],
                    body=cta.reason if body is None else body, data={"cta": cta.pk, **data})


def do_create_cta(*, account: Any, title: str, reason: str, reason_data: dict[str, Any], responsibility: str,
                  priority: int, due_on: dt.date, checklist: list[str], day: dt.date, rule: Any = None,
                  playbook: Any = None, action_run: Any = None, contact: Any = None, is_call: bool = False,
                  actor: Any = None) -> Cta:
    assignee, queue = route(responsibility, account)
    with transaction.atomic():
        cta = Cta.objects.create(
            account=account, action_run=action_run, rule=rule, playbook=playbook, title=title[:300],
            reason=reason, reason_data=reason_data, responsibility=responsibility, assignee=assignee,
            queue=queue, priority=priority, due_on=due_on, checklist=[{"text": t, "done": False} for t in checklist],
            contact=contact, is_call=is_call, created_on=day,
        )
        who = str(assignee) if assignee else _("queue %(queue)s") % {"queue": queue}
        _timeline(cta, _("CTA opened for %(who)s: %(title)s") % {"who": who, "title": cta.title}, actor=actor,
                  data={"event": "cta_opened", "reason": reason_data})
        record(actor, "playbooks.cta_created", cta, {"assignee": getattr(assignee, "email", None), "queue": queue})
    return cta


def do_snooze_cta(cta: Cta, *, until: dt.date, actor: Any) -> Cta:
    _require(actor, cta)
    if cta.status == CtaStatus.CLOSED:
        raise ValueError(_("A closed CTA cannot be snoozed."))
    if until <= timezone.localdate():
        raise ValueError(_("Snooze until a day after today."))
    with transaction.atomic():
        cta.status, cta.snoozed_until = CtaStatus.SNOOZED, until
        cta.save(update_fields=["status", "snoozed_until"])
        _timeline(cta, _("CTA snoozed until %(day)s: %(title)s") % {"day": until.isoformat(), "title": cta.title},
                  actor=actor, data={"event": "cta_snoozed", "until": until.isoformat()})
        record(actor, "playbooks.cta_snoozed", cta, {"until": until.isoformat()})
    return cta


def do_reassign_cta(cta: Cta, *, to: Any, actor: Any) -> Cta:
    _require(actor, cta)
    if to is None or not to.is_active or to.role == "viewer":
        raise ValueError(_("Reassign to an active person who may act on CTAs."))
    with transaction.atomic():
        before = cta.assignee
        cta.assignee, cta.queue = to, ""
        cta.save(update_fields=["assignee", "queue"])
        _timeline(cta, _("CTA reassigned to %(who)s: %(title)s") % {"who": str(to), "title": cta.title},
                  actor=actor, data={"event": "cta_reassigned", "to": to.email})
        record(actor, "playbooks.cta_reassigned", cta, {"assignee": [getattr(before, "email", None), to.email]})
    return cta


def do_take_cta(cta: Cta, *, actor: Any) -> Cta:
    """Assign an unassigned queue CTA to ``actor``, who takes it out of its queue.

    Refused (PermissionDenied) to whoever may not act on the account's CTAs, and refused
    (CtaAlreadyAssigned) when the CTA has an assignee, also when someone took it a moment ago:
    the assignment is a conditional update, so two people taking at once cannot both win.
    """
    if not can_take_cta(actor, cta):
        raise PermissionDenied(_("Only the account owner or CS Ops may take this CTA."))
    if cta.status == CtaStatus.CLOSED:
        raise ValueError(_("A closed CTA cannot be taken."))
    with transaction.atomic():
        queue = cta.queue
        taken = (Cta.objects.filter(pk=cta.pk, assignee__isnull=True).exclude(status=CtaStatus.CLOSED)
                 .update(assignee=actor, queue=""))
        if not taken:
            cta.refresh_from_db(fields=["assignee", "queue", "status"])
            if cta.assignee_id is None:  # closed since it was loaded
                raise ValueError(_("A closed CTA cannot be taken."))
            raise CtaAlreadyAssigned(_("This CTA is already assigned to %(who)s.") % {"who": str(cta.assignee)})
        cta.assignee, cta.queue = actor, ""
        summary = (_("CTA taken by %(who)s from queue %(queue)s: %(title)s") if queue
                   else _("CTA taken by %(who)s: %(title)s"))  # its assignee was deleted: no queue
        _timeline(cta, summary % {"who": str(actor), "queue": queue, "title": cta.title},
                  actor=actor, data={"event": "cta_taken", "to": actor.email, "queue": queue})
        record(actor, "playbooks.cta_taken", cta, {"assignee": [None, actor.email], "queue": [queue, ""]})
    return cta


def do_close_cta(cta: Cta, *, outcome: str, actor: Any, note: str = "") -> Cta:
    _require(actor, cta)
    if outcome not in Outcome.values:
        raise ValueError(_("Unknown outcome %(outcome)s.") % {"outcome": outcome})
    if cta.status == CtaStatus.CLOSED:
        raise ValueError(_("This CTA is already closed."))
    with transaction.atomic():
        cta.status, cta.outcome, cta.outcome_note = CtaStatus.CLOSED, outcome, note
        cta.closed_at, cta.closed_by, cta.snoozed_until = timezone.now(), actor, None
        cta.save(update_fields=["status", "outcome", "outcome_note", "closed_at", "closed_by", "snoozed_until"])
        label = Outcome(outcome).label
        body = [_("Outcome: %(outcome)s") % {"outcome": label}]
        if note.strip():
            body.append(_("Note: %(note)s") % {"note": note.strip()})
        if cta.reason:
            body.append(_("Opened because: %(reason)s") % {"reason": cta.reason})
        _timeline(cta, _("CTA closed (%(outcome)s): %(title)s") % {"outcome": label, "title": cta.title},
                  actor=actor, body="\n".join(body), data={"event": "cta_closed", "outcome": outcome, "note": note})
        record(actor, "playbooks.cta_closed", cta, {"outcome": outcome})
    return cta


def do_check_item(cta: Cta, *, index: int, done: bool, actor: Any) -> Cta:
    _require(actor, cta)
    if not 0 <= index < len(cta.checklist):
        raise ValueError(_("No such checklist item."))
    with transaction.atomic():
        cta.checklist[index]["done"] = done
        cta.save(update_fields=["checklist"])
        verb = _("checked") if done else _("unchecked")
        _timeline(cta, _("CTA checklist %(verb)s: %(item)s") % {"verb": verb, "item": cta.checklist[index]["text"]},
                  actor=actor, data={"event": "cta_checklist", "index": index, "done": done})
    return cta


def wake_snoozed(day: dt.date) -> int:
    """Snoozed CTAs whose day has come are open again (the pipeline's "ctas" step)."""
    return Cta.objects.filter(status=CtaStatus.SNOOZED, snoozed_until__lte=day).update(
        status=CtaStatus.OPEN, snoozed_until=None)


def do_change_stage(account: Any, stage: str, *, day: dt.date, reason: str, actor: Any = None,
                    playbook: str = "") -> bool:
    """Set an account's lifecycle stage from a playbook. False when it is already there.

    Goes through the journey's override (audited, on the timeline, in the stage history, and held
    against the stage rules for the configured days) so that there is one way stages change by hand.
    """
    from csops.journey.stages import do_override_stage

    if account.lifecycle_stage == stage:
        return False
    why = _("Playbook %(playbook)s: %(reason)s") % {"playbook": playbook, "reason": reason or "—"}
    do_override_stage(account, stage, reason=why, actor=actor, day=day)
    return True
