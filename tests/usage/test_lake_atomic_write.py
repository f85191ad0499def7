from __future__ import annotations

import datetime as dt
import os

import pytest

from csops.usage import lake
from tests.usage.events import UTC, event, events_table


def _all_files(root):
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def test_a_write_leaves_no_temporary_files(tmp_path):
    rows = [event(f"m{k}", dt.datetime(2026, 1, 1 + k, tzinfo=UTC)) for k in range(3)]
    paths = lake.write_events(events_table(*rows), lake_dir=tmp_path)
    assert _all_files(tmp_path) == sorted(p.relative_to(tmp_path).as_posix() for p in paths)
    assert not any(name.endswith(".tmp") or "/." in name for name in _all_files(tmp_path))


def test_a_file_is_synced_to_disk_before_it_is_renamed_into_place(tmp_path, monkeypatch):
    calls = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(lake.os, "fsync", lambda fd: (calls.append("fsync"), real_fsync(fd))[1])
    monkeypatch.setattr(lake.os, "replace", lambda a, b: (calls.append("replace"), real_replace(a, b))[1])
    lake.write_events(events_table(event("a", dt.datetime(2026, 1, 1, tzinfo=UTC))), lake_dir=tmp_path)
    # new folders synced, then the file, the rename, and the folder holding it
    assert calls[-3:] == ["fsync", "replace", "fsync"]


def test_a_failed_write_leaves_neither_the_file_nor_its_temporary(tmp_path, monkeypatch):
    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(lake.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        lake.write_events(events_table(event("a", dt.datetime(2026, 1, 1, tzinfo=UTC))), lake_dir=tmp_path)
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []
    assert lake.events_dataset(tmp_path).count_rows() == 0


def test_readers_never_see_a_temporary_file(tmp_path):
    lake.write_events(events_table(event("a", dt.datetime(2026, 1, 1, tzinfo=UTC))), lake_dir=tmp_path)
    partition = tmp_path / "events" / "date=2026-01-01"
    (partition / ".0123abcd.parquet.tmp").write_bytes(b"half a file")
    assert lake.events_dataset(tmp_path).count_rows() == 1
    assert lake.has_events(tmp_path)
