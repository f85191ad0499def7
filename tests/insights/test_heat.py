from __future__ import annotations

from csops.insights.templatetags.insights_tags import heat


def test_cohort_cells_darken_with_retention_and_always_use_a_dot():
    assert heat(None) == "0"
    assert heat(0.3) == heat(0.5) == "0.05"
    assert heat(0.75) == "0.28"
    assert heat(1.2) == heat(1.0) == "0.50"
