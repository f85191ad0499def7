"""The one seam between csops and the event lake: Ibis expressions over the Parquet files.

Every other part of csops reads events through this module, never through file paths:

- ``events(start=, end=)`` is the lake as an Ibis table on the configured engine, with
  identity resolution applied (an anonymous event gets the ``user_id`` an ``identify`` or
  ``alias`` linked to its ``anonymous_id``; an event without ``account_id`` gets the account of
  its user's contact);
- the named queries (``daily_event_counts``, ``active_users``, ``top_events``, ``top_features``,
  ``last_seen``, ``explore``) are the questions the pages and the health scores ask;
- ``run(expr, tag=, params=)`` executes every query: it binds the parameters, tags the query
  for the logs (and for the Spark UI), converts the result to plain Python values and turns any
  engine error into one ``QueryError``.

Engines (docs/usage-queries.md): DuckDB in-process by default (``CSOPS_ENGINE=duckdb``), reading
the Parquet files with Hive partitioning; PySpark with ``CSOPS_ENGINE=pyspark`` and
``CSOPS_SPARK_MASTER`` (``local[*]`` by default, ``spark://host:7077`` or ``yarn`` on a cluster).
The same expressions run on both; tests compare their answers over one generated lake.

Ids, not querysets, cross this seam: callers pass account external ids and get numbers, dates
and dicts back. The identity links and contacts travel into the engine as small in-memory tables.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import logging
import os
import sys
import threading
import time
import zoneinfo
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, TypedDict

import ibis
import ibis.expr.types as ir
import pyarrow as pa
from django.conf import settings
from django.utils import timezone

from csops.usage.lake import EVENT_SCHEMA, PARTITION_KEY, events_dir, events_glob, has_events

logger = logging.getLogger("csops.usage.query")

ENGINES = ("duckdb", "pyspark")
DEFAULT_ENGINE = "duckdb"
DEFAULT_SPARK_MASTER = "local[*]"
# Event types that mean someone used the product; identify and group calls only describe people.
USAGE_TYPES = ("track", "page", "screen")
# The explorer reads at most this many rows past the page it shows (offset + limit).
MAX_EXPLORE_ROWS = 10_000
_SECONDS_PER_DAY = 86_400
_EPOCH = dt.date(1970, 1, 1)
_UTC = dt.UTC
_TS = "timestamp('UTC')"


class QueryError(Exception):
    """A query failed in the engine (unreadable file, bad configuration, engine crash...)."""

    def __init__(self, message: str, *, tag: str = "", engine: str = "") -> None:
        super().__init__(message)
        self.tag = tag
        self.engine = engine


class FeatureDef(TypedDict):
    """A product feature as the query layer needs it: plain values from the registry."""

    product: str
    key: str
    name: str
    event_name: str
    property_filter: dict[str, Any]


class TopEvent(TypedDict):
    event: str
    events: int
    users: int


class TopFeature(TypedDict):
    product: str
    key: str
    name: str
    events: int
    users: int


class ExploreFilters(TypedDict, total=False):
    account_id: str | None  # Account.external_id (after identity resolution)
    user_id: str | None  # matches the resolved user id or the anonymous id
    event: str | None
    type: str | None
    start: dt.datetime | dt.date | None  # inclusive; a date is midnight in the company's time zone
    end: dt.datetime | dt.date | None  # exclusive


class ExplorePage(TypedDict):
    rows: list[dict[str, Any]]
    has_more: bool
    offset: int
    limit: int


class AccountUsage(TypedDict):
    """What the account page shows about usage (``account_usage``)."""

    days: list[tuple[dt.date, int]]  # events per local day, oldest first
    total_events: int
    active_users_7: int
    active_users_30: int
    features: list[TopFeature]  # empty when no feature is mapped or none was used
    top_events: list[TopEvent]  # raw event names, when no feature is mapped
    features_mapped: bool
    last_seen: dt.datetime | None


# --------------------------------------------------------------------------------------------
# Engines and connections


def engine() -> str:
    """The configured engine name; raises QueryError on an unknown one."""
    name = str(getattr(settings, "CSOPS_ENGINE", DEFAULT_ENGINE) or DEFAULT_ENGINE).strip().lower()
    if name not in ENGINES:
        raise QueryError(f"CSOPS_ENGINE must be one of {', '.join(ENGINES)}, got {name!r}", engine=name)
    return name


_lock = threading.Lock()
_local = threading.local()
_duckdb_db: dict[int, Any] = {}  # pid -> duckdb connection (the in-memory database)
_spark: dict[int, Any] = {}  # pid -> ibis pyspark backend
_generation = [0]  # bumped by reset_connections: every thread then opens a new cursor


def connection(name: str | None = None) -> Any:
    """The Ibis backend for the engine, created once per process.

    DuckDB: one in-memory database per process; each thread gets its own cursor (a DuckDB
    connection object must not be used by two threads at once, its cursors may). Spark: one
    SparkSession per process (Spark itself is thread-safe). A forked child opens its own.
    """
    name = name or engine()
    if name == "duckdb":
        return _duckdb_backend()
    return _spark_backend()


def _duckdb_backend() -> Any:
    pid = os.getpid()
    cached = getattr(_local, "duckdb", None)
    if cached is not None and cached[0] == (pid, _generation[0]):
        return cached[1]
    import duckdb

    with _lock:
        db = _duckdb_db.get(pid)
        if db is None:
            _duckdb_db.clear()  # a forked child must not share its parent's connection
            db = _duckdb_db[pid] = duckdb.connect(":memory:")
        cursor = db.cursor()
        generation = _generation[0]
    backend = ibis.duckdb.from_connection(cursor)  # sets the session time zone to UTC
    _local.duckdb = ((pid, generation), backend)
    return backend


def spark_session(master: str | None = None, *, app_name: str = "csops") -> Any:
    """The process's SparkSession (created on first use) with the settings csops relies on."""
    from pyspark.sql import SparkSession

    master = master or str(getattr(settings, "CSOPS_SPARK_MASTER", DEFAULT_SPARK_MASTER) or DEFAULT_SPARK_MASTER)
    builder = (
        SparkSession.builder.appName(app_name)
        .master(master)
        # Timestamps are instants in UTC everywhere in csops; dates from the folder names.
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
    )
    if master.startswith("local"):
        # A laptop or a test: no web UI, one shuffle partition per core (Spark's 200 are for
        # clusters), this interpreter for Python workers.
        cores = master.removeprefix("local").strip("[]").split(",")[0]
        parallelism = str(os.cpu_count() or 2) if cores in ("", "*") else cores
        builder = (
            builder.config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", parallelism)
            .config("spark.default.parallelism", parallelism)
            .config("spark.pyspark.python", sys.executable)
            .config("spark.pyspark.driver.python", sys.executable)
        )
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    # py4j logs every connection it opens and closes at INFO.
    logging.getLogger("py4j").setLevel(logging.WARNING)
    return session


