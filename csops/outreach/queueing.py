"""Putting messages on the send log: rendered once, under a unique idempotency key.

Callers (the campaign step of the daily pipeline, playbooks later) pass a key that names the
touch, e.g. ``campaign:3:step:7:contact:42``. Queueing the same key twice returns the first
message: a re-run of a pipeline day, or a crash and a retry, never queues a second copy.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from csops.outreach import links
from csops.outreach.models import Channel, Endpoint, Message, MessageStatus, Template
from csops.outreach.rendering import build_context, render
from csops.outreach.touches import can_touch, record_touch
from csops.outreach.windows import next_window_start


@dataclass(frozen=True)
class Queued:
    outcome: str  # queued | exists | deferred | skipped
    message: Message | None = None
    reason: str = ""


def contact_language(contact: Any) -> str:
    chosen = (contact.traits or {}).get("language")
    if chosen in ("ja", "en"):
        return chosen
    return "ja" if contact.account.country in ("JP", "") else "en"


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def render_email(template: Template, *, message: Message, account: Any, contact: Any, day: dt.date,
                 language: str) -> Rendered:
    """Render a template for one contact, with its signed unsubscribe link and tracked links."""
    unsubscribe = links.unsubscribe_url(message) if message.contact_id else ""
    context = build_context(account=account, contact=contact, day=day, extra={"unsubscribe_url": unsubscribe})
    subject = " ".join(render(template.part("subject", language), context, html=False).split())
    text = render(template.part("text", language), context, html=False)
    html = render(template.part("html", language), context, html=True) if template.part("html", language) else ""
    if unsubscribe and "unsubscribe_url" not in template.part("text", language):
        footer = "配信停止" if language == "ja" else "Unsubscribe"
        text = f"{text.rstrip()}\n\n--\n{footer}: {unsubscribe}\n"
    if html and unsubscribe and "unsubscribe_url" not in template.part("html", language):
        footer = "配信停止" if language == "ja" else "Unsubscribe"
        html = f'{html}\n<p style="font-size:12px;color:#666"><a href="{unsubscribe}">{footer}</a></p>'
    return Rendered(subject=subject, text=links.track_text(text, message), html=links.track_html(html, message))


def queue_email(
    *, contact: Any, template: Template, idempotency_key: str, day: dt.date, source: str,
    enrolment: Any = None, step: Any = None, respect_cap: bool = True, now: dt.datetime | None = None,
) -> Queued:
    """Queue one email to ``contact`` for the sending window of ``day`` (or the next one)."""
    existing = Message.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return Queued("exists", existing)
    if contact.unsubscribed:
        return Queued("skipped", reason="unsubscribed")
    if not contact.is_active or not contact.email:
        return Queued("skipped", reason="no reachable address")
    opens = timezone.make_aware(dt.datetime.combine(day, dt.time()))
    send_at = next_window_start(max(opens, now) if now else opens)
    if respect_cap and not can_touch(contact, at=send_at):
        return Queued("deferred", reason="contact cap")
    language = contact_language(contact)
    message = Message(
        idempotency_key=idempotency_key, channel=Channel.EMAIL, account_id=contact.account_id, contact=contact,
        enrolment=enrolment, step=step, template=template, source=source, language=language,
        to_address=contact.email, scheduled_for=day, next_attempt_at=send_at,
    )
    rendered = render_email(template, message=message, account=contact.account, contact=contact, day=day,
                            language=language)
    message.subject, message.body_text, message.body_html = rendered.subject[:300], rendered.text, rendered.html
    try:
        with transaction.atomic():
            message.save()
            record_touch(contact, channel=Channel.EMAIL, source=source, at=send_at, message=message,
                         note=message.subject)
    except IntegrityError:  # queued by someone else meanwhile
        return Queued("exists", Message.objects.get(idempotency_key=idempotency_key))
    return Queued("queued", message)


def record_skip(*, contact: Any, idempotency_key: str, day: dt.date, source: str, reason: str,
                enrolment: Any = None, step: Any = None, template: Template | None = None) -> Message:
    """Remember that a step was decided against (its condition did not hold), so it is not evaluated again."""
    message, _ = Message.objects.get_or_create(idempotency_key=idempotency_key, defaults={
        "channel": Channel.EMAIL, "status": MessageStatus.SKIPPED, "account_id": contact.account_id,
        "contact": contact, "enrolment": enrolment, "step": step, "template": template, "source": source,
        "to_address": contact.email, "scheduled_for": day, "last_error": reason[:500],
        "subject": template.part("subject", "ja")[:300] if template else "",
    })
    return message


def queue_webhook(endpoint: Endpoint, *, event: str, payload: dict[str, Any], idempotency_key: str,
                  account: Any = None, source: str = "") -> Queued:
    """Queue a Slack message (``payload`` is Slack's JSON, e.g. ``{"text": ...}``) or a signed webhook."""
    message, created = Message.objects.get_or_create(idempotency_key=idempotency_key, defaults={
        "channel": endpoint.kind, "endpoint": endpoint, "event": event, "payload": payload,
        "account": account, "source": source, "to_address": endpoint.name, "respect_window": False,
        "subject": event,
    })
    return Queued("queued" if created else "exists", message)
