"""docs/usage-queries.md and docs/spark.md describe interfaces: they must match the code."""

from __future__ import annotations

import argparse
import inspect
import re
from pathlib import Path

from csops.usage import loaders, query
from csops.usage.management.commands.events import Command as EventsCommand

DOCS = Path(__file__).resolve().parents[2] / "docs"
USAGE = DOCS / "usage-queries.md"


def test_every_named_query_is_documented_with_its_signature():
    text = USAGE.read_text(encoding="utf-8")
    for name in ("daily_event_counts", "active_users", "top_events", "top_features", "last_seen", "explore",
                 "account_usage"):
        params = [p for p in inspect.signature(getattr(query, name)).parameters if p not in ("features",)]
        documented = re.search(rf"`{name}\(([^`]*)\)`", text)
        assert documented, name
        for param in params:
            assert param in documented.group(1), f"{name}: {param}"


def test_the_alias_table_is_the_loaders_alias_table():
    text = USAGE.read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `(\w+)` \| (.+) \|$", text, flags=re.MULTILINE))
    for field_name, aliases in loaders.ALIASES.items():
        assert field_name in rows, field_name
        assert re.findall(r"`(\w+)`", rows[field_name].split("(")[0]) == list(aliases), field_name


def test_every_option_of_events_load_is_documented():
    text = USAGE.read_text(encoding="utf-8")
    parser = EventsCommand().create_parser("csops", "events")
    (subparsers,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    for action in subparsers.choices["load"]._actions:
        for option in action.option_strings:
            if option.startswith("--") and option != "--help":
                assert option in text, option


def test_the_settings_and_commands_are_named_in_the_docs():
    usage = USAGE.read_text(encoding="utf-8")
    spark = (DOCS / "spark.md").read_text(encoding="utf-8")
    for setting in ("CSOPS_ENGINE", "CSOPS_SPARK_MASTER"):
        assert f"`{setting}`" in usage and setting in spark
    assert query.DEFAULT_SPARK_MASTER in usage and query.DEFAULT_ENGINE in usage
    for command in ("csops events load", "csops features export", "csops features import"):
        assert command in usage
