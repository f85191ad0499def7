"""Money helpers. Amounts are Decimal with an ISO 4217 currency code."""

from __future__ import annotations

from decimal import Decimal

# Currencies without a minor unit (ISO 4217 exponent 0) that our users bill in.
ZERO_DECIMAL_CURRENCIES = frozenset({"JPY", "KRW", "VND", "CLP", "ISK", "TWD"})
KNOWN_CURRENCIES = frozenset(
    {"JPY", "USD", "EUR", "GBP", "AUD", "CAD", "CHF", "CNY", "HKD", "SGD", "KRW", "TWD", "INR", "THB",
     "VND", "IDR", "MYR", "PHP", "NZD", "SEK", "NOK", "DKK", "BRL", "MXN", "CLP", "ISK", "ZAR"}
)


def minor_digits(currency: str) -> int:
    return 0 if currency.upper() in ZERO_DECIMAL_CURRENCIES else 2


def check_amount(amount: Decimal, currency: str) -> str | None:
    """Return why ``amount`` is not valid in ``currency``, or None when it is."""
    if currency.upper() not in KNOWN_CURRENCIES:
        return f"unknown currency {currency!r}"
    if amount < 0:
        return "must not be negative"
    exponent = amount.normalize().as_tuple().exponent
    digits = minor_digits(currency)
    if isinstance(exponent, int) and -exponent > digits:
        return f"{currency} allows {digits} decimal places"
    return None


def format_money(amount: Decimal | None, currency: str) -> str:
    if amount is None:
        return "-"
    digits = minor_digits(currency)
    symbol = {"JPY": "¥", "USD": "$", "EUR": "€", "GBP": "£"}.get(currency.upper(), currency.upper() + " ")
    return f"{symbol}{amount:,.{digits}f}"
