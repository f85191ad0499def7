"""The custom SQL measure's sandbox: a query is accepted only if it can do nothing but read ``events``.

A custom measure is one SELECT over the relation ``events`` (the scored window's usage events,
identities resolved, one column ``d`` for the local day number added) returning one row per
account with the columns ``account_id`` and ``value``. It is parsed with sqlglot in DuckDB's
dialect (which Ibis ships) and refused, with the reason, when it:

- does not parse, or holds more than one statement;
- is anything but a query (INSERT, UPDATE, DELETE, COPY, ATTACH, PRAGMA, SET, CREATE...);
- reads any relation other than ``events`` and the CTEs *visible where it is read* (those of the
  WITH of every enclosing query, and from inside a CTE only those defined before it; a CTE
  defined inside a subquery is not visible outside it), or names a relation that is not a plain
  identifier (no file path, quoted or not; no schema or catalog) or a table function
  (``read_parquet``, ``glob``...);
- calls a function that reaches outside the data (files, environment, settings, network);
- does not return ``account_id`` and ``value``.

``dry_run`` then runs a query that passed against an empty ``events`` (LIMIT 0) in the DuckDB
sandbox, to refuse on save what would fail at run time (an unknown column, a type error) and a
``value`` that is not a number.

At run time (``csops.health.engine.custom_sql_values``) ``events`` is bound to the window's
events and, on DuckDB, the query runs in ``csops.usage.query.sandbox_connection``: a database of
its own where file access is switched off (only the lake's event folder is readable) and the
configuration locked, so that even a query this validation wrongly let through cannot read a
file. Messages are translated (the editor shows them to CS Ops).
"""

from __future__ import annotations

import re
from typing import Any

import sqlglot
from django.utils.translation import gettext as _
from sqlglot import exp

RELATION = "events"
MAX_LENGTH = 5000

_FORBIDDEN_NODES = tuple(
    getattr(exp, name) for name in (
        "Insert", "Update", "Delete", "Merge", "Create", "Drop", "Alter", "Copy", "Command", "Pragma", "Set",
        "Attach", "Detach", "Use", "Transaction", "Commit", "Rollback", "LoadData", "Install", "Export",
        "Summarize", "Describe", "Cache", "Uncache", "Refresh", "TruncateTable", "Into",
    ) if hasattr(exp, name)
)
# Function names that reach outside the data; matched as whole words of the function's name.
_FORBIDDEN_FUNCTION = re.compile(
    r"(^|_)(read|scan|glob|file|files|getenv|env|setting|settings|http|https|s3|url|load|install|attach|"
    r"copy|export|import|query|sql|system|shell|pragma|extension|extensions|secret|secrets|metadata|sniff)($|_)",
    re.IGNORECASE,
)


# A relation or CTE name: a plain identifier (quoted or not), never a path or a file name.
_PLAIN_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class SqlRejected(ValueError):
    """The query is not allowed; the message says why, for the scorecard editor."""


