"""The event lake: Segment-style events as Parquet files, partitioned by UTC date.

Layout (docs/event-lake.md)::

    <lake_dir>/events/date=2026-01-31/<uuid>.parquet

Every file holds the columns of ``EVENT_SCHEMA`` and nothing else; the ``date``
partition lives only in the folder name (Hive partitioning), so DuckDB, pyarrow,
Spark and Ibis all read the lake without a catalogue. A partition holds any number
of files: each call to ``write_events`` adds new ones and never rewrites old ones
(compaction is a separate, later job).

Files appear atomically: readers see a whole file or none, never a half-written one.
Temporary files start with a dot and do not end in ``.parquet``, so neither
``events_glob`` nor pyarrow's dataset discovery ever picks them up.

Plain functions over pyarrow, no Django: callers pass ``lake_dir``
(``settings.CSOPS_LAKE_DIR`` in the app).
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from csops.lib.durable import fsync_dir, make_dirs

EVENTS_FOLDER = "events"
PARTITION_KEY = "date"
EVENT_TYPES = ("track", "identify", "group", "page", "screen")

_TS = pa.timestamp("us", tz="UTC")

EVENT_SCHEMA = pa.schema(
    [
        pa.field("message_id", pa.string(), nullable=False),  # unique per event (Segment messageId)
        pa.field("type", pa.string(), nullable=False),  # one of EVENT_TYPES
        pa.field("event", pa.string()),  # the track event name; null for other types
        pa.field("user_id", pa.string()),  # Segment userId = Contact.external_id
        pa.field("anonymous_id", pa.string()),  # Segment anonymousId
        pa.field("account_id", pa.string()),  # Segment groupId = Account.external_id
        pa.field("timestamp", _TS, nullable=False),  # when it happened; decides the partition
        pa.field("received_at", _TS, nullable=False),  # when the collector got it
        pa.field("properties", pa.string()),  # JSON object (traits for identify and group)
        pa.field("context", pa.string()),  # JSON object
    ]
)

# The partition column that readers add back from the folder names.
PARTITIONING = ds.partitioning(pa.schema([pa.field(PARTITION_KEY, pa.date32())]), flavor="hive")

_REQUIRED = [f.name for f in EVENT_SCHEMA if not f.nullable]
_US_PER_DAY = 86_400 * 1_000_000


def events_dir(lake_dir: str | os.PathLike[str]) -> Path:
    return Path(lake_dir) / EVENTS_FOLDER


def events_glob(lake_dir: str | os.PathLike[str]) -> str:
    """The glob that matches every event file, for ``read_parquet(..., hive_partitioning=true)``."""
    return str(events_dir(lake_dir) / f"{PARTITION_KEY}=*" / "*.parquet")


def events_dataset(lake_dir: str | os.PathLike[str]) -> ds.Dataset:
    """The whole event lake as a pyarrow dataset, with ``date`` (date32) from the folder names.

    An empty or missing lake gives an empty dataset with the right schema.
    """
    folder = events_dir(lake_dir)
    schema = EVENT_SCHEMA.append(pa.field(PARTITION_KEY, pa.date32()))
    if not folder.is_dir():
        return ds.dataset(pa.table({f.name: pa.array([], f.type) for f in schema}, schema=schema))
    return ds.dataset(folder, format="parquet", partitioning=PARTITIONING, schema=schema)


def has_events(lake_dir: str | os.PathLike[str]) -> bool:
    folder = events_dir(lake_dir)
    return folder.is_dir() and any(folder.glob(f"{PARTITION_KEY}=*/*.parquet"))


def conform(table_or_batches: pa.Table | pa.RecordBatch | Iterable[pa.RecordBatch | pa.Table]) -> pa.Table:
    """Return the events as one table with exactly ``EVENT_SCHEMA``, or raise ValueError saying why not.

    Missing nullable columns are filled with nulls; extra columns are an error (a typo
    must not silently lose data); timestamps in another unit or zone are converted to
    microseconds in UTC.
    """
    if isinstance(table_or_batches, pa.RecordBatch):
        table = pa.Table.from_batches([table_or_batches])
    elif isinstance(table_or_batches, pa.Table):
        table = table_or_batches
    else:
        parts = [p if isinstance(p, pa.Table) else pa.Table.from_batches([p]) for p in table_or_batches]
        if not parts:
            return EVENT_SCHEMA.empty_table()
        table = pa.concat_tables(parts, promote_options="default")

    extra = sorted(set(table.column_names) - set(EVENT_SCHEMA.names))
    if extra:
        raise ValueError(f"unknown event columns: {', '.join(extra)}")
    missing = [name for name in _REQUIRED if name not in table.column_names]
    if missing:
        raise ValueError(f"missing required event columns: {', '.join(missing)}")

    columns = []
    for field in EVENT_SCHEMA:
        if field.name not in table.column_names:
            columns.append(pa.nulls(table.num_rows, field.type))
            continue
        column = table.column(field.name)
        if pa.types.is_timestamp(field.type) and pa.types.is_timestamp(column.type) and column.type.tz is None:
            raise ValueError(f"column {field.name} must be timezone-aware")
        # Timestamps in nanoseconds lose their last digits; nothing else may be converted lossily.
        lossless = not (pa.types.is_timestamp(field.type) and pa.types.is_timestamp(column.type))
        try:
            column = column.cast(field.type, safe=lossless)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            raise ValueError(f"column {field.name} cannot be read as {field.type}: {exc}") from None
        if not field.nullable and column.null_count:
            raise ValueError(f"column {field.name} has {column.null_count} empty values")
        columns.append(column)
    table = pa.Table.from_arrays(columns, schema=EVENT_SCHEMA)

    bad_types = pc.invert(pc.is_in(table.column("type"), value_set=pa.array(EVENT_TYPES)))
    if pc.any(bad_types).as_py():
        first = pc.filter(table.column("type"), bad_types)[0].as_py()
        raise ValueError(f"unknown event type {first!r}; expected one of {', '.join(EVENT_TYPES)}")
    if pc.count_distinct(table.column("message_id")).as_py() != table.num_rows:
        raise ValueError("message_id values repeat within the batch")
    return table


def write_events(
    table_or_batches: pa.Table | pa.RecordBatch | Iterable[pa.RecordBatch | pa.Table],
    *,
    lake_dir: str | os.PathLike[str],
) -> list[Path]:
    """Write events into their date partitions, one new file per partition touched.

    Returns the paths written, oldest partition first. Each file is written under a
    temporary name in its partition folder, flushed and fsync'ed, renamed into place
    with ``os.replace`` and the folder fsync'ed, so a crash leaves either the whole
    file or nothing visible. It does not de-duplicate against events already in the
    lake: the caller owns that (message_id is unique within one call).
    """
    table = conform(table_or_batches)
    if table.num_rows == 0:
        return []
    micros = table.column("timestamp").cast(pa.int64()).to_numpy()
    days = micros // _US_PER_DAY  # floor division: UTC days since 1970-01-01, also before 1970
    order = np.argsort(days, kind="stable")
    days = days[order]
    table = table.take(pa.array(order))
    starts = np.flatnonzero(np.r_[True, days[1:] != days[:-1]])
    ends = np.r_[starts[1:], len(days)]

    root = events_dir(lake_dir)
    written = []
    for start, end in zip(starts, ends, strict=True):
        day = np.datetime64(int(days[start]), "D").item()
        folder = root / f"{PARTITION_KEY}={day.isoformat()}"
        written.append(_write_atomically(table.slice(start, end - start), folder))
    return written


def _write_atomically(table: pa.Table, folder: Path) -> Path:
    make_dirs(folder)
    name = uuid.uuid4().hex
    final, tmp = folder / f"{name}.parquet", folder / f".{name}.parquet.tmp"
    try:
        with open(tmp, "wb") as fh:
            pq.write_table(table, fh, compression="zstd")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, final)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    fsync_dir(folder)
    return final


