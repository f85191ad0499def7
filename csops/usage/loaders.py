"""Bulk loaders: events from CSV, JSONL and Parquet files or from any SQL database, into the lake.

``load_file(path, ...)`` and ``load_sql(url, table, ...)`` are the entry points (the
``csops events load`` command calls them; see docs/usage-queries.md). Both are all or nothing,
like the customer imports (csops.customers.importers), and report errors the same way: a list of
``{"row", "field", "message"}``.

1. **validate** (one streaming pass, nothing written): every record is mapped to the lake's
   fields and checked (a timestamp that parses and is not in the future, an event name for
   ``track``, a user, anonymous or account id). Message ids are remembered as 16-byte digests
   only, so memory grows by 16 bytes a row, not by the row.
2. **stage** (only when pass 1 found no error): the source is read again and written, chunk by
   chunk, with ``write_events`` into a staging folder beside the lake (``<lake>/.staging/``).
3. **finish**: per date, the staged rows whose message id the lake already holds are dropped,
   the rest is written as one file per date (still in staging), and the files are then moved
   into the lake's date folders with ``os.replace``. Until this last step the lake is untouched;
   a failure anywhere removes the staging folder.

Message ids: a ``message_id`` column is used as it is; rows repeating an id already seen are
duplicates (client retries) and are skipped. Without one, the id is derived from the row's
content (``ld-`` + 32 hex digits), so loading the same file twice writes nothing the second
time; identical rows within one source are kept as separate events (``ld-...-2``, ``-3``).
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import gzip
import hashlib
import itertools
import json
import math
import os
import shutil
import tempfile
import uuid
import zoneinfo
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq
from django.conf import settings
from django.utils.translation import gettext as _

from csops.customers.importers import cells, columns
from csops.customers.importers.base import RowError
from csops.customers.importers.decoding import (
    DecodingError,
    LineReader,
    as_binary_file,
    detect_encoding,
    file_size,
)
from csops.lib.durable import fsync_dir, make_dirs
from csops.usage.lake import EVENT_SCHEMA, EVENT_TYPES, PARTITION_KEY, events_dir, write_events
from csops.usage.lake import conform as lake_conform

FIELDS = tuple(f.name for f in EVENT_SCHEMA)
FORMATS = ("csv", "jsonl", "parquet")
# Source column -> lake field, tried in order (the first alias present wins, as in the customer
# imports). Headers are compared after ``columns.normalize``: ``userId``, ``user_id`` and
# ``User ID`` are one header. A plain ``id`` is not taken as the message id (Segment's warehouse
# tables use it so, but elsewhere it is a table's row number, which would wrongly drop as
# duplicates the events of another table): ``--map id=message_id`` says so when it is.
ALIASES: dict[str, tuple[str, ...]] = {
    "message_id": ("message_id", "messageId"),
    "type": ("type",),
    "event": ("event", "event_name", "eventName", "event_type"),
    "user_id": ("user_id", "userId"),
    "anonymous_id": ("anonymous_id", "anonymousId"),
    "account_id": ("account_id", "groupId", "group_id", "accountId"),
    "timestamp": ("timestamp", "event_time", "time", "occurred_at", "original_timestamp"),
    "received_at": ("received_at", "receivedAt"),
    "properties": ("properties", "traits"),  # identify and group calls carry traits
    "context": ("context",),
}
# Keys of Segment's message envelope that are neither event fields nor properties: in a record
# that carries its own properties object, they are dropped rather than added to the properties.
SEGMENT_ENVELOPE = frozenset(columns.normalize(k) for k in (
    "sentAt", "originalTimestamp", "integrations", "writeKey", "version", "channel", "_metadata", "projectId",
    "requestId", "options",
))
# A mapping target that drops the column (``--map sent_at=``).
IGNORE = ""
PROPERTIES = "properties"
EXTRA = "+"  # an unmapped column: one more key of the event's properties

CHUNK_ROWS = 50_000  # rows per staged write and per progress step
MAX_ERRORS = 1000  # errors kept in the report; the rest are counted
MAX_ID_LENGTH = 200
FUTURE_SLACK = dt.timedelta(days=1)  # clocks drift; a day ahead is a broken clock or a wrong zone
STAGING_FOLDER = ".staging"
_EARLIEST = dt.datetime(1970, 1, 2, tzinfo=dt.UTC)  # 0 or a negative epoch is a missing value, not an event
_JSON = {"ensure_ascii": False, "separators": (",", ":"), "sort_keys": True}

# progress(phase, done, total): phase is "validate", "stage" or "finish"; done/total count bytes
# for files and rows for SQL tables (total 0 when unknown).
Progress = Callable[[str, int, int], None]


class LoadError(Exception):
    """The load cannot start (unknown format, bad mapping, unreadable source)."""


@dataclass
class LoadResult:
    source: str
    format: str
    dry_run: bool = False
    rows: int = 0  # records read
    loaded: int = 0  # events written to the lake (dry run: events that pass validation)
    duplicates: int = 0  # records whose message id an earlier record of the source already had
    already_in_lake: int = 0  # events skipped because the lake holds their message id
    first_timestamp: dt.datetime | None = None
    last_timestamp: dt.datetime | None = None
    encoding: str = ""
    columns: dict[str, str] = field(default_factory=dict)  # source column -> lake field
    properties_columns: list[str] = field(default_factory=list)  # columns that went into properties
    ignored_columns: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0  # every error, including those beyond MAX_ERRORS

    @property
    def ok(self) -> bool:
        return not self.error_count

    @property
    def written(self) -> bool:
        return self.ok and not self.dry_run

    def error(self, row: int, field_name: str, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append({"row": row, "field": field_name, "message": message})

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("first_timestamp", "last_timestamp"):
            data[key] = data[key].isoformat() if data[key] else None
        return data


# --------------------------------------------------------------------------------------------
# Column mapping


def parse_map_options(items: Sequence[str]) -> dict[str, str]:
    """``["event_type_id=event", "sent_at="]`` -> ``{"event_type_id": "event", "sent_at": ""}``."""
    mapping: dict[str, str] = {}
    for item in items:
        column, sep, target = item.partition("=")
        column, target = column.strip(), target.strip()
        if not sep or not column:
            raise LoadError(_("--map expects COLUMN=FIELD (or COLUMN= to drop a column), got %(item)r")
                            % {"item": item})
        if target not in (*FIELDS, IGNORE):
            raise LoadError(_("--map %(item)s: %(target)r is not a lake field; use one of %(fields)s, or nothing "
                              "to drop the column") % {"item": item, "target": target, "fields": ", ".join(FIELDS)})
        mapping[column] = target
    targets = [t for t in mapping.values() if t not in (IGNORE, PROPERTIES, "context")]
    repeated = sorted({t for t in targets if targets.count(t) > 1})
    if repeated:
        raise LoadError(_("--map gives several columns to %(fields)s") % {"fields": ", ".join(repeated)})
    return mapping


_ALIAS_LOOKUP: dict[str, tuple[str, int]] = {}
for _field, _aliases in ALIASES.items():
    for _rank, _alias in enumerate(_aliases):
        _ALIAS_LOOKUP.setdefault(columns.normalize(_alias), (_field, _rank))


class ColumnMap:
    """Which lake field each source column feeds: explicit ``--map`` first, then the aliases.

    A column that matches no field (or loses to a better alias of its field) goes into the
    event's properties, unless it was mapped to nothing. New columns (JSONL keys) are mapped
    as they appear.
    """

    def __init__(self, explicit: dict[str, str]) -> None:
        self.explicit = dict(explicit)
        self.taken = {t for t in explicit.values() if t not in (IGNORE, PROPERTIES, "context")}
        self.targets: dict[str, str] = {}

    def fit(self, header: Sequence[str]) -> None:
        """Map a known set of columns at once, so that the best alias wins whatever the order."""
        best: dict[str, tuple[int, str]] = {}
        for column in header:
            if column in self.explicit:
                continue
            hit = _ALIAS_LOOKUP.get(columns.normalize(column))
            if hit and hit[0] not in self.taken and (hit[0] not in best or hit[1] < best[hit[0]][0]):
                best[hit[0]] = (hit[1], column)
        chosen = {column: target for target, (_, column) in best.items()}
        for column in header:
            self.targets[column] = self.explicit.get(column, chosen.get(column, EXTRA))
        self.taken |= set(chosen.values())

    def target(self, column: str) -> str:
        found = self.targets.get(column)
        if found is None:
            found = self.explicit.get(column)
            if found is None:
                hit = _ALIAS_LOOKUP.get(columns.normalize(column))
                found = hit[0] if hit and hit[0] not in self.taken else EXTRA
                if found not in (EXTRA, PROPERTIES, "context"):
                    self.taken.add(found)
            self.targets[column] = found
        return found

    def describe(self, result: LoadResult) -> None:
        result.columns = {c: t for c, t in self.targets.items() if t not in (IGNORE, EXTRA)}
        result.properties_columns = [c for c, t in self.targets.items() if t == EXTRA]
        result.ignored_columns = [c for c, t in self.targets.items() if t == IGNORE]


# --------------------------------------------------------------------------------------------
# Values


class Invalid(Exception):
    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name
        self.message = message


def _shown(value: Any) -> str:
    text = str(value)
    return repr(text if len(text) <= 40 else text[:37] + "...")


def _text(value: Any) -> str | None:
    """An id or a name as text: ``42`` and ``42.0`` are ``"42"``; empty is None."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if value.is_integer():
            return str(int(value))
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return str(int(value))
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    text = str(value).strip()
    return text or None


