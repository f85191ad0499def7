"""Events acknowledged but not yet in Parquet when the process died are replayed from the WAL, once."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from django.core.management import call_command

from csops.usage.wal import segment_paths
from csops.usage.writer import Ingestor
from tests.usage.ingest_support import lake_rows, message_ids, new_key, post

CRASHING_WRITER = textwrap.dedent("""
    import os, signal, sys
    from csops.usage.writer import Ingestor

    ingestor = Ingestor(sys.argv[1], flush_seconds=3600)
    for call in range(int(sys.argv[2])):
        rows = [(f"m-{call}-{i}", "track", "login", "U-1", None, "A-1", 1767225600000000 + i, 1767225600000000,
                 "{}", "{}") for i in range(10)]
        ingestor.append(rows)  # durable when it returns: the process may die right after
    os.kill(os.getpid(), signal.SIGKILL)
""")


def crash_after_writing(lake_dir, calls: int) -> None:
    result = subprocess.run([sys.executable, "-c", CRASHING_WRITER, str(lake_dir), str(calls)])
    assert result.returncode == -9


def test_recover_writes_every_acknowledged_event_exactly_once(settings, capsys):
    crash_after_writing(settings.CSOPS_LAKE_DIR, calls=5)
    assert len(segment_paths(settings.CSOPS_LAKE_DIR)) == 1
    assert lake_rows() == []

    call_command("lake", "recover")
    assert "1 segments, 50 events written, 0 duplicates dropped" in capsys.readouterr().out
    ids = message_ids()
    assert len(ids) == len(set(ids)) == 50
    assert segment_paths(settings.CSOPS_LAKE_DIR) == []

    call_command("lake", "recover")
    assert "0 segments" in capsys.readouterr().out
    assert len(message_ids()) == 50


def test_a_new_collector_replays_the_dead_ones_segments_on_its_first_call(db, client, settings):
    crash_after_writing(settings.CSOPS_LAKE_DIR, calls=2)
    assert post(client, "track", {"userId": "U-2", "event": "x", "messageId": "after"}, key=new_key()).status_code \
        == 200
    ids = message_ids()
    assert len(ids) == 21
    assert "after" in ids
    assert segment_paths(settings.CSOPS_LAKE_DIR) == []


def test_replay_of_a_retried_message_keeps_one_copy(settings):
    crash_after_writing(settings.CSOPS_LAKE_DIR, calls=1)
    # The client never saw the answer and sent m-0-0 again to the restarted collector, which flushed first.
    ingestor = Ingestor(settings.CSOPS_LAKE_DIR, recover_every=3600)
    ingestor.flush_rows("restarted.wal", [("m-0-0", "track", "login", "U-1", None, "A-1", 1767225600000000,
                                            1767225700000000, "{}", "{}")])
    stats = ingestor.recover()
    ingestor.stop()
    assert (stats.events, stats.duplicates) == (9, 1)
    assert sorted(message_ids()) == sorted(f"m-0-{i}" for i in range(10))
