"""A flush interrupted between claiming ids, writing Parquet and deleting the segment loses and doubles nothing."""

from __future__ import annotations

import pytest

from csops.usage import writer
from csops.usage.dedupe import SeenIndex
from csops.usage.lake import write_events
from csops.usage.wal import MAGIC, encode_record, segment_paths, wal_dir
from csops.usage.writer import Ingestor, rows_to_table
from tests.usage.ingest_support import message_ids

SEGMENT = "00000000000000000001-4242-dead.wal"
ROWS = [(f"m-{i}", "track", "login", "U-1", None, None, 1767225600000000 + i, 1767225600000000, "{}", "{}")
        for i in range(5)]


def leave_segment(lake_dir) -> None:
    folder = wal_dir(lake_dir)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / SEGMENT).write_bytes(MAGIC + encode_record(ROWS))


def recover(lake_dir):
    ingestor = Ingestor(lake_dir)
    try:
        return ingestor.recover()
    finally:
        ingestor.stop()


def test_a_crash_after_the_claim_but_before_parquet_loses_nothing(settings):
    leave_segment(settings.CSOPS_LAKE_DIR)
    index = SeenIndex(settings.CSOPS_LAKE_DIR)
    index.claim([r[0] for r in ROWS], SEGMENT)
    index.close()
    stats = recover(settings.CSOPS_LAKE_DIR)
    assert stats.events == 5
    assert sorted(message_ids()) == [r[0] for r in ROWS]


def test_a_crash_after_parquet_but_before_deleting_the_segment_doubles_nothing(settings):
    leave_segment(settings.CSOPS_LAKE_DIR)
    index = SeenIndex(settings.CSOPS_LAKE_DIR)
    index.claim([r[0] for r in ROWS[:3]], SEGMENT)
    index.close()
    write_events(rows_to_table(ROWS[:3]), lake_dir=settings.CSOPS_LAKE_DIR)
    stats = recover(settings.CSOPS_LAKE_DIR)
    assert (stats.events, stats.duplicates) == (2, 3)
    assert sorted(message_ids()) == [r[0] for r in ROWS]


def test_a_failed_parquet_write_keeps_the_segment_and_succeeds_later(settings, monkeypatch):
    ingestor = Ingestor(settings.CSOPS_LAKE_DIR, flush_seconds=3600)
    ingestor.append(ROWS)
    real = writer.write_events
    monkeypatch.setattr(writer, "write_events", lambda *a, **k: (_ for _ in ()).throw(OSError("disk full")))
    with pytest.raises(OSError):
        ingestor.flush()
    assert len(segment_paths(settings.CSOPS_LAKE_DIR)) == 1
    monkeypatch.setattr(writer, "write_events", real)
    ingestor.flush()
    assert ingestor.flushed.events == 5
    assert segment_paths(settings.CSOPS_LAKE_DIR) == []
    ingestor.stop()
    assert sorted(message_ids()) == [r[0] for r in ROWS]
