"""The read-only health API: an account's scores and the scorecards, for signed-in people only."""

from __future__ import annotations

import pytest

from csops.health.scoring import score
from tests.health.conftest import D

pytestmark = pytest.mark.django_db


def test_a_csm_reads_an_accounts_latest_score_and_history(client, lake, scorecard, acme, bob, token_for):
    score([D])
    response = client.get(f"/api/health/accounts/{acme.pk}", **token_for(bob))
    assert response.status_code == 200
    body = response.json()
    assert body["account_external_id"] == "ACME-1"
    latest = body["latest"][0]
    assert latest["scorecard"] == "delivery-test" and latest["grade"] == "green"
    assert latest["breakdown"]["docs_7"] == {"group": "usage", "raw": 3.0, "score": 100.0, "weight": 30.0,
                                             "contribution": 30.0}
    assert len(body["history"]) == 1


def test_an_unknown_account_is_404(client, db, victor, token_for):
    response = client.get("/api/health/accounts/999999", **token_for(victor))
    assert response.status_code == 404 and "error" in response.json()


def test_a_viewer_reads_the_scorecards_and_their_definitions(client, scorecard, document, victor, token_for):
    listing = client.get("/api/health/scorecards", **token_for(victor)).json()
    assert listing == [{"key": "delivery-test", "name": "Delivery test health", "product": "delivery",
                        "segment": "", "active": True, "version": 1}]
    detail = client.get("/api/health/scorecards/delivery-test", **token_for(victor)).json()
    # JSON keys are strings, so the anchor levels come back as "1".."5".
    assert detail["definition"]["groups"] == document["groups"]
    assert client.get("/api/health/scorecards/nope", **token_for(victor)).status_code == 404


@pytest.mark.parametrize("path", ["/api/health/scorecards", "/api/health/scorecards/delivery-test",
                                  "/api/health/accounts/1"])
def test_an_outsider_gets_nothing(client, scorecard, path):
    response = client.get(path)
    assert response.status_code == 401
