"""``import_feedback``: a CSV of feedback, all or nothing, with errors naming row and field.

Reuses the customer importers' decoding (UTF-8 with or without BOM, or Shift_JIS/CP932, no
guessing) and their result shape (``ImportResult`` with ``{"row", "field", "message"}`` errors).
Feedback files are hand-made and small, so the rows are validated in memory in one pass and
then written in one transaction with a single audit row.

Columns: account_external_id (required), contact_external_id, kind (required), title (required),
body, product (code or name), status (empty = new). Kind and status accept the code
(``feature_request``) or the label in English or Japanese. Other columns are ignored and reported.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import IO, Any

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from csops.audit.services import record
from csops.customers.importers import ImportResult, RowError
from csops.customers.importers.decoding import DecodingError, LineReader, as_binary_file, detect_encoding
from csops.customers.models import Account, Contact, Product
from csops.feedback.models import Feedback, FeedbackKind, FeedbackStatus
from csops.feedback.services import check_feedback

COLUMNS = ("account_external_id", "contact_external_id", "kind", "title", "body", "product", "status")
REQUIRED = ("account_external_id", "kind", "title")


@dataclass
class _Row:
    number: int
    values: dict[str, str]


def _choice_lookup(choices: type[FeedbackKind] | type[FeedbackStatus]) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for value, label in zip(choices.values, choices.labels, strict=True):
        lookup[value.lower()] = value
        for language in ("en", "ja"):
            with translation.override(language):
                lookup[str(label).strip().lower()] = value
    return lookup


def _error(row: int, field: str, message: str) -> RowError:
    return {"row": row, "field": field, "message": message}


def _read_rows(source: Any, result: ImportResult) -> list[_Row] | None:
    f: IO[bytes] = as_binary_file(source)
    try:
        encoding = detect_encoding(f)
    except DecodingError as exc:
        result.errors.append(_error(exc.line, "", exc.message))
        return None
    result.encoding = encoding.label
    text = "".join(LineReader(f, encoding))
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        records = list(reader)
    except csv.Error as exc:
        result.errors.append(_error(reader.line_num, "", _("malformed CSV: %(reason)s") % {"reason": exc}))
        return None
    if not records or not any(c.strip() for c in records[0]):
        result.errors.append(_error(1, "", _("the first row must be the header (column names); it is empty")))
        return None
    header = [c.strip().lower() for c in records[0]]
    for name in REQUIRED:
        if name not in header:
            result.errors.append(_error(1, name, _("required column is missing")))
    result.ignored_columns = [records[0][i] for i, name in enumerate(header) if name not in COLUMNS]
    if result.errors:
        return None
    rows = []
    for number, cells in enumerate(records[1:], start=2):
        if not any(c.strip() for c in cells):
            continue  # blank rows at the end of spreadsheet exports are not data
        result.rows += 1
        if len(cells) != len(header):
            result.errors.append(_error(number, "", _("expected %(expected)d fields as in the header, found "
                                                      "%(found)d") % {"expected": len(header), "found": len(cells)}))
            continue
        values = {name: cells[i].strip() for i, name in enumerate(header) if name in COLUMNS}
        rows.append(_Row(number, {name: values.get(name, "") for name in COLUMNS}))
    return rows


def import_feedback(source: Any, *, actor: Any = None, dry_run: bool = False, filename: str = "") -> ImportResult:
    """Validate every row of ``source``; write them all only when none has an error (and not ``dry_run``)."""
    result = ImportResult(kind="feedback", filename=filename, dry_run=dry_run)
    rows = _read_rows(source, result)
    if rows is None:
        return result
    accounts = {a.external_id: a for a in Account.objects.filter(
        external_id__in={r.values["account_external_id"] for r in rows})}
    contacts = {c.external_id: c for c in Contact.objects.filter(
        external_id__in={r.values["contact_external_id"] for r in rows if r.values["contact_external_id"]})}
    products: dict[str, Product] = {}
    for product in Product.objects.all():
        products[product.code.lower()] = product
        products.setdefault(product.name.strip().lower(), product)
    kinds, statuses = _choice_lookup(FeedbackKind), _choice_lookup(FeedbackStatus)

    to_create: list[Feedback] = []
    for row in rows:
        v, n = row.values, row.number
        account = accounts.get(v["account_external_id"])
        if not v["account_external_id"]:
            result.errors.append(_error(n, "account_external_id", _("an account is required")))
        elif account is None:
            result.errors.append(_error(n, "account_external_id", _("no account with external id %(value)s")
                                        % {"value": v["account_external_id"]}))
        contact = None
        if v["contact_external_id"]:
            contact = contacts.get(v["contact_external_id"])
            if contact is None:
                result.errors.append(_error(n, "contact_external_id", _("no contact with external id %(value)s")
                                            % {"value": v["contact_external_id"]}))
        product = None
        if v["product"]:
            product = products.get(v["product"].lower())
            if product is None:
                result.errors.append(_error(n, "product", _("unknown product %(value)s") % {"value": v["product"]}))
        kind = kinds.get(v["kind"].lower(), v["kind"])
        status = statuses.get(v["status"].lower(), v["status"]) if v["status"] else FeedbackStatus.NEW.value
        if account is None:
            continue
        problems = check_feedback(account, kind=kind, title=v["title"], contact=contact, status=status)
        for field, message in problems.items():
            column = "contact_external_id" if field == "contact" else field
            result.errors.append(_error(n, column, message))
        if not problems:
            to_create.append(Feedback(
                account=account, contact=contact, kind=kind, title=v["title"], body=v["body"], product=product,
                status=status, author=actor if getattr(actor, "pk", None) else None,
            ))
    result.errors.sort(key=lambda e: (e["row"], e["field"]))
    if result.errors:
        return result
    result.created = len(to_create)
    if dry_run:
        return result
    with transaction.atomic():
        Feedback.objects.bulk_create(to_create, batch_size=500)
        record(actor, "feedback.imported", None, {"file": filename, "rows": result.rows, "created": result.created})
    return result
