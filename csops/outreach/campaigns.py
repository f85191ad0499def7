"""The outreach step of the daily pipeline: enrol contacts, let them leave, queue the steps due.

For a pipeline day D and each active campaign:

1. contacts whose account and role meet the entry conditions enter (day 0 = D), once per campaign;
2. each active enrolment leaves when the contact unsubscribed or left the customer, or when an
   exit condition holds;
3. every step whose day has come (``enrolled_on + day_offset <= D``) and was not decided yet is
   decided: sent to the contact (queued for D's sending window), or recorded as skipped when its
   conditions do not hold on that day; a step over the contact cap is deferred to the next day,
   and the later steps wait behind it so that the sequence keeps its order.

Everything is keyed (``campaign:C:step:S:contact:P``), so running a day twice queues nothing new.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from typing import Any

from django.db import transaction

from csops.customers.models import Contact
from csops.outreach.conditions import ConditionContext, all_hold, first_holding
from csops.outreach.models import Campaign, CampaignStep, Enrolment, EnrolmentStatus, Message
from csops.outreach.queueing import queue_email, record_skip

logger = logging.getLogger("csops.outreach")
SOURCE = "outreach"


def step_key(step: CampaignStep, contact_id: int) -> str:
    return f"campaign:{step.campaign_id}:step:{step.pk}:contact:{contact_id}"


def _describe(condition: dict[str, Any]) -> str:
    params = ", ".join(f"{k}={v}" for k, v in condition.items() if k != "type")
    return f"{condition['type']}({params})"


def _enrol(campaign: Campaign, day: dt.date, cache: dict[Any, Any], counts: Counter[str]) -> None:
    enrolled = set(Enrolment.objects.filter(campaign=campaign).values_list("contact_id", flat=True))
    contacts = Contact.objects.filter(is_active=True, unsubscribed=False).exclude(email="").select_related("account")
    if campaign.roles:
        contacts = contacts.filter(role__in=campaign.roles)
    new = []
    for contact in contacts.iterator(chunk_size=2000):
        if contact.pk in enrolled:
            continue
        ctx = ConditionContext(account=contact.account, contact=contact, day=day, cache=cache)
        if all_hold(campaign.entry_conditions, ctx):
            new.append(Enrolment(campaign=campaign, contact=contact, account=contact.account, enrolled_on=day))
    Enrolment.objects.bulk_create(new, batch_size=500, ignore_conflicts=True)
    counts["enrolled"] += len(new)


def _advance(enrolment: Enrolment, steps: list[CampaignStep], day: dt.date, decided: set[str],
             cache: dict[Any, Any], counts: Counter[str]) -> None:
    contact, campaign = enrolment.contact, enrolment.campaign
    if contact.unsubscribed or not contact.is_active:
        _end(enrolment, day, EnrolmentStatus.EXITED, "unsubscribed" if contact.unsubscribed else "contact left")
        counts["exited"] += 1
        return
    ctx = ConditionContext(account=enrolment.account, contact=contact, day=day,
                           enrolled_on=enrolment.enrolled_on, cache=cache)
    leaving = first_holding(campaign.exit_conditions, ctx)
    if leaving is not None:
        _end(enrolment, day, EnrolmentStatus.EXITED, f"exit condition {_describe(leaving)}")
        counts["exited"] += 1
        return
    elapsed = (day - enrolment.enrolled_on).days
    pending = False
    for step in steps:
        key = step_key(step, contact.pk)
        if key in decided:
            continue
        roles = step.roles or campaign.roles
        if roles and contact.role not in roles:
            continue  # this step is for other roles
        if step.day_offset > elapsed:
            pending = True
            break
        unmet = next((c for c in step.conditions if not all_hold([c], ctx)), None)
        if unmet is not None:
            record_skip(contact=contact, idempotency_key=key, day=day, source=SOURCE, enrolment=enrolment,
                        step=step, template=step.template, reason=f"condition not met: {_describe(unmet)}")
            counts["skipped"] += 1
            continue
        result = queue_email(contact=contact, template=step.template, idempotency_key=key, day=day,
                             source=SOURCE, enrolment=enrolment, step=step)
        counts[result.outcome] += 1
        if result.outcome == "deferred":
            logger.info("outreach: %s deferred for contact %s (%s)", step, contact.pk, result.reason)
            pending = True
            break
        if result.outcome == "skipped":
            _end(enrolment, day, EnrolmentStatus.EXITED, result.reason)
            counts["exited"] += 1
            return
    if not pending:
        _end(enrolment, day, EnrolmentStatus.COMPLETED, "")
        counts["completed"] += 1


def _end(enrolment: Enrolment, day: dt.date, status: str, reason: str) -> None:
    Enrolment.objects.filter(pk=enrolment.pk).update(status=status, ended_on=day, exit_reason=reason[:200])


def run_outreach_day(day: dt.date, *, progress: Any = None) -> str:
    """The "outreach" pipeline step for ``day``; returns a one-line summary."""
    counts: Counter[str] = Counter()
    cache: dict[Any, Any] = {}
    campaigns = list(Campaign.objects.filter(is_active=True).order_by("pk"))
    for index, campaign in enumerate(campaigns):
        steps = list(campaign.steps.select_related("template").order_by("day_offset", "position"))
        with transaction.atomic():
            _enrol(campaign, day, cache, counts)
        decided = set(Message.objects.filter(enrolment__campaign=campaign).values_list("idempotency_key", flat=True))
        active = (Enrolment.objects.filter(campaign=campaign, status=EnrolmentStatus.ACTIVE, enrolled_on__lte=day)
                  .select_related("contact", "contact__account", "account", "campaign"))
        for enrolment in active.iterator(chunk_size=1000):
            _advance(enrolment, steps, day, decided, cache, counts)
        if progress:
            progress(index + 1, len(campaigns))
    return (f"outreach {day.isoformat()}: {len(campaigns)} campaigns, {counts['enrolled']} entered, "
            f"{counts['queued']} queued, {counts['deferred']} deferred by caps, {counts['skipped']} skipped, "
            f"{counts['exited']} left, {counts['completed']} completed")
