"""The engine's scores are those computed by hand from the fixture lake (tests/health/conftest.py)."""

from __future__ import annotations

import pytest

from csops.health import engine
from csops.health.models import HealthScore
from csops.health.scoring import score
from csops.health.services import definition_of
from tests.health.conftest import D

pytestmark = pytest.mark.django_db


def test_acme_scores_what_the_hand_computation_says(lake, scorecard, acme):
    score([D])
    snap = HealthScore.objects.get(account=acme, scorecard=scorecard, day=D)
    raw = {key: m["raw"] for key, m in snap.breakdown.items()}
    # 3 documents sent, 3 users, 5 usage events against 2 the week before, 1 ticket in 30 days,
    # latest NPS 8, usage on 4 distinct days.
    assert raw == {"docs_7": 3, "users_7": 3, "change_7": 150.0, "tickets_30": 1, "nps": 8, "custom_days": 4}
    scores = {key: m["score"] for key, m in snap.breakdown.items()}
    assert scores == pytest.approx({"docs_7": 100, "users_7": 75, "change_7": 100, "tickets_30": 50,
                                    "nps": 66.6667, "custom_days": 57.1429}, abs=1e-3)
    usage = 0.5 * 100 + 0.25 * 75 + 0.25 * 100
    voice = 0.5 * (2 / 3 * 100) + 0.5 * (4 / 7 * 100)
    assert snap.score == pytest.approx(0.6 * usage + 0.2 * 50 + 0.2 * voice, abs=0.01)
    assert snap.grade == "green" and snap.coverage == 1.0
    assert sum(m["contribution"] for m in snap.breakdown.values()) == pytest.approx(snap.score, abs=0.01)
    assert snap.breakdown["docs_7"]["weight"] == pytest.approx(30.0)
    assert "missing_data" not in snap.flags


def test_globex_without_an_nps_answer_is_reweighted_and_flagged(lake, scorecard, globex):
    score([D])
    snap = HealthScore.objects.get(account=globex, scorecard=scorecard, day=D)
    assert snap.breakdown["nps"]["raw"] is None and snap.breakdown["nps"]["weight"] == 0
    # The custom measure carries the whole voice group: 1 active day of 7.
    assert snap.breakdown["custom_days"]["weight"] == pytest.approx(20.0)
    usage = 0 + 0.25 * 25 + 0.25 * 100
    assert snap.score == pytest.approx(0.6 * usage + 0.2 * 100 + 0.2 * (100 / 7), abs=0.01)
    assert snap.grade == "yellow"
    assert snap.coverage == pytest.approx(0.9)
    assert "missing_data" in snap.flags


def test_license_utilisation_is_active_users_over_seats(lake, scorecard, document, acme, globex, carol):
    from csops.health.services import do_save_scorecard

    document["groups"][0]["measures"].append(
        {**document["groups"][0]["measures"][1], "key": "seats_7", "type": "license_utilisation", "weight": 0})
    card = do_save_scorecard(document, actor=carol)
    defn = definition_of(card)
    accounts = engine.accounts_in_scope(card, D)
    raw = engine.compute_raw(card, defn, D, accounts)
    assert raw.values["seats_7"] == {acme.pk: pytest.approx(3 / 50 * 100), globex.pk: pytest.approx(1 / 10 * 100)}


def test_every_lake_measure_is_one_query_per_day(lake, scorecard, caplog):
    import logging

    caplog.set_level(logging.DEBUG, logger="csops.usage.query")
    score([D])
    tags = [r.getMessage().split()[1] for r in caplog.records if r.getMessage().startswith("query ")]
    # One grouped query for the lake measures, one for the custom SQL measure; none per account.
    assert sorted(tags) == ["health.custom.custom_days", "health.score.delivery-test"]
