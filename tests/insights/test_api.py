from __future__ import annotations

import datetime as dt

import pytest

from csops.insights import risk
from tests.insights.history import TODAY, build_history


@pytest.fixture
def scored(product):
    build_history(product, accounts=80, signal=2.0, seed=11)
    model = risk.train(horizon=90, today=TODAY).model
    risk.score_day(TODAY - dt.timedelta(weeks=1), model=model)
    return model


def test_a_viewer_reads_the_churn_risk_riskiest_first(client, victor, token_for, scored):
    body = client.get("/api/insights/churn-risk?limit=5", **token_for(victor)).json()
    assert body["model"]["name"] == scored.model_name and body["model"]["auc"] > 0.5
    probabilities = [i["probability"] for i in body["items"]]
    assert len(probabilities) == 5 and probabilities == sorted(probabilities, reverse=True)


def test_the_forecast_reconciles_with_the_contracts(client, carol, token_for, scored):
    from csops.customers.models import Contract

    body = client.get("/api/insights/forecast", **token_for(carol)).json()
    live = sum(float(c.mrr) * 12 for c in Contract.objects.filter(status__in=Contract.LIVE_STATUSES))
    assert body["current_arr"] == pytest.approx(live)
    assert len(body["months"]) == 13 and len(body["quarters"]) == 4


def test_a_bad_limit_is_a_clear_error(client, victor, token_for):
    response = client.get("/api/insights/churn-risk?limit=0", **token_for(victor))
    assert response.status_code == 422 and response.json()["error"] == "invalid input"


def test_an_outsider_gets_nothing(client):
    assert client.get("/api/insights/churn-risk").status_code == 401
    assert client.get("/api/insights/forecast").status_code == 401