def _epoch(number: float) -> dt.datetime:
    """Seconds, milliseconds, microseconds or nanoseconds since 1970, told apart by size."""
    magnitude = abs(number)
    if magnitude < 1e11:
        seconds = number
    elif magnitude < 1e14:
        seconds = number / 1e3
    elif magnitude < 1e17:
        seconds = number / 1e6
    else:
        seconds = number / 1e9
    return dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=seconds)


def parse_timestamp(value: Any, tz: dt.tzinfo) -> dt.datetime:
    """An aware UTC datetime from ISO 8601 text, Excel's ``YYYY/MM/DD HH:MM``, an epoch number or a datetime.

    A value without a zone is read in ``tz`` (UTC unless ``--timezone`` says otherwise).
    """
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime.combine(value, dt.time())
    elif isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        if isinstance(value, float) and not math.isfinite(value):
            raise Invalid("timestamp", _("is not a date and time: %(value)s") % {"value": _shown(value)})
        try:
            return _epoch(float(value))
        except (OverflowError, ValueError):
            raise Invalid("timestamp", _("is out of range: %(value)s") % {"value": _shown(value)}) from None
    else:
        raw = str(value).strip()
        try:
            moment = dt.datetime.fromisoformat(raw)
        except ValueError:
            if raw.replace(".", "", 1).isdigit():
                return parse_timestamp(float(raw), tz)
            try:
                moment = cells.moment(raw, tz=tz)
            except cells.CellError as exc:
                raise Invalid("timestamp", exc.message) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    return moment.astimezone(dt.UTC)


