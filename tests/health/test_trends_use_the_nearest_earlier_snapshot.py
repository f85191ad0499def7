"""Trends compare with the snapshot 7 (30) days before or, when that day was not scored, the nearest earlier one."""

from __future__ import annotations

import datetime as dt

import pytest

from csops.health.engine import AccountScore
from csops.health.models import HealthScore
from csops.health.scoring import TREND_TOLERANCE_DAYS, score, write_day
from csops.health.services import do_save_scorecard
from tests.health.conftest import D

pytestmark = pytest.mark.django_db


def snap(card, day, scores: dict) -> None:
    write_day(card, day, [AccountScore(a.pk, s, "yellow", 1.0, [], {}) for a, s in scores.items()])


def row(card, account, day=D) -> HealthScore:
    return HealthScore.objects.get(scorecard=card, account=account, day=day)


def test_the_day_after_a_sparse_history_still_has_both_trends(scorecard, acme, globex):
    # The demo's history: a snapshot 30 days back and every day of the last week; scored again the next day.
    snap(scorecard, D - dt.timedelta(days=31), {acme: 40.0, globex: 70.0})
    snap(scorecard, D - dt.timedelta(days=8), {acme: 50.0})
    snap(scorecard, D - dt.timedelta(days=7), {acme: 55.0, globex: 65.0})
    snap(scorecard, D, {acme: 60.0, globex: 60.0})
    assert (row(scorecard, acme).trend_7, row(scorecard, acme).trend_30) == (5.0, 20.0)  # the exact day wins
    assert (row(scorecard, globex).trend_7, row(scorecard, globex).trend_30) == (-5.0, -10.0)


def test_a_snapshot_too_far_back_gives_no_trend(scorecard, acme):
    snap(scorecard, D - dt.timedelta(days=30 + TREND_TOLERANCE_DAYS + 1), {acme: 40.0})
    snap(scorecard, D - dt.timedelta(days=7 + TREND_TOLERANCE_DAYS), {acme: 50.0})
    snap(scorecard, D, {acme: 60.0})
    assert (row(scorecard, acme).trend_7, row(scorecard, acme).trend_30) == (10.0, None)


def test_an_account_missing_from_the_exact_day_uses_its_own_nearest_snapshot(scorecard, acme, globex):
    snap(scorecard, D - dt.timedelta(days=9), {acme: 30.0, globex: 90.0})
    snap(scorecard, D - dt.timedelta(days=7), {globex: 80.0})  # acme was out of scope that day
    snap(scorecard, D, {acme: 60.0, globex: 60.0})
    assert row(scorecard, acme).trend_7 == 30.0
    assert row(scorecard, globex).trend_7 == -20.0


def test_only_the_same_scorecard_counts(scorecard, document, carol, acme):
    document["key"] = "delivery-other"
    other = do_save_scorecard(document, actor=carol)
    snap(other, D - dt.timedelta(days=30), {acme: 10.0})
    snap(scorecard, D, {acme: 60.0})
    assert row(scorecard, acme).trend_30 is None


def test_a_scoring_run_reads_the_tolerated_days_from_the_database(lake, scorecard, acme):
    score([D - dt.timedelta(days=32)])
    score([D])
    before = row(scorecard, acme, D - dt.timedelta(days=32))
    now = row(scorecard, acme)
    assert now.trend_30 == pytest.approx(now.score - before.score, abs=0.01)
