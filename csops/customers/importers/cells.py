"""Parsers for one cell each: text in, a typed value out, or ``CellError`` saying what is wrong.

They are strict where a wrong guess would corrupt data (``1.200,50`` is not a number we guess at;
an ambiguous date format is refused) and lenient where spreadsheets are merely noisy: full-width
digits (NFKC), thousands separators, ``¥``, Excel's ``2025/4/1 9:05``.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
import zoneinfo
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from csops.customers.importers import columns, countries
from csops.lib.money import KNOWN_CURRENCIES


class CellError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def fold(raw: str) -> str:
    """Full-width to half-width (``１２３`` -> ``123``, ``／`` -> ``/``), trimmed."""
    return unicodedata.normalize("NFKC", raw).strip()


def _shown(raw: str) -> str:
    # Quote the offending value in messages, but never paste a whole essay into the report.
    raw = raw.strip()
    return repr(raw if len(raw) <= 40 else raw[:37] + "...")


def text(max_length: int) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        value = raw.strip()
        if len(value) > max_length:
            raise CellError(_("is too long: %(length)d characters, at most %(max)d") % {
                "length": len(value), "max": max_length})
        return value

    return parse


_SCIENTIFIC = re.compile(r"^\d(\.\d+)?E\+\d+$", re.IGNORECASE)


def identifier(max_length: int) -> Callable[[str], str]:
    """An external id: a CRM id kept exactly (Salesforce's 15-character ids are case-sensitive)."""
    plain = text(max_length)

    def parse(raw: str) -> str:
        value = plain(raw)
        if _SCIENTIFIC.match(value):
            raise CellError(_("%(value)s looks like a number Excel rewrote in scientific notation; "
                              "format the column as text and export again") % {"value": _shown(raw)})
        return value

    return parse


_GROUPED = re.compile(r"^\d{1,3}(,\d{3})+(\.\d+)?$")
_PLAIN_NUMBER = re.compile(r"^\d+(\.\d+)?$")


def _number_text(raw: str) -> str:
    """Digits with an optional decimal point; thousands separators only where they group by 3."""
    value = fold(raw).replace(" ", "")
    for symbol in ("¥", "$", "€", "£", "円"):
        value = value.replace(symbol, "")
    if value.startswith("-") and len(value) > 1:
        raise CellError(_("must not be negative"))
    if _GROUPED.match(value):
        return value.replace(",", "")
    if _PLAIN_NUMBER.match(value):
        return value
    raise CellError(_("is not a number: %(value)s") % {"value": _shown(raw)})


POSITIVE_INTEGER_MAX = 2_147_483_647  # PositiveIntegerField on PostgreSQL


def whole_number(raw: str) -> int:
    value = _number_text(raw)
    if "." in value:
        if value.rstrip("0").endswith("."):  # "120.0" from a float column is still 120
            value = value.split(".")[0]
        else:
            raise CellError(_("must be a whole number, got %(value)s") % {"value": _shown(raw)})
    number = int(value)
    if number > POSITIVE_INTEGER_MAX:
        raise CellError(_("is too large: %(value)s") % {"value": _shown(raw)})
    return number


def amount(raw: str, *, max_digits: int = 14, decimal_places: int = 2) -> Decimal:
    """A non-negative Decimal; whether its scale suits the currency is checked with the row."""
    value = _number_text(raw)
    try:
        number = Decimal(value)
    except InvalidOperation:  # pragma: no cover - the regexes admit only digits
        raise CellError(_("is not a number: %(value)s") % {"value": _shown(raw)}) from None
    if len(value.split(".")[0].lstrip("0")) > max_digits - decimal_places:
        raise CellError(_("is too large: %(value)s") % {"value": _shown(raw)})
    return number


_DATE_FORMATS = (
    # ISO and Excel's Japanese locale; month and day may drop the leading zero (2025/4/1).
    re.compile(r"^(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})(?:[ T]0?0:00(?::00)?)?$"),
    re.compile(r"^(?P<y>\d{4})年(?P<m>\d{1,2})月(?P<d>\d{1,2})日$"),
)


def date(raw: str) -> dt.date:
    value = fold(raw)
    for pattern in _DATE_FORMATS:
        match = pattern.match(value)
        if match:
            try:
                return dt.date(int(match["y"]), int(match["m"]), int(match["d"]))
            except ValueError:
                raise CellError(_("is not a valid date: %(value)s") % {"value": _shown(raw)}) from None
    raise CellError(_("is not a date (expected YYYY-MM-DD or YYYY/MM/DD): %(value)s") % {"value": _shown(raw)})


_EXCEL_DATETIME = re.compile(
    r"^(?P<y>\d{4})/(?P<m>\d{1,2})/(?P<d>\d{1,2})(?: (?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?)?$"
)


def company_timezone() -> dt.tzinfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def moment(raw: str, *, tz: dt.tzinfo | None = None) -> dt.datetime:
    """An aware datetime from ISO 8601 or Excel's ``YYYY/MM/DD HH:MM``; naive means the company's timezone."""
    value = fold(raw)
    parsed: dt.datetime | None = None
    match = _EXCEL_DATETIME.match(value)
    try:
        if match:
            parsed = dt.datetime(
                int(match["y"]), int(match["m"]), int(match["d"]),
                int(match["H"] or 0), int(match["M"] or 0), int(match["S"] or 0),
            )
        elif value[:4].isdigit() and len(value) >= 10:
            parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise CellError(_("is not a valid date and time: %(value)s") % {"value": _shown(raw)}) from None
    if parsed is None:
        raise CellError(_("is not a date and time (expected ISO 8601 such as 2025-04-01T09:30:00+09:00, "
                          "or YYYY/MM/DD HH:MM): %(value)s") % {"value": _shown(raw)})
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz or company_timezone())
    return parsed