def _object(value: Any, field_name: str) -> dict[str, Any]:
    """A JSON object given as a dict or as JSON text; empty is ``{}``."""
    if value is None or value == "":
        return {}
    if isinstance(value, dict):
        return value
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError as exc:
            raise Invalid(field_name, _("is not valid JSON: %(reason)s") % {"reason": exc.msg}) from None
        if isinstance(parsed, dict):
            return parsed
    raise Invalid(field_name, _("must be a JSON object, got %(value)s") % {"value": _shown(value)})


def _json_value(value: Any) -> Any:
    """A value JSON can hold: dates as ISO text, decimals as numbers, bytes as text."""
    if isinstance(value, dict):
        return {str(k): _json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_value(v) for v in value]
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


@dataclass
class Event:
    """One validated record, in the lake's terms."""

    type: str
    event: str | None
    user_id: str | None
    anonymous_id: str | None
    account_id: str | None
    timestamp: dt.datetime
    received_at: dt.datetime | None
    properties: str
    context: str
    message_id: str | None  # None: derive it from the content

    def content_key(self) -> bytes:
        text = "\x1f".join((
            self.type, self.event or "", self.user_id or "", self.anonymous_id or "", self.account_id or "",
            self.timestamp.isoformat(), self.properties, self.context,
        ))
        return hashlib.blake2b(b"c" + text.encode(), digest_size=16).digest()

    def key(self) -> bytes:
        if self.message_id is not None:
            return hashlib.blake2b(b"m" + self.message_id.encode(), digest_size=16).digest()
        return self.content_key()


_ENCODER = json.JSONEncoder(**_JSON)  # one encoder: json.dumps with options builds a new one per call
_ID_FIELDS = ("event", "user_id", "anonymous_id", "account_id", "message_id")


def _encode(obj: dict[str, Any]) -> str:
    if not obj:
        return "{}"
    if all(isinstance(v, str) for v in obj.values()):
        return _ENCODER.encode(obj)  # the CSV case: nothing to convert
    return _ENCODER.encode(_json_value(obj))


