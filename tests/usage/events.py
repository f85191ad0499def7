"""Small event tables built by code, for lake tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pyarrow as pa

from csops.usage.lake import EVENT_SCHEMA

UTC = dt.UTC


def event(message_id: str, timestamp: dt.datetime, **fields: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "message_id": message_id, "type": "track", "event": "document_sent", "user_id": "USR-1",
        "anonymous_id": None, "account_id": "ACC-1", "timestamp": timestamp,
        "received_at": timestamp + dt.timedelta(seconds=1), "properties": '{"document_type":"invoice"}',
        "context": "{}",
    }
    row.update(fields)
    return row


def events_table(*rows: dict[str, Any]) -> pa.Table:
    return pa.Table.from_pylist(list(rows), schema=EVENT_SCHEMA)
