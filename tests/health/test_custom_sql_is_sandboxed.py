"""A custom SQL measure reads nothing but the window's events: refused on save, locked out of files at run time."""

from __future__ import annotations

import datetime as dt

import pytest

from csops.health import engine
from csops.health.definition import DefinitionError
from csops.health.models import HealthScore, Scorecard
from csops.health.scoring import score
from csops.health.services import do_save_scorecard
from csops.usage import query
from csops.usage.query import QueryError
from tests.health.conftest import D

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def delivery(product):
    """The scorecard's product exists, so that only the query can be wrong."""
    return product

SQL_PATH = "groups[2].measures[1].params.sql"
BYPASS = ('select e.account_id, length(s.secret) as value '
          'from (with "{path}" as (select 1 as x) select x from "{path}") t, events e, "{path}" s')


@pytest.fixture
def secret_file(tmp_path):
    path = tmp_path / "secret.csv"
    path.write_text("secret\ntop-secret\n")
    return path


def errors_of(document, carol) -> dict[str, str]:
    with pytest.raises(DefinitionError) as caught:
        do_save_scorecard(document, actor=carol)
    return dict(caught.value.errors)


def save_with_sql(document, carol, sql):
    document["groups"][2]["measures"][1]["params"]["sql"] = sql
    return errors_of(document, carol)


# --------------------------------------------------------------------------------------------
# On save: CTE names are resolved where they are read


def test_a_cte_of_a_subquery_cannot_stand_for_a_file_outside_it(document, carol, secret_file):
    errors = save_with_sql(document, carol, BYPASS.format(path=secret_file))
    assert errors == {SQL_PATH: f"a WITH query must be named with letters, digits and _, not {secret_file}"}
    assert not Scorecard.objects.exists()


def test_a_cte_is_not_visible_outside_the_subquery_that_defines_it(document, carol):
    sql = ("select e.account_id, count(*) as value "
           "from (with a as (select 1 as x) select x from a) t, events e, a s group by 1")
    assert save_with_sql(document, carol, sql) == {SQL_PATH: "only the relation events can be read, not a"}


def test_a_cte_cannot_read_one_defined_after_it(document, carol):
    sql = ("with b as (select * from a), a as (select * from events) "
           "select account_id, count(*) as value from b group by 1")
    assert save_with_sql(document, carol, sql) == {SQL_PATH: "only the relation events can be read, not a"}


@pytest.mark.parametrize("sql", [
    "with a as (select * from events), b as (select * from a) select account_id, count(*) as value from b group by 1",
    "select account_id, count(*) as value from (with w as (select * from events) select * from w) group by 1",
    "select account_id, count(*) as value from events where d in (select d from events) group by 1",
])
def test_ctes_in_scope_and_subqueries_of_events_are_accepted(document, carol, sql):
    document["groups"][2]["measures"][1]["params"]["sql"] = sql
    assert do_save_scorecard(document, actor=carol).version == 1


@pytest.mark.parametrize(("sql", "message"), [
    ("select account_id, count(*) as value from events, read_csv('/etc/passwd') group by 1",
     "only the relation events can be read (found READ_CSV('/etc/passwd'))"),
    ("select account_id, count(*) as value from glob('/etc/*') g, events group by 1",
     "only the relation events can be read (found GLOB('/etc/*') AS g)"),
    ("select account_id, length(read_text('/etc/passwd')::varchar) as value from events",
     "the function read_text is not allowed in a custom measure"),
    ("select account_id, count(*) as value from \"events.csv\" group by 1",
     "only the relation events can be read, not events.csv"),
])
def test_table_functions_and_file_names_are_refused_anywhere(document, carol, sql, message):
    assert save_with_sql(document, carol, sql) == {SQL_PATH: message}


# --------------------------------------------------------------------------------------------
# At run time: the sandbox reads no file but the lake, whatever the query


