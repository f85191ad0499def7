"""The collector's durable writer: group commit into the write-ahead log, then Parquet.

Why a write-ahead log rather than a Parquet file per request (docs/event-lake.md, "Ingestion and
durability"): an fsync'ed append of a few kilobytes costs about a millisecond and any number of
concurrent requests can share it, while a Parquet file per request costs a file, a rename and
two fsyncs each, and leaves the lake with millions of tiny files.

Per process and lake there is one ``Ingestor`` with two threads:

- the **writer** takes every request waiting at that moment, appends their records to the current
  segment with one ``write``, makes them durable with one ``fdatasync`` (group commit), and only
  then wakes the requests, which answer 200. It closes the segment every ``flush_seconds`` (or at
  ``segment_bytes``) and hands it to the flusher;
- the **flusher** turns closed segments into Parquet with ``csops.usage.lake.write_events``
  (atomic, fsync'ed), after claiming their message ids in the dedupe index (``SeenIndex``) so that
  a retried message is written once, and only then deletes the segment. At start and every
  ``recover_every`` seconds it also replays the segments of dead processes (``recover``).

Plain Python, no Django: the collector passes the settings in.
"""

from __future__ import annotations

import atexit
import collections
import logging
import os
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from csops.usage.dedupe import SeenIndex, present_in_lake
from csops.usage.lake import EVENT_SCHEMA, write_events
from csops.usage.wal import Segment, claim_orphans, encode_record, wal_dir

log = logging.getLogger(__name__)

DEFAULT_FLUSH_SECONDS = 2.0
DEFAULT_SEGMENT_BYTES = 32 * 1024 * 1024
DEFAULT_DEDUPE_DAYS = 2
DEFAULT_RECOVER_EVERY = 60.0
_PRUNE_EVERY = 3600.0
# Closed segments waiting for Parquet before new calls are refused (503): about
# MAX_WAITING_SEGMENTS * flush_seconds of events held in memory when the lake cannot be written.
MAX_WAITING_SEGMENTS = 64
_RETRY_AFTER_FAILURE = 1.0


class Unavailable(Exception):
    """The events could not be made durable (disk full, shutting down): answer 503, the client retries."""


@dataclass
class FlushStats:
    segments: int = 0
    events: int = 0  # rows written to the lake
    duplicates: int = 0  # rows dropped because their message id was already there
    torn_bytes: int = 0  # unacknowledged tails of crashed writes, dropped

    def add(self, other: FlushStats) -> None:
        self.segments += other.segments
        self.events += other.events
        self.duplicates += other.duplicates
        self.torn_bytes += other.torn_bytes

    def summary(self) -> str:
        return (f"{self.segments} segments, {self.events} events written, {self.duplicates} duplicates dropped,"
                f" {self.torn_bytes} torn bytes dropped")


class _Pending:
    __slots__ = ("record", "rows", "done", "error")

    def __init__(self, record: bytes, rows: Sequence[Sequence[Any]]) -> None:
        self.record = record
        self.rows = rows
        self.done = threading.Event()
        self.error: BaseException | None = None


