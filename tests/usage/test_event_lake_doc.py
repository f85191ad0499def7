"""docs/event-lake.md is the contract for everyone who writes or reads the lake: it must match the code."""

from __future__ import annotations

import re
from pathlib import Path

from csops.usage import lake

DOC = Path(__file__).resolve().parents[2] / "docs" / "event-lake.md"


def test_the_doc_lists_every_column_in_order_with_its_type_and_nullability():
    text = DOC.read_text()
    documented = re.findall(r"^\| `(\w+)` \| ([^|]+) \| (no|yes) \|", text, flags=re.MULTILINE)
    assert [name for name, _, _ in documented] == lake.EVENT_SCHEMA.names
    for name, kind, nullable in documented:
        field = lake.EVENT_SCHEMA.field(name)
        assert kind.strip().startswith(str(field.type)), name
        assert (nullable == "yes") == field.nullable, name


def test_the_doc_names_every_event_type_and_public_function():
    text = DOC.read_text()
    for event_type in lake.EVENT_TYPES:
        assert f"`{event_type}`" in text
    for name in ("write_events", "conform", "events_dir", "events_glob", "events_dataset", "has_events"):
        assert f"`{name}(" in text, name
