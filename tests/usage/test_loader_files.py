"""Loading events from CSV, JSONL and Parquet files: column mapping, properties, message ids, formats."""

from __future__ import annotations

import datetime as dt
import gzip
import io
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from csops.audit.models import AuditEntry
from csops.usage.lake import events_dataset
from csops.usage.loaders import LoadError, load_file, parse_map_options

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
UTC = dt.UTC
JST = dt.timezone(dt.timedelta(hours=9))


def lake_rows(settings) -> list[dict]:
    table = events_dataset(settings.CSOPS_LAKE_DIR).to_table()
    return sorted(table.to_pylist(), key=lambda r: (r["timestamp"], r["message_id"]))


CSV = (
    "event,userId,groupId,timestamp,plan,seats\n"
    "document_sent,U-1,ACME-1,2026-03-01T09:00:00+09:00,pro,10\n"
    "login,U-2,ACME-1,2026-03-02 10:00:00,,\n"
)


def test_a_csv_is_mapped_by_its_headers_and_the_other_columns_become_properties(settings):
    result = load_file(CSV.encode(), filename="events.csv")
    assert result.ok and result.written
    assert (result.rows, result.loaded) == (2, 2)
    assert result.columns == {"event": "event", "userId": "user_id", "groupId": "account_id",
                              "timestamp": "timestamp"}
    assert result.properties_columns == ["plan", "seats"]
    first, second = lake_rows(settings)
    assert (first["type"], first["event"], first["user_id"], first["account_id"]) == (
        "track", "document_sent", "U-1", "ACME-1")
    assert first["timestamp"] == dt.datetime(2026, 3, 1, 0, 0, tzinfo=UTC)
    assert json.loads(first["properties"]) == {"plan": "pro", "seats": "10"}
    # A timestamp without a zone is UTC unless --timezone says otherwise; empty cells are left out.
    assert second["timestamp"] == dt.datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    assert json.loads(second["properties"]) == {}
    assert first["received_at"] >= dt.datetime.now(UTC) - dt.timedelta(minutes=5)


def test_loading_the_same_file_twice_writes_nothing_the_second_time(settings):
    assert load_file(CSV.encode(), filename="events.csv").loaded == 2
    again = load_file(CSV.encode(), filename="events.csv")
    assert again.ok and (again.loaded, again.already_in_lake) == (0, 2)
    assert len(lake_rows(settings)) == 2
    assert all(r["message_id"].startswith("ld-") for r in lake_rows(settings))


def test_identical_rows_in_one_file_are_separate_events_with_stable_ids(settings):
    data = "event,user_id,timestamp\nlike,U-1,2020-01-08 00:32:01\nlike,U-1,2020-01-08 00:32:01\n"
    assert load_file(data.encode(), filename="a.csv").loaded == 2
    ids = sorted(r["message_id"] for r in lake_rows(settings))
    assert ids[0] + "-2" == ids[1]
    assert load_file(data.encode(), filename="a.csv").loaded == 0


def test_repeated_message_ids_are_client_retries_and_are_skipped(settings):
    data = (
        "messageId,event,user_id,timestamp\n"
        "m-1,login,U-1,2026-03-01T00:00:00Z\n"
        "m-2,login,U-2,2026-03-01T00:00:00Z\n"
        "m-1,login,U-1,2026-03-01T00:00:00Z\n"
    )
    result = load_file(data.encode(), filename="a.csv")
    assert (result.rows, result.duplicates, result.loaded) == (3, 1, 2)
    assert sorted(r["message_id"] for r in lake_rows(settings)) == ["m-1", "m-2"]


def test_events_already_in_the_lake_are_skipped(settings):
    first = "message_id,event,user_id,timestamp\nm-1,login,U-1,2026-03-01T00:00:00Z\n"
    load_file(first.encode(), filename="a.csv")
    both = first + "m-2,login,U-1,2026-03-01T01:00:00Z\n"
    result = load_file(both.encode(), filename="b.csv")
    assert (result.loaded, result.already_in_lake) == (1, 1)
    assert [r["message_id"] for r in lake_rows(settings)] == ["m-1", "m-2"]


def test_map_options_feed_columns_to_fields_and_drop_columns(settings):
    data = "account_id,event_time,event_type_id,internal\n7,2020-01-09 02:19:27,2,x\n"
    result = load_file(data.encode(), filename="fc.csv",
                       mapping=parse_map_options(["event_type_id=event", "internal="]))
    assert result.ok, result.errors
    assert result.ignored_columns == ["internal"]
    (event,) = lake_rows(settings)
    assert (event["event"], event["account_id"], event["user_id"]) == ("2", "7", None)
    assert event["properties"] == "{}"


def test_map_options_are_checked(db):
    with pytest.raises(LoadError, match="not a lake field"):
        parse_map_options(["a=nonsense"])
    with pytest.raises(LoadError, match="COLUMN=FIELD"):
        parse_map_options(["justacolumn"])
    with pytest.raises(LoadError, match="several columns"):
        parse_map_options(["a=event", "b=event"])
    assert parse_map_options(["a=properties", "b=properties"]) == {"a": "properties", "b": "properties"}


def test_a_timezone_option_reads_naive_timestamps_in_that_zone(settings):
    data = "event,user_id,timestamp\nlogin,U-1,2026/3/1 9:00\n"
    assert load_file(data.encode(), filename="a.csv", timezone="Asia/Tokyo").ok
    assert lake_rows(settings)[0]["timestamp"] == dt.datetime(2026, 3, 1, 0, 0, tzinfo=UTC)
    with pytest.raises(LoadError, match="unknown time zone"):
        load_file(data.encode(), filename="a.csv", timezone="Mars/Olympus")


