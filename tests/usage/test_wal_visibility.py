"""Acknowledged events reach the Parquet lake on their own within CSOPS_INGEST_FLUSH_SECONDS."""

from __future__ import annotations

import time

from csops.usage.lake import events_dataset
from tests.usage.ingest_support import lake_rows, new_key, post


def test_events_appear_in_the_lake_without_an_explicit_flush(db, client, settings):
    settings.CSOPS_INGEST_FLUSH_SECONDS = 0.2
    post(client, "track", {"userId": "U-1", "event": "login", "messageId": "m-1"}, key=new_key())
    deadline = time.monotonic() + 10
    while events_dataset(settings.CSOPS_LAKE_DIR).count_rows() == 0:
        assert time.monotonic() < deadline, "the event did not reach the lake within 10 s"
        time.sleep(0.05)
    assert [r["message_id"] for r in lake_rows()] == ["m-1"]