_TRUE = frozenset(columns.TRUE_WORDS)
_FALSE = frozenset(columns.FALSE_WORDS)


def boolean(raw: str) -> bool:
    value = fold(raw).casefold()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise CellError(_("is not yes/no (use true or false): %(value)s") % {"value": _shown(raw)})


# What a parser returns for a value that means "no value" (see ``choice(ignore=...)``).
NO_VALUE = object()


def choice(labels: dict[str, tuple[str, ...]], *, ignore: tuple[str, ...] = ()) -> Callable[[str], Any]:
    """An enum value given as itself or one of its labels (``Decision maker``, ``決裁者``).

    Labels in ``ignore`` are read as an empty cell: another system's values that share our
    column name but not its meaning.
    """
    lookup: dict[str, Any] = {columns.normalize(name): NO_VALUE for name in ignore}
    for value, names in labels.items():
        for name in (value, *names):
            lookup.setdefault(columns.normalize(name), value)
    allowed = ", ".join(labels)

    def parse(raw: str) -> Any:
        value = lookup.get(columns.normalize(raw))
        if value is None:
            raise CellError(_("%(value)s is not one of %(allowed)s") % {"value": _shown(raw), "allowed": allowed})
        return value

    return parse


def email(raw: str) -> str:
    value = raw.strip()
    try:
        validate_email(value)
    except ValidationError:
        raise CellError(_("is not an email address: %(value)s") % {"value": _shown(raw)}) from None
    if len(value) > 254:
        raise CellError(_("is too long: %(length)d characters, at most %(max)d") % {"length": len(value), "max": 254})
    return value


_COUNTRY_NAMES = {
    columns.normalize(name): code for code, names in countries.NAMES.items() for name in names
}


def country(raw: str) -> str:
    value = fold(raw)
    if len(value) == 2 and value.upper() in countries.ISO_CODES:
        return value.upper()
    code = _COUNTRY_NAMES.get(columns.normalize(value))
    if code is None:
        raise CellError(_("%(value)s is not a country we know: use a two-letter ISO code such as JP or US")
                        % {"value": _shown(raw)})
    return code


def currency(raw: str) -> str:
    value = fold(raw).upper()
    if value in {"円", "¥"}:
        value = "JPY"
    if value not in KNOWN_CURRENCIES:
        raise CellError(_("%(value)s is not a currency we know (ISO 4217 code such as JPY or USD)")
                        % {"value": _shown(raw)})
    return value


def id_list(raw: str) -> list[str]:
    """Several ids in one cell, separated by ``;`` (HubSpot's association format)."""
    ids = [part.strip() for part in raw.split(columns.ID_SEPARATOR)]
    return list(dict.fromkeys(i for i in ids if i))


def any_value(raw: str) -> Any:
    return raw.strip()
