"""A backfill computes a range of days in one lake query (a calendar join); it gives the same scores as day by day."""

from __future__ import annotations

import datetime as dt
import logging

import pytest

from csops.health import engine
from csops.health.services import definition_of
from tests.health.conftest import D

pytestmark = pytest.mark.django_db


def test_a_range_in_one_query_equals_each_day_alone(lake, scorecard, caplog):
    defn = definition_of(scorecard)
    days = [D - dt.timedelta(days=n) for n in (20, 9, 8, 7, 3, 1, 0)]
    caplog.set_level(logging.DEBUG, logger="csops.usage.query")
    together = engine.compute_days(scorecard, defn, days)
    lake_queries = [r for r in caplog.records if "health.score." in r.getMessage()]
    assert len(lake_queries) == 1
    alone = {day: engine.compute_day(scorecard, defn, day) for day in days}
    assert together == alone
    assert {s.score for s in together[D]} != {s.score for s in together[D - dt.timedelta(days=20)]}
