"""When events cannot be made durable, the call is answered 503 with Retry-After (the SDKs retry)."""

from __future__ import annotations

from csops.usage import writer
from csops.usage.wal import Segment
from tests.usage.ingest_support import message_ids, new_key, post

TRACK = {"userId": "U-1", "event": "login"}


def test_a_failed_sync_answers_503_and_the_next_call_succeeds(db, client, monkeypatch):
    key = new_key()
    real_sync = Segment.sync

    def broken_disk(self):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(Segment, "sync", broken_disk)
    response = post(client, "track", {**TRACK, "messageId": "m-lost"}, key=key)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert response.json()["error"] == "events could not be stored"

    monkeypatch.setattr(Segment, "sync", real_sync)
    assert post(client, "track", {**TRACK, "messageId": "m-kept"}, key=key).status_code == 200
    assert "m-kept" in message_ids()


def test_calls_are_refused_while_the_lake_is_not_keeping_up(db, client, monkeypatch):
    monkeypatch.setattr(writer, "MAX_WAITING_SEGMENTS", 0)
    response = post(client, "track", TRACK, key=new_key())
    assert response.status_code == 503
    assert "not keeping up" in response.json()["detail"][0]["message"]
    assert message_ids() == []
