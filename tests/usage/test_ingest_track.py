"""A track call through /v1/track lands in the lake as one row with every column filled."""

from __future__ import annotations

import datetime as dt
import json

from tests.usage.ingest_support import lake_rows, new_key, post


def test_it_stores_a_track_call_and_answers_success(db, client):
    key = new_key()
    response = post(client, "track", {
        "userId": "U-1", "event": "document_sent", "messageId": "m-1",
        "timestamp": "2026-03-02T09:30:00+09:00", "properties": {"pages": 3, "kind": "請求書"},
        "context": {"groupId": "ACME-1", "library": {"name": "analytics-python"}},
    }, key=key)
    assert response.status_code == 200
    assert response.json() == {"success": True}
    [row] = lake_rows()
    assert row["message_id"] == "m-1"
    assert row["type"] == "track"
    assert row["event"] == "document_sent"
    assert row["user_id"] == "U-1"
    assert row["anonymous_id"] is None
    assert row["account_id"] == "ACME-1"
    assert row["timestamp"] == dt.datetime(2026, 3, 2, 0, 30, tzinfo=dt.UTC)
    assert row["date"] == dt.date(2026, 3, 2)
    assert json.loads(row["properties"]) == {"pages": 3, "kind": "請求書"}
    assert json.loads(row["context"])["library"] == {"name": "analytics-python"}
    assert abs(row["received_at"] - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=1)


def test_it_generates_a_message_id_when_the_call_has_none(db, client):
    key = new_key()
    assert post(client, "track", {"anonymousId": "anon-1", "event": "login"}, key=key).status_code == 200
    [row] = lake_rows()
    assert len(row["message_id"]) == 36
    assert row["anonymous_id"] == "anon-1"


def test_it_keeps_page_and_screen_names_with_their_properties(db, client):
    key = new_key()
    post(client, "page", {"userId": "U-1", "name": "Dashboard", "properties": {"path": "/dash"}}, key=key)
    post(client, "screen", {"userId": "U-1", "name": "Inbox", "category": "mail"}, key=key)
    rows = {r["type"]: r for r in lake_rows()}
    assert json.loads(rows["page"]["properties"]) == {"path": "/dash", "name": "Dashboard"}
    assert json.loads(rows["screen"]["properties"]) == {"name": "Inbox", "category": "mail"}
    assert rows["page"]["event"] is None


def test_import_is_the_same_as_batch(db, client):
    key = new_key()
    response = post(client, "import", {"batch": [
        {"type": "track", "userId": "U-1", "event": "a", "messageId": "m-1"},
        {"type": "page", "userId": "U-1", "messageId": "m-2"},
    ]}, key=key)
    assert response.status_code == 200
    assert sorted(r["message_id"] for r in lake_rows()) == ["m-1", "m-2"]


def test_it_refuses_other_methods_than_post(db, client):
    response = client.get("/v1/track")
    assert response.status_code == 405
    assert response.json()["error"] == "method not allowed"
    assert response.headers["Allow"] == "POST"
