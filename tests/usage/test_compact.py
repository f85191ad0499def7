"""`csops lake compact` merges a day's files into one without duplicate message ids, idempotently."""

from __future__ import annotations

import datetime as dt

import pyarrow.parquet as pq
import pytest
from django.core.management import CommandError, call_command

from csops.usage import compact as compact_module
from csops.usage.compact import compact, compact_day
from csops.usage.lake import EVENT_SCHEMA, events_dataset, events_dir, write_events
from tests.usage.events import event, events_table

UTC = dt.UTC
DAY = dt.date(2026, 1, 5)
T0 = dt.datetime(2026, 1, 5, 9, tzinfo=UTC)


def files(lake_dir, day=DAY):
    return sorted((events_dir(lake_dir) / f"date={day.isoformat()}").glob("*.parquet"))


def ids(lake_dir):
    return sorted(events_dataset(lake_dir).to_table(columns=["message_id"]).column("message_id").to_pylist())


@pytest.fixture
def lake(settings):
    lake_dir = settings.CSOPS_LAKE_DIR
    write_events(events_table(event("a", T0), event("b", T0 + dt.timedelta(minutes=1))), lake_dir=lake_dir)
    write_events(events_table(event("c", T0 + dt.timedelta(minutes=2)), event("a", T0)), lake_dir=lake_dir)
    write_events(events_table(event("d", T0 + dt.timedelta(days=1))), lake_dir=lake_dir)
    return lake_dir


def test_it_merges_a_days_files_into_one_and_removes_duplicates(lake):
    assert len(files(lake)) == 2
    [result] = compact(lake, day=DAY)
    assert (result.files_before, result.files_after, result.rows_before, result.rows_after) == (2, 1, 4, 3)
    assert len(files(lake)) == 1
    assert ids(lake) == ["a", "b", "c", "d"]


def test_the_merged_file_has_the_lake_schema_and_is_ordered_by_time(lake):
    compact(lake, day=DAY)
    [merged] = files(lake)
    table = pq.read_table(merged)
    assert table.schema.equals(EVENT_SCHEMA)
    assert table.column("message_id").to_pylist() == ["a", "b", "c"]
    original = event("b", T0 + dt.timedelta(minutes=1))
    assert table.to_pylist()[1] == original


def test_compacting_twice_changes_nothing(lake):
    compact(lake, day=DAY)
    [merged] = files(lake)
    [again] = compact(lake, day=DAY)
    assert (again.files_before, again.files_after, again.duplicates) == (1, 1, 0)
    assert files(lake) == [merged]


def test_without_a_date_it_compacts_every_day(lake):
    write_events(events_table(event("e", T0 + dt.timedelta(days=1, hours=1))), lake_dir=lake)
    results = compact(lake)
    assert [(r.day, r.files_before) for r in results] == [(DAY, 2), (DAY + dt.timedelta(days=1), 2)]
    assert len(files(lake)) == len(files(lake, DAY + dt.timedelta(days=1))) == 1
    assert ids(lake) == ["a", "b", "c", "d", "e"]


def test_files_written_while_it_runs_are_left_alone(lake, monkeypatch):
    real = compact_module._deduplicated

    def ingestion_goes_on(paths):
        write_events(events_table(event("late", T0 + dt.timedelta(hours=1))), lake_dir=lake)
        yield from real(paths)

    monkeypatch.setattr(compact_module, "_deduplicated", ingestion_goes_on)
    compact_day(lake, DAY)
    assert len(files(lake)) == 2  # the merged file and the late one
    assert ids(lake) == ["a", "b", "c", "d", "late"]


def test_a_failed_compaction_leaves_the_old_files(lake, monkeypatch):
    def broken(paths):
        raise OSError("disk full")
        yield

    monkeypatch.setattr(compact_module, "_deduplicated", broken)
    with pytest.raises(OSError):
        compact_day(lake, DAY)
    assert len(files(lake)) == 2
    assert not [p for p in files(lake)[0].parent.iterdir() if p.name.startswith(".")]


def test_the_command_prints_a_summary(lake, capsys):
    call_command("lake", "compact", "--date", "2026-01-05")
    out = capsys.readouterr().out
    assert "2026-01-05: 2 files -> 1, 3 events, 1 duplicates removed" in out
    assert "compacted 1 of 1 days" in out


def test_only_one_compaction_runs_at_a_time(lake):
    with compact_module._exclusive(lake), pytest.raises(CommandError, match="another compaction"):
        call_command("lake", "compact")
