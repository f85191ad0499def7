"""Small display helpers for the web templates: money and days to a date."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

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


@register.simple_tag
def plotly_src() -> str:
    """The URL of plotly.js as served from the installed package (csops.web.views.plotly_js)."""
    import plotly

    return reverse("plotly-js", kwargs={"version": plotly.__version__})


@register.filter
def percent(value: float | None) -> str:
    """0.953 -> "95.3%"; a dash when there is nothing to divide by."""
    return "—" if value is None else f"{value * 100:.1f}%"


@register.filter
def get_item(mapping: dict, key: object) -> object:
    return mapping.get(key) if mapping else None


@register.simple_tag
def stance_select(contact: object, name: str, empty_label: str, choices: list) -> str:
    """A contact's influence or sentiment <select>, id ``stance-<pk>-<name>``, built in Python:
    the power map repeats two per contact, two hundred on a big account."""
    current = getattr(contact, name)
    select_id = f"stance-{contact.pk}-{name}"  # type: ignore[attr-defined]
    options = format_html_join(
        "", '<option value="{}"{}>{}</option>',
        ((value, mark_safe(" selected") if value == current else "", label)
         for value, label in [("", empty_label), *choices]),
    )
    return format_html('<select id="{}" name="{}">{}</select>', select_id, name, options)
