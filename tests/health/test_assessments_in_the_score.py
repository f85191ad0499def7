"""Assessment measures read each account's latest assessment; a stale one is flagged and decays."""

from __future__ import annotations

import datetime as dt

import pytest

from csops.health.models import Assessment, HealthScore
from csops.health.scoring import score
from tests.health.conftest import D

pytestmark = pytest.mark.django_db


@pytest.fixture
def with_assessment(document, carol, lake):
    from csops.health.services import do_save_scorecard

    document["groups"][2]["measures"][1] = {
        **document["groups"][2]["measures"][1], "key": "promotion", "type": "assessment",
        "params": {"field": "promotion"}, "normalise": {"method": "linear", "low": 1, "high": 5}}
    return do_save_scorecard(document, actor=carol)


def assess(account, card, *, on, promotion, author):
    return Assessment.objects.create(account=account, scorecard=card, author=author, assessed_on=on,
                                     promotion=promotion, relationship=3, csm_view="green",
                                     answers={"scenarios": {"efficiency": {"current": 4}}})


def test_the_latest_assessment_on_or_before_the_day_counts(with_assessment, acme, alice):
    assess(acme, with_assessment, on=D - dt.timedelta(days=50), promotion=1, author=alice)
    assess(acme, with_assessment, on=D - dt.timedelta(days=10), promotion=4, author=alice)
    assess(acme, with_assessment, on=D + dt.timedelta(days=1), promotion=2, author=alice)  # after the day
    score([D])
    snap = HealthScore.objects.get(account=acme, day=D)
    assert snap.breakdown["promotion"]["raw"] == 4 and snap.breakdown["promotion"]["score"] == 75
    assert "stale_assessment" not in snap.flags and "no_assessment" not in snap.flags


def test_a_stale_assessment_is_flagged_and_carries_less_weight(with_assessment, acme, alice):
    assess(acme, with_assessment, on=D - dt.timedelta(days=135), promotion=4, author=alice)
    score([D])
    snap = HealthScore.objects.get(account=acme, day=D)
    assert "stale_assessment" in snap.flags
    # Half of its 50% of the voice group's 20: the voice group keeps 75% of its weight.
    assert snap.breakdown["promotion"]["weight"] == pytest.approx(100 * (20 * 0.25) / (80 + 20 * 0.75), abs=1e-3)


def test_an_account_never_assessed_is_flagged(with_assessment, globex):
    score([D])
    snap = HealthScore.objects.get(account=globex, day=D)
    assert "no_assessment" in snap.flags and snap.breakdown["promotion"]["raw"] is None