def _spark_backend() -> Any:
    pid = os.getpid()
    with _lock:
        backend = _spark.get(pid)
        if backend is None:
            _spark.clear()
            backend = _spark[pid] = ibis.pyspark.connect(spark_session())
    return backend


def reset_connections() -> None:
    """Forget the cached backends (tests; after changing CSOPS_ENGINE at run time). Spark keeps running."""
    with _lock:
        for db in _duckdb_db.values():
            db.close()
        _duckdb_db.clear()
        _spark.clear()
        _spark_views.clear()
        _generation[0] += 1


# --------------------------------------------------------------------------------------------
# The sandbox of custom SQL measures

# Limits of a custom SQL measure's DuckDB database (Django settings; docs/health.md).
DEFAULT_SANDBOX_MEMORY_LIMIT = "1GB"
DEFAULT_SANDBOX_THREADS = 2
DEFAULT_SANDBOX_TIMEOUT_SECONDS = 120.0


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@contextlib.contextmanager
def sandbox_connection(*, lake: bool = True) -> Iterator[Any]:
    """A fresh, locked-down DuckDB backend for SQL that CS Ops wrote (the custom SQL measures).

    A database of its own (never the shared one of ``connection``), opened with file access off
    (``enable_external_access = false``): with ``lake`` only the event folder of the lake can be
    read (``allowed_directories``), without it no file at all; names do not resolve to Python
    objects of the caller. A memory limit and a thread count apply, the configuration is then
    locked (``lock_configuration``) so that no statement can change it back, and a query still
    running after ``CSOPS_CUSTOM_SQL_TIMEOUT`` seconds is interrupted. In-memory tables (Ibis
    memtables, registered Arrow tables) still work. The database is closed on exit. DuckDB only:
    Spark has no such switch (docs/health.md).
    """
    import duckdb

    db = duckdb.connect(":memory:")
    timer: threading.Timer | None = None
    try:
        backend = ibis.duckdb.from_connection(db)  # sets the session time zone, before the lock
        folder = events_dir(_lake_dir())
        # As written and with links resolved: DuckDB compares the paths it is asked to open.
        allowed = sorted({str(p).rstrip(os.sep) + os.sep for p in (folder, folder.resolve())}) if lake else []
        memory = str(getattr(settings, "CSOPS_CUSTOM_SQL_MEMORY_LIMIT", DEFAULT_SANDBOX_MEMORY_LIMIT))
        threads = int(getattr(settings, "CSOPS_CUSTOM_SQL_THREADS", DEFAULT_SANDBOX_THREADS))
        for statement in (
            f"SET allowed_directories = [{', '.join(_sql_string(p) for p in allowed)}]",
            "SET enable_external_access = false",
            "SET autoinstall_known_extensions = false",
            # A relation name must not reach a Python object of the calling code either.
            "SET python_enable_replacements = false",
            f"SET memory_limit = {_sql_string(memory)}",
            f"SET threads = {max(1, threads)}",
            "SET lock_configuration = true",
        ):
            db.execute(statement)
        timeout = float(getattr(settings, "CSOPS_CUSTOM_SQL_TIMEOUT", DEFAULT_SANDBOX_TIMEOUT_SECONDS))
        if timeout > 0:
            timer = threading.Timer(timeout, db.interrupt)
            timer.daemon = True
            timer.start()
        yield backend
    finally:
        if timer is not None:
            timer.cancel()
        db.close()


