"""Concurrent calls share fdatasyncs (group commit): far fewer syncs than calls, and every call durable."""

from __future__ import annotations

import threading
import time

from csops.usage.wal import Segment
from csops.usage.writer import Ingestor
from tests.usage.ingest_support import message_ids

CALLS = 40


def test_concurrent_calls_share_one_sync(settings, monkeypatch):
    real_sync = Segment.sync

    def slow_sync(self):  # a disk where a sync takes 20 ms, as on a busy server
        time.sleep(0.02)
        real_sync(self)

    monkeypatch.setattr(Segment, "sync", slow_sync)
    ingestor = Ingestor(settings.CSOPS_LAKE_DIR, flush_seconds=3600)
    start = threading.Barrier(CALLS)
    acknowledged: list[str] = []

    def call(i: int) -> None:
        start.wait()
        ingestor.append([(f"m-{i}", "track", "x", "U-1", None, None, 1767225600000000, 1767225600000000,
                          "{}", "{}")])
        acknowledged.append(f"m-{i}")  # only once durable

    threads = [threading.Thread(target=call, args=(i,)) for i in range(CALLS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert ingestor.records == CALLS
    assert ingestor.syncs < CALLS / 4, f"{ingestor.syncs} syncs for {CALLS} calls"
    ingestor.stop()
    assert sorted(message_ids()) == sorted(acknowledged)
    assert len(acknowledged) == CALLS


def test_a_call_is_not_acknowledged_before_its_sync(settings, monkeypatch):
    synced = threading.Event()
    real_sync = Segment.sync

    def watched_sync(self):
        time.sleep(0.05)
        real_sync(self)
        synced.set()

    monkeypatch.setattr(Segment, "sync", watched_sync)
    ingestor = Ingestor(settings.CSOPS_LAKE_DIR)
    ingestor.append([("m-1", "track", "x", "U-1", None, None, 1, 1, "{}", "{}")])
    assert synced.is_set()
    ingestor.stop()
