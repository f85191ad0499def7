"""Saving a changed scorecard re-scores its latest scored day, so that the portfolio moves at once."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml

from csops.health.models import HealthScore
from csops.health.scoring import score
from csops.health.services import do_save_scorecard, rescore_latest_day
from tests.conftest import login
from tests.health.conftest import D

pytestmark = pytest.mark.django_db


def test_the_latest_day_is_rescored_with_the_new_version(lake, scorecard, document, carol):
    score([D - dt.timedelta(days=7), D])
    document["grades"]["green_from"] = 95
    saved = do_save_scorecard(document, actor=carol)
    result = rescore_latest_day(saved)
    assert result is not None and result.snapshots == 2 and not result.failed
    assert set(HealthScore.objects.filter(day=D).values_list("scorecard_version", "grade")) == {(2, "yellow")}
    # Only the latest day: the history keeps the version that computed it.
    assert set(HealthScore.objects.filter(day=D - dt.timedelta(days=7)).values_list("scorecard_version",
                                                                                   flat=True)) == {1}


def test_nothing_to_rescore_before_the_first_scoring_or_once_inactive(lake, scorecard, document, carol):
    assert rescore_latest_day(scorecard) is None
    score([D])
    document["active"] = False
    assert rescore_latest_day(do_save_scorecard(document, actor=carol)) is None
    assert set(HealthScore.objects.values_list("scorecard_version", flat=True)) == {1}


def test_saving_in_the_yaml_editor_moves_the_portfolio_at_once(lake, scorecard, document, carol, client):
    score([D])
    assert set(HealthScore.objects.values_list("grade", flat=True)) != {"red"}
    login(client, carol)
    document["grades"] = {"red_below": 99, "green_from": 100}
    response = client.post(f"/health/scorecards/{scorecard.pk}/yaml",
                           {"yaml": yaml.safe_dump(document, allow_unicode=True)}, follow=True)
    assert response.status_code == 200
    assert "latest scored day was re-scored with version 2" in response.content.decode()
    assert set(HealthScore.objects.values_list("scorecard_version", "grade")) == {(2, "red")}


def test_an_unchanged_save_does_not_rescore(lake, scorecard, document, carol, client):
    score([D])
    computed = set(HealthScore.objects.values_list("computed_at", flat=True))
    login(client, carol)
    client.post(f"/health/scorecards/{scorecard.pk}/yaml", {"yaml": yaml.safe_dump(document, allow_unicode=True)})
    assert set(HealthScore.objects.values_list("computed_at", flat=True)) == computed