# --------------------------------------------------------------------------------------------
# The lake as a table


def _lake_dir() -> str:
    return str(settings.CSOPS_LAKE_DIR)


_LAKE_SCHEMA = ibis.schema(
    {
        **{f.name: ("string" if pa.types.is_string(f.type) else _TS) for f in EVENT_SCHEMA},
        PARTITION_KEY: "date",
    }
)


def _raw_events(con: Any) -> ir.Table:
    lake = _lake_dir()
    if not has_events(lake):
        return ibis.memtable(
            pa.table({name: pa.array([], type=dtype.to_pyarrow()) for name, dtype in _LAKE_SCHEMA.items()}),
            schema=_LAKE_SCHEMA,
        )
    if con.name == "duckdb":
        # A fixed view name per thread (each thread has its own cursor): re-created on every call,
        # so files written since the last query are seen.
        table = con.read_parquet(events_glob(lake), table_name="csops_events", hive_partitioning=True)
    else:
        table = con.read_parquet(str(events_dir(lake)), table_name="csops_events")
    # Spark reads timestamp[us, UTC] as a plain timestamp: the session time zone is UTC, so the
    # values are the same instants; cast so that both engines see one schema.
    schema = table.schema()
    return table.select(
        *[table[name].cast(dtype).name(name) if not _same_type(schema[name], dtype) else table[name]
          for name, dtype in _LAKE_SCHEMA.items()]
    )


