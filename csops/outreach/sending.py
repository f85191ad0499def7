"""The sender loop: claim due messages one by one, deliver them, record the outcome.

Exactly once, as far as a network allows (docs/worker.md has the full argument):

* A message is claimed by a row-count update (``status='queued' -> 'sending'``): of two workers,
  one gets 1 row and sends, the other gets 0 and moves on.
* For email, the message's ``phase`` is set to ``handed_over`` (and committed) after the server
  answered 354 to DATA and before the final dot is written. A worker that dies before that point
  cannot have delivered anything: its stale claim goes back to ``queued`` and is sent once, later.
  A worker that dies after it may have delivered the message: the claim becomes ``unconfirmed``
  and is never resent automatically (CS Ops may resend it from the message log). The only
  window where a message can be lost is the time it takes to write the final dot; a message is
  never delivered twice.
* Webhooks and Slack are at-least-once instead: a stale claim is resent with the same
  ``X-Csops-Delivery`` id, which receivers use to drop a duplicate.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from csops.outreach import channels
from csops.outreach.models import Channel, Message, MessageStatus, SendPhase, Touch
from csops.outreach.windows import next_window_start

logger = logging.getLogger("csops.outreach.sender")


@dataclass
class SendSummary:
    counts: Counter[str] = field(default_factory=Counter)

    def line(self) -> str:
        c = self.counts
        return (f"{c['sent']} sent, {c['retry']} to retry, {c['failed']} failed, {c['bounced']} bounced, "
                f"{c['unconfirmed']} unconfirmed, {c['recovered']} recovered")


def backoff(attempts: int) -> dt.timedelta:
    """60 s, 2 min, 4 min... after the first, second, third attempt (base from settings), capped at a day."""
    return dt.timedelta(seconds=min(settings.CSOPS_SEND_RETRY_SECONDS * 2 ** max(attempts - 1, 0), 86400))


def _timeline(message: Message, summary: str, *, kind: str, at: dt.datetime, data: dict[str, Any]) -> None:
    if message.account_id is None:
        return
    from csops.customers.services.accounts import do_log_activity

    do_log_activity(message.account, kind=kind, summary=summary[:300], actor=None, occurred_at=at,
                    contacts=[message.contact] if message.contact_id else [],
                    data={"message": str(message.public_id), "source": message.source, **data})


def recover_stale(*, now: dt.datetime) -> Counter[str]:
    """Apply the recovery rule to claims older than ``CSOPS_SEND_STALE_SECONDS`` (their worker died)."""
    counts: Counter[str] = Counter()
    cutoff = now - dt.timedelta(seconds=settings.CSOPS_SEND_STALE_SECONDS)
    for message in Message.objects.filter(status=MessageStatus.SENDING, claimed_at__lt=cutoff):
        mine = Message.objects.filter(pk=message.pk, status=MessageStatus.SENDING, claimed_by=message.claimed_by)
        if message.channel == Channel.EMAIL and message.phase == SendPhase.HANDED_OVER:
            reason = ("unconfirmed: the worker stopped after handing the message to the SMTP server; "
                      "not resent automatically, to never send it twice")
            with transaction.atomic():
                if mine.update(status=MessageStatus.UNCONFIRMED, sent_at=message.claimed_at, last_error=reason):
                    _timeline(message, _("Email sent (unconfirmed): %(subject)s") % {"subject": message.subject},
                              kind="email", at=message.claimed_at or now, data={"status": "unconfirmed"})
                    counts["unconfirmed"] += 1
        elif mine.update(status=MessageStatus.QUEUED, claimed_by="", claimed_at=None, phase=SendPhase.NONE,
                         next_attempt_at=now):
            counts["recovered"] += 1
    if counts:
        logger.warning("recovered stale claims: %s", dict(counts))
    return counts


def claim(message_id: int, *, worker_id: str, now: dt.datetime) -> bool:
    """Take a queued message for this worker; False when someone else already did."""
    return bool(Message.objects.filter(pk=message_id, status=MessageStatus.QUEUED).update(
        status=MessageStatus.SENDING, claimed_by=worker_id, claimed_at=now, phase=SendPhase.NONE,
        attempts=F("attempts") + 1,
    ))


def _finish(message: Message, worker_id: str, **fields: Any) -> bool:
    return bool(Message.objects.filter(pk=message.pk, status=MessageStatus.SENDING, claimed_by=worker_id)
                .update(**fields))


def _deliver(message: Message, session: channels.SmtpSession, *, worker_id: str, now: dt.datetime) -> str:
    if message.channel == Channel.EMAIL:
        def handover() -> None:
            Message.objects.filter(pk=message.pk, claimed_by=worker_id).update(phase=SendPhase.HANDED_OVER)

        return channels.send_email(session, message, on_handover=handover, now=now)
    return channels.post_webhook(message, now=now)


def send_one(message: Message, session: channels.SmtpSession, *, worker_id: str, now: dt.datetime) -> str:
    """Deliver a message this worker has claimed and record what happened; returns the outcome."""
    try:
        reply = _deliver(message, session, worker_id=worker_id, now=now)
    except channels.Unconfirmed as exc:
        with transaction.atomic():
            if _finish(message, worker_id, status=MessageStatus.UNCONFIRMED, sent_at=now, last_error=str(exc)[:2000]):
                _timeline(message, _("Email sent (unconfirmed): %(subject)s") % {"subject": message.subject},
                          kind="email", at=now, data={"status": "unconfirmed"})
        return "unconfirmed"
    except channels.Bounced as exc:
        _give_up(message, worker_id, MessageStatus.BOUNCED, str(exc), now=now)
        return "bounced"
    except channels.Permanent as exc:
        _give_up(message, worker_id, MessageStatus.FAILED, str(exc), now=now)
        return "failed"
    except channels.Transient as exc:
        return _retry(message, worker_id, str(exc), now=now)
    with transaction.atomic():
        if _finish(message, worker_id, status=MessageStatus.SENT, sent_at=now, last_error=""):
            if message.channel == Channel.EMAIL:
                _timeline(message, _("Email sent: %(subject)s") % {"subject": message.subject}, kind="email",
                          at=now, data={"to": message.to_address, "reply": reply[:200]})
            else:
                _timeline(message, _("%(channel)s alert sent: %(event)s") % {
                    "channel": message.get_channel_display(), "event": message.event}, kind="system", at=now,
                    data={"endpoint": message.to_address})
    return "sent"


def _retry(message: Message, worker_id: str, reason: str, *, now: dt.datetime) -> str:
    attempts = Message.objects.filter(pk=message.pk).values_list("attempts", flat=True).get()
    if attempts >= settings.CSOPS_SEND_MAX_ATTEMPTS:
        _give_up(message, worker_id, MessageStatus.FAILED, f"gave up after {attempts} attempts: {reason}", now=now)
        return "failed"
    when = now + backoff(attempts)
    if message.respect_window:
        when = next_window_start(when)
    _finish(message, worker_id, status=MessageStatus.QUEUED, claimed_by="", claimed_at=None,
            phase=SendPhase.NONE, next_attempt_at=when, last_error=reason[:2000])
    logger.info("message %s: attempt %s failed (%s); next at %s", message.pk, attempts, reason, when)
    return "retry"


def _give_up(message: Message, worker_id: str, status: str, reason: str, *, now: dt.datetime) -> None:
    with transaction.atomic():
        if _finish(message, worker_id, status=status, last_error=reason[:2000]):
            # A touch that never reached the contact does not count against their cap.
            Touch.objects.filter(message=message).delete()
    logger.warning("message %s %s: %s", message.pk, status, reason)


def send_due(*, worker_id: str, now: dt.datetime | None = None, limit: int = 200,
             should_stop: Callable[[], bool] = lambda: False) -> SendSummary:
    """One pass of the sender: recover stale claims, then claim and send up to ``limit`` due messages."""
    now_fixed = now
    summary = SendSummary()
    summary.counts.update(recover_stale(now=now_fixed or timezone.now()))
    due = list(Message.objects.filter(status=MessageStatus.QUEUED, next_attempt_at__lte=now_fixed or timezone.now())
               .order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:limit])
    session = channels.SmtpSession()
    try:
        for pk in due:
            if should_stop():
                break
            at = now_fixed or timezone.now()
            message = Message.objects.select_related("contact", "account", "endpoint").get(pk=pk)
            if message.respect_window and message.channel == Channel.EMAIL:
                opens = next_window_start(at)
                if opens != at:  # outside the sending window: wait for the next one
                    Message.objects.filter(pk=pk, status=MessageStatus.QUEUED).update(next_attempt_at=opens)
                    summary.counts["postponed"] += 1
                    continue
            if not claim(pk, worker_id=worker_id, now=at):
                continue
            summary.counts[send_one(message, session, worker_id=worker_id, now=at)] += 1
    finally:
        session.close()
    return summary


def sender_pass(*, worker_id: str, should_stop: Callable[[], bool]) -> dict[str, int]:
    """The worker's outreach pass: send what is due now."""
    return dict(send_due(worker_id=worker_id, should_stop=should_stop).counts)