class Ingestor:
    """The writer and flusher of one lake in this process; ``append`` returns once the rows are durable."""

    def __init__(
        self, lake_dir: str | os.PathLike[str], *, flush_seconds: float = DEFAULT_FLUSH_SECONDS,
        segment_bytes: int = DEFAULT_SEGMENT_BYTES, dedupe_days: int = DEFAULT_DEDUPE_DAYS,
        recover_every: float = DEFAULT_RECOVER_EVERY,
    ) -> None:
        self.lake_dir = Path(lake_dir)
        self.flush_seconds = flush_seconds
        self.segment_bytes = segment_bytes
        self.dedupe_days = dedupe_days
        self.recover_every = recover_every
        # Counters, for tests and the benchmark: fdatasync calls, records (calls) and rows made durable.
        self.syncs = 0
        self.records = 0
        self.events = 0
        self.flushed = FlushStats()

        self._cond = threading.Condition()  # guards _pending, _rotations, _stopping
        self._pending: list[_Pending] = []
        self._rotations: list[threading.Event] = []
        self._stopping = False
        self._segment: Segment | None = None  # touched by the writer thread only

        self._closed_cond = threading.Condition()  # guards _closed, _flusher_stop
        self._closed: collections.deque[Segment] = collections.deque()
        self._flusher_stop = False
        self._flush_lock = threading.RLock()  # one flush or recovery at a time
        self._index: SeenIndex | None = None

        self._start_lock = threading.Lock()
        self._writer: threading.Thread | None = None
        self._flusher: threading.Thread | None = None

    # --- the request side --------------------------------------------------------------------

    def append(self, rows: Sequence[Sequence[Any]], *, timeout: float = 30.0) -> None:
        """Make ``rows`` (lake rows, see csops.usage.ingest.Row) durable; raise Unavailable if that fails."""
        if not rows:
            return
        self.start()
        pending = _Pending(encode_record(rows), rows)
        if len(self._closed) >= MAX_WAITING_SEGMENTS:
            raise Unavailable("the event lake is not keeping up; retry later")
        with self._cond:
            if self._stopping:
                raise Unavailable("the collector is shutting down")
            self._pending.append(pending)
            self._cond.notify()
        if not pending.done.wait(timeout):
            raise Unavailable("timed out waiting for the write-ahead log")
        if pending.error is not None:
            raise Unavailable(f"the write-ahead log failed: {pending.error}")

    def start(self) -> None:
        if self._writer is not None:
            return
        with self._start_lock:
            if self._writer is not None:
                return
            flusher = threading.Thread(target=self._flush_loop, name="csops-lake-flusher", daemon=True)
            writer = threading.Thread(target=self._write_loop, name="csops-wal-writer", daemon=True)
            flusher.start()
            writer.start()
            self._flusher, self._writer = flusher, writer

    def flush(self, *, timeout: float = 60.0) -> FlushStats:
        """Close the current segment and turn every closed segment into Parquet, now."""
        if self._writer is not None and self._writer.is_alive():
            done = threading.Event()
            with self._cond:
                self._rotations.append(done)
                self._cond.notify()
            done.wait(timeout)
        return self._drain(raise_errors=True)

    def stop(self) -> None:
        """Write what is pending, flush everything to Parquet and stop the threads."""
        with self._cond:
            self._stopping = True
            self._cond.notify()
        if self._writer is not None:
            self._writer.join()
        with self._closed_cond:
            self._flusher_stop = True
            self._closed_cond.notify()
        if self._flusher is not None:
            self._flusher.join()
        try:
            self._drain(raise_errors=False)
        finally:
            with self._flush_lock:
                # What could not be flushed stays in its segment, replayed at the next start.
                while self._closed:
                    self._closed.popleft().close()
                if self._index is not None:
                    self._index.close()
                    self._index = None

    # --- the writer thread -------------------------------------------------------------------

    def _write_loop(self) -> None:
        while True:
            with self._cond:
                while not (self._pending or self._rotations or self._stopping):
                    wait = self._until_rotation()
                    if wait is not None and wait <= 0:
                        break
                    self._cond.wait(wait)
                batch, self._pending = self._pending, []
                rotations, self._rotations = self._rotations, []
                stopping = self._stopping
            try:
                if batch:
                    self._commit(batch)
                if rotations or stopping or self._rotation_due():
                    self._rotate()
            except Exception as exc:  # a bug must not leave callers waiting forever
                log.exception("the write-ahead log writer failed")
                for p in batch:
                    if not p.done.is_set():
                        p.error = exc
                        p.done.set()
            for done in rotations:
                done.set()
            if stopping:
                with self._cond:
                    if not self._pending:
                        return

    def _until_rotation(self) -> float | None:
        segment = self._segment
        if segment is None or not segment.rows:
            return None
        return self.flush_seconds - (time.monotonic() - segment.opened)

    def _rotation_due(self) -> bool:
        wait = self._until_rotation()
        segment = self._segment
        return (wait is not None and wait <= 0) or (segment is not None and segment.size >= self.segment_bytes)

    def _commit(self, batch: list[_Pending]) -> None:
        try:
            if self._segment is None:
                self._segment = Segment.create(wal_dir(self.lake_dir))
            segment = self._segment
            segment.append(b"".join(p.record for p in batch))
            segment.sync()
        except OSError as exc:
            log.exception("write-ahead log write failed; %d calls answered 503", len(batch))
            for p in batch:
                p.error = exc
                p.done.set()
            # Keep what the segment holds (its rows are durable); a torn tail stays at its end.
            self._rotate()
            return
        self.syncs += 1
        self.records += len(batch)
        for p in batch:
            segment.rows.extend(p.rows)
            self.events += len(p.rows)
        for p in batch:
            p.done.set()

    def _rotate(self) -> None:
        segment, self._segment = self._segment, None
        if segment is None:
            return
        if not segment.rows:
            segment.remove()
            return
        with self._closed_cond:
            self._closed.append(segment)
            self._closed_cond.notify()

    # --- the flusher thread ------------------------------------------------------------------

    def _flush_loop(self) -> None:
        next_recovery = next_prune = retry_at = 0.0
        while True:
            now = time.monotonic()
            if now >= next_recovery:
                _log_errors("replaying the write-ahead log", self.recover)
                next_recovery = now + self.recover_every
            if now >= next_prune:
                _log_errors("pruning the dedupe index", self.index.prune)
                next_prune = now + _PRUNE_EVERY
            with self._closed_cond:
                while not self._flusher_stop:
                    now = time.monotonic()
                    if self._closed and now >= retry_at:
                        break
                    wake = min(next_recovery, next_prune, retry_at) if self._closed else min(next_recovery, next_prune)
                    if now >= wake:
                        break
                    self._closed_cond.wait(wake - now)
                if self._flusher_stop:
                    return
            try:
                self._drain(raise_errors=True)
            except Exception:
                log.exception("flushing the write-ahead log to Parquet failed; retrying")
                retry_at = time.monotonic() + _RETRY_AFTER_FAILURE

    def _drain(self, *, raise_errors: bool) -> FlushStats:
        stats = FlushStats()
        with self._flush_lock:
            while True:
                with self._closed_cond:
                    if not self._closed:
                        break
                    segment = self._closed[0]
                try:
                    part = self.flush_rows(segment.name, segment.rows)
                    segment.remove()
                    self.index.forget_segment(segment.name)
                except Exception:
                    if raise_errors:
                        raise
                    log.exception("flushing %s failed; it stays in the write-ahead log", segment.name)
                    break
                with self._closed_cond:
                    self._closed.popleft()
                stats.add(part)
            self.flushed.add(stats)
        return stats

    # --- shared by flush and recovery --------------------------------------------------------

    @property
    def index(self) -> SeenIndex:
        with self._flush_lock:
            if self._index is None:
                self._index = SeenIndex(self.lake_dir, keep_days=self.dedupe_days)
            return self._index

    def flush_rows(self, segment: str, rows: Sequence[Sequence[Any]]) -> FlushStats:
        """Write the rows of ``segment`` that the lake does not hold yet; idempotent for a segment."""
        unique: dict[str, Sequence[Any]] = {}
        for row in rows:
            unique.setdefault(row[0], row)
        with self._flush_lock:
            claim = self.index.claim(unique.keys(), segment)
            keep = claim.new
            if claim.mine:
                # This segment claimed them before and then stopped: a crash between the claim and
                # the Parquet rename, or a failed write. The lake says which ones made it.
                present = present_in_lake(self.lake_dir, claim.mine, (unique[i][6] for i in claim.mine))
                keep = keep | (claim.mine - present)
            kept = [row for message_id, row in unique.items() if message_id in keep]
            if kept:
                write_events(rows_to_table(kept), lake_dir=self.lake_dir)
        return FlushStats(segments=1, events=len(kept), duplicates=len(rows) - len(kept))

    def recover(self) -> FlushStats:
        """Replay into the lake every segment left by a process that is gone (kill -9, power loss)."""
        stats = FlushStats()
        with self._flush_lock:
            for orphan in claim_orphans(self.lake_dir):
                result = orphan.read()
                part = self.flush_rows(orphan.path.name, result.rows)
                part.torn_bytes = result.torn_bytes
                if result.torn_bytes:
                    log.warning("%s: dropped a torn tail of %d bytes (a write that was never acknowledged)",
                                orphan.path.name, result.torn_bytes)
                orphan.remove()
                self.index.forget_segment(orphan.path.name)
                stats.add(part)
            self.flushed.add(stats)
        if stats.segments:
            log.info("recovered the write-ahead log: %s", stats.summary())
        return stats


