"""docs/event-lake.md, "Ingestion and durability", describes every route, setting and command of ingestion."""

from __future__ import annotations

import re
from pathlib import Path

from csops.usage.collector import CALLS

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "event-lake.md").read_text(encoding="utf-8")
SECTION = DOC[DOC.index("## Ingestion and durability"):]


def test_every_tracking_route_is_documented():
    for call in CALLS:
        assert f"/v1/{call}`" in SECTION, call


def test_every_ingestion_setting_is_documented():
    used = set()
    for name in ("collector.py", "writer.py", "ingest.py"):
        used |= set(re.findall(r'"(CSOPS_INGEST_[A-Z_]+)"', (ROOT / "csops" / "usage" / name).read_text()))
    assert used
    for setting in used:
        assert f"`{setting}` (default" in SECTION, setting


def test_the_lake_and_sources_commands_are_documented():
    for command in ("csops lake compact", "csops lake recover", "csops sources create", "csops sources revoke"):
        assert command in SECTION, command
