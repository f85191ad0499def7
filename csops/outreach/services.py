"""State changes of outreach: configuration (audited), opt-outs, clicks, resends. Each is atomic."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from csops.audit.services import record
from csops.customers.services.accounts import do_log_activity
from csops.outreach.models import (
    Campaign,
    CampaignStep,
    Click,
    Enrolment,
    EnrolmentStatus,
    Message,
    MessageStatus,
    SendPhase,
    Template,
    Touch,
)


def _diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}


def template_state(template: Template) -> dict[str, Any]:
    return {f: getattr(template, f) for f in ("key", "name", "description", *Template.FIELDS)}


def do_save_template(template: Template, *, actor: Any, before: dict[str, Any] | None = None) -> Template:
    """Save a (validated) template and audit what changed. ``before`` is its state when it was loaded."""
    with transaction.atomic():
        created = template.pk is None
        template.save()
        changes = _diff(before or {}, template_state(template))
        record(actor, "outreach.template_created" if created else "outreach.template_changed", template, changes)
    return template


def campaign_state(campaign: Campaign) -> dict[str, Any]:
    return {
        "key": campaign.key, "name": campaign.name, "description": campaign.description,
        "is_active": campaign.is_active, "roles": campaign.roles, "entry_conditions": campaign.entry_conditions,
        "exit_conditions": campaign.exit_conditions,
        "steps": [{"day": s.day_offset, "template": s.template.key, "roles": s.roles, "when": s.conditions}
                  for s in campaign.steps.select_related("template").order_by("position")] if campaign.pk else [],
    }


def do_save_campaign(campaign: Campaign, steps: list[dict[str, Any]], *, actor: Any,
                     before: dict[str, Any] | None = None) -> Campaign:
    """Save a campaign with its steps (``[{"day", "template" (a Template), "roles", "when"}]``), audited.

    Steps are matched by position, so that the messages already queued for a step keep pointing at it.
    """
    with transaction.atomic():
        created = campaign.pk is None
        campaign.save()
        existing = {s.position: s for s in campaign.steps.all()}
        for position, spec in enumerate(steps, 1):
            step = existing.pop(position, None) or CampaignStep(campaign=campaign, position=position)
            step.day_offset, step.template = spec["day"], spec["template"]
            step.roles, step.conditions = spec.get("roles") or [], spec.get("when") or []
            step.save()
        for leftover in existing.values():
            leftover.delete()
        changes = _diff(before or {}, campaign_state(campaign))
        if created or changes:
            record(actor, "outreach.campaign_created" if created else "outreach.campaign_changed", campaign,
                   changes)
    return campaign


def do_unsubscribe(contact: Any, *, message: Message | None = None, via: str = "link") -> bool:
    """Opt a contact out of outreach: nothing queued for them is sent, and they leave every campaign.

    Returns False when they had already unsubscribed (the link may be clicked twice).
    """
    from csops.customers.models import Contact

    with transaction.atomic():
        changed = Contact.objects.filter(pk=contact.pk, unsubscribed=False).update(
            unsubscribed=True, updated_at=timezone.now())
        if not changed:
            return False
        cancelled = Message.objects.filter(contact=contact, status=MessageStatus.QUEUED)
        Touch.objects.filter(message__in=cancelled).delete()
        cancelled.update(status=MessageStatus.CANCELLED, last_error="contact unsubscribed")
        Enrolment.objects.filter(contact=contact, status=EnrolmentStatus.ACTIVE).update(
            status=EnrolmentStatus.EXITED, ended_on=timezone.localdate(), exit_reason="unsubscribed")
        do_log_activity(contact.account, kind="system", actor=None, contacts=[contact],
                        summary=_("%(name)s unsubscribed from emails") % {"name": contact.name},
                        data={"via": via, "message": str(message.public_id) if message else None})
        record(None, "outreach.contact_unsubscribed", contact, {"via": via})
    return True


def do_record_click(message: Message, url: str, *, at: dt.datetime | None = None) -> Click:
    with transaction.atomic():
        click = Click.objects.create(message=message, url=url, clicked_at=at or timezone.now())
        if message.account_id:
            do_log_activity(message.account, kind="system", actor=None, occurred_at=click.clicked_at,
                            contacts=[message.contact] if message.contact_id else [],
                            summary=_("Clicked a link in “%(subject)s”") % {"subject": message.subject},
                            body=url, data={"message": str(message.public_id), "url": url})
    return click


def do_resend(message: Message, *, actor: Any) -> bool:
    """Put a failed, bounced or unconfirmed email back in the queue (CS Ops decide; never automatic)."""
    with transaction.atomic():
        changed = Message.objects.filter(
            pk=message.pk, status__in=[MessageStatus.FAILED, MessageStatus.UNCONFIRMED, MessageStatus.BOUNCED],
        ).update(status=MessageStatus.QUEUED, attempts=0, phase=SendPhase.NONE, claimed_by="", claimed_at=None,
                 next_attempt_at=timezone.now())
        if changed:
            record(actor, "outreach.message_resent", message, {"status": [message.status, "queued"]})
    return bool(changed)