def validate_sql(sql: str) -> exp.Expression:
    """Return the parsed query, or raise SqlRejected saying what is wrong."""
    if not isinstance(sql, str) or not sql.strip():
        raise SqlRejected(_("the query is empty"))
    if len(sql) > MAX_LENGTH:
        raise SqlRejected(_("the query is longer than %(n)s characters") % {"n": MAX_LENGTH})
    try:
        statements = [s for s in sqlglot.parse(sql, read="duckdb") if s is not None]
    except sqlglot.errors.ParseError as exc:
        first = exc.errors[0] if exc.errors else {}
        where = (_(" (line %(line)s, column %(col)s)") % {"line": first.get("line"), "col": first.get("col")}
                 if first.get("line") else "")
        raise SqlRejected(_("the query does not parse%(where)s: %(problem)s") % {
            "where": where, "problem": first.get("description") or exc}) from exc
    except sqlglot.errors.SqlglotError as exc:
        raise SqlRejected(_("the query does not parse%(where)s: %(problem)s") % {"where": "", "problem": exc}) from exc
    if len(statements) != 1:
        raise SqlRejected(_("write exactly one SELECT statement"))
    query = statements[0]
    if not isinstance(query, exp.Query):
        raise SqlRejected(_("only SELECT queries are allowed, not %(what)s") % {"what": query.key.upper()})
    for node in query.walk():
        if isinstance(node, _FORBIDDEN_NODES):
            raise SqlRejected(_("only reading is allowed: %(what)s is not") % {"what": node.key.upper()})
    for cte in query.find_all(exp.CTE):
        if not _PLAIN_NAME.match(cte.alias_or_name or ""):
            raise SqlRejected(_("a WITH query must be named with letters, digits and _, not %(name)s") % {
                "name": cte.alias_or_name})
    for table in query.find_all(exp.Table):
        if not isinstance(table.this, exp.Identifier) or table.args.get("db") or table.args.get("catalog"):
            raise SqlRejected(_("only the relation %(relation)s can be read (found %(found)s)") % {
                "relation": RELATION, "found": table.sql(dialect="duckdb")})
        name = table.name.lower()
        if not _PLAIN_NAME.match(table.name) or (name != RELATION and name not in _visible_ctes(table)):
            raise SqlRejected(_("only the relation %(relation)s can be read, not %(name)s") % {
                "relation": RELATION, "name": table.name})
    for func in query.find_all(exp.Func):
        name = func.sql_name() if not isinstance(func, exp.Anonymous) else str(func.this)
        if type(func).__name__.startswith("Read") or _FORBIDDEN_FUNCTION.search(name or ""):
            raise SqlRejected(_("the function %(name)s is not allowed in a custom measure") % {"name": name.lower()})
    outer = query.selects if isinstance(query, exp.Select) else query.find(exp.Select).selects  # type: ignore[union-attr]
    names = {s.alias_or_name.lower() for s in outer}
    missing = [c for c in ("account_id", "value") if c not in names]
    if missing:
        raise SqlRejected(_("the query must return the columns account_id and value (missing: %(missing)s)")
                          % {"missing": ", ".join(missing)})
    return query


def _visible_ctes(table: exp.Expression) -> set[str]:
    """The names of the CTEs a relation read at ``table`` can mean, scope by scope.

    Walking up from the table: the CTEs of the WITH of every enclosing query are visible from its
    body; from inside one CTE only the CTEs defined before it are (and itself when the WITH is
    RECURSIVE). A CTE defined in a subquery is not visible outside that subquery.
    """
    names: set[str] = set()
    child, node = table, table.parent
    while node is not None:
        if isinstance(node, exp.With):
            before: list[exp.Expression] = []
            for cte in node.expressions:
                if cte is child:
                    if node.args.get("recursive"):
                        before.append(cte)
                    break
                before.append(cte)
            names |= {cte.alias_or_name.lower() for cte in before}
        else:
            with_ = next((v for v in node.args.values() if isinstance(v, exp.With)), None)
            if with_ is not None and with_ is not child:
                names |= {cte.alias_or_name.lower() for cte in with_.expressions}
        child, node = node, node.parent
    return names


_NUMERIC = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER",
            "UBIGINT", "UHUGEINT", "FLOAT", "DOUBLE", "DECIMAL", '"NULL"', "NULL")


def _empty_events() -> Any:
    """An empty ``events`` with the columns a custom measure sees at run time (the lake's, and ``d``)."""
    import pyarrow as pa

    from csops.usage.query import _LAKE_SCHEMA

    schema = pa.schema([*((name, dtype.to_pyarrow()) for name, dtype in _LAKE_SCHEMA.items()), ("d", pa.int64())])
    return schema.empty_table()


def dry_run(sql: str) -> None:
    """Run a query that passed ``validate_sql`` on an empty ``events`` (LIMIT 0) in the sandbox.

    Raises SqlRejected when DuckDB refuses it (an unknown column or function, a type error) or
    when ``value`` is not a number. The sandbox can read no file at all.
    """
    from csops.usage.query import sandbox_connection

    validate_sql(sql)
    with sandbox_connection(lake=False) as backend:
        db = backend.con
        db.register(RELATION, _empty_events())
        try:
            columns = db.execute(f"DESCRIBE SELECT account_id, value FROM ({sql}) AS custom_measure LIMIT 0"  # noqa: S608
                                 ).fetchall()
        except Exception as exc:  # noqa: BLE001 - every DuckDB error is the query's problem
            problem = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise SqlRejected(_("the query fails on the events table: %(problem)s") % {"problem": problem}) from exc
    types = {str(row[0]).lower(): str(row[1]).upper() for row in columns}
    value = types.get("value", "")
    if value.split("(")[0] not in _NUMERIC:
        raise SqlRejected(_("the column value must be a number, not %(type)s") % {"type": value.lower()})
