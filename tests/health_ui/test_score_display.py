"""A shown score never crosses a grade cut-off that the score itself did not cross."""

from __future__ import annotations

from csops.health.panel import shown_score, trend


def test_a_score_just_under_a_cut_off_is_not_shown_on_it():
    assert shown_score(39.96) == "39.9"
    assert shown_score(70.0) == "70.0"
    assert shown_score(69.999) == "69.9"
    assert shown_score(None) == ""


def test_a_trend_is_an_arrow_and_a_signed_number():
    assert (trend(4.84).arrow, trend(4.84).text) == ("▲", "+4.8")
    assert (trend(-13.06).arrow, trend(-13.06).text) == ("▼", "−13.1")
    assert trend(0.01).arrow == "→"
    assert trend(None) is None
