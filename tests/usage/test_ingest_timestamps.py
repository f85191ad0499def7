"""Timestamps are ISO 8601 in any zone, stored in UTC; without one, the event happened when received."""

from __future__ import annotations

import datetime as dt

import pytest

from csops.usage.ingest import parse_timestamp
from tests.usage.ingest_support import lake_rows, new_key, post

UTC = dt.UTC


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-03-01T09:00:00+09:00", dt.datetime(2026, 3, 1, 0, 0, tzinfo=UTC)),
    ("2026-03-01T00:00:00.123Z", dt.datetime(2026, 3, 1, 0, 0, 0, 123000, tzinfo=UTC)),
    ("2026-03-01T00:00:00.123456789Z", dt.datetime(2026, 3, 1, 0, 0, 0, 123456, tzinfo=UTC)),
    ("2026-03-01 00:00:00", dt.datetime(2026, 3, 1, tzinfo=UTC)),
    ("2026-03-01", dt.datetime(2026, 3, 1, tzinfo=UTC)),
    ("20260301T000000Z", dt.datetime(2026, 3, 1, tzinfo=UTC)),
    ("March 1st", None),
    ("", None),
    (None, None),
    (1767225600000, None),
])
def test_it_reads_iso_8601_and_nothing_else(text, expected):
    assert parse_timestamp(text) == expected


def test_a_call_without_a_timestamp_happened_when_it_was_received(db, client):
    before = dt.datetime.now(UTC)
    post(client, "track", {"userId": "U-1", "event": "x"}, key=new_key())
    [row] = lake_rows()
    assert row["timestamp"] == row["received_at"]
    assert before - dt.timedelta(seconds=1) <= row["timestamp"] <= dt.datetime.now(UTC)


def test_original_timestamp_is_used_when_timestamp_is_missing(db, client):
    post(client, "track", {"userId": "U-1", "event": "x", "originalTimestamp": "2026-01-02T03:04:05Z"},
         key=new_key())
    [row] = lake_rows()
    assert row["timestamp"] == dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_the_utc_date_decides_the_partition(db, client):
    post(client, "track", {"userId": "U-1", "event": "x", "timestamp": "2026-02-02T08:00:00+09:00"}, key=new_key())
    [row] = lake_rows()
    assert row["date"] == dt.date(2026, 2, 1)
