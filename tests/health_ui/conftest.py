"""A small scorecard for the Document Delivery product, and snapshots as the engine would store them.

Acme (Alice's) and Globex (Bob's) both hold a live contract, so the scorecard scores both.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from csops.customers.models import Account, Contract
from csops.customers.services.accounts import refresh_account_rollup
from csops.health.models import HealthScore, Scorecard


def anchors(what: str) -> dict[int, dict[str, str]]:
    return {level: {"en": f"{what} level {level}", "ja": f"{what}のレベル{level}"} for level in range(1, 6)}


DEFINITION = {
    "grades": {"red_below": 40, "green_from": 70},
    "assessment": {
        "max_age_days": 90,
        "scenarios": [
            {"key": "efficiency", "name": {"en": "Efficiency", "ja": "業務効率化"}, "anchors": anchors("efficiency")},
            {"key": "visualisation", "name": {"en": "Visualisation", "ja": "可視化"},
             "anchors": anchors("visualisation")},
        ],
        "promotion_anchors": anchors("promotion"),
        "relationship_anchors": anchors("relationship"),
    },
    "groups": [
        {
            "key": "usage", "name": {"en": "Usage", "ja": "利用状況"}, "weight": 60,
            "measures": [
                {"key": "active_users_30", "name": {"en": "Active users (30 days)", "ja": "アクティブユーザー数(30日)"},
                 "type": "active_users", "window": 30, "params": {},
                 "normalise": {"method": "thresholds", "red": 3, "green": 10},
                 "direction": "higher_better", "weight": 100},
            ],
        },
        {
            "key": "relationship", "name": {"en": "Relationship", "ja": "関係性"}, "weight": 40,
            "measures": [
                {"key": "promotion", "name": {"en": "Internal promotion", "ja": "社内推進度"},
                 "type": "assessment", "window": 90, "params": {"field": "promotion"},
                 "normalise": {"method": "linear", "low": 1, "high": 5},
                 "direction": "higher_better", "weight": 100},
            ],
        },
    ],
}


def document(**changes) -> dict:
    import copy

    data = {"key": "delivery-default", "name": "Delivery health", "product": "delivery", "segment": "",
            "active": True, **copy.deepcopy(DEFINITION)}
    data.update(changes)
    return data


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def scorecard(db, product, carol) -> Scorecard:
    from csops.health.services import do_save_scorecard

    return do_save_scorecard(document(), actor=carol)


@pytest.fixture
def globex_contract(globex, product) -> Contract:
    contract = Contract.objects.create(
        external_id="C-GLOBEX-1", account=globex, product=product, plan="Standard", seats=10,
        mrr=Decimal("100000"), currency="JPY", start_date=dt.date(2025, 4, 1), renewal_date=dt.date(2027, 4, 1),
    )
    refresh_account_rollup([globex.pk])
    globex.refresh_from_db()
    return contract


def snapshot(account: Account, scorecard: Scorecard, *, day: dt.date, users: float | None, promotion: float | None,
             **extra) -> HealthScore:
    """A snapshot with the breakdown the engine stores, computed by the engine's own pure functions."""
    from csops.health import combine
    from csops.health.assessments import definition_of

    defn = definition_of(scorecard)
    raws = {"active_users_30": users, "promotion": promotion}
    measures = {m.key: (g.key, m) for g in defn.groups for m in g.measures}
    scores = {key: combine.normalise(m, raws[key]) for key, (_g, m) in measures.items()}
    result = combine.combine(defn, scores)
    breakdown = {
        key: {"group": g, "raw": raws[key], "score": scores[key], "weight": result.weights.get(key),
              "contribution": result.contributions.get(key)}
        for key, (g, _m) in measures.items()
    }
    values = {
        "scorecard_version": scorecard.version, "score": result.score,
        "grade": combine.grade_for(defn, result.score) if result.score is not None else "",
        "coverage": result.coverage, "flags": list(result.flags), "breakdown": breakdown,
    }
    values.update(extra)
    return HealthScore.objects.create(account=account, scorecard=scorecard, day=day, **values)


@pytest.fixture
def today() -> dt.date:
    return timezone.localdate()