def _log_errors(what: str, task: Any) -> None:
    try:
        task()
    except Exception:
        log.exception("%s failed", what)


def rows_to_table(rows: Sequence[Sequence[Any]]) -> pa.Table:
    """Lake rows (csops.usage.ingest.Row, timestamps in microseconds) as a table of EVENT_SCHEMA."""
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in EVENT_SCHEMA]
    arrays = [pa.array(column, type=f.type) for column, f in zip(columns, EVENT_SCHEMA, strict=True)]
    return pa.Table.from_arrays(arrays, schema=EVENT_SCHEMA)


# --- one ingestor per lake and process ---------------------------------------------------------

_registry: dict[Path, Ingestor] = {}
_registry_lock = threading.Lock()


def ingestor_for(lake_dir: str | os.PathLike[str], **options: Any) -> Ingestor:
    """The ingestor of ``lake_dir`` in this process, created with ``options`` on first use."""
    key = Path(os.path.abspath(lake_dir))  # not resolve(): no file system calls on every request
    ingestor = _registry.get(key)
    if ingestor is not None:
        return ingestor
    with _registry_lock:
        ingestor = _registry.get(key)
        if ingestor is None:
            ingestor = _registry[key] = Ingestor(key, **options)
        return ingestor


def shutdown_all() -> None:
    """Flush and stop every ingestor of this process (at exit, and between tests)."""
    with _registry_lock:
        ingestors = list(_registry.values())
        _registry.clear()
    for ingestor in ingestors:
        try:
            ingestor.stop()
        except Exception:
            log.exception("stopping the ingestor of %s failed", ingestor.lake_dir)


def _forget_after_fork() -> None:
    # A forked child has none of the parent's threads; its segments are the parent's to flush.
    global _registry_lock
    _registry.clear()
    _registry_lock = threading.Lock()


atexit.register(shutdown_all)
os.register_at_fork(after_in_child=_forget_after_fork)
