"""Sending windows: weekdays that are not public holidays, between two local times.

Plain functions over a time zone, a country and the window; ``holidays`` supplies the calendar
(Japan in the demo: Golden Week, Culture Day...).
"""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo

import holidays
from django.conf import settings


@functools.lru_cache(maxsize=8)
def _holidays(country: str) -> holidays.HolidayBase:
    return holidays.country_holidays(country)


def is_business_day(day: dt.date, *, country: str) -> bool:
    return day.weekday() < 5 and day not in _holidays(country)


def window() -> tuple[dt.time, dt.time]:
    start, end = settings.CSOPS_SEND_WINDOW.split("-")
    return dt.time.fromisoformat(start), dt.time.fromisoformat(end)


def next_window_start(at: dt.datetime, *, tz: str | None = None, country: str | None = None,
                      bounds: tuple[dt.time, dt.time] | None = None) -> dt.datetime:
    """The first moment at or after ``at`` inside a sending window (``at`` itself when it is inside one)."""
    zone = zoneinfo.ZoneInfo(tz or settings.TIME_ZONE)
    country = country or settings.CSOPS_COUNTRY
    start, end = bounds or window()
    local = at.astimezone(zone)
    day = local.date()
    for _ in range(400):  # a year of days: there is always a business day in a year
        if is_business_day(day, country=country):
            opens = dt.datetime.combine(day, start, tzinfo=zone)
            closes = dt.datetime.combine(day, end, tzinfo=zone)
            if local < opens:
                return opens
            if local < closes:
                return local
        day += dt.timedelta(days=1)
        local = dt.datetime.combine(day, dt.time(), tzinfo=zone)
    raise ValueError(f"no sending day within a year after {at} in {country}")


def in_window(at: dt.datetime) -> bool:
    return next_window_start(at) == at
