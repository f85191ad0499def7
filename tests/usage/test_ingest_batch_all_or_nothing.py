"""A batch is all or nothing: one bad message refuses the whole batch, naming each bad index and field."""

from __future__ import annotations

from tests.usage.ingest_support import lake_rows, new_key, post


def good(i: int) -> dict:
    return {"type": "track", "userId": f"U-{i}", "event": "login", "messageId": f"m-{i}"}


def test_one_bad_message_refuses_the_whole_batch(db, client):
    batch = [good(i) for i in range(10)]
    batch[3] = {"type": "track", "userId": "U-3", "messageId": "m-3"}  # no event
    batch[7] = {"type": "teleport", "userId": "U-7"}
    response = post(client, "batch", {"batch": batch}, key=new_key())
    assert response.status_code == 400
    assert response.json()["error"] == "invalid message"
    assert response.json()["detail"] == [
        {"index": 3, "field": "event", "message": "track calls need an event name"},
        {"index": 7, "field": "type",
         "message": "unknown type 'teleport'; expected one of track, identify, group, page, screen, alias"},
    ]
    assert lake_rows() == []


def test_a_message_that_is_not_an_object_is_named_by_its_index(db, client):
    response = post(client, "batch", {"batch": [good(0), "track"]}, key=new_key())
    assert response.status_code == 400
    assert response.json()["detail"] == [{"index": 1, "field": "message", "message": "must be an object"}]
    assert lake_rows() == []


def test_a_good_batch_is_stored_whole(db, client):
    response = post(client, "batch", {"batch": [good(i) for i in range(100)]}, key=new_key())
    assert response.status_code == 200
    assert sorted(r["message_id"] for r in lake_rows()) == sorted(f"m-{i}" for i in range(100))


def test_the_batch_context_applies_to_every_message(db, client):
    response = post(client, "batch", {
        "context": {"groupId": "ACME-1", "library": {"name": "rudder"}},
        "batch": [good(0), {**good(1), "context": {"groupId": "GLOBEX-1"}}],
    }, key=new_key())
    assert response.status_code == 200
    assert [r["account_id"] for r in sorted(lake_rows(), key=lambda r: r["message_id"])] == ["ACME-1", "GLOBEX-1"]


def test_an_empty_batch_is_accepted_and_stores_nothing(db, client):
    assert post(client, "batch", {"batch": []}, key=new_key()).status_code == 200
    assert lake_rows() == []
