"""Per-contact caps over the shared touch ledger, for outreach and playbooks alike.

Every outbound touch (an email queued, a call CTA from a playbook...) is a ``Touch`` row at the
time it happens or is planned. A new touch at ``at`` is allowed when fewer than the cap fall in
the window of ``CSOPS_CONTACT_CAP_DAYS`` days on either side of ``at``: planned touches count as
well as past ones, so every sliding window that contains the new touch stays under the cap.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings

from csops.outreach.models import Touch


def touches_near(contact: Any, *, at: dt.datetime, days: int | None = None) -> int:
    span = dt.timedelta(days=days if days is not None else settings.CSOPS_CONTACT_CAP_DAYS)
    return Touch.objects.filter(contact=contact, occurred_at__gt=at - span, occurred_at__lt=at + span).count()


def can_touch(contact: Any, *, at: dt.datetime, cap: int | None = None, days: int | None = None) -> bool:
    """Whether one more outbound touch to ``contact`` at ``at`` stays within the cap.

    A cap of 0 turns capping off.
    """
    limit = settings.CSOPS_CONTACT_CAP if cap is None else cap
    return limit <= 0 or touches_near(contact, at=at, days=days) < limit


def record_touch(contact: Any, *, channel: str, source: str, at: dt.datetime, message: Any = None,
                 note: str = "") -> Touch:
    """Add a touch to the ledger (call it in the transaction that queues or makes the touch)."""
    return Touch.objects.create(contact=contact, account_id=contact.account_id, channel=channel, source=source,
                                occurred_at=at, message=message, note=note[:200])


def account_touches_near(account_id: int, *, at: dt.datetime, days: int | None = None) -> int:
    span = dt.timedelta(days=days if days is not None else settings.CSOPS_CONTACT_CAP_DAYS)
    return Touch.objects.filter(account_id=account_id, occurred_at__gt=at - span, occurred_at__lt=at + span).count()


def can_touch_account(account_id: int, *, at: dt.datetime, cap: int, days: int | None = None) -> bool:
    """Whether one more touch to anyone at the account stays within ``cap`` (0: no account cap)."""
    return cap <= 0 or account_touches_near(account_id, at=at, days=days) < cap
