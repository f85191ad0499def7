"""Import test files built by code: good files, bad files, CRM exports, big files.

Nothing here is a committed blob, so each test shows exactly which bytes it feeds the importer.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from django.utils import translation

from csops.customers.importers import ImportResult, run_import

ACCOUNT_HEADER = ["external_id", "name", "industry", "employees", "country", "website", "owner_email", "segment"]
CONTRACT_HEADER = [
    "external_id", "account_external_id", "product", "plan", "seats", "mrr", "currency", "start_date", "renewal_date",
]
CONTACT_HEADER = ["external_id", "account_external_id", "name", "email", "title", "role"]
ACTIVITY_HEADER = ["external_id", "account_external_id", "kind", "occurred_at", "summary", "author_email"]


def csv_bytes(
    rows: Iterable[Sequence[Any]], *, encoding: str = "utf-8", bom: bool = False, newline: str = "\r\n",
) -> bytes:
    """Rows written as Excel does (CRLF, minimal quoting), in ``encoding``."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=newline)
    for row in rows:
        writer.writerow(row)
    data = out.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def account_row(i: int, **overrides: Any) -> list[Any]:
    values = {
        "external_id": f"ACC-{i:06d}", "name": f"Account {i}", "industry": "Logistics", "employees": 10 + i % 5000,
        "country": "JP", "website": f"https://a{i}.example", "owner_email": "", "segment": "smb",
    }
    values.update(overrides)
    return [values[c] for c in ACCOUNT_HEADER]


def accounts_file(n: int, *, start: int = 0, bad_row_at: int | None = None) -> bytes:
    """``n`` valid account rows; with ``bad_row_at`` (0-based) that row has a negative employee count."""
    rows: list[list[Any]] = [ACCOUNT_HEADER]
    for i in range(start, start + n):
        rows.append(account_row(i, employees=-1) if i - start == bad_row_at else account_row(i))
    return csv_bytes(rows)


def big_accounts_file(n: int, *, bad_last_row: bool = False) -> bytes:
    """A large file written by plain string joins (csv.writer is too slow to build 100k rows per test)."""
    lines = [",".join(ACCOUNT_HEADER)]
    lines.extend(
        f"ACC-{i:06d},Account {i},Logistics,{10 + i % 5000},JP,https://a{i}.example,,smb" for i in range(n - 1)
    )
    last = n - 1
    employees = "lots" if bad_last_row else str(10 + last % 5000)
    lines.append(f"ACC-{last:06d},Account {last},Logistics,{employees},JP,https://a{last}.example,,smb")
    return ("\r\n".join(lines) + "\r\n").encode()


def do_import(kind: str, data: bytes, **options: Any) -> ImportResult:
    """run_import in English, so that assertions on messages do not depend on the Japanese catalogue."""
    options.setdefault("filename", f"{kind}.csv")
    with translation.override("en"):
        return run_import(kind, data, **options)


def errors_at(result: ImportResult) -> list[tuple[int, str]]:
    return [(e["row"], e["field"]) for e in result.errors]


def message_for(result: ImportResult, row: int, field: str = "") -> str:
    return " | ".join(e["message"] for e in result.errors if e["row"] == row and (not field or e["field"] == field))
