"""The built-in action types: CTA, step email, campaign, webhook, Slack, stage change, activity."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext_lazy

from csops.customers.models import Contact, ContactRole, LifecycleStage
from csops.customers.services.accounts import do_log_activity
from csops.outreach.models import Campaign, Endpoint, Enrolment, Template
from csops.outreach.queueing import queue_email, queue_webhook
from csops.outreach.touches import can_touch, can_touch_account, record_touch
from csops.playbooks.actions import ActionType, Outcome, RunContext, call_time, register_action_type, render_text
from csops.playbooks.models import PlaybookSettings, Priority, Responsibility

SOURCE = "playbooks"
PRIORITIES = {"high": Priority.HIGH, "medium": Priority.MEDIUM, "low": Priority.LOW}
# A CTA about a renewal this close (in days) is high priority whatever the playbook says.
RENEWAL_URGENT_DAYS = 30


def _roles_errors(action: dict[str, Any], name: str) -> list[str]:
    bad = [r for r in action.get(name, []) if r not in ContactRole.values]
    if not bad:
        return []
    return [f"{name}: unknown role(s) {', '.join(map(str, bad))}; known: {', '.join(ContactRole.values)}"]


# --- create a CTA -------------------------------------------------------------------------------


def _validate_cta(a: dict[str, Any]) -> list[str]:
    errors = []
    if a.get("priority", "medium") not in PRIORITIES:
        errors.append(f"priority must be one of {', '.join(PRIORITIES)}")
    if "responsibility" in a and a["responsibility"] not in Responsibility.values:
        errors.append(f"responsibility must be one of {', '.join(Responsibility.values)}")
    if not all(isinstance(item, str) and item for item in a.get("checklist", [])):
        errors.append("checklist: each item is a non-empty text")
    return errors + _roles_errors(a, "contact_roles")


def _contact_to_call(account: Any, roles: list[str]) -> Contact | None:
    people = list(Contact.objects.filter(account=account, is_active=True).order_by("pk"))
    for role in roles or ["decision_maker", "promoter", "operator", "user"]:
        found = next((c for c in people if c.role == role), None)
        if found:
            return found
    return None


def cap_reason(contact: Contact, account_id: int, *, at: Any) -> str:
    """Why one more touch at ``at`` is over a cap ("" when it is not)."""
    if not can_touch(contact, at=at):
        return f"contact cap: {contact.name} was touched too often around {at:%Y-%m-%d}"
    cap = PlaybookSettings.get().account_cap
    if not can_touch_account(account_id, at=at, cap=cap):
        return f"account cap: {cap} touches around {at:%Y-%m-%d} already"
    return ""


def _due_and_priority(a: dict[str, Any], ctx: RunContext) -> tuple[dt.date, int]:
    """The action's due date and priority; a CTA about a renewal is never due after it, and is urgent near it."""
    due_on = ctx.day + dt.timedelta(days=a.get("due_days", 3))
    priority = PRIORITIES[a.get("priority", "medium")]
    try:
        renewal = dt.date.fromisoformat(str(ctx.reason.get("renewal", "")))
    except ValueError:
        return due_on, priority
    if renewal < due_on:
        due_on = max(renewal, ctx.day)
    if due_on == renewal or (renewal - ctx.day).days <= RENEWAL_URGENT_DAYS:
        priority = Priority.HIGH
    return due_on, priority


def _create_cta(a: dict[str, Any], ctx: RunContext) -> Outcome:
    from csops.playbooks.services import do_create_cta

    run, account = ctx.run, ctx.account
    contact = None
    is_call = bool(a.get("call"))
    if is_call:
        contact = _contact_to_call(account, a.get("contact_roles", []))
        if contact is not None:
            over = cap_reason(contact, account.pk, at=call_time(ctx.day))
            if over:
                return Outcome("deferred", over)
    playbook = run.playbook
    rule = run.episode.rule if run.episode_id else None
    due_on, priority = _due_and_priority(a, ctx)
    cta = do_create_cta(
        account=account, title=render_text(a["title"], ctx.variables), reason=ctx.reason_text,
        reason_data=ctx.reason, responsibility=a.get("responsibility") or playbook.responsibility,
        priority=priority, due_on=due_on,
        checklist=list(a.get("checklist", [])), day=ctx.day, rule=rule, playbook=playbook, action_run=run,
        contact=contact, is_call=is_call,
    )
    if is_call and contact is not None:
        record_touch(contact, channel="call", source=SOURCE, at=call_time(ctx.day), note=cta.title)
    who = cta.assignee.email if cta.assignee else f"queue {cta.queue}"
    return Outcome("done", f"CTA {cta.pk} for {who}")


