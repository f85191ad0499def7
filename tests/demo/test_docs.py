"""docs/demo.md describes the demo's interface and its behaviour models: it must match the code."""

from __future__ import annotations

from pathlib import Path

import pytest

from csops.demo.generate import (
    ADDON_COEF,
    CHURN_COEF,
    CONTRACTION_COEF,
    DEFAULT_ACCOUNTS,
    DEFAULT_MONTHS,
    DEFAULT_SEED,
    DEFAULT_TODAY,
    EXPANSION_COEF,
    NOISE_SD,
)
from csops.demo.load import DEMO_LOGINS

DOCS = Path(__file__).resolve().parents[2] / "docs"


def _coefficient_table() -> dict[str, dict[str, float]]:
    text = (DOCS / "demo.md").read_text()
    header = "| feature | churn | expansion | contraction | add-on |"
    lines = text[text.index(header):].splitlines()[2:]
    models: dict[str, dict[str, float]] = {"churn": {}, "expansion": {}, "contraction": {}, "add-on": {}}
    for line in lines:
        if not line.startswith("| `"):
            break
        cells = [c.strip() for c in line.strip("|").split("|")]
        name = cells[0].strip("`")
        for model, cell in zip(models, cells[1:], strict=True):
            if cell:
                models[model][name] = float(cell)
    return models


@pytest.mark.parametrize(
    ("model", "coef"),
    [("churn", CHURN_COEF), ("expansion", EXPANSION_COEF), ("contraction", CONTRACTION_COEF), ("add-on", ADDON_COEF)],
)
def test_the_documented_coefficients_are_the_ones_in_the_code(model, coef):
    assert _coefficient_table()[model] == coef


def test_the_documented_defaults_noise_and_logins_are_the_ones_in_the_code():
    text = (DOCS / "demo.md").read_text()
    assert f"| `--seed` | `{DEFAULT_SEED}` |" in text
    assert f"| `--accounts` | `{DEFAULT_ACCOUNTS}` |" in text
    assert f"| `--months` | `{DEFAULT_MONTHS}` |" in text
    assert f"| `--today` | `{DEFAULT_TODAY.isoformat()}` |" in text
    assert f"noise (sd {NOISE_SD})" in text
    for email, _, _ in DEMO_LOGINS:
        assert f"`{email}`" in text

