"""A level can ask for a health measure: the latest snapshot's value on or before each day."""

from __future__ import annotations

import copy

import pytest

from csops.health.models import HealthScore, Scorecard
from csops.journey.config import ConfigInvalid, import_config
from csops.journey.maturity import evaluate_maturity
from csops.journey.models import MaturityState
from tests.journey.conftest import MODEL, config, day

pytestmark = pytest.mark.django_db


@pytest.fixture
def scorecard(product) -> Scorecard:
    return Scorecard.objects.create(key="delivery", name="Delivery", product=product, definition={
        "groups": [{"key": "usage", "name": "Usage", "measures": [{"key": "active_users", "name": "Active users"}]}]})


def with_measure(value: float) -> dict:
    model = copy.deepcopy(MODEL)
    model["levels"][1]["conditions"].append({"type": "measure", "measure": "active_users", "op": ">=",
                                             "value": value})
    return config(maturity_models=[model])


def test_a_measure_condition_reads_the_latest_health_snapshot(lake, acme, globex, scorecard):
    import_config(with_measure(5), actor=None)
    for account, raw in ((acme, 8), (globex, 2)):
        HealthScore.objects.create(account=account, scorecard=scorecard, day=day(-7), scorecard_version=1, score=50,
                                   breakdown={"active_users": {"raw": raw, "score": 40, "weight": 1}})
    evaluate_maturity(day(0), day(0))
    levels = dict(MaturityState.objects.values_list("account__external_id", "level"))
    # Globex has two departments but only 2 active users: Lv.2 fails, so it stays at Lv.1.
    assert levels == {"ACME-1": 2, "GLOBEX-1": 1}
    detail = MaturityState.objects.get(account=globex).details[1]["conditions"][1]
    assert detail["actual"] == 2 and detail["met"] is False


def test_a_measure_that_no_scorecard_defines_is_refused(lake, scorecard):
    model = with_measure(5)
    model["maturity_models"][0]["levels"][1]["conditions"][-1]["measure"] = "nps"
    with pytest.raises(ConfigInvalid, match="unknown measure 'nps' \\(known: active_users\\)"):
        import_config(model, actor=None)
