"""Which message ids the lake already holds: a small SQLite index beside the lake.

Clients retry (a timeout, a lost answer, a crash of the collector), so the same ``messageId``
arrives more than once. Before a WAL segment becomes Parquet, its ids are *claimed* here in one
transaction: an id that another segment claimed is a duplicate and is dropped. The claim names
the segment, so that replaying a segment whose flush was interrupted knows which of its ids may
already be in the lake and checks those against the Parquet files (``present_in_lake``).

    <lake_dir>/index/message_ids.sqlite3

Ids are remembered for ``keep_days`` days of reception (today and the days before; ``prune``
drops older days): SDKs give up retrying within hours, and a retry later than that is written
again and removed by ``csops lake compact``. SQLite serialises writers across processes, so several
collector processes share one index safely.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds

from csops.usage.lake import PARTITION_KEY, events_dir
from csops.usage.wal import make_dirs

INDEX_FOLDER = "index"
INDEX_FILE = "message_ids.sqlite3"
_CHUNK = 500
_US_PER_DAY = 86_400 * 1_000_000


def index_path(lake_dir: str | os.PathLike[str]) -> Path:
    return Path(lake_dir) / INDEX_FOLDER / INDEX_FILE


@dataclass
class Claim:
    new: set[str] = field(default_factory=set)  # nobody had them: write them
    mine: set[str] = field(default_factory=set)  # this segment claimed them before: maybe written already
    duplicates: set[str] = field(default_factory=set)  # another segment has them


class SeenIndex:
    """The index of claimed message ids. Thread-safe; one SQLite connection per instance.

    One table per UTC day of reception (``seen_<ordinal>``): an id is looked up in the tables of the
    last ``keep_days`` days and claimed in today's. Forgetting a day is dropping its table, and each
    table stays as small as one day of traffic, which keeps the random inserts of uuid ids cheap.
    """

    def __init__(self, lake_dir: str | os.PathLike[str], *, keep_days: int = 2) -> None:
        path = index_path(lake_dir)
        make_dirs(path.parent)
        self.keep_days = max(1, keep_days)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, timeout=60, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA cache_size=-32768")  # 32 MB: the index of a busy day stays in memory longer
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS segment (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE)"
        )
        self._known_tables: set[int] = set()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _day_tables(self) -> list[int]:
        rows = self._db.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'seen_%'")
        return sorted(int(name[5:]) for (name,) in rows if name[5:].isdigit())

    def claim(self, ids: Iterable[str], segment: str, *, today: dt.date | None = None) -> Claim:
        """Claim ``ids`` (unique) for ``segment``, in one transaction, and say whose each one was."""
        ids = list(ids)
        day = (today or dt.datetime.now(dt.UTC).date()).toordinal()
        claim = Claim()
        with self._lock:
            db = self._db
            db.execute("BEGIN IMMEDIATE")
            try:
                if day not in self._known_tables:
                    db.execute(f"CREATE TABLE IF NOT EXISTS seen_{day} ("
                               " message_id TEXT PRIMARY KEY, segment INTEGER NOT NULL) WITHOUT ROWID")
                    self._known_tables.add(day)
                db.execute("INSERT OR IGNORE INTO segment (name) VALUES (?)", (segment,))
                (segment_id,) = db.execute("SELECT id FROM segment WHERE name = ?", (segment,)).fetchone()
                owners: dict[str, int] = {}
                window = [d for d in self._day_tables() if day - self.keep_days < d <= day]
                for table in window:
                    for start in range(0, len(ids), _CHUNK):
                        chunk = ids[start:start + _CHUNK]
                        marks = ",".join("?" * len(chunk))
                        owners.update(db.execute(
                            f"SELECT message_id, segment FROM seen_{table} WHERE message_id IN ({marks})",  # noqa: S608
                            chunk,
                        ).fetchall())
                new = [i for i in ids if i not in owners]
                db.executemany(f"INSERT INTO seen_{day} (message_id, segment) VALUES (?, ?)",  # noqa: S608
                               ((i, segment_id) for i in new))
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        claim.new = set(new)
        for message_id, owner in owners.items():
            (claim.mine if owner == segment_id else claim.duplicates).add(message_id)
        return claim

    def forget_segment(self, segment: str) -> None:
        """The segment is gone (its rows are in the lake): drop its name, keep its ids."""
        with self._lock:
            self._db.execute("DELETE FROM segment WHERE name = ?", (segment,))

    def prune(self, *, today: dt.date | None = None) -> int:
        """Forget the days before the last ``keep_days``; returns how many days were dropped."""
        day = (today or dt.datetime.now(dt.UTC).date()).toordinal()
        with self._lock:
            old = [d for d in self._day_tables() if d <= day - self.keep_days]
            for table in old:
                self._db.execute(f"DROP TABLE IF EXISTS seen_{table}")
                self._known_tables.discard(table)
            return len(old)

    def count(self) -> int:
        with self._lock:
            return sum(self._db.execute(f"SELECT count(*) FROM seen_{d}").fetchone()[0]  # noqa: S608
                       for d in self._day_tables())


def present_in_lake(lake_dir: str | os.PathLike[str], ids: set[str], timestamps_us: Iterable[int]) -> set[str]:
    """Which of ``ids`` the Parquet files of the days in ``timestamps_us`` already hold."""
    if not ids:
        return set()
    days = {dt.date.fromordinal(dt.date(1970, 1, 1).toordinal() + us // _US_PER_DAY) for us in timestamps_us}
    wanted = pa.array(sorted(ids), pa.string())
    found: set[str] = set()
    for day in sorted(days):
        folder = events_dir(lake_dir) / f"{PARTITION_KEY}={day.isoformat()}"
        files = sorted(str(p) for p in folder.glob("*.parquet")) if folder.is_dir() else []
        if not files:
            continue
        table = ds.dataset(files, format="parquet").to_table(
            columns=["message_id"], filter=pc.is_in(pc.field("message_id"), value_set=wanted)
        )
        found.update(table.column("message_id").to_pylist())
    return found
