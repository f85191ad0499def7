"""The same queries give the same answers on DuckDB and on PySpark (local mode) over the same lake.

Spark starts once per test run (the ``spark`` fixture); these tests are few on purpose and each
asks many questions.
"""

from __future__ import annotations

import datetime as dt

import pytest

from csops.usage import query
from tests.usage.conftest import AS_OF

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def everything(features):
    """Every named query the pages and the health scores use, with answers as plain values."""
    answers = {}
    for account in ("ACME-1", "NOBODY"):
        answers[account] = {
            "daily": query.daily_event_counts(account, 90, as_of=AS_OF),
            "active_7": query.active_users(account, 7, as_of=AS_OF),
            "active_30": query.active_users(account, 30, as_of=AS_OF),
            "top_events": query.top_events(account, 30, 5, as_of=AS_OF),
            "top_features": query.top_features(account, 60, 5, as_of=AS_OF, features=features),
            "last_seen": query.last_seen(account),
        }
    answers["explore"] = [
        query.explore({}, limit=7),
        query.explore({"account_id": "ACME-1", "event": "document_sent"}, limit=5, offset=5),
        query.explore({"user_id": "U-ACME-2", "start": dt.date(2026, 2, 1), "end": dt.date(2026, 3, 1)}, limit=50),
    ]
    return answers


def test_the_named_queries_give_the_same_answers_on_duckdb_and_pyspark(settings, usage_lake, invoice_features,
                                                                        spark):
    from csops.usage.features import definitions

    features = definitions()
    settings.CSOPS_ENGINE = "duckdb"
    on_duckdb = everything(features)
    settings.CSOPS_ENGINE = "pyspark"
    on_spark = everything(features)

    assert on_spark == on_duckdb
    # And the answers are not trivially empty.
    acme = on_duckdb["ACME-1"]
    assert sum(n for _, n in acme["daily"]) > 100 and acme["active_30"] == 3
    assert acme["top_features"][0]["key"] == "send" and acme["last_seen"].tzinfo is not None
    assert len(on_duckdb["explore"][0]["rows"]) == 7 and on_duckdb["explore"][0]["has_more"]
    assert on_duckdb["explore"][2]["rows"] and on_duckdb["NOBODY"]["last_seen"] is None


def test_an_empty_lake_is_an_empty_table_on_pyspark_too(on_spark, db):
    assert query.daily_event_counts("ACME-1", 2, as_of=AS_OF) == [(AS_OF - dt.timedelta(days=1), 0), (AS_OF, 0)]
    assert query.explore({"account_id": "ACME-1"}, limit=5)["rows"] == []
    assert query.last_seen("ACME-1") is None
    assert list(query.events().schema().names)[-1] == "date"


def test_engine_failures_on_pyspark_are_query_errors(on_spark, settings, db):
    (settings.CSOPS_LAKE_DIR / "events" / "date=2026-03-31").mkdir(parents=True)
    (settings.CSOPS_LAKE_DIR / "events" / "date=2026-03-31" / "broken.parquet").write_bytes(b"not parquet")
    with pytest.raises(query.QueryError) as caught:
        query.active_users("ACME-1", 7, as_of=AS_OF)
    assert caught.value.engine == "pyspark"
