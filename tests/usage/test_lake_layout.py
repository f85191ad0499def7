from __future__ import annotations

import datetime as dt
import glob

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from csops.usage.lake import EVENT_SCHEMA, events_dataset, events_glob, write_events
from tests.usage.events import UTC, event, events_table

JST = dt.timezone(dt.timedelta(hours=9))


def test_events_land_in_the_partition_of_their_utc_date(tmp_path):
    table = events_table(
        event("a", dt.datetime(2026, 1, 1, 23, 30, tzinfo=UTC)),
        # 08:00 in Tokyo on 2 January is still 1 January in UTC.
        event("b", dt.datetime(2026, 1, 2, 8, 0, tzinfo=JST)),
        event("c", dt.datetime(2026, 1, 2, 9, 0, tzinfo=JST)),
    )
    paths = write_events(table, lake_dir=tmp_path)
    assert [p.parent.name for p in paths] == ["date=2026-01-01", "date=2026-01-02"]
    assert all(p.parent.parent == tmp_path / "events" for p in paths)
    assert pq.read_table(paths[0]).column("message_id").to_pylist() == ["a", "b"]
    assert pq.read_table(paths[1]).column("message_id").to_pylist() == ["c"]


def test_each_file_has_exactly_the_event_schema(tmp_path):
    (path,) = write_events(events_table(event("a", dt.datetime(2026, 3, 1, tzinfo=UTC))), lake_dir=tmp_path)
    assert pq.read_schema(path).remove_metadata() == EVENT_SCHEMA
    assert path.suffix == ".parquet"


def test_the_lake_reads_back_with_pyarrow_hive_partitioning(tmp_path):
    rows = [event(f"m{k}", dt.datetime(2026, 2, 1 + k % 3, 12, tzinfo=UTC), user_id=f"USR-{k}") for k in range(9)]
    write_events(events_table(*rows[:5]), lake_dir=tmp_path)
    write_events(events_table(*rows[5:]), lake_dir=tmp_path)

    table = ds.dataset(tmp_path / "events", format="parquet", partitioning="hive").to_table()
    assert table.num_rows == 9
    assert sorted(table.column("date").unique().to_pylist()) == ["2026-02-01", "2026-02-02", "2026-02-03"]

    typed = events_dataset(tmp_path).to_table(filter=ds.field("date") == dt.date(2026, 2, 2))
    assert typed.schema.field("date").type == pa.date32()
    assert sorted(typed.column("message_id").to_pylist()) == ["m1", "m4", "m7"]


def test_the_glob_for_readers_matches_every_event_file(tmp_path):
    paths = write_events(
        events_table(event("a", dt.datetime(2026, 1, 1, tzinfo=UTC)), event("b", dt.datetime(2026, 1, 5, tzinfo=UTC))),
        lake_dir=tmp_path,
    )
    assert sorted(glob.glob(events_glob(tmp_path))) == sorted(str(p) for p in paths)
    assert events_glob(tmp_path) == f"{tmp_path}/events/date=*/*.parquet"


def test_writing_twice_adds_files_and_never_overwrites(tmp_path):
    day = dt.datetime(2026, 1, 1, 12, tzinfo=UTC)
    (first,) = write_events(events_table(event("a", day)), lake_dir=tmp_path)
    (second,) = write_events(events_table(event("b", day)), lake_dir=tmp_path)
    assert first != second and first.parent == second.parent
    assert events_dataset(tmp_path).count_rows() == 2


def test_an_empty_batch_writes_nothing(tmp_path):
    assert write_events(EVENT_SCHEMA.empty_table(), lake_dir=tmp_path) == []
    assert write_events([], lake_dir=tmp_path) == []
    assert not (tmp_path / "events").exists()
    assert events_dataset(tmp_path).count_rows() == 0


def test_record_batches_are_accepted(tmp_path):
    table = events_table(
        event("a", dt.datetime(2026, 1, 1, tzinfo=UTC)), event("b", dt.datetime(2026, 1, 2, tzinfo=UTC))
    )
    write_events(iter(table.to_batches(max_chunksize=1)), lake_dir=tmp_path)
    assert events_dataset(tmp_path).count_rows() == 2
