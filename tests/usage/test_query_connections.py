"""One DuckDB database per process, one cursor per thread; configuration and engine errors become QueryError."""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from csops.usage import query
from tests.usage.conftest import AS_OF

pytestmark = pytest.mark.usefixtures("english")


def test_a_thread_reuses_its_connection_and_threads_do_not_share_one(db):
    mine = query.connection("duckdb")
    assert query.connection("duckdb") is mine
    theirs = []
    worker = threading.Thread(target=lambda: theirs.append(query.connection("duckdb")))
    worker.start()
    worker.join()
    assert theirs[0] is not mine
    assert query._duckdb_db, "one database behind both"


def test_after_a_reset_every_thread_opens_a_new_cursor(db):
    before = query.connection("duckdb")
    query.reset_connections()
    after = query.connection("duckdb")
    assert after is not before
    assert query.last_seen("ACME-1") is None


@pytest.mark.django_db(transaction=True)
def test_threads_query_the_lake_at_the_same_time(usage_lake):
    expected = query.active_users("ACME-1", 30, as_of=AS_OF), query.daily_event_counts("ACME-1", 90, as_of=AS_OF)
    answers, errors = [], []

    def ask():
        try:
            for _ in range(5):
                answers.append((query.active_users("ACME-1", 30, as_of=AS_OF),
                                query.daily_event_counts("ACME-1", 90, as_of=AS_OF)))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert answers == [expected] * 20


def test_an_unknown_engine_is_a_query_error_naming_the_setting(settings, db):
    settings.CSOPS_ENGINE = "oracle"
    with pytest.raises(query.QueryError, match="CSOPS_ENGINE must be one of duckdb, pyspark, got 'oracle'"):
        query.last_seen("ACME-1")


def test_a_broken_file_in_the_lake_is_a_query_error(settings, db, caplog):
    folder = settings.CSOPS_LAKE_DIR / "events" / "date=2026-03-31"
    folder.mkdir(parents=True)
    (folder / "broken.parquet").write_bytes(b"PAR1 this is not parquet")
    with pytest.raises(query.QueryError) as caught:
        query.active_users("ACME-1", 7, as_of=AS_OF)
    assert caught.value.engine == "duckdb"


def test_queries_are_logged_with_their_tag(settings, db, caplog):
    with caplog.at_level("DEBUG", logger="csops.usage.query"):
        query.last_seen("ACME-1")
    assert any("query usage.last_seen on duckdb: 1 rows" in r.getMessage() for r in caplog.records)


def test_the_sql_of_a_named_query_can_be_shown(db):
    t = query.events(account_external_id="ACME-1")
    text = query.sql(t.aggregate(n=t.count()))
    assert "SELECT" in text and "ACME-1" in text
