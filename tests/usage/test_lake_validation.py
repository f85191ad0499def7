from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

from csops.usage.lake import EVENT_SCHEMA, conform, write_events
from tests.usage.events import UTC, event, events_table


def test_missing_optional_columns_are_filled_with_nulls():
    table = pa.table({
        "message_id": ["a"], "type": ["identify"], "user_id": ["USR-1"],
        "timestamp": pa.array([dt.datetime(2026, 1, 1, tzinfo=UTC)], pa.timestamp("us", tz="UTC")),
        "received_at": pa.array([dt.datetime(2026, 1, 1, tzinfo=UTC)], pa.timestamp("us", tz="UTC")),
    })
    out = conform(table)
    assert out.schema == EVENT_SCHEMA
    assert out.column("event").to_pylist() == [None]


def test_timestamps_in_other_units_and_zones_are_stored_as_utc_microseconds(tmp_path):
    moment = dt.datetime(2026, 1, 2, 8, 0, 0, 123456, tzinfo=dt.timezone(dt.timedelta(hours=9)))
    table = events_table(event("a", moment)).set_column(
        6, "timestamp", pa.array([moment], pa.timestamp("ns", tz="Asia/Tokyo"))
    )
    (path,) = write_events(table, lake_dir=tmp_path)
    assert path.parent.name == "date=2026-01-01"
    assert conform(table).column("timestamp")[0].as_py() == moment


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: t.drop_columns(["message_id"]), "missing required event columns: message_id"),
        (lambda t: t.append_column("colour", pa.array(["red"])), "unknown event columns: colour"),
        (lambda t: t.set_column(1, "type", pa.array(["click"])), "unknown event type 'click'"),
        (lambda t: t.set_column(6, "timestamp", pa.array([dt.datetime(2026, 1, 1)], pa.timestamp("us"))),
         "timestamp must be timezone-aware"),
        (lambda t: t.set_column(0, "message_id", pa.array([None], pa.string())), "message_id has 1 empty values"),
    ],
)
def test_malformed_events_are_refused_with_the_reason(tmp_path, change, message):
    table = change(events_table(event("a", dt.datetime(2026, 1, 1, tzinfo=UTC))))
    with pytest.raises(ValueError, match=message):
        write_events(table, lake_dir=tmp_path)
    assert not (tmp_path / "events").exists()


def test_a_batch_that_repeats_a_message_id_is_refused(tmp_path):
    day = dt.datetime(2026, 1, 1, tzinfo=UTC)
    with pytest.raises(ValueError, match="message_id values repeat"):
        write_events(events_table(event("a", day), event("a", day)), lake_dir=tmp_path)
