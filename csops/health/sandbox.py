"""The custom SQL measure's sandbox: a query is accepted only if it can do nothing but read ``events``.

A custom measure is one SELECT over the relation ``events`` (the scored window's usage events,
identities resolved, one column ``d`` for the local day number added) returning one row per
account with the columns ``account_id`` and ``value``. It is parsed with sqlglot in DuckDB's
dialect (which Ibis ships) and refused, with the reason, when it:

- does not parse, or holds more than one statement;
- is anything but a query (INSERT, UPDATE, DELETE, COPY, ATTACH, PRAGMA, SET, CREATE...);
- reads any relation other than ``events`` and its own CTEs (no other table, no file path, no
  table function such as ``read_parquet`` or ``glob``);
- calls a function that reaches outside the data (files, environment, settings, network);
- does not return ``account_id`` and ``value``.

At run time the engine binds ``events`` to the windowed Ibis table itself, so a query that passed
cannot name the lake's files either. Messages are translated (the editor shows them to CS Ops).
"""

from __future__ import annotations

import re

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
    ctes = {cte.alias_or_name.lower() for cte in query.find_all(exp.CTE)}
    for table in query.find_all(exp.Table):
        if not isinstance(table.this, exp.Identifier) or table.args.get("db") or table.args.get("catalog"):
            raise SqlRejected(_("only the relation %(relation)s can be read (found %(found)s)") % {
                "relation": RELATION, "found": table.sql(dialect="duckdb")})
        name = table.name.lower()
        if name != RELATION and name not in ctes:
            raise SqlRejected(_("only the relation %(relation)s can be read, not %(name)s") % {
                "relation": RELATION, "name": table.name})
        if table.this.quoted and name == RELATION and "." in table.name:
            raise SqlRejected(_("only the relation %(relation)s can be read") % {"relation": RELATION})
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