def _same_type(found: Any, wanted: Any) -> bool:
    """Equal, or both microsecond timestamps in the same zone (DuckDB reports scale 6, the schema none):
    a no-op cast in every filter would keep DuckDB from using the Parquet statistics."""
    if found == wanted:
        return True
    return (found.is_timestamp() and wanted.is_timestamp() and found.timezone == wanted.timezone
            and found.scale in (None, 6) and wanted.scale in (None, 6))


def _identity_tables(con: Any, account_external_id: str | None) -> tuple[ir.Table | None, ir.Table | None]:
    """(anonymous id -> user id) and (user id -> account external id) as small tables, or None when empty."""
    from csops.customers.models import Contact
    from csops.usage.models import IdentityLink

    links = sorted(IdentityLink.objects.values_list("anonymous_id", "user_id"))
    contacts = Contact.objects.exclude(external_id__isnull=True).exclude(external_id="")
    if account_external_id is not None:
        # Only this account's contacts can attribute an event to it.
        contacts = contacts.filter(account__external_id=account_external_id)
    people = sorted(contacts.values_list("external_id", "account__external_id"))
    return (
        _small_table(con, "links", ("_anon", "_linked_user"), links),
        _small_table(con, "people", ("_person", "_person_account"), people),
    )


_spark_views: dict[str, float] = {}  # view name -> when a query last used it (time.monotonic)
_SPARK_VIEWS_KEPT = 64
_SPARK_VIEW_IDLE_SECONDS = 600.0  # never drop a view a query may still be running on


def _small_table(con: Any, kind: str, names: tuple[str, str], rows: list[tuple[str, str]]) -> ir.Table | None:
    """Pairs of strings as a table the engine joins cheaply; None when there are none (no join needed).

    DuckDB: an Ibis in-memory table. Spark: a temporary view marked for broadcast (an in-memory
    table has no size statistics there, so Spark would shuffle both sides of every join), kept
    under a name derived from its content so that the next query reuses it instead of shipping
    the same rows again. Views idle for ten minutes are dropped once there are many.
    """
    if not rows:
        return None
    data = pa.table({names[0]: [r[0] for r in rows], names[1]: [r[1] for r in rows]},
                    schema=pa.schema([(names[0], pa.string()), (names[1], pa.string())]))
    if con.name != "pyspark":
        return ibis.memtable(data)
    digest = hashlib.sha256()
    for a, b in rows:
        digest.update(f"{a}\x00{b}\x01".encode())
    view = f"csops_{kind}_{digest.hexdigest()[:20]}"
    with _lock:
        now = time.monotonic()
        if view not in _spark_views:
            from pyspark.sql import functions as F  # noqa: N812 - Spark's own convention

            session = con._session
            frame = session.createDataFrame(data.to_pandas(), schema=f"{names[0]} string, {names[1]} string")
            F.broadcast(frame).createOrReplaceTempView(view)
            idle = sorted((used, name) for name, used in _spark_views.items()
                          if now - used > _SPARK_VIEW_IDLE_SECONDS)
            for _used, name in idle[:max(0, len(_spark_views) + 1 - _SPARK_VIEWS_KEPT)]:
                session.catalog.dropTempView(name)
                del _spark_views[name]
        _spark_views[view] = now
    return con.table(view)


def _aware(moment: dt.datetime | dt.date) -> dt.datetime:
    if isinstance(moment, dt.datetime):
        if timezone.is_naive(moment):
            raise ValueError("start and end must be timezone-aware datetimes")
        return moment.astimezone(_UTC)
    # A date means the start of that day in the company's time zone.
    return dt.datetime.combine(moment, dt.time(), tzinfo=_company_tz()).astimezone(_UTC)