class Normalizer:
    """Turns a source record (column -> value) into an ``Event`` or raises ``Invalid``."""

    def __init__(self, column_map: ColumnMap, *, tz: dt.tzinfo, now: dt.datetime) -> None:
        self.map = column_map
        self.tz = tz
        self.latest = now + FUTURE_SLACK

    def __call__(self, record: dict[str, Any]) -> Event:
        found: dict[str, Any] = {}
        labels: dict[str, str] = {}
        extra: dict[str, Any] = {}
        properties: dict[str, Any] = {}
        context: dict[str, Any] = {}
        targets = self.map.targets
        has_object = False
        for column, value in record.items():
            target = targets.get(column)
            if target is None:
                target = self.map.target(column)
            if target == EXTRA:
                if value is not None and value != "":
                    extra[column] = value
            elif target == IGNORE:
                continue
            elif target == PROPERTIES:
                has_object = True
                properties.update(_object(value, column))
            elif target == "context":
                context.update(_object(value, column))
            else:
                found[target] = value
                labels[target] = column

        ids: dict[str, str | None] = {}
        for name in _ID_FIELDS:
            value = found.get(name)
            text = value.strip() or None if isinstance(value, str) else _text(value)
            if text is not None and len(text) > MAX_ID_LENGTH:
                raise Invalid(labels.get(name, name), _("is too long: %(length)d characters, at most %(max)d")
                              % {"length": len(text), "max": MAX_ID_LENGTH})
            ids[name] = text

        kind = (_text(found.get("type")) or "track").lower()
        if kind not in EVENT_TYPES:
            raise Invalid(labels.get("type", "type"), _("%(value)s is not one of %(allowed)s")
                          % {"value": _shown(kind), "allowed": ", ".join(EVENT_TYPES)})
        if kind == "track" and ids["event"] is None:
            raise Invalid(labels.get("event", "event"), _("an event name is required (map the column that holds "
                                                          "it with --map COLUMN=event)"))
        raw_ts = found.get("timestamp")
        ts_label = labels.get("timestamp", "timestamp")
        if raw_ts is None or raw_ts == "":
            raise Invalid(ts_label, _("a timestamp is required"))
        try:
            timestamp = parse_timestamp(raw_ts, self.tz)
        except Invalid as exc:
            raise Invalid(ts_label, exc.message) from None
        if timestamp > self.latest:
            raise Invalid(ts_label, _("is in the future: %(value)s") % {"value": timestamp.isoformat()})
        if timestamp < _EARLIEST:
            raise Invalid(ts_label, _("is before 1970-01-02: %(value)s") % {"value": _shown(raw_ts)})
        received_at = None
        if found.get("received_at") not in (None, ""):
            try:
                received_at = parse_timestamp(found["received_at"], self.tz)
            except Invalid as exc:
                raise Invalid(labels.get("received_at", "received_at"), exc.message) from None
        account_id = ids["account_id"]
        if account_id is None and context.get("groupId"):
            account_id = _text(context["groupId"])  # Segment puts the account of a track call here
        if ids["user_id"] is None and ids["anonymous_id"] is None and account_id is None:
            raise Invalid(labels.get("user_id") or labels.get("account_id") or "user_id",
                          _("needs a user id, an anonymous id or an account id"))
        for key, value in extra.items():
            if has_object and key not in self.map.explicit and columns.normalize(key) in SEGMENT_ENVELOPE:
                continue  # a Segment message's envelope, not something the event said
            properties.setdefault(key, value)
        return Event(
            type=kind, event=ids["event"], user_id=ids["user_id"], anonymous_id=ids["anonymous_id"],
            account_id=account_id, timestamp=timestamp, received_at=received_at,
            properties=_encode(properties), context=_encode(context), message_id=ids["message_id"],
        )


# --------------------------------------------------------------------------------------------
# Sources: each yields (row number, record) and can be read more than once


class Source:
    format: str
    label: str
    encoding: str = ""

    def header(self) -> list[str] | None:
        """The columns, when the source declares them up front (not JSONL)."""
        return None

    def records(self, result: LoadResult | None) -> Iterator[tuple[int, dict[str, Any]]]:
        """Every record with its row number; structural problems go to ``result`` (first pass only)."""
        raise NotImplementedError

    @property
    def position(self) -> int:
        return 0

    @property
    def total(self) -> int:
        return 0

    def close(self) -> None:
        """Release temporary files."""


class _TextSource(Source):
    """A text file of lines, UTF-8 or Shift_JIS, decoded as the customer imports decode."""

    def __init__(self, f: IO[bytes], label: str) -> None:
        self.f = f
        self.label = label
        self._total = file_size(f)
        try:
            self._encoding = detect_encoding(f)
        except DecodingError as exc:
            raise LoadError(exc.message) from None
        self.encoding = self._encoding.label
        self._lines: LineReader | None = None

    @property
    def position(self) -> int:
        return self._lines.position if self._lines else 0

    @property
    def total(self) -> int:
        return self._total


