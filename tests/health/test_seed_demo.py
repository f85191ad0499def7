"""``csops health seed-demo`` loads the default scorecards, draws assessments and scores the history, once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from csops.audit.services import record
from csops.customers.models import Product
from csops.health.demo import history_days
from csops.health.models import Assessment, HealthScore, Scorecard

pytestmark = pytest.mark.django_db


def test_seed_demo_is_idempotent(lake, acme, capsys):
    Product.objects.create(code="analytics", name="Analytics Add-on")
    record(None, "demo.loaded", None, {"today": "2026-03-31"})
    call_command("health", "seed-demo", "--days", "14")
    first = capsys.readouterr().out
    assert "scorecards analytics-default, delivery-default" in first
    assert set(Scorecard.objects.values_list("key", "version")) == {("analytics-default", 1),
                                                                   ("delivery-default", 1)}
    days = history_days(dt.date(2026, 3, 31), days=14)
    assert set(HealthScore.objects.values_list("day", flat=True)) == set(days)
    assert HealthScore.objects.filter(day=dt.date(2026, 3, 31), account=acme).get().score is not None
    counts = (Assessment.objects.count(), HealthScore.objects.count())

    call_command("health", "seed-demo", "--days", "14")
    again = capsys.readouterr().out
    assert "0 assessments drawn; history already scored" in again
    assert (Assessment.objects.count(), HealthScore.objects.count()) == counts
    assert set(Scorecard.objects.values_list("version", flat=True)) == {1}


def test_the_history_is_weekly_with_the_last_week_daily_and_the_30_day_mark():
    last = dt.date(2026, 11, 1)
    days = history_days(last)
    assert days[-8:] == [last - dt.timedelta(days=n) for n in range(7, -1, -1)]
    assert last - dt.timedelta(days=30) in days and last - dt.timedelta(days=175) in days
    assert len(days) == 33