def events(
    *,
    start: dt.datetime | dt.date | None = None,
    end: dt.datetime | dt.date | None = None,
    account_external_id: str | None = None,
    con: Any = None,
) -> ir.Table:
    """The lake as an Ibis table, identities resolved, on the configured engine (or on ``con``).

    Columns are those of ``EVENT_SCHEMA`` plus ``date`` (the UTC date of the folder). ``start`` is
    inclusive, ``end`` exclusive; a ``date`` means midnight in the company's time zone. With
    ``account_external_id`` only that account's events are kept (after resolution), which lets
    the engine skip other accounts' rows early. An empty or missing lake is an empty table.
    """
    name = con.name if con is not None else engine()
    try:
        con = con if con is not None else connection(name)
        t = _raw_events(con)
    except Exception as exc:  # noqa: BLE001 - opening the lake is part of the query
        raise QueryError(f"cannot open the event lake on {name}: {exc}", tag="usage.events", engine=name) from exc
    if start is not None:
        lo = _aware(start)
        t = t.filter(t[PARTITION_KEY] >= lo.date(), t.timestamp >= ibis.literal(lo, _TS))
    if end is not None:
        hi = _aware(end)
        t = t.filter(t[PARTITION_KEY] <= hi.date(), t.timestamp < ibis.literal(hi, _TS))
    if account_external_id is not None:
        # Events that name another account can never be this account's.
        t = t.filter(t.account_id.isnull() | (t.account_id == account_external_id))
    links, people = _identity_tables(con, account_external_id)
    if links is not None:
        t = t.left_join(links, t.anonymous_id == links._anon)
        t = t.mutate(user_id=ibis.coalesce(t.user_id, t._linked_user)).drop("_anon", "_linked_user")
    if people is not None:
        t = t.left_join(people, t.user_id == people._person)
        t = t.mutate(account_id=ibis.coalesce(t.account_id, t._person_account)).drop("_person", "_person_account")
    if account_external_id is not None:
        t = t.filter(t.account_id == account_external_id)
    return t


# --------------------------------------------------------------------------------------------
# The one function that executes queries


def run(
    expr: ir.Expr,
    *,
    tag: str,
    params: Mapping[Any, Any] | None = None,
    limit: int | None = None,
    con: Any = None,
) -> list[dict[str, Any]]:
    """Execute ``expr`` and return its rows as dicts of plain Python values.

    ``tag`` names the query in the logs (``csops.usage.query``) and in the Spark UI; ``params``
    binds ``ibis.param`` placeholders. Timestamps come back timezone-aware in UTC on every
    engine. Any failure of the engine becomes a ``QueryError``. ``con``: another backend than the
    configured engine's (the custom SQL sandbox).
    """
    name = con.name if con is not None else engine()
    started = time.perf_counter()
    try:
        con = con if con is not None else connection(name)
        if name == "pyspark":
            con._session.sparkContext.setJobDescription(f"csops:{tag}")
        table = con.to_pyarrow(expr.as_table(), params=dict(params or {}), limit=limit)
    except QueryError:
        raise
    except Exception as exc:  # noqa: BLE001 - one error type for every engine's failures
        logger.warning("query %s failed on %s: %s", tag, name, exc)
        raise QueryError(f"query {tag} failed on {name}: {exc}", tag=tag, engine=name) from exc
    rows = _plain_rows(table)
    logger.debug("query %s on %s: %d rows in %.1f ms", tag, name, len(rows), (time.perf_counter() - started) * 1000)
    return rows


def _plain_rows(table: pa.Table) -> list[dict[str, Any]]:
    columns = {}
    for name, column in zip(table.column_names, table.columns, strict=True):
        if pa.types.is_timestamp(column.type) and column.type.tz is None:
            # Spark returns UTC instants without a zone (its session time zone is UTC).
            column = column.cast(pa.timestamp(column.type.unit, tz="UTC"))
        if pa.types.is_timestamp(column.type) and column.type.tz not in ("UTC", "+00:00"):
            column = column.cast(pa.timestamp(column.type.unit, tz="UTC"))
        columns[name] = column
    return pa.table(columns).to_pylist() if columns else []


