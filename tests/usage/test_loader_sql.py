"""``--from-sql``: events from any database SQLAlchemy reaches. SQLite always; PostgreSQL when the suite runs on it."""

from __future__ import annotations

import datetime as dt
import json
import os
import uuid

import pytest
import sqlalchemy as sa

from csops.usage.lake import events_dataset, has_events
from csops.usage.loaders import LoadError, load_sql

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

ROWS = [
    {"id": 1, "event_name": "document_sent", "user_id": "U-1", "group_id": "ACME-1",
     "occurred_at": dt.datetime(2026, 3, 1, 0, 0), "amount": 1200, "note": "初回"},
    {"id": 2, "event_name": "login", "user_id": "U-2", "group_id": "ACME-1",
     "occurred_at": dt.datetime(2026, 3, 1, 1, 0), "amount": None, "note": None},
    {"id": 3, "event_name": "login", "user_id": None, "group_id": "GLOBEX-1",
     "occurred_at": dt.datetime(2026, 3, 2, 1, 0), "amount": 5, "note": "x"},
]


MAPPING = {"occurred_at": "timestamp", "id": "message_id"}


def make_table(engine: sa.Engine, name: str, rows=ROWS) -> sa.Table:
    table = sa.Table(
        name, sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("event_name", sa.String(100)),
        sa.Column("user_id", sa.String(100)),
        sa.Column("group_id", sa.String(100)),
        sa.Column("occurred_at", sa.DateTime),
        sa.Column("amount", sa.Numeric(12, 2)),
        sa.Column("note", sa.Text),
    )
    table.create(engine)
    with engine.begin() as conn:
        conn.execute(table.insert(), rows)
    return table


def loaded(settings) -> list[dict]:
    rows = events_dataset(settings.CSOPS_LAKE_DIR).to_table().to_pylist()
    return sorted(rows, key=lambda r: r["timestamp"])


def check_loaded(settings) -> None:
    first, second, third = loaded(settings)
    assert (first["event"], first["user_id"], first["account_id"]) == ("document_sent", "U-1", "ACME-1")
    assert first["timestamp"] == dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    # ``--map id=message_id``: the primary key is the message id (as in Segment's warehouse tables).
    assert [r["message_id"] for r in (first, second, third)] == ["1", "2", "3"]
    assert json.loads(first["properties"]) == {"amount": 1200, "note": "初回"}
    assert json.loads(second["properties"]) == {}
    assert (third["user_id"], third["account_id"]) == (None, "GLOBEX-1")


def test_a_sqlite_table_is_loaded_and_a_second_load_adds_nothing(settings, tmp_path):
    url = f"sqlite:///{tmp_path / 'warehouse.db'}"
    make_table(sa.create_engine(url), "tracks")
    result = load_sql(url, "tracks", mapping=MAPPING)
    assert result.ok, result.errors
    assert (result.rows, result.loaded, result.format) == (3, 3, "sql")
    check_loaded(settings)
    again = load_sql(url, "tracks", mapping=MAPPING)
    assert (again.loaded, again.already_in_lake) == (0, 3)


def test_bad_rows_in_a_table_are_reported_by_their_position(settings, tmp_path):
    url = f"sqlite:///{tmp_path / 'warehouse.db'}"
    bad = [*ROWS, {"id": 4, "event_name": None, "user_id": "U-1", "group_id": None,
                   "occurred_at": dt.datetime(2026, 3, 3), "amount": None, "note": None}]
    make_table(sa.create_engine(url), "tracks", bad)
    result = load_sql(url, "tracks", mapping=MAPPING)
    assert result.errors == [{"row": 4, "field": "event_name",
                              "message": "an event name is required (map the column that holds it with "
                                         "--map COLUMN=event)"}]
    assert not has_events(settings.CSOPS_LAKE_DIR)


def test_a_missing_table_or_database_is_a_clear_error(tmp_path, db):
    url = f"sqlite:///{tmp_path / 'warehouse.db'}"
    sa.create_engine(url).connect().close()
    with pytest.raises(LoadError, match="no table nope"):
        load_sql(url, "nope")
    with pytest.raises(LoadError, match="database URL"):
        load_sql("nosuchdriver://x/y", "t")


def test_the_source_label_hides_the_password(tmp_path, db):
    from csops.usage.loaders import SqlSource

    url = f"sqlite:///{tmp_path / 'w.db'}"
    make_table(sa.create_engine(url), "tracks")
    source = SqlSource(url, "tracks")
    assert source.label.endswith("w.db tracks")
    source.close()
    assert "secret" not in sa.engine.make_url("postgresql://u:secret@h/db").render_as_string(hide_password=True)


ON_POSTGRES = os.environ.get("CSOPS_DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


def postgres_url() -> str:
    """The test database (pytest-django's ``test_<name>``) as a SQLAlchemy URL."""
    from django.db import connection

    s = connection.settings_dict
    return sa.engine.URL.create(
        "postgresql+psycopg", username=s["USER"] or None, password=s["PASSWORD"] or None, host=s["HOST"] or None,
        port=int(s["PORT"]) if s["PORT"] else None, database=s["NAME"],
    ).render_as_string(hide_password=False)


@pytest.mark.skipif(not ON_POSTGRES, reason="the suite runs on SQLite (CSOPS_DATABASE_URL is not PostgreSQL)")
def test_a_postgresql_table_is_streamed_with_a_server_side_cursor(settings):
    url = postgres_url()
    engine = sa.create_engine(url)
    name = f"tracks_{uuid.uuid4().hex[:8]}"
    table = make_table(engine, name)
    try:
        result = load_sql(url, f"public.{name}", mapping=MAPPING)
        assert result.ok, result.errors
        check_loaded(settings)
    finally:
        table.drop(engine)
        engine.dispose()
