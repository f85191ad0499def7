"""A load is all or nothing: one bad row rejects the file, every bad row is reported, the lake is untouched."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from csops.usage import loaders
from csops.usage.lake import events_dataset, has_events
from csops.usage.loaders import MAX_ERRORS, load_file

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def test_every_bad_row_is_reported_by_row_and_column_and_nothing_is_written(settings):
    future = (dt.datetime.now(dt.UTC) + dt.timedelta(days=3)).isoformat()
    data = (
        "event,user_id,account_id,timestamp\n"
        "login,U-1,,2026-03-01T00:00:00Z\n"  # fine
        ",U-1,,2026-03-01T00:00:00Z\n"  # no event name
        "login,,,2026-03-01T00:00:00Z\n"  # nobody
        "login,U-1,,yesterday\n"  # not a timestamp
        f"login,U-1,,{future}\n"  # in the future
        "login,U-1,,2026-02-30T00:00:00\n"  # no such day
        "login,U-1,,0\n"  # an epoch of 0 is a missing value
    )
    result = load_file(data.encode(), filename="bad.csv")
    assert not result.ok and not result.written
    assert [(e["row"], e["field"]) for e in result.errors] == [
        (3, "event"), (4, "user_id"), (5, "timestamp"), (6, "timestamp"), (7, "timestamp"), (8, "timestamp"),
    ]
    assert "future" in result.errors[3]["message"]
    assert not has_events(settings.CSOPS_LAKE_DIR)


def test_a_dry_run_validates_and_reports_without_writing(settings):
    data = "message_id,event,user_id,timestamp\nm1,a,U,2026-03-01T00:00:00Z\nm1,a,U,2026-03-01T00:00:00Z\n"
    result = load_file(data.encode(), filename="a.csv", dry_run=True)
    assert result.ok and result.dry_run and not result.written
    assert (result.rows, result.duplicates, result.loaded) == (2, 1, 1)
    assert result.first_timestamp == dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    assert not has_events(settings.CSOPS_LAKE_DIR)


def test_missing_columns_are_named_once_not_on_every_row(db):
    result = load_file(b"name,when\nlogin,2026-03-01\n" * 1, filename="a.csv")
    assert [(e["row"], e["field"]) for e in result.errors] == [(1, "timestamp"), (1, "event"), (1, "user_id")]
    assert "--map" in result.errors[0]["message"]


def test_a_map_naming_an_absent_column_is_an_error(db):
    result = load_file(b"event,user_id,timestamp\na,U,2026-03-01T00:00:00Z\n", filename="a.csv",
                       mapping={"evt": "event"})
    assert result.errors[0] == {"row": 0, "field": "evt", "message": "--map names a column the source does not have"}


def test_malformed_csv_and_json_lines_are_reported_by_row(db):
    csv = b'event,user_id,timestamp\na,U,2026-03-01T00:00:00Z\n"b,U,2026-03-01T00:00:00Z,extra\nc,U\n'
    result = load_file(csv, filename="a.csv")
    assert not result.ok and result.errors[0]["row"] == 3
    jsonl = b'{"event": "a", "userId": "U", "timestamp": "2026-03-01T00:00:00Z"}\n{oops\n[1, 2]\n'
    result = load_file(jsonl, filename="a.jsonl")
    assert [(e["row"], e["message"].split(":")[0]) for e in result.errors] == [
        (2, "is not valid JSON"), (3, "must be a JSON object")]


def test_properties_must_be_a_json_object(db):
    data = 'event,user_id,timestamp,properties\na,U,2026-03-01T00:00:00Z,"[1,2]"\nb,U,2026-03-01T00:00:00Z,{x\n'
    result = load_file(data.encode(), filename="a.csv")
    assert [(e["row"], e["field"]) for e in result.errors] == [(2, "properties"), (3, "properties")]


def test_the_report_keeps_the_first_errors_and_counts_the_rest(db):
    data = "event,user_id,timestamp\n" + "a,U,never\n" * (MAX_ERRORS + 5)
    result = load_file(data.encode(), filename="a.csv")
    assert len(result.errors) == MAX_ERRORS and result.error_count == MAX_ERRORS + 5


def test_empty_files_are_refused(db):
    assert load_file(b"", filename="a.csv").errors[0]["message"] == "the file is empty"
    assert load_file(b"event,user_id,timestamp\n", filename="a.csv").errors[0]["message"] == \
        "the source has no data rows"


def test_a_failure_while_writing_leaves_the_lake_as_it_was(settings, monkeypatch):
    before = "message_id,event,user_id,timestamp\nold,a,U,2026-03-01T00:00:00Z\n"
    load_file(before.encode(), filename="a.csv")
    calls = {"n": 0}
    real = loaders.write_events

    def failing(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(loaders, "write_events", failing)
    # Three dates: the second date's file fails after the first was written in staging.
    data = before + "n1,a,U,2026-03-02T00:00:00Z\nn2,a,U,2026-03-03T00:00:00Z\nn3,a,U,2026-03-04T00:00:00Z\n"
    with pytest.raises(OSError, match="disk full"):
        load_file(data.encode(), filename="b.csv")
    assert events_dataset(settings.CSOPS_LAKE_DIR).to_table().column("message_id").to_pylist() == ["old"]
    assert not (settings.CSOPS_LAKE_DIR / loaders.STAGING_FOLDER).exists()


def test_a_source_that_changes_between_the_two_passes_is_rejected(settings, monkeypatch):
    data = "event,user_id,timestamp\na,U,2026-03-01T00:00:00Z\n"
    real_normalizer = loaders.Normalizer.__call__
    seen = {"n": 0}

    def changing(self, record):
        seen["n"] += 1
        if seen["n"] == 2:  # the write pass reads something else
            record = {**record, "timestamp": "garbage"}
        return real_normalizer(self, record)

    monkeypatch.setattr(loaders.Normalizer, "__call__", changing)
    result = load_file(data.encode(), filename="a.csv")
    assert not result.ok and "changed while it was loaded" in result.errors[0]["message"]
    assert not has_events(settings.CSOPS_LAKE_DIR)


def test_values_of_other_types_are_kept_as_json(db):
    event = loaders.Normalizer(loaders.ColumnMap({}), tz=dt.UTC, now=dt.datetime.now(dt.UTC))({
        "event": "a", "userId": 42.0, "timestamp": dt.datetime(2026, 3, 1), "n": float("nan"),
        "when": dt.date(2026, 3, 1),
    })
    assert event.user_id == "42" and event.timestamp == dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    assert json.loads(event.properties) == {"n": None, "when": "2026-03-01"}