def sql(expr: ir.Expr, *, dialect: str | None = None) -> str:
    """The SQL an expression compiles to (for logs, docs and tests)."""
    return str(ibis.to_sql(expr, dialect=dialect or engine()))


# --------------------------------------------------------------------------------------------
# Local days


def _company_tz() -> dt.tzinfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def _window(days: int, as_of: dt.date | None) -> tuple[dt.date, dt.date]:
    """The first and last local day of the ``days`` days ending with ``as_of`` (today by default)."""
    if days < 1:
        raise ValueError("days must be at least 1")
    last = as_of or timezone.localdate()
    return last - dt.timedelta(days=days - 1), last


def _offset_segments(tz: dt.tzinfo, start: dt.datetime, end: dt.datetime) -> list[tuple[dt.datetime | None, int]]:
    """The UTC offset of ``tz`` between two instants, as (until, seconds) segments; the last has until None.

    Found by stepping day by day and bisecting to the second where the offset changes, so
    daylight-saving zones get exact local days and Asia/Tokyo gets a single segment.
    """

    def offset(at: dt.datetime) -> int:
        return int(at.astimezone(tz).utcoffset().total_seconds())  # type: ignore[union-attr]

    segments: list[tuple[dt.datetime | None, int]] = []
    current = offset(start)
    cursor = start
    while cursor < end:
        step = min(cursor + dt.timedelta(days=1), end)
        if offset(step) != current:
            lo, hi = cursor, step  # offset(lo) == current != offset(hi)
            while (hi - lo) > dt.timedelta(seconds=1):
                mid = lo + (hi - lo) / 2
                mid = mid.replace(microsecond=0)
                if mid <= lo:
                    break
                if offset(mid) == current:
                    lo = mid
                else:
                    hi = mid
            segments.append((hi, current))
            current = offset(hi)
            cursor = hi
        else:
            cursor = step
    segments.append((None, current))
    return segments


@ibis.udf.scalar.builtin(name="epoch_us")
def _duckdb_epoch_us(ts: dt.datetime) -> int:  # type: ignore[empty-body]
    """DuckDB: microseconds since the epoch of a TIMESTAMPTZ, as an integer."""


def _local_day_number(ts: ir.TimestampValue, segments: Sequence[tuple[dt.datetime | None, int]]) -> ir.IntegerValue:
    """Days since 1970-01-01 of ``ts`` in local time, as an integer (the same on every engine)."""
    # DuckDB: integer arithmetic on the stored microseconds. Ibis's epoch_seconds() compiles there to
    # EPOCH(CAST(ts AS TIMESTAMP)), a time-zone conversion and a float per event, which made the
    # health scoring query 25 % slower than the same query written by hand.
    seconds_since_epoch = _duckdb_epoch_us(ts) // 1_000_000 if engine() == "duckdb" else ts.epoch_seconds()

    def shifted(seconds: int) -> ir.IntegerValue:
        return (seconds_since_epoch + seconds) // _SECONDS_PER_DAY

    if len(segments) == 1:
        return shifted(segments[0][1])
    cases = [(ts < ibis.literal(until, _TS), shifted(seconds)) for until, seconds in segments[:-1]]
    return ibis.cases(*cases, else_=shifted(segments[-1][1]))


def _day(number: int) -> dt.date:
    return _EPOCH + dt.timedelta(days=int(number))


# --------------------------------------------------------------------------------------------
# Named queries: what the pages and the health scores ask


def _usage(t: ir.Table) -> ir.Table:
    return t.filter(t.type.isin(USAGE_TYPES))


def daily_event_counts(
    account_external_id: str, days: int, *, as_of: dt.date | None = None
) -> list[tuple[dt.date, int]]:
    """Usage events per local day for the ``days`` days ending ``as_of``, oldest first, zeros included."""
    first, last = _window(days, as_of)
    start, end = _aware(first), _aware(last + dt.timedelta(days=1))
    t = _usage(events(start=start, end=end, account_external_id=account_external_id))
    day = _local_day_number(t.timestamp, _offset_segments(_company_tz(), start, end)).name("day")
    expr = t.group_by(day).aggregate(events=t.count())
    counts = {_day(r["day"]): int(r["events"]) for r in run(expr, tag="usage.daily_event_counts")}
    return [(first + dt.timedelta(days=i), counts.get(first + dt.timedelta(days=i), 0)) for i in range(days)]


