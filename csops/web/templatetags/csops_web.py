"""Small display helpers for the web templates: money and days to a date."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import template
from django.utils import timezone

from csops.lib.money import format_money
from csops.users.roles import can_configure

register = template.Library()


@register.simple_tag
def money(amount: Decimal | None, currency: str | None) -> str:
    """``{% money account.arr account.currency %}``: JPY without decimals, others with two."""
    return format_money(amount, currency or "JPY")


@register.filter
def days_from_today(value: dt.date | None) -> int | None:
    """Whole days from today (in the company's timezone) to ``value``; negative when past, None without a date."""
    if value is None:
        return None
    return (value - timezone.localdate()).days


@register.filter
def negate(value: int) -> int:
    return -value


_KIND_ICONS = {
    "meeting": "◎", "call": "☎", "email": "✉", "note": "✎", "ticket": "⚑", "survey": "☑", "system": "⚙",
}


@register.filter
def kind_icon(kind: str) -> str:
    """A glyph for an activity kind; the kind's name is always shown beside it for screen readers."""
    return _KIND_ICONS.get(kind, "•")


@register.filter
def may_configure(user: object) -> bool:
    """``{% if user|may_configure %}``: the same rule as csops.users.roles.can_configure."""
    return can_configure(user)  # type: ignore[arg-type]
