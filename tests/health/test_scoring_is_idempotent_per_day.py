"""``csops health score`` replaces a day's snapshots: a re-run doubles nothing; trends compare with earlier days."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import CommandError, call_command

from csops.health.models import HealthScore
from csops.health.scoring import score
from csops.pipeline.registry import get_step
from tests.health.conftest import D

pytestmark = pytest.mark.django_db


def test_scoring_a_day_twice_leaves_one_snapshot_per_account(lake, scorecard):
    score([D])
    first = {s.account_id: s.score for s in HealthScore.objects.all()}
    score([D])
    assert HealthScore.objects.count() == 2
    assert {s.account_id: s.score for s in HealthScore.objects.all()} == first


def test_a_re_run_after_a_scorecard_change_records_the_new_version(lake, scorecard, document, carol):
    from csops.health.services import do_save_scorecard

    score([D])
    document["grades"]["green_from"] = 95
    do_save_scorecard(document, actor=carol)
    score([D])
    assert set(HealthScore.objects.values_list("scorecard_version", "grade")) == {(2, "yellow")}


def test_a_backfilled_range_gives_7_and_30_day_trends(lake, scorecard, acme, capsys):
    call_command("health", "score", "--from", str(D - dt.timedelta(days=30)), "--to", str(D), "--every", "1")
    assert "62 health snapshots for 31 day(s) of 1 scorecard(s)" in capsys.readouterr().out
    today = HealthScore.objects.get(account=acme, day=D)
    week_ago = HealthScore.objects.get(account=acme, day=D - dt.timedelta(days=7))
    month_ago = HealthScore.objects.get(account=acme, day=D - dt.timedelta(days=30))
    assert today.trend_7 == pytest.approx(today.score - week_ago.score, abs=0.01)
    assert today.trend_30 == pytest.approx(today.score - month_ago.score, abs=0.01)
    assert month_ago.trend_7 is None


def test_a_single_day_after_a_backfill_reads_its_trends_from_the_database(lake, scorecard, acme):
    score([D - dt.timedelta(days=7)])
    score([D])
    snap = HealthScore.objects.get(account=acme, day=D)
    before = HealthScore.objects.get(account=acme, day=D - dt.timedelta(days=7))
    assert snap.trend_7 == pytest.approx(snap.score - before.score, abs=0.01) and snap.trend_30 is None


def test_accounts_without_a_running_contract_that_day_are_not_scored(lake, scorecard, acme):
    acme.contracts.update(end_date=D - dt.timedelta(days=1))
    score([D])
    assert list(HealthScore.objects.values_list("account__external_id", flat=True)) == ["GLOBEX-1"]


def test_the_command_refuses_contradictory_dates(db):
    with pytest.raises(CommandError, match="either --date or --from"):
        call_command("health", "score", "--date", "2026-03-01", "--from", "2026-02-01")
    with pytest.raises(CommandError, match="--to is before --from"):
        call_command("health", "score", "--from", "2026-03-01", "--to", "2026-02-01")


def test_the_daily_pipeline_has_a_health_step(lake, scorecard):
    step = get_step("health")
    assert step is not None
    summary = step.run(D, progress=lambda done, total: None)
    assert summary.startswith("2 health snapshots for 1 day(s) of 1 scorecard(s)")
    step.run(D, progress=lambda done, total: None)
    assert HealthScore.objects.count() == 2


def test_latest_scores_are_each_accounts_newest_snapshot(lake, scorecard, acme, globex):
    from csops.health.services import latest_scores

    score([D - dt.timedelta(days=7), D])
    HealthScore.objects.filter(account=globex, day=D).delete()
    latest = {s.account_id: s.day for s in latest_scores(scorecard=scorecard)}
    assert latest == {acme.pk: D, globex.pk: D - dt.timedelta(days=7)}
    assert [s.account_id for s in latest_scores(account_ids=[acme.pk])] == [acme.pk]
