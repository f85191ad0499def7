"""Documentation that describes an interface is checked against the code."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_csops_setting_read_by_the_code_is_documented():
    used: set[str] = set()
    for path in (ROOT / "csops").rglob("*.py"):
        used |= set(re.findall(r'"(CSOPS_[A-Z_]+)"', path.read_text(encoding="utf-8")))
    documented = set(re.findall(r"`(CSOPS_[A-Z_]+)`", (ROOT / "docs" / "configuration.md").read_text()))
    assert used - documented == set(), "document these in docs/configuration.md"


def test_the_readme_opens_with_the_two_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    head = readme[:3000]
    assert "make run" in head and "make test" in head


def test_every_csops_command_is_documented():
    documented = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    for path in (ROOT / "csops").glob("*/management/commands/*.py"):
        if path.stem.startswith("_"):
            continue
        assert f"`csops {path.stem}" in documented, f"document `csops {path.stem}` in docs/configuration.md"
