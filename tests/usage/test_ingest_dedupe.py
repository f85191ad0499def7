"""A retried message (same messageId) is in the lake once, whether the retry comes soon or much later."""

from __future__ import annotations

from csops.usage.collector import lake_ingestor
from tests.usage.ingest_support import lake_rows, message_ids, new_key, post

MESSAGE = {"userId": "U-1", "event": "login", "messageId": "m-retried", "timestamp": "2026-02-01T10:00:00Z"}


def test_a_retry_in_the_same_segment_is_stored_once(db, client):
    key = new_key()
    assert post(client, "track", MESSAGE, key=key).status_code == 200
    assert post(client, "track", MESSAGE, key=key).status_code == 200
    assert message_ids() == ["m-retried"]


def test_a_retry_after_the_first_copy_reached_parquet_is_dropped(db, client):
    key = new_key()
    post(client, "track", MESSAGE, key=key)
    lake_ingestor().flush()
    post(client, "batch", {"batch": [{"type": "track", **MESSAGE},
                                     {"type": "track", **MESSAGE, "messageId": "m-new"}]}, key=key)
    lake_ingestor().flush()
    assert sorted(message_ids()) == ["m-new", "m-retried"]


def test_a_retry_after_a_restart_is_dropped(db, client):
    key = new_key()
    post(client, "track", MESSAGE, key=key)
    lake_rows()  # stops the ingestor: a new one (as in a new process) takes the retry
    post(client, "track", MESSAGE, key=key)
    assert message_ids() == ["m-retried"]


def test_a_repeated_message_id_within_a_batch_is_stored_once(db, client):
    response = post(client, "batch", {"batch": [{"type": "track", **MESSAGE}, {"type": "track", **MESSAGE}]},
                    key=new_key())
    assert response.status_code == 200
    assert message_ids() == ["m-retried"]
