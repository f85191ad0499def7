"""DuckDB and PySpark give identical scores on the same lake (Spark in local mode, started once per run)."""

from __future__ import annotations

import datetime as dt

import pytest

from csops.health import engine
from csops.health.services import definition_of
from tests.health.conftest import D

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture(scope="session")
def spark():
    pytest.importorskip("pyspark")
    from csops.usage.query import spark_session

    return spark_session("local[2]", app_name="csops-tests")


def test_duckdb_and_pyspark_score_every_account_alike(settings, lake, scorecard, spark):
    defn = definition_of(scorecard)
    days = [D - dt.timedelta(days=8), D - dt.timedelta(days=1), D]
    settings.CSOPS_ENGINE = "duckdb"
    on_duckdb = engine.compute_day(scorecard, defn, D)
    range_on_duckdb = engine.compute_days(scorecard, defn, days)
    settings.CSOPS_ENGINE = "pyspark"
    on_spark = engine.compute_day(scorecard, defn, D)
    range_on_spark = engine.compute_days(scorecard, defn, days)
    assert on_spark == on_duckdb
    assert range_on_spark == range_on_duckdb
    assert [s.score for s in on_duckdb] == [pytest.approx(78.63, abs=0.01), pytest.approx(41.61, abs=0.01)]
