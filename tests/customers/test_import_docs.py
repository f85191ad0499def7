"""docs/imports.md describes the interface as it is: every column and alias, the command and the route."""

from __future__ import annotations

from pathlib import Path

import pytest

from csops.customers.importers import KINDS, columns

DOC = Path(__file__).resolve().parents[2] / "docs" / "imports.md"


@pytest.fixture(scope="module")
def doc() -> str:
    return DOC.read_text(encoding="utf-8")


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_the_docs_list_every_column_and_alias_of_each_kind(doc, kind):
    section = doc.split(f"### {kind}\n", 1)[1].split("\n### ", 1)[0].split("\nNotes per kind", 1)[0]

    for name, aliases in columns.ALIASES[kind].items():
        row = next((line for line in section.splitlines() if line.startswith(f"| `{name}` |")), None)
        assert row is not None, f"{kind}.{name} is not in docs/imports.md"
        missing = [alias for alias in aliases if f"`{alias}`" not in row]
        assert not missing, f"{kind}.{name}: aliases missing from docs/imports.md: {missing}"
        assert ("| yes |" in row) == (name in columns.REQUIRED[kind]), f"{kind}.{name}: required flag"


def test_the_docs_show_the_command_and_the_api_route(doc):
    assert "csops import KIND FILE [--dry-run] [--actor EMAIL]" in doc
    assert "POST /api/imports/{kind}" in doc
    assert '"error": "import rejected"' in doc
