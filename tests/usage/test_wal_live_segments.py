"""A live collector's segments are locked: another process's recovery never replays them."""

from __future__ import annotations

import os

from csops.usage.wal import segment_paths, wal_dir
from csops.usage.writer import Ingestor
from tests.usage.ingest_support import message_ids


def row(message_id: str) -> tuple:
    return (message_id, "track", "login", "U-1", None, None, 1767225600000000, 1767225600000000, "{}", "{}")


def test_recovery_skips_the_segments_of_a_live_collector(settings):
    live = Ingestor(settings.CSOPS_LAKE_DIR, flush_seconds=3600)
    live.append([row("a")])
    [segment] = segment_paths(settings.CSOPS_LAKE_DIR)

    other = Ingestor(settings.CSOPS_LAKE_DIR)  # as `csops lake recover` in another process
    assert other.recover().segments == 0
    other.stop()
    assert segment.exists()

    live.stop()
    assert not segment.exists()
    assert message_ids() == ["a"]


def test_a_segment_whose_creation_was_interrupted_is_removed(settings):
    folder = wal_dir(settings.CSOPS_LAKE_DIR)
    folder.mkdir(parents=True)
    leftover = folder / ".00000000000000000001-1-dead.wal.tmp"
    leftover.write_bytes(b"")
    ingestor = Ingestor(settings.CSOPS_LAKE_DIR)
    ingestor.recover()
    ingestor.stop()
    assert not leftover.exists()
    assert os.listdir(folder) == []