def active_users(account_external_id: str, days: int, *, as_of: dt.date | None = None) -> int:
    """Distinct known users (after identity resolution) with a usage event in the window."""
    first, last = _window(days, as_of)
    t = _usage(events(start=first, end=last + dt.timedelta(days=1), account_external_id=account_external_id))
    expr = t.aggregate(users=t.user_id.nunique())
    rows = run(expr, tag="usage.active_users")
    return int(rows[0]["users"] or 0) if rows else 0


def top_events(account_external_id: str, days: int, n: int = 5, *, as_of: dt.date | None = None) -> list[TopEvent]:
    """The ``n`` most frequent event names of the account in the window (ties by name)."""
    first, last = _window(days, as_of)
    t = _usage(events(start=first, end=last + dt.timedelta(days=1), account_external_id=account_external_id))
    t = t.filter(t.event.notnull())
    expr = (
        t.group_by("event")
        .aggregate(events=t.count(), users=t.user_id.nunique())
        .order_by([ibis.desc("events"), "event"])
        .limit(n)
    )
    return [TopEvent(event=r["event"], events=int(r["events"]), users=int(r["users"] or 0))
            for r in run(expr, tag="usage.top_events")]


@ibis.udf.scalar.builtin(name="json_extract_string")
def _duckdb_json_text(doc: str, path: str) -> str:  # type: ignore[empty-body]
    """DuckDB: the text of one JSON member (a JSON pointer path)."""


@ibis.udf.scalar.builtin(name="get_json_object")
def _spark_json_text(doc: str, path: str) -> str:  # type: ignore[empty-body]
    """Spark: the text of one JSON member (a JSONPath)."""


def json_text(column: ir.StringValue, key: str, *, engine_name: str | None = None) -> ir.StringValue:
    """The text of the top-level member ``key`` of a JSON-object column (null when absent).

    Strings come back without quotes, numbers and booleans as written (``1.5``, ``true``).
    Ibis's own JSON unwrapping runs as a Python UDF on Spark; the engines' built-ins are faster.
    """
    if (engine_name or engine()) == "duckdb":
        pointer = "/" + key.replace("~", "~0").replace("/", "~1")
        return _duckdb_json_text(column, pointer)
    return _spark_json_text(column, f"$['{key}']")


def json_scalar_text(value: Any) -> str:
    """How ``json_text`` shows a scalar: ``"invoice"`` -> ``invoice``, ``True`` -> ``true``, ``2`` -> ``2``."""
    return value if isinstance(value, str) else json.dumps(value)


def feature_condition(t: ir.Table, feature: FeatureDef, *, engine_name: str | None = None) -> ir.BooleanValue:
    """Whether an event is a use of ``feature``: its name, and every property in the filter."""
    condition = t.event == feature["event_name"]
    for key, value in sorted(feature["property_filter"].items()):
        condition &= json_text(t.properties, key, engine_name=engine_name) == json_scalar_text(value)
    return condition