def test_epoch_seconds_and_milliseconds_are_timestamps(settings):
    data = "event,user_id,timestamp\na,U,1772323200\nb,U,1772323200000\n"
    assert load_file(data.encode(), filename="a.csv").loaded == 2
    assert {r["timestamp"] for r in lake_rows(settings)} == {dt.datetime(2026, 3, 1, tzinfo=UTC)}


def test_shift_jis_and_tab_separated_files_from_excel_are_read(settings):
    data = "event\tuser_id\ttimestamp\t部署\n資料送付\tU-1\t2026-03-01T00:00:00Z\t経理\n".encode("cp932")
    result = load_file(data, filename="excel.txt")
    assert result.ok and result.encoding == "cp932"
    (event,) = lake_rows(settings)
    assert event["event"] == "資料送付" and json.loads(event["properties"]) == {"部署": "経理"}


def test_gzip_files_are_read_as_they_are(settings, tmp_path):
    path = tmp_path / "events.csv.gz"
    path.write_bytes(gzip.compress(CSV.encode()))
    result = load_file(path)
    assert result.ok and result.format == "csv" and result.loaded == 2


def test_segment_style_jsonl_with_nested_properties_and_context(settings):
    lines = [
        {"type": "track", "event": "Document Sent", "userId": "U-1", "messageId": "seg-1",
         "timestamp": "2026-03-01T00:00:00.123Z", "properties": {"document": {"type": "invoice"}, "pages": 3},
         "context": {"groupId": "ACME-1", "library": {"name": "analytics-python"}}},
        {"type": "page", "anonymousId": "anon-1", "timestamp": "2026-03-01T00:01:00Z",
         "properties": {"path": "/pricing"}, "name": "Pricing", "sentAt": "2026-03-01T00:01:01Z",
         "integrations": {}, "writeKey": "wk_x", "originalTimestamp": "2026-03-01T00:01:00Z"},
        {"type": "identify", "userId": "U-1", "timestamp": "2026-03-01T00:02:00Z", "messageId": "seg-3",
         "traits": {"email": "u1@acme.example", "plan": "pro"}, "context": {"groupId": "ACME-1"}},
    ]
    data = "\n".join(json.dumps(line) for line in lines) + "\n\n"
    result = load_file(data.encode(), filename="export.jsonl")
    assert result.ok, result.errors
    track, page, identify = lake_rows(settings)
    assert (track["message_id"], track["account_id"], track["event"]) == ("seg-1", "ACME-1", "Document Sent")
    assert json.loads(track["properties"]) == {"document": {"type": "invoice"}, "pages": 3}
    assert json.loads(track["context"])["library"] == {"name": "analytics-python"}
    assert track["timestamp"] == dt.datetime(2026, 3, 1, 0, 0, 0, 123000, tzinfo=UTC)
    assert (page["type"], page["event"], page["anonymous_id"]) == ("page", None, "anon-1")
    # Segment's envelope (sentAt, integrations, writeKey...) is not the event's properties.
    assert json.loads(page["properties"]) == {"path": "/pricing", "name": "Pricing"}
    assert (identify["type"], identify["event"], identify["account_id"]) == ("identify", None, "ACME-1")
    assert json.loads(identify["properties"]) == {"email": "u1@acme.example", "plan": "pro"}


def test_parquet_with_typed_columns(settings, tmp_path):
    table = pa.table({
        "event_name": ["login", "export"],
        "user_id": pa.array([101, 102], pa.int64()),
        "ts": pa.array([dt.datetime(2026, 3, 1, 9, tzinfo=JST), dt.datetime(2026, 3, 1, 10, tzinfo=JST)],
                       pa.timestamp("ms", tz="Asia/Tokyo")),
        "rows": pa.array([None, 5], pa.int32()),
        "ratio": [0.5, 1.25],
        "day": pa.array([dt.date(2026, 3, 1), dt.date(2026, 3, 1)], pa.date32()),
    })
    path = tmp_path / "events.parquet"
    pq.write_table(table, path)
    result = load_file(path, mapping={"ts": "timestamp"})
    assert result.ok, result.errors
    login, export = lake_rows(settings)
    assert (login["user_id"], export["user_id"]) == ("101", "102")
    assert login["timestamp"] == dt.datetime(2026, 3, 1, 0, 0, tzinfo=UTC)
    assert json.loads(export["properties"]) == {"rows": 5, "ratio": 1.25, "day": "2026-03-01"}
    assert json.loads(login["properties"]) == {"ratio": 0.5, "day": "2026-03-01"}


def test_the_format_comes_from_the_name_or_the_option(db):
    with pytest.raises(LoadError, match="--format"):
        load_file(b"event,user_id,timestamp\n", filename="events.dat")
    result = load_file(io.BytesIO(b'{"event": "a", "userId": "U", "timestamp": "2026-03-01T00:00:00Z"}\n'),
                       format="jsonl", filename="events.dat", dry_run=True)
    assert result.ok and result.format == "jsonl"


def test_a_load_is_audited(settings):
    load_file(CSV.encode(), filename="events.csv")
    entry = AuditEntry.objects.get(action="events.load")
    assert entry.changes["loaded"] == 2 and entry.changes["source"] == "events.csv"
