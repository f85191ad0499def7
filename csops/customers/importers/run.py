"""``run_import``: the one entry point the CLI, the API and the import page call.

All or nothing, in two streaming passes over the file so that memory does not grow with it:

1. validate: decode, parse every row, resolve references in bulk per chunk, collect *every*
   error. Nothing is written. A dry run stops here and reports what would happen.
2. write (only when pass 1 found no error): read the file again and bulk-upsert chunk by chunk
   inside one ``transaction.atomic()``, then write the audit row. Any failure rolls back all of it.

Re-reading the file costs a second parse (cheap) but saves keeping 100k parsed rows in memory.
"""

from __future__ import annotations

import csv
import itertools
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from typing import IO, Any

from django.db import DataError, IntegrityError, transaction
from django.utils.translation import gettext as _

from csops.audit.services import record
from csops.customers.importers import columns
from csops.customers.importers.accounts import AccountKind
from csops.customers.importers.activities import ActivityKind
from csops.customers.importers.base import CHUNK_ROWS, Context, Header, Kind, Row, RowError, map_header
from csops.customers.importers.contacts import ContactKind
from csops.customers.importers.contracts import ContractKind
from csops.customers.importers.decoding import (
    DecodingError,
    Encoding,
    LineReader,
    as_binary_file,
    detect_encoding,
    file_size,
)

KINDS: dict[str, type[Kind]] = {
    "accounts": AccountKind,
    "contracts": ContractKind,
    "contacts": ContactKind,
    "activities": ActivityKind,
}

# progress(phase, bytes done, bytes in the file); phase is "validate" or "write".
Progress = Callable[[str, int, int], None]

Record = tuple[int, list[str] | None, str | None]  # (row number, cells, or why the row is malformed)


@dataclass
class ImportResult:
    kind: str
    filename: str = ""
    dry_run: bool = False
    encoding: str = ""
    rows: int = 0  # data rows read (blank rows are skipped)
    created: int = 0  # on a dry run: would be created
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def written(self) -> bool:
        return self.ok and not self.dry_run

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class _Rejected(Exception):
    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"{len(errors)} errors")
        self.errors = errors


def _csv_problem(exc: csv.Error) -> str:
    reason = str(exc)
    if "expected after" in reason:
        return _("malformed CSV: a closing quote must be followed by a comma or the end of the line")
    return _("malformed CSV: %(reason)s") % {"reason": reason}


def _records(lines: LineReader) -> Iterator[Record]:
    """The file's rows numbered as a spreadsheet numbers them (a quoted line break stays in its row)."""
    it = iter(lines)
    first = next(it, None)
    if first is None:
        return
    # Excel's "Unicode text" and many tools write tab-separated files: follow the header's lead.
    delimiter = "\t" if "\t" in first and "," not in first else ","
    reader = csv.reader(itertools.chain([first], it), delimiter=delimiter, strict=True)
    number = 0
    while True:
        try:
            row_cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            number += 1
            if str(exc) == "unexpected end of data":
                # The quote swallowed the rest of the file: nothing after it can be trusted.
                yield number, None, _("malformed CSV: a quoted field that starts on this row is never closed")
                return
            yield number, None, _csv_problem(exc)
            continue
        number += 1
        yield number, row_cells, None


def _file_error(row: int, message: str, field_name: str = "") -> RowError:
    return {"row": row, "field": field_name, "message": message}


def _read_header(kind: Kind, records: Iterator[Record], result: ImportResult) -> Header | None:
    first = next(records, None)
    if first is None:
        result.errors.append(_file_error(1, _("the file is empty")))
        return None
    number, header_cells, problem = first
    if problem is not None or header_cells is None:
        result.errors.append(_file_error(number, problem or ""))
        return None
    if not any(c.strip() for c in header_cells):
        result.errors.append(_file_error(1, _("the first row must be the header (column names); it is empty")))
        return None
    header = map_header(kind.name, header_cells)
    if not kind.has_traits:  # contracts and activities have no custom traits
        header.ignored.extend(c.label for c in header.traits)
        header.traits = []
    for name in kind.missing_columns(header):
        accepted = ", ".join((name, *columns.ALIASES[kind.name][name][:6]))
        result.errors.append(_file_error(
            1, _("required column is missing (accepted headers include: %(accepted)s)") % {"accepted": accepted}, name,
        ))
    result.ignored_columns = header.ignored
    return None if result.errors else header