def top_features(
    account_external_id: str,
    days: int,
    n: int = 5,
    *,
    as_of: dt.date | None = None,
    features: Iterable[FeatureDef] | None = None,
) -> list[TopFeature]:
    """The account's ``n`` most used features in the window, by events (ties by name).

    ``features`` defaults to the registry's features for the account's products (all features
    when it has no contract). Features with no use are left out; an event can count for several
    features (``send`` and ``send an invoice``).
    """
    if features is None:
        from csops.usage.features import definitions_for_account

        features = definitions_for_account(account_external_id)
    defs = list(features)
    if not defs:
        return []
    first, last = _window(days, as_of)
    t = _usage(events(start=first, end=last + dt.timedelta(days=1), account_external_id=account_external_id))
    t = t.filter(t.event.isin(sorted({f["event_name"] for f in defs})))
    name = engine()
    metrics = {}
    for i, feature in enumerate(defs):
        condition = feature_condition(t, feature, engine_name=name)
        metrics[f"e{i}"] = t.count(where=condition)
        metrics[f"u{i}"] = t.user_id.nunique(where=condition)
    rows = run(t.aggregate(**metrics), tag="usage.top_features")
    row = rows[0] if rows else {}
    used = [
        TopFeature(product=f["product"], key=f["key"], name=f["name"], events=int(row.get(f"e{i}") or 0),
                   users=int(row.get(f"u{i}") or 0))
        for i, f in enumerate(defs)
    ]
    used = [f for f in used if f["events"]]
    used.sort(key=lambda f: (-f["events"], f["name"], f["key"]))
    return used[:n]


def last_seen(account_external_id: str) -> dt.datetime | None:
    """When the account last used the product (its latest usage event), or None."""
    t = _usage(events(account_external_id=account_external_id))
    rows = run(t.aggregate(last=t.timestamp.max()), tag="usage.last_seen")
    return rows[0]["last"] if rows else None


EXPLORE_COLUMNS = ("timestamp", "type", "event", "account_id", "user_id", "anonymous_id", "message_id",
                   "received_at", "properties", "context")


def explore(filters: ExploreFilters | Mapping[str, Any], limit: int = 50, offset: int = 0) -> ExplorePage:
    """Raw events, newest first, matching ``filters``; one page of ``limit`` rows from ``offset``.

    The engine returns the first ``offset + limit + 1`` rows and the page is cut here: an OFFSET
    is not reliable on every engine, and the extra row tells whether a next page exists.
    """
    if limit < 1 or offset < 0:
        raise ValueError("limit must be positive and offset not negative")
    if offset + limit > MAX_EXPLORE_ROWS:
        raise ValueError(f"the explorer shows the first {MAX_EXPLORE_ROWS} matching events; narrow the filters")
    account = filters.get("account_id") or None
    t = events(start=filters.get("start"), end=filters.get("end"), account_external_id=account)
    if filters.get("user_id"):
        t = t.filter((t.user_id == filters["user_id"]) | (t.anonymous_id == filters["user_id"]))
    if filters.get("event"):
        t = t.filter(t.event == filters["event"])
    if filters.get("type"):
        t = t.filter(t.type == filters["type"])
    expr = t.select(*EXPLORE_COLUMNS).order_by([ibis.desc("timestamp"), "message_id"]).limit(offset + limit + 1)
    rows = run(expr, tag="usage.explore")
    page = rows[offset:offset + limit]
    return ExplorePage(rows=page, has_more=len(rows) > offset + limit, offset=offset, limit=limit)


def account_usage(account_external_id: str, *, days: int = 90, as_of: dt.date | None = None) -> AccountUsage:
    """The usage panel of the account page, from the named queries above."""
    from csops.usage.features import definitions_for_account

    per_day = daily_event_counts(account_external_id, days, as_of=as_of)
    total = sum(n for _, n in per_day)
    defs = definitions_for_account(account_external_id)
    seen = last_seen(account_external_id)
    if not total:
        return AccountUsage(days=per_day, total_events=0, active_users_7=0, active_users_30=0, features=[],
                            top_events=[], features_mapped=bool(defs), last_seen=seen)
    return AccountUsage(
        days=per_day,
        total_events=total,
        active_users_7=active_users(account_external_id, 7, as_of=as_of),
        active_users_30=active_users(account_external_id, 30, as_of=as_of),
        features=top_features(account_external_id, 30, 5, as_of=as_of, features=defs) if defs else [],
        top_events=[] if defs else top_events(account_external_id, 30, 5, as_of=as_of),
        features_mapped=bool(defs),
        last_seen=seen,
    )
