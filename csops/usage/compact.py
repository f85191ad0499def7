"""Compaction: merge the many small Parquet files of a day into one, without duplicate message ids.

The collector adds a file per day every few seconds while events arrive, and a crash can leave an
event twice (a retry after a lost answer that the dedupe index could not see). ``compact_day``

1. lists the day's files once, at the start: files that appear later (ingestion goes on) are not
   touched, and files that are still being written are dot-files that the listing never sees;
2. reads exactly those files with DuckDB, keeps one row per ``message_id`` (the first received),
   ordered by timestamp, and streams them into a temporary dot-file in the same folder;
3. fsyncs it, renames it to ``<uuid>.parquet`` (atomic), fsyncs the folder;
4. deletes the files it merged and fsyncs the folder again.

A crash at any point loses nothing: before step 3 the old files are intact, after it the merged
file holds every event, and a crash between 3 and 4 leaves duplicates that the next compaction
removes (it is idempotent: a day with a single file is left alone). Between steps 3 and 4, a
few milliseconds, a reader that lists the folder sees the merged file *and* the old ones, so it
may count those events twice: queries that must be exact while compaction runs deduplicate by
``message_id``. Only one compaction runs at a time per lake (a lock file in ``<lake>/index``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from csops.usage.lake import EVENT_SCHEMA, PARTITION_KEY, events_dir
from csops.usage.wal import fsync_dir, make_dirs

LOCK_FILE = "compact.lock"
_BATCH_ROWS = 256 * 1024


class CompactionBusy(RuntimeError):
    """Another compaction of the same lake is running."""


@dataclass
class DayResult:
    day: dt.date
    files_before: int
    files_after: int
    rows_before: int
    rows_after: int

    @property
    def duplicates(self) -> int:
        return self.rows_before - self.rows_after


def partition_days(lake_dir: str | os.PathLike[str]) -> list[dt.date]:
    root = events_dir(lake_dir)
    if not root.is_dir():
        return []
    days = []
    for folder in root.iterdir():
        key, _, value = folder.name.partition("=")
        if key == PARTITION_KEY and folder.is_dir():
            with contextlib.suppress(ValueError):
                days.append(dt.date.fromisoformat(value))
    return sorted(days)


def compact(lake_dir: str | os.PathLike[str], *, day: dt.date | None = None) -> list[DayResult]:
    """Compact one day, or every day that has more than one file; returns what each day became."""
    with _exclusive(lake_dir):
        days = [day] if day is not None else partition_days(lake_dir)
        return [compact_day(lake_dir, d, _locked=True) for d in days]


def compact_day(lake_dir: str | os.PathLike[str], day: dt.date, *, _locked: bool = False) -> DayResult:
    if not _locked:
        with _exclusive(lake_dir):
            return compact_day(lake_dir, day, _locked=True)
    folder = events_dir(lake_dir) / f"{PARTITION_KEY}={day.isoformat()}"
    files = sorted(folder.glob("*.parquet")) if folder.is_dir() else []
    rows_before = sum(pq.ParquetFile(f).metadata.num_rows for f in files)
    if len(files) < 2:
        return DayResult(day, len(files), len(files), rows_before, rows_before)

    name = uuid.uuid4().hex
    tmp, final = folder / f".{name}.parquet.tmp", folder / f"{name}.parquet"
    rows_after = 0
    try:
        with open(tmp, "wb") as fh:
            with pq.ParquetWriter(fh, EVENT_SCHEMA, compression="zstd") as writer:
                for batch in _deduplicated(files):
                    writer.write_batch(batch)
                    rows_after += batch.num_rows
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, final)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    fsync_dir(folder)
    for old in files:
        with contextlib.suppress(FileNotFoundError):
            old.unlink()
    fsync_dir(folder)
    return DayResult(day, len(files), 1, rows_before, rows_after)


def _deduplicated(files: list[Path]) -> Iterator[pa.RecordBatch]:
    columns = ", ".join(f'"{name}"' for name in EVENT_SCHEMA.names)
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'UTC'")
        reader = con.sql(
            f"SELECT {columns} FROM ("  # noqa: S608 - column names come from EVENT_SCHEMA
            f"  SELECT {columns}, row_number() OVER ("
            "     PARTITION BY message_id ORDER BY received_at, filename, file_row_number) AS copy"
            "  FROM read_parquet($files, hive_partitioning = false, filename = true, file_row_number = true)"
            ") WHERE copy = 1 ORDER BY timestamp, message_id",
            params={"files": [str(f) for f in files]},
        ).to_arrow_reader(_BATCH_ROWS)
        for batch in reader:
            yield batch.cast(EVENT_SCHEMA)
    finally:
        con.close()


@contextlib.contextmanager
def _exclusive(lake_dir: str | os.PathLike[str]) -> Iterator[None]:
    folder = Path(lake_dir) / "index"
    make_dirs(folder)
    fd = os.open(folder / LOCK_FILE, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise CompactionBusy("another compaction of this lake is running") from None
        yield
    finally:
        os.close(fd)
