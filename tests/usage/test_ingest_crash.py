"""Crash test: `csops serve` is SIGKILLed (twice) while a client sends 100k events with retries.

After each restart, the new server replays the dead one's write-ahead log; at the end every event
that was acknowledged is in the lake exactly once (and no event twice, acknowledged or not).
"""

from __future__ import annotations

import base64
import collections
import http.client
import json
import threading
import time

import pytest

from csops.usage.lake import events_dataset
from csops.usage.wal import segment_paths
from tests.usage.ingest_support import LiveServer

pytestmark = pytest.mark.sqlite_only

EVENTS = 100_000
BATCH = 500
CLIENTS = 3
KILL_AT = (30_000, 65_000)  # acknowledged events at which the server is killed


def batch_body(number: int) -> bytes:
    messages = [
        {"type": "track", "messageId": f"b{number}-{i}", "userId": f"U-{i % 50}", "event": "document_sent",
         "timestamp": "2026-03-02T10:00:00Z", "properties": {"pages": i % 7, "batch": number},
         "context": {"groupId": f"ACC-{i % 10}"}}
        for i in range(BATCH)
    ]
    return json.dumps({"batch": messages}).encode()


class RetryingSender:
    """A small SDK: sends each batch until it is acknowledged, reconnecting after errors."""

    def __init__(self, server: LiveServer) -> None:
        self.server = server
        self.auth = "Basic " + base64.b64encode(f"{server.key}:".encode()).decode()
        self.acknowledged: list[int] = []
        self.attempts = collections.Counter()
        self.lock = threading.Lock()
        self.todo = list(range(EVENTS // BATCH))

    def acked_events(self) -> int:
        return len(self.acknowledged) * BATCH

    def run(self) -> None:
        connection = None
        while True:
            with self.lock:
                if not self.todo:
                    break
                number = self.todo.pop(0)
            body = batch_body(number)
            while True:
                self.attempts[number] += 1
                try:
                    if connection is None:
                        connection = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=10)
                    connection.request("POST", "/v1/batch", body=body,
                                       headers={"Content-Type": "application/json", "Authorization": self.auth})
                    response = connection.getresponse()
                    response.read()
                    if response.status == 200:
                        with self.lock:
                            self.acknowledged.append(number)
                        break
                    assert response.status >= 500, response.status  # only a server error may be retried
                except (OSError, http.client.HTTPException):
                    if connection is not None:
                        connection.close()
                    connection = None
                    time.sleep(0.05)


def test_every_acknowledged_event_survives_sigkill_exactly_once(tmp_path):
    with LiveServer(tmp_path, env={"CSOPS_INGEST_FLUSH_SECONDS": "1"}) as server:
        server.setup()
        server.start()
        sender = RetryingSender(server)
        clients = [threading.Thread(target=sender.run) for _ in range(CLIENTS)]
        started = time.monotonic()
        for client in clients:
            client.start()
        unflushed_at_kill = []
        for threshold in KILL_AT:
            while sender.acked_events() < threshold:
                time.sleep(0.01)
            server.kill()
            unflushed_at_kill.append(len(segment_paths(server.lake_dir)))
            server.start()
        for client in clients:
            client.join(timeout=120)
        assert server.stop() == 0  # SIGTERM: the server flushes what it holds and exits
        elapsed = time.monotonic() - started

    assert sorted(sender.acknowledged) == list(range(EVENTS // BATCH))
    assert all(unflushed_at_kill), "the kills should have left acknowledged events only in the WAL"
    assert segment_paths(server.lake_dir) == []
    ids = events_dataset(server.lake_dir).to_table(columns=["message_id"]).column("message_id").to_pylist()
    counts = collections.Counter(ids)
    assert len(ids) == EVENTS, f"{len(ids) - len(counts)} duplicates, {EVENTS - len(counts)} missing"
    assert len(counts) == EVENTS
    retried = sum(1 for n in sender.attempts.values() if n > 1)
    print(f"crash test: {EVENTS} events in {elapsed:.1f}s, 2 kills, {retried} batches retried, "
          f"WAL segments left at the kills: {unflushed_at_kill}")
