"""The write-ahead log of the collector: append-only segment files of checksummed records.

Layout (docs/event-lake.md, "Ingestion and durability")::

    <lake_dir>/wal/<ns since epoch>-<pid>-<random>.wal

A segment starts with ``MAGIC``; then records, each ``<length:u32 LE><crc32:u32 LE><payload>``,
where the payload is the JSON list of lake rows of one accepted call. A record is acknowledged
only after it was written and ``fdatasync``'ed, so after a crash (kill -9, power loss) every
acknowledged record is whole on disk; only the tail that was being written may be torn, and the
length and CRC find where it starts.

A live process holds an exclusive ``flock`` on every segment it owns until the segment has become
Parquet and is deleted. ``claim_orphan`` takes the lock without waiting: it succeeds only for the
segments of dead processes (or of a process that gave a segment up), which are then replayed.
Segments are created under a dot-name, locked, and only then renamed into place, so that no other
process can claim a segment between its creation and its lock.

Plain functions over files, no Django.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
import struct
import time
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from csops.lib.durable import fsync_dir, make_dirs

WAL_FOLDER = "wal"
SUFFIX = ".wal"
MAGIC = b"CSOPSWAL1\n"
_HEADER = struct.Struct("<II")
MAX_RECORD = 64 * 1024 * 1024


def wal_dir(lake_dir: str | os.PathLike[str]) -> Path:
    return Path(lake_dir) / WAL_FOLDER


def encode_record(rows: Sequence[Sequence[Any]]) -> bytes:
    """One record holding ``rows`` (lake rows as lists or tuples of JSON values)."""
    payload = json.dumps(rows, ensure_ascii=False, separators=(",", ":")).encode()
    return _HEADER.pack(len(payload), zlib.crc32(payload)) + payload


@dataclass
class ReadResult:
    rows: list[list[Any]] = field(default_factory=list)
    records: int = 0
    torn_bytes: int = 0  # bytes after the last whole record (an unacknowledged, interrupted write)


def read_records(data: bytes) -> ReadResult:
    """The rows of every whole record in a segment's bytes; stops at the first torn or corrupt one."""
    result = ReadResult()
    if not data.startswith(MAGIC):
        result.torn_bytes = len(data)
        return result
    pos = len(MAGIC)
    end = len(data)
    while pos < end:
        if end - pos < _HEADER.size:
            break
        length, crc = _HEADER.unpack_from(data, pos)
        start = pos + _HEADER.size
        if length == 0 or length > MAX_RECORD or start + length > end:
            break
        payload = data[start:start + length]
        if zlib.crc32(payload) != crc:
            break
        try:
            rows = json.loads(payload)
        except ValueError:
            break
        result.rows.extend(rows)
        result.records += 1
        pos = start + length
    result.torn_bytes = end - pos
    return result


class Segment:
    """A segment file that this process owns: open, locked, appended to by one writer thread.

    ``rows`` keeps in memory what was appended, so that the flush to Parquet needs no re-read.
    """

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self.fd = fd
        self.rows: list[Sequence[Any]] = []
        self.size = len(MAGIC)
        self.opened = time.monotonic()

    @property
    def name(self) -> str:
        return self.path.name

    @classmethod
    def create(cls, folder: Path) -> Segment:
        make_dirs(folder)
        name = f"{time.time_ns():020d}-{os.getpid()}-{secrets.token_hex(4)}{SUFFIX}"
        tmp, final = folder / f".{name}.tmp", folder / name
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            _write_all(fd, MAGIC)
            os.fsync(fd)
            os.rename(tmp, final)
            fsync_dir(folder)
        except BaseException:
            os.close(fd)
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
            raise
        return cls(final, fd)

    def append(self, data: bytes) -> None:
        _write_all(self.fd, data)
        self.size += len(data)

    def sync(self) -> None:
        os.fdatasync(self.fd)

    def remove(self) -> None:
        """Delete the file (its rows are in the lake), then let go of the lock."""
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        self.close()

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


@dataclass
class Orphan:
    """A segment left by a process that is gone, locked by us while we replay it."""

    path: Path
    fd: int

    def read(self) -> ReadResult:
        with open(self.fd, "rb", closefd=False) as fh:
            fh.seek(0)
            return read_records(fh.read())

    def remove(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        self.release()

    def release(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


def segment_paths(lake_dir: str | os.PathLike[str]) -> list[Path]:
    """Every segment file, oldest first (the names start with the creation time)."""
    folder = wal_dir(lake_dir)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.name.endswith(SUFFIX) and not p.name.startswith("."))


def claim_orphans(lake_dir: str | os.PathLike[str]) -> Iterator[Orphan]:
    """Lock and yield, one by one, the segments that no live process holds.

    The caller replays each and calls ``remove()`` (or ``release()`` to leave it for later).
    Leftover dot-files of segments whose creation was interrupted hold no records: they are deleted.
    """
    folder = wal_dir(lake_dir)
    if not folder.is_dir():
        return
    for tmp in folder.glob(f".*{SUFFIX}.tmp"):
        fd = _lock_nowait(tmp)
        if fd is not None:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
            os.close(fd)
    for path in segment_paths(lake_dir):
        fd = _lock_nowait(path)
        if fd is None:
            continue
        orphan = Orphan(path, fd)
        try:
            yield orphan
        finally:
            orphan.release()


def _lock_nowait(path: Path) -> int | None:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    # Another process may have replayed and deleted the file between our open and our lock.
    try:
        same = os.stat(path).st_ino == os.fstat(fd).st_ino
    except FileNotFoundError:
        same = False
    if not same:
        os.close(fd)
        return None
    return fd


