"""The dedupe index remembers claimed message ids for CSOPS_INGEST_DEDUPE_DAYS days of reception."""

from __future__ import annotations

import datetime as dt

from csops.usage.dedupe import SeenIndex

MONDAY = dt.date(2026, 3, 2)


def test_a_claim_says_which_ids_are_new_mine_or_another_segments(settings):
    index = SeenIndex(settings.CSOPS_LAKE_DIR)
    first = index.claim(["a", "b"], "seg-1", today=MONDAY)
    assert (first.new, first.mine, first.duplicates) == ({"a", "b"}, set(), set())
    again = index.claim(["a", "c"], "seg-1", today=MONDAY)
    assert (again.new, again.mine, again.duplicates) == ({"c"}, {"a"}, set())
    other = index.claim(["b", "c", "d"], "seg-2", today=MONDAY)
    assert (other.new, other.mine, other.duplicates) == ({"d"}, set(), {"b", "c"})
    index.close()


def test_ids_of_yesterday_are_still_duplicates_with_the_default_window(settings):
    index = SeenIndex(settings.CSOPS_LAKE_DIR)
    index.claim(["a"], "seg-1", today=MONDAY)
    assert index.claim(["a"], "seg-2", today=MONDAY + dt.timedelta(days=1)).duplicates == {"a"}
    index.close()


def test_days_that_leave_the_window_are_forgotten(settings):
    index = SeenIndex(settings.CSOPS_LAKE_DIR, keep_days=2)
    index.claim(["a"], "seg-1", today=MONDAY)
    index.claim(["b"], "seg-2", today=MONDAY + dt.timedelta(days=1))
    assert index.prune(today=MONDAY + dt.timedelta(days=2)) == 1
    assert index.count() == 1
    later = index.claim(["a", "b"], "seg-3", today=MONDAY + dt.timedelta(days=2))
    assert (later.new, later.duplicates) == ({"a"}, {"b"})
    index.close()


def test_two_processes_share_the_index(settings):
    first, second = SeenIndex(settings.CSOPS_LAKE_DIR), SeenIndex(settings.CSOPS_LAKE_DIR)
    first.claim(["a"], "seg-1", today=MONDAY)
    assert second.claim(["a"], "seg-2", today=MONDAY).duplicates == {"a"}
    first.close()
    second.close()