def test_the_sandbox_refuses_a_file_even_when_the_validation_is_skipped(lake, secret_file):
    sql = f"select e.account_id, length(s.secret) as value from events e, '{secret_file}' s"  # noqa: S608
    with query.sandbox_connection() as con, pytest.raises(QueryError, match="Permission Error"):
        engine.run_custom_sql(sql, D - dt.timedelta(days=6), D, con=con, tag="test.bypass")


def test_custom_sql_values_runs_in_the_sandbox(lake, scorecard, secret_file, monkeypatch, acme):
    from csops.health import sandbox
    from csops.health.services import definition_of

    defn = definition_of(scorecard)
    m = next(m for m in defn.measures if m.key == "custom_days")
    accounts = engine.accounts_in_scope(scorecard, D)
    assert engine.custom_sql_values(m, D, accounts)[acme.pk] == 4.0  # the lake itself is readable
    monkeypatch.setattr(sandbox, "validate_sql", lambda sql: None)  # as if the validation had a hole
    m.params["sql"] = BYPASS.format(path=secret_file)
    with pytest.raises(QueryError, match="Permission Error"):
        engine.custom_sql_values(m, D, accounts)


def test_the_sandbox_cannot_be_switched_back_on(lake, secret_file):
    with query.sandbox_connection() as con:
        db = con.con
        with pytest.raises(Exception, match="locked"):
            db.execute("SET enable_external_access = true")
        with pytest.raises(Exception, match="Permission Error"):
            db.execute(f"select * from read_text('{secret_file}')").fetchall()  # noqa: S608
        assert db.execute("select current_setting('memory_limit')").fetchone()[0]


# --------------------------------------------------------------------------------------------
# A query that would fail at run time is refused on save; one that fails anyway stops only its scorecard


@pytest.mark.parametrize(("sql", "message"), [
    ("select account_id, no_such_column as value from events",
     'the query fails on the events table: Binder Error: Referenced column "no_such_column" not found'),
    ("select account_id, 'abc' as value from events", "the column value must be a number, not varchar"),
    ("select account_id, max(timestamp) as value from events group by 1",
     "the column value must be a number, not timestamp with time zone"),
])
def test_a_query_that_would_fail_at_run_time_is_refused_on_save(document, carol, sql, message):
    errors = save_with_sql(document, carol, sql)
    assert list(errors) == [SQL_PATH]
    assert errors[SQL_PATH].startswith(message)


def test_a_failing_scorecard_does_not_stop_the_others(lake, scorecard, document, carol):
    document["key"] = "delivery-broken"
    broken = do_save_scorecard(document, actor=carol)
    # Edited behind the editor's back (or broken by a change of the lake): it fails at run time.
    definition = dict(broken.definition)
    sql = "select account_id, no_such_column as value from events"
    definition["groups"][2]["measures"][1]["params"]["sql"] = sql
    Scorecard.objects.filter(pk=broken.pk).update(definition=definition)
    # The broken one comes first: the good one is scored all the same.
    result = score([D], scorecards=[Scorecard.objects.get(pk=broken.pk), scorecard])
    assert list(result.failed) == ["delivery-broken"]
    assert "no_such_column" in result.failed["delivery-broken"]
    assert "failed scorecards: delivery-broken (" in result.summary()
    assert HealthScore.objects.filter(scorecard=scorecard, day=D).count() == 2
    assert not HealthScore.objects.filter(scorecard=broken).exists()


def test_a_query_that_runs_too_long_is_interrupted(lake, settings):
    import time

    settings.CSOPS_CUSTOM_SQL_TIMEOUT = 0.5
    sql = "select account_id, (select count(*) from range(100000000) a, range(1000000) b) as value from events"
    started = time.monotonic()
    with query.sandbox_connection() as con, pytest.raises(QueryError, match="(?i)interrupt"):
        engine.run_custom_sql(sql, D - dt.timedelta(days=6), D, con=con, tag="test.slow")
    assert time.monotonic() - started < 30