class CsvSource(_TextSource):
    """A CSV (or tab-separated) file."""

    format = "csv"

    def __init__(self, f: IO[bytes], label: str) -> None:
        super().__init__(f, label)
        self._header: list[str] | None = None
        self._delimiter = ","
        first = next(iter(LineReader(f, self._encoding)), None)
        if first is not None:
            self._delimiter = "\t" if "\t" in first and "," not in first else ","
            self._header = next(csv.reader([first], delimiter=self._delimiter))

    def header(self) -> list[str] | None:
        return [h.strip() for h in self._header] if self._header is not None else []

    def records(self, result: LoadResult | None) -> Iterator[tuple[int, dict[str, Any]]]:
        self._lines = LineReader(self.f, self._encoding)
        reader = csv.reader(iter(self._lines), delimiter=self._delimiter, strict=True)
        header = self.header() or []
        width = len(header)
        next(reader, None)
        number = 1
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                number += 1
                if result is not None:
                    result.error(number, "", _("malformed CSV: %(reason)s") % {"reason": exc})
                if str(exc) == "unexpected end of data":
                    return
                continue
            number += 1
            if not any(cell.strip() for cell in row):
                continue  # blank rows (",,,," at the end of Excel files) are not data
            if len(row) != width:
                if result is not None:
                    result.error(number, "", _("expected %(expected)d fields as in the header, found %(found)d")
                                 % {"expected": width, "found": len(row)})
                continue
            yield number, {name: (cell if cell.strip() else None) for name, cell in zip(header, row, strict=True)
                           if name}


