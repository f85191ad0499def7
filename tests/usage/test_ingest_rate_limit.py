"""Each write key may send CSOPS_INGEST_RATE events per second; beyond that, 429 with Retry-After."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from tests.usage.ingest_support import lake_rows, new_key, post


@pytest.fixture(autouse=True)
def _small_rate(settings):
    settings.CSOPS_INGEST_RATE = 5
    cache.clear()
    yield
    cache.clear()


def batch(n: int, start: int = 0) -> dict:
    return {"batch": [{"type": "track", "userId": "U-1", "event": "x", "messageId": f"m-{start + i}"}
                      for i in range(n)]}


def test_it_answers_429_with_retry_after_once_the_key_spent_its_budget(db, client, monkeypatch):
    monkeypatch.setattr("csops.usage.collector.time.time", lambda: 1_800_000_000.5)
    key = new_key()
    assert post(client, "batch", batch(5), key=key).status_code == 200
    response = post(client, "batch", batch(1, start=5), key=key)
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "1"
    assert response.json()["error"] == "rate limit exceeded"
    assert len(lake_rows()) == 5


def test_the_budget_comes_back_the_next_second(db, client, monkeypatch):
    now = [1_800_000_000.5]
    monkeypatch.setattr("csops.usage.collector.time.time", lambda: now[0])
    key = new_key()
    assert post(client, "batch", batch(5), key=key).status_code == 200
    assert post(client, "batch", batch(1, start=5), key=key).status_code == 429
    now[0] += 1
    assert post(client, "batch", batch(1, start=6), key=key).status_code == 200
    assert len(lake_rows()) == 6


def test_each_key_has_its_own_budget(db, client, monkeypatch):
    monkeypatch.setattr("csops.usage.collector.time.time", lambda: 1_800_000_000.5)
    first, second = new_key("web"), new_key("mobile")
    assert post(client, "batch", batch(5), key=first).status_code == 200
    assert post(client, "batch", batch(5, start=5), key=second).status_code == 200
    assert len(lake_rows()) == 10