# --- emails and campaigns -----------------------------------------------------------------------


def _validate_email(a: dict[str, Any]) -> list[str]:
    errors = [] if Template.objects.filter(key=a["template"]).exists() else [
        f"unknown email template {a['template']!r} (outreach templates)"]
    return errors + _roles_errors(a, "roles")


def _send_email(a: dict[str, Any], ctx: RunContext) -> Outcome:
    template = Template.objects.filter(key=a["template"]).first()
    if template is None:
        return Outcome("failed", f"the email template {a['template']!r} was removed")
    contacts = Contact.objects.filter(account=ctx.account, is_active=True, unsubscribed=False).exclude(email="")
    if a.get("roles"):
        contacts = contacts.filter(role__in=a["roles"])
    counts = {"queued": 0, "exists": 0, "deferred": 0, "skipped": 0}
    deferred = ""
    for contact in contacts.select_related("account").order_by("pk"):
        key = f"playbooks:{ctx.run.start_key}:{ctx.run.position}:contact:{contact.pk}"
        over = "" if _already(key) else cap_reason(contact, ctx.account.pk, at=call_time(ctx.day))
        if over.startswith("account cap"):
            counts["deferred"] += 1
            deferred = over
            continue
        result = queue_email(contact=contact, template=template, idempotency_key=key, day=ctx.day, source=SOURCE)
        counts[result.outcome] += 1
        if result.outcome == "deferred":
            deferred = f"contact cap: {contact.name}"
    if counts["deferred"]:
        return Outcome("deferred", f"{deferred}; {counts['queued'] + counts['exists']} queued so far")
    if not counts["queued"] and not counts["exists"]:
        return Outcome("skipped", "nobody to email (no active, subscribed contact with that role)")
    return Outcome("done", f"{counts['queued'] + counts['exists']} email(s) queued")


def _already(key: str) -> bool:
    from csops.outreach.models import Message

    return Message.objects.filter(idempotency_key=key).exists()


def _validate_campaign(a: dict[str, Any]) -> list[str]:
    return [] if Campaign.objects.filter(key=a["campaign"]).exists() else [
        f"unknown campaign {a['campaign']!r} (outreach campaigns)"]


def _enrol(a: dict[str, Any], ctx: RunContext) -> Outcome:
    campaign = Campaign.objects.filter(key=a["campaign"]).first()
    if campaign is None:
        return Outcome("failed", f"the campaign {a['campaign']!r} was removed")
    contacts = Contact.objects.filter(account=ctx.account, is_active=True, unsubscribed=False).exclude(email="")
    if campaign.roles:
        contacts = contacts.filter(role__in=campaign.roles)
    new = 0
    for contact in contacts:
        _, created = Enrolment.objects.get_or_create(campaign=campaign, contact=contact,
                                                     defaults={"account": ctx.account, "enrolled_on": ctx.day})
        new += created
    if not new:
        return Outcome("skipped", "every contact was in this campaign before (a campaign is entered once)")
    return Outcome("done", f"{new} contact(s) entered {campaign.key}")


# --- webhook and Slack (queued on the outreach send log: exactly once) --------------------------


def _validate_endpoint(kind: str) -> Any:
    def check(a: dict[str, Any]) -> list[str]:
        if Endpoint.objects.filter(name=a["endpoint"], kind=kind).exists():
            return []
        return [f"unknown {kind} endpoint {a['endpoint']!r} (outreach endpoints)"]
    return check