def _chunks(kind: Kind, records: Iterator[Record], ctx: Context, result: ImportResult | None) -> Iterator[list[Row]]:
    """Parse rows into chunks; structural problems go to ``result`` (validation pass only)."""
    width = ctx.header.width
    chunk: list[Row] = []
    for number, row_cells, problem in records:
        if row_cells is None:
            if result is not None:
                result.errors.append(_file_error(number, problem or ""))
            continue
        if not any(c.strip() for c in row_cells):
            continue  # blank rows (",,,," at the end of Excel files) are not data
        if len(row_cells) != width:
            if result is not None:
                result.errors.append(_file_error(number, _("expected %(expected)d fields as in the header, found "
                                                           "%(found)d") % {"expected": width, "found": len(row_cells)}))
            continue
        if result is not None:
            result.rows += 1
        chunk.append(kind.parse(number, row_cells, ctx))
        if len(chunk) >= CHUNK_ROWS:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def run_import(
    kind: str,
    source: IO[bytes] | bytes | Any,
    *,
    actor: Any = None,
    dry_run: bool = False,
    filename: str = "",
    progress: Progress | None = None,
) -> ImportResult:
    """Validate ``source`` as a CSV of ``kind`` and, unless it has errors or ``dry_run``, upsert it.

    ``source`` is bytes, a binary file or a Django UploadedFile. The database is changed only
    when ``result.written``; otherwise ``result.errors`` names every bad row and field.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown import kind {kind!r}; expected one of {', '.join(KINDS)}")
    result = ImportResult(kind=kind, filename=filename, dry_run=dry_run)
    f = as_binary_file(source)
    total = file_size(f)
    try:
        encoding = detect_encoding(f)
    except DecodingError as exc:
        result.errors.append(_file_error(exc.line, exc.message))
        return result
    result.encoding = encoding.label
    spec = KINDS[kind]()

    lines = LineReader(f, encoding)
    records = _records(lines)
    header = _read_header(spec, records, result)
    if header is None:
        return result
    ctx = Context(kind=kind, header=header, actor=actor)
    # A row's errors are reported in the order of the file's columns, whichever step found them.
    position = {c.label: c.position for c in header.columns}
    for rows in _chunks(spec, records, ctx, result):
        spec.resolve(rows, ctx)
        spec.count_existing(rows, ctx)
        for row in rows:
            result.errors.extend(sorted(row.errors, key=lambda e: position.get(e["field"], header.width)))
        if progress:
            progress("validate", lines.position, total)
    if progress:
        progress("validate", total, total)
    if result.rows == 0 and not result.errors:
        result.errors.append(_file_error(1, _("the file has a header but no data rows")))
    if result.errors:
        result.errors.sort(key=lambda e: e["row"])  # stable: a row's errors stay in column order
        return result
    if dry_run:
        result.created, result.updated = ctx.created, ctx.updated
        return result

    try:
        _write(spec, f, encoding, ctx, result, total, progress)
    except _Rejected as exc:
        result.errors = exc.errors
    except (IntegrityError, DataError) as exc:
        # Another import or a user changed the same records between our two passes.
        result.errors = [_file_error(0, _("the database refused the import, so nothing was written: %(error)s")
                                     % {"error": exc})]
    return result


def _write(
    spec: Kind, f: IO[bytes], encoding: Encoding, ctx: Context, result: ImportResult, total: int,
    progress: Progress | None,
) -> None:
    ctx.seen.clear()
    ctx.created = ctx.updated = 0
    lines = LineReader(f, encoding)
    records = _records(lines)
    next(records)  # the header, mapped in the validation pass
    with transaction.atomic():
        for rows in _chunks(spec, records, ctx, None):
            spec.resolve(rows, ctx)  # cached by now: no query
            errors = [e for row in rows for e in row.errors]
            if errors:  # the database changed since validation (a deleted account...)
                raise _Rejected(errors)
            spec.write(rows, ctx)
            if progress:
                progress("write", lines.position, total)
        spec.after_write(ctx)
        record(ctx.actor, f"import.{spec.name}", None, {
            "file": result.filename, "rows": result.rows, "created": ctx.created, "updated": ctx.updated,
            "encoding": result.encoding,
        })
    if progress:
        progress("write", total, total)
    result.created, result.updated = ctx.created, ctx.updated