class JsonlSource(_TextSource):
    """One JSON object per line (Segment's own export format works as it is)."""

    format = "jsonl"

    def records(self, result: LoadResult | None) -> Iterator[tuple[int, dict[str, Any]]]:
        self._lines = LineReader(self.f, self._encoding)
        for number, line in enumerate(self._lines, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                if result is not None:
                    result.error(number, "", _("is not valid JSON: %(reason)s") % {"reason": exc.msg})
                continue
            if not isinstance(record, dict):
                if result is not None:
                    result.error(number, "", _("must be a JSON object"))
                continue
            yield number, record


class ParquetSource(Source):
    format = "parquet"

    def __init__(self, f: IO[bytes], label: str) -> None:
        self.label = label
        try:
            self.file = pq.ParquetFile(f)
        except (pa.ArrowException, OSError) as exc:
            raise LoadError(_("%(file)s is not a readable Parquet file: %(reason)s")
                            % {"file": label, "reason": exc}) from None
        self._position = 0

    def header(self) -> list[str] | None:
        return list(self.file.schema_arrow.names)

    @property
    def position(self) -> int:
        return self._position

    @property
    def total(self) -> int:
        return self.file.metadata.num_rows

    def records(self, result: LoadResult | None) -> Iterator[tuple[int, dict[str, Any]]]:
        number = 0
        self._position = 0
        for batch in self.file.iter_batches(batch_size=10_000):
            for record in batch.to_pylist():
                number += 1
                yield number, record
            self._position = number


class SqlSource(Source):
    """A table of any database SQLAlchemy reaches, streamed with a server-side cursor."""

    format = "sql"

    def __init__(self, url: str, table: str) -> None:
        import sqlalchemy as sa

        try:
            self.engine = sa.create_engine(url)
            parsed = sa.engine.make_url(url)
        except Exception as exc:  # noqa: BLE001 - drivers raise many kinds of errors
            raise LoadError(_("cannot use the database URL: %(reason)s") % {"reason": exc}) from None
        schema, _dot, name = table.rpartition(".")
        self.label = f"{parsed.render_as_string(hide_password=True)} {table}"
        try:
            self.table = sa.Table(name, sa.MetaData(), schema=schema or None, autoload_with=self.engine)
            with self.engine.connect() as conn:
                self._total = int(conn.execute(sa.select(sa.func.count()).select_from(self.table)).scalar_one())
        except sa.exc.NoSuchTableError:
            self.engine.dispose()
            raise LoadError(_("the database has no table %(table)s") % {"table": table}) from None
        except sa.exc.SQLAlchemyError as exc:
            self.engine.dispose()
            raise LoadError(_("cannot read %(table)s: %(reason)s") % {"table": table, "reason": exc}) from None
        self._position = 0
        self.columns = [c.name for c in self.table.columns]
        primary = list(self.table.primary_key.columns)
        self.order = primary  # a stable order when there is one (row numbers then mean something)

    def header(self) -> list[str] | None:
        return list(self.columns)

    @property
    def position(self) -> int:
        return self._position

    @property
    def total(self) -> int:
        return self._total

    def records(self, result: LoadResult | None) -> Iterator[tuple[int, dict[str, Any]]]:
        import sqlalchemy as sa

        query = sa.select(self.table)
        if self.order:
            query = query.order_by(*self.order)
        self._position = 0
        with self.engine.connect() as conn:
            rows = conn.execution_options(stream_results=True, yield_per=5_000).execute(query)
            for number, row in enumerate(rows, start=1):
                self._position = number
                yield number, dict(row._mapping)

    def close(self) -> None:
        self.engine.dispose()


def detect_format(name: str) -> str | None:
    lower = name.lower().removesuffix(".gz")
    if lower.endswith((".csv", ".tsv", ".txt")):
        return "csv"
    if lower.endswith((".jsonl", ".ndjson", ".json")):
        return "jsonl"
    if lower.endswith((".parquet", ".pq")):
        return "parquet"
    return None


@contextlib.contextmanager
def _opened(source: Any, name: str) -> Iterator[IO[bytes]]:
    """A seekable binary file for a path, bytes or an open file; gzip is decompressed to a temporary file."""
    with contextlib.ExitStack() as stack:
        if isinstance(source, str | os.PathLike):
            try:
                f: IO[bytes] = stack.enter_context(open(source, "rb"))  # noqa: SIM115
            except OSError as exc:
                raise LoadError(_("cannot open %(file)s: %(reason)s")
                                % {"file": name, "reason": exc.strerror}) from None
        else:
            f = as_binary_file(source)
        head = f.read(2)
        f.seek(0)
        if head == b"\x1f\x8b":
            spool = stack.enter_context(tempfile.TemporaryFile())
            try:
                with gzip.GzipFile(fileobj=f) as unzipped:
                    shutil.copyfileobj(unzipped, spool, 1 << 20)
            except (OSError, EOFError) as exc:
                raise LoadError(_("%(file)s is not a readable gzip file: %(reason)s")
                                % {"file": name, "reason": exc}) from None
            spool.seek(0)
            f = spool
        yield f


# --------------------------------------------------------------------------------------------
# The load


def load_file(
    source: str | os.PathLike[str] | IO[bytes] | bytes,
    *,
    format: str | None = None,  # noqa: A002 - the option's name
    mapping: dict[str, str] | None = None,
    dry_run: bool = False,
    timezone: str = "UTC",
    lake_dir: str | os.PathLike[str] | None = None,
    actor: Any = None,
    filename: str = "",
    progress: Progress | None = None,
) -> LoadResult:
    """Validate a CSV, JSONL or Parquet file (gzip accepted) and, unless it has errors or ``dry_run``, load it.

    ``source`` is a path, bytes or a binary file. Raises ``LoadError`` when the load cannot start
    (format, mapping, unreadable file); row problems are in ``result.errors``.
    """
    name = filename or (os.fspath(source) if isinstance(source, str | os.PathLike) else "<stream>")
    fmt = format or detect_format(name)
    if fmt not in FORMATS:
        raise LoadError(_("cannot tell the format of %(file)s: give --format %(formats)s")
                        % {"file": name, "formats": "|".join(FORMATS)})
    with _opened(source, name) as f:
        reader: Source
        if fmt == "csv":
            reader = CsvSource(f, name)
        elif fmt == "jsonl":
            reader = JsonlSource(f, name)
        else:
            reader = ParquetSource(f, name)
        return _load(reader, mapping=mapping, dry_run=dry_run, timezone=timezone, lake_dir=lake_dir, actor=actor,
                     progress=progress)


def load_sql(
    url: str,
    table: str,
    *,
    mapping: dict[str, str] | None = None,
    dry_run: bool = False,
    timezone: str = "UTC",
    lake_dir: str | os.PathLike[str] | None = None,
    actor: Any = None,
    progress: Progress | None = None,
) -> LoadResult:
    """Load the rows of ``table`` (``schema.table`` accepted) from the database at the SQLAlchemy ``url``."""
    reader = SqlSource(url, table)
    try:
        return _load(reader, mapping=mapping, dry_run=dry_run, timezone=timezone, lake_dir=lake_dir, actor=actor,
                     progress=progress)
    finally:
        reader.close()


def _zone(name: str) -> dt.tzinfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise LoadError(_("unknown time zone %(zone)r (use an IANA name such as UTC or Asia/Tokyo)")
                        % {"zone": name}) from None


def _missing_columns(column_map: ColumnMap, header: list[str]) -> list[tuple[str, str]]:
    targets = {column_map.target(c) for c in header}
    missing = []
    if "timestamp" not in targets:
        missing.append(("timestamp", ", ".join(ALIASES["timestamp"])))
    if "event" not in targets and "type" not in targets:
        missing.append(("event", ", ".join(ALIASES["event"])))
    if not targets & {"user_id", "anonymous_id", "account_id"}:
        missing.append(("user_id", ", ".join((*ALIASES["user_id"], *ALIASES["anonymous_id"], *ALIASES["account_id"]))))
    return missing


def _load(
    reader: Source,
    *,
    mapping: dict[str, str] | None,
    dry_run: bool,
    timezone: str,
    lake_dir: str | os.PathLike[str] | None,
    actor: Any,
    progress: Progress | None,
) -> LoadResult:
    tz = _zone(timezone)
    lake = Path(lake_dir if lake_dir is not None else settings.CSOPS_LAKE_DIR)
    result = LoadResult(source=reader.label, format=reader.format, dry_run=dry_run, encoding=reader.encoding)
    column_map = ColumnMap(mapping or {})
    header = reader.header()
    if header is not None:
        if not any(header):
            result.error(1 if reader.format == "csv" else 0, "", _("the file is empty") if reader.format == "csv"
                         else _("the source has no columns"))
            return result
        column_map.fit(header)
        unknown = sorted(set(column_map.explicit) - set(header))
        for column in unknown:
            result.error(0, column, _("--map names a column the source does not have"))
        for field_name, accepted in _missing_columns(column_map, header):
            result.error(1 if reader.format == "csv" else 0, field_name,
                         _("no column holds this field (accepted headers include: %(accepted)s; or use --map)")
                         % {"accepted": accepted})
        if result.error_count:
            column_map.describe(result)
            return result
    now = dt.datetime.now(dt.UTC)
    normalize = Normalizer(column_map, tz=tz, now=now)

    # Pass 1: validate everything, remember 16-byte keys to find repeated ids.
    explicit_keys, content_keys = bytearray(), bytearray()
    first = last = None
    for number, record in _with_progress(reader, "validate", reader.records(result), progress):
        result.rows += 1
        try:
            event = normalize(record)
        except Invalid as exc:
            result.error(number, exc.field, exc.message)
            continue
        (explicit_keys if event.message_id is not None else content_keys).extend(event.key())
        first = event.timestamp if first is None or event.timestamp < first else first
        last = event.timestamp if last is None or event.timestamp > last else last
    column_map.describe(result)
    if result.rows == 0 and not result.error_count:
        result.error(1 if reader.format == "csv" else 0, "", _("the source has no data rows"))
    if result.error_count:
        result.errors.sort(key=lambda e: e["row"])
        return result
    repeated_ids, id_duplicates = _repeated(explicit_keys)
    repeated_content, _ignored = _repeated(content_keys)
    result.duplicates = id_duplicates
    result.first_timestamp, result.last_timestamp = first, last
    result.loaded = result.rows - id_duplicates
    if dry_run:
        return result

    # Pass 2: stage, then finish (dedupe against the lake, move into place).
    staging = lake / STAGING_FOLDER / f"load-{uuid.uuid4().hex}"
    try:
        _stage(reader, normalize, staging / "staged", repeated_ids, repeated_content, now, progress)
        result.loaded, result.already_in_lake = _finish(staging, lake, progress)
    except _Changed as exc:
        result.loaded = 0
        result.error(exc.row, exc.field, exc.message)
        return result
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        with contextlib.suppress(OSError):
            (lake / STAGING_FOLDER).rmdir()  # only when no other load is staging
    _audit(actor, result)
    return result


def _with_progress(reader: Source, phase: str, records: Iterator[tuple[int, dict[str, Any]]],
                   progress: Progress | None) -> Iterator[tuple[int, dict[str, Any]]]:
    if progress is None:
        yield from records
        return
    total = reader.total
    progress(phase, 0, total)
    for count, item in enumerate(records, start=1):
        yield item
        if count % 5_000 == 0:
            progress(phase, reader.position, total)
    progress(phase, total or reader.position, total)


def _repeated(keys: bytearray) -> tuple[set[bytes], int]:
    """The 16-byte keys that occur more than once, and how many extra occurrences there are."""
    if not keys:
        return set(), 0
    array = np.frombuffer(bytes(keys), dtype=np.uint64).reshape(-1, 2)
    unique, counts = np.unique(array, axis=0, return_counts=True)
    several = unique[counts > 1]
    return {row.tobytes() for row in several}, int(len(array) - len(unique))


class _Changed(Exception):
    """The source changed between the validation pass and the write pass."""

    def __init__(self, row: int, field_name: str, message: str) -> None:
        super().__init__(message)
        self.row, self.field, self.message = row, field_name, message


def _stage(reader: Source, normalize: Normalizer, staged: Path, repeated_ids: set[bytes],
           repeated_content: set[bytes], now: dt.datetime, progress: Progress | None) -> None:
    seen_ids: set[bytes] = set()
    occurrences: dict[bytes, int] = {}
    rows: dict[str, list[Any]] = {name: [] for name in FIELDS}

    chunks = itertools.count()

    def flush() -> None:
        if rows["message_id"]:
            _stage_chunk(pa.table(rows, schema=EVENT_SCHEMA), staged, next(chunks))
            for values in rows.values():
                values.clear()

    for number, record in _with_progress(reader, "stage", reader.records(None), progress):
        try:
            event = normalize(record)
        except Invalid as exc:
            raise _Changed(number, exc.field, _("the source changed while it was loaded: %(problem)s; "
                                                "nothing was written") % {"problem": exc.message}) from None
        key = event.key()
        if event.message_id is not None:
            if key in repeated_ids:
                if key in seen_ids:
                    continue
                seen_ids.add(key)
            message_id = event.message_id
        else:
            message_id = "ld-" + key.hex()
            if key in repeated_content:
                occurrences[key] = occurrences.get(key, 0) + 1
                if occurrences[key] > 1:
                    message_id += f"-{occurrences[key]}"
        rows["message_id"].append(message_id)
        rows["type"].append(event.type)
        rows["event"].append(event.event)
        rows["user_id"].append(event.user_id)
        rows["anonymous_id"].append(event.anonymous_id)
        rows["account_id"].append(event.account_id)
        rows["timestamp"].append(event.timestamp)
        rows["received_at"].append(event.received_at or now)
        rows["properties"].append(event.properties)
        rows["context"].append(event.context)
        if len(rows["message_id"]) >= CHUNK_ROWS:
            flush()
    flush()


_STAGED_SCHEMA = EVENT_SCHEMA.append(pa.field(PARTITION_KEY, pa.date32()))


def _stage_chunk(table: pa.Table, staged: Path, number: int) -> None:
    """Scratch files split by UTC date, without fsync: a crash only means loading again.

    Everything that enters the lake goes through ``write_events`` in ``_finish``.
    """
    table = lake_conform(table)  # the lake's own checks, at once, before anything else is read
    days = pc.cast(table.column("timestamp"), pa.date32())  # the UTC date, as write_events partitions
    ds.write_dataset(
        table.append_column(PARTITION_KEY, days), staged, format="parquet",
        partitioning=ds.partitioning(pa.schema([pa.field(PARTITION_KEY, pa.date32())]), flavor="hive"),
        basename_template=f"chunk{number}-{{i}}.parquet", existing_data_behavior="overwrite_or_ignore",
    )


def _finish(staging: Path, lake: Path, progress: Progress | None) -> tuple[int, int]:
    """Drop what the lake holds already, write one file per date in staging, then move them in.

    Returns (events written, events already in the lake).
    """
    staged_root = staging / "staged"
    ready = staging / "ready"
    folders = sorted(p for p in staged_root.glob(f"{PARTITION_KEY}=*") if p.is_dir()) if staged_root.is_dir() else []
    written = skipped = 0
    for done, folder in enumerate(folders, start=1):
        files = sorted(str(p) for p in folder.glob("*.parquet"))
        table = ds.dataset(files, format="parquet").to_table(columns=list(EVENT_SCHEMA.names))
        existing = _lake_ids(lake, folder.name, table.column("message_id"))
        if existing is not None and len(existing):
            keep = pc.invert(pc.is_in(table.column("message_id"), value_set=existing))
            before = table.num_rows
            table = table.filter(keep)
            skipped += before - table.num_rows
        if table.num_rows:
            write_events(table, lake_dir=ready)
            written += table.num_rows
        if progress:
            progress("finish", done, len(folders) * 2)
    moves = sorted(events_dir(ready).glob(f"{PARTITION_KEY}=*/*.parquet")) if events_dir(ready).is_dir() else []
    touched: set[Path] = set()
    for path in moves:
        target = events_dir(lake) / path.parent.name
        if not target.is_dir():
            make_dirs(target)
        os.replace(path, target / path.name)
        touched.add(target)
    for folder in touched:
        fsync_dir(folder)
    if progress:
        progress("finish", len(folders) * 2, len(folders) * 2)
    return written, skipped


def _lake_ids(lake: Path, partition: str, wanted: pa.ChunkedArray) -> pa.Array | None:
    folder = events_dir(lake) / partition
    files = sorted(str(p) for p in folder.glob("*.parquet")) if folder.is_dir() else []
    if not files:
        return None
    values = pc.unique(wanted.combine_chunks() if isinstance(wanted, pa.ChunkedArray) else wanted)
    found = ds.dataset(files, format="parquet").to_table(
        columns=["message_id"], filter=pc.is_in(pc.field("message_id"), value_set=values),
    )
    return pc.unique(found.column("message_id").combine_chunks())


def _audit(actor: Any, result: LoadResult) -> None:
    from django.db import transaction

    from csops.audit.services import record

    with transaction.atomic():
        record(actor, "events.load", None, {
            "source": result.source, "format": result.format, "rows": result.rows, "loaded": result.loaded,
            "duplicates": result.duplicates, "already_in_lake": result.already_in_lake,
        })


__all__ = [
    "ALIASES", "FORMATS", "LoadError", "LoadResult", "detect_format", "load_file", "load_sql", "parse_map_options",
    "parse_timestamp",
]
