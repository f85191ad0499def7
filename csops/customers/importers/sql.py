"""Fast bulk INSERT and UPDATE for the write pass.

Django's ``bulk_update`` builds one ``CASE WHEN pk=... THEN ...`` expression per field and row and
resolves each through the ORM: measured at about 900 rows/s for accounts, 90% of it in Python
(benchmarks/import_accounts.py). ``bulk_create`` is better but on SQLite Django caps a statement
at 999 parameters, so 100k accounts take 1,500 compiled INSERTs. One parametrised statement run
with ``executemany`` per chunk does the same work at database speed on SQLite and PostgreSQL
(psycopg pipelines it; there it measured faster than multi-row VALUES statements of 100 or 1,000
rows, and than bulk_create). Values go through ``Field.pre_save`` and ``Field.get_db_prep_save``
as in Django's own compilers, so defaults, auto_now, JSON, decimals and aware datetimes are
stored exactly as the ORM would store them.

``insert_rows`` does not read back primary keys: use ``bulk_create`` when you need them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connections, models, router


def insert_rows(model: type[models.Model], objs: Sequence[Any]) -> None:
    if not objs:
        return
    connection = connections[router.db_for_write(model)]
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    names = ", ".join(quote(f.column) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    # Identifiers come from the model's metadata, values are parameters: nothing user-given is spliced in.
    sql = f"INSERT INTO {quote(meta.db_table)} ({names}) VALUES ({placeholders})"  # noqa: S608
    params = [[f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields] for obj in objs]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def update_rows(model: type[models.Model], objs: Sequence[Any], field_names: Sequence[str]) -> None:
    if not objs or not field_names:
        return
    connection = connections[router.db_for_write(model)]
    meta = model._meta
    fields = [meta.get_field(name) for name in field_names]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)  # type: ignore[union-attr]
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s"  # noqa: S608
    params = [
        [f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields] + [obj.pk]  # type: ignore[union-attr]
        for obj in objs
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