def _payload(ctx: RunContext) -> dict[str, Any]:
    account = ctx.account
    return {"account": {"id": account.external_id, "name": account.name,
                        "owner": account.owner.email if account.owner_id else None},
            "rule": ctx.variables.get("rule", ""), "playbook": ctx.variables.get("playbook", ""),
            "reason": ctx.reason, "reason_text": ctx.reason_text, "day": ctx.day.isoformat()}


def _post(a: dict[str, Any], ctx: RunContext, kind: str) -> Outcome:
    endpoint = Endpoint.objects.filter(name=a["endpoint"], kind=kind, is_active=True).first()
    if endpoint is None:
        return Outcome("failed", f"the endpoint {a['endpoint']!r} is gone or turned off")
    payload = {"text": render_text(a["text"], ctx.variables)} if kind == "slack" else _payload(ctx)
    result = queue_webhook(endpoint, event=ctx.event or "customer.playbook_started", payload=payload,
                           idempotency_key=f"playbooks:{ctx.run.start_key}:{ctx.run.position}",
                           account=ctx.account, source=SOURCE)
    return Outcome("done", f"{kind} {result.outcome} to {endpoint.name}")


# --- stage and activity -------------------------------------------------------------------------


def _change_stage(a: dict[str, Any], ctx: RunContext) -> Outcome:
    from csops.playbooks.services import do_change_stage

    changed = do_change_stage(ctx.account, a["stage"], day=ctx.day, reason=ctx.reason_text,
                              playbook=ctx.run.playbook.name)
    return Outcome("done" if changed else "skipped", f"stage {a['stage']}" if changed else "already in that stage")


def _add_activity(a: dict[str, Any], ctx: RunContext) -> Outcome:
    activity = do_log_activity(ctx.account, kind="note", actor=None,
                               summary=render_text(a["summary"], ctx.variables)[:300],
                               body=render_text(a.get("body", ""), ctx.variables),
                               data={"playbook": ctx.run.playbook.key, "reason": ctx.reason})
    return Outcome("done", f"activity {activity.pk}")


def register_builtin_actions() -> None:

    register_action_type(ActionType(
        "create_cta", gettext_lazy("Create a CTA"),
        {"title": (str, True), "priority": (str, False), "due_days": (int, False), "checklist": (list, False),
         "responsibility": (str, False), "call": (bool, False), "contact_roles": (list, False)},
        _create_cta, validate=_validate_cta, texts=("title",),
        describe=lambda a: f"CTA “{a.get('title', '')}”" + (" (a call)" if a.get("call") else "")))
    register_action_type(ActionType(
        "send_email", gettext_lazy("Send a step email"), {"template": (str, True), "roles": (list, False)},
        _send_email, validate=_validate_email, describe=lambda a: f"email {a.get('template')}"))
    register_action_type(ActionType(
        "enrol_campaign", gettext_lazy("Enter a campaign"), {"campaign": (str, True)}, _enrol,
        validate=_validate_campaign, describe=lambda a: f"campaign {a.get('campaign')}"))
    register_action_type(ActionType(
        "webhook", gettext_lazy("Post a webhook"), {"endpoint": (str, True)}, lambda a, c: _post(a, c, "webhook"),
        validate=_validate_endpoint("webhook"), describe=lambda a: f"webhook {a.get('endpoint')}"))
    register_action_type(ActionType(
        "slack", gettext_lazy("Post a Slack alert"), {"endpoint": (str, True), "text": (str, True)},
        lambda a, c: _post(a, c, "slack"), validate=_validate_endpoint("slack"), texts=("text",),
        describe=lambda a: f"Slack {a.get('endpoint')}"))
    register_action_type(ActionType(
        "change_stage", gettext_lazy("Change the lifecycle stage"), {"stage": (str, True)}, _change_stage,
        validate=lambda a: [] if a["stage"] in LifecycleStage.values else [
            f"stage must be one of {', '.join(LifecycleStage.values)}"],
        effects=lambda a: {f"stage:{a.get('stage')}"}, describe=lambda a: f"stage → {a.get('stage')}"))
    register_action_type(ActionType(
        "add_activity", gettext_lazy("Add an activity to the timeline"), {"summary": (str, True), "body": (str, False)},
        _add_activity, texts=("summary", "body"), describe=lambda a: "timeline note"))
