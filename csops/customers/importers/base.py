"""What every kind of import shares: the header mapping, a parsed row, the lookups, the kind protocol.

A kind (accounts, contracts, ...) declares its fields as cell parsers and implements four steps:
``finish_row`` (cross-field rules, no database), ``resolve`` (foreign references, in bulk for a
chunk of rows), ``count_existing`` (create or update, in bulk) and ``write`` (bulk upsert of a chunk).
"""

from __future__ import annotations

import datetime as dt
import functools
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypedDict, TypeVar

from django.contrib.auth import get_user_model
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from csops.customers.importers import cells, columns
from csops.customers.importers.cells import CellError
from csops.customers.importers.sql import insert_rows, update_rows
from csops.customers.models import Account

# Rows per chunk: one lookup query per chunk and kind of reference, and the unit of bulk writes.
# 1,000 keeps every IN (...) list far below SQLite's and PostgreSQL's parameter limits.
CHUNK_ROWS = 1000
BATCH_SIZE = 500
# An empty cell in a column whose field cannot be blank leaves the stored value alone
# (and takes the model default on create), rather than failing or writing a guess.
KEEP = object()


class RowError(TypedDict):
    row: int  # 1-based, as a spreadsheet shows it (header = 1); 0 when the error concerns the whole file
    field: str  # the column as the file names it, or our field name when the column is missing
    message: str


@dataclass(frozen=True)
class Field:
    parse: Callable[[str], Any]
    required: bool = False
    empty: Any = KEEP  # what an empty cell stands for


@dataclass
class Column:
    position: int
    field: str
    label: str  # the header as written in the file
    rank: int = 0  # position of the matched alias: lower wins when two columns claim one field


@dataclass
class Header:
    width: int
    columns: list[Column] = field(default_factory=list)
    traits: list[Column] = field(default_factory=list)  # ``field`` holds the trait key
    ignored: list[str] = field(default_factory=list)

    def has(self, name: str) -> bool:
        return any(c.field == name for c in self.columns)

    def label(self, name: str) -> str:
        return next((c.label for c in self.columns if c.field == name), name)


@functools.cache
def alias_lookup(kind: str) -> dict[str, tuple[str, int]]:
    """normalized header -> (field, rank) for ``kind``; refuses tables where one header means two fields."""
    lookup: dict[str, tuple[str, int]] = {}
    for name, aliases in columns.ALIASES[kind].items():
        for rank, alias in enumerate((name, *aliases)):
            key = columns.normalize(alias)
            other = lookup.get(key)
            if other is not None and other[0] != name:
                raise ValueError(f"{kind}: header {alias!r} would mean both {other[0]} and {name}")
            if other is None:
                lookup[key] = (name, rank)
    return lookup


def map_header(kind: str, header_cells: list[str]) -> Header:
    header = Header(width=len(header_cells))
    lookup = alias_lookup(kind)
    chosen: dict[str, Column] = {}
    trait_keys: set[str] = set()
    for position, cell in enumerate(header_cells):
        label = cell.strip()
        if not label:
            continue
        if label.casefold().startswith(columns.TRAITS_PREFIX):
            key = label[len(columns.TRAITS_PREFIX):].strip()
            if key and key not in trait_keys:
                trait_keys.add(key)
                header.traits.append(Column(position, key, label))
            else:
                header.ignored.append(label)
            continue
        hit = lookup.get(columns.normalize(label))
        if hit is None:
            header.ignored.append(label)
            continue
        column = Column(position, hit[0], label, hit[1])
        current = chosen.get(column.field)
        if current is None or column.rank < current.rank:
            chosen[column.field] = column
            if current is not None:
                header.ignored.append(current.label)
        else:
            header.ignored.append(label)
    header.columns = sorted(chosen.values(), key=lambda c: c.position)
    return header


@dataclass
class Row:
    number: int
    values: dict[str, Any] = field(default_factory=dict)
    traits: dict[str, str] = field(default_factory=dict)  # "" removes the trait
    errors: list[RowError] = field(default_factory=list)
    exists: bool = False

    def error(self, label: str, message: str) -> None:
        self.errors.append({"row": self.number, "field": label, "message": message})


def _name_key(name: str) -> str:
    # "佐藤 花子", "佐藤　花子" and "佐藤花子" are one person; so are "Carol Ops" and "carol ops".
    return "".join(unicodedata.normalize("NFKC", name).casefold().split())


class People:
    """Active users by email and by name, loaded once: owners and authors resolve without a query per row.

    CRMs export the owner's name (Salesforce "Account Owner", HubSpot "Company owner"), so a value
    without ``@`` is looked up by name, and refused when two people share it.
    """

    def __init__(self) -> None:
        self.by_email: dict[str, int] = {}
        self.by_name: dict[str, list[int]] = defaultdict(list)
        for pk, email, name in get_user_model().objects.filter(is_active=True).values_list("pk", "email", "name"):
            self.by_email[email.casefold()] = pk
            if name:
                self.by_name[_name_key(name)].append(pk)

    def find(self, raw: str) -> int:
        value = raw.strip()
        if "@" in value:
            pk = self.by_email.get(value.casefold())
            if pk is None:
                raise CellError(_("no active user has the email %(value)r") % {"value": value})
            return pk
        matches = self.by_name.get(_name_key(value), [])
        if not matches:
            raise CellError(_("no active user is named %(value)r (give the email address)") % {"value": value})
        if len(matches) > 1:
            raise CellError(_("%(count)d users are named %(value)r; give the email address instead")
                            % {"count": len(matches), "value": value})
        return matches[0]


T = TypeVar("T")


def batched(items: Iterable[T], size: int = CHUNK_ROWS) -> Iterator[list[T]]:
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


@dataclass
class Context:
    """State that lives across the chunks of one import (and across its validate and write passes)."""

    kind: str
    header: Header
    actor: Any = None
    now: dt.datetime = field(default_factory=timezone.now)
    seen: dict[str, int] = field(default_factory=dict)  # external id -> first row that had it
    created: int = 0
    updated: int = 0
    touched_accounts: set[int] = field(default_factory=set)
    _people: People | None = None
    _account_pks: dict[str, int] = field(default_factory=dict)
    _missing_accounts: set[str] = field(default_factory=set)

    @property
    def people(self) -> People:
        if self._people is None:
            self._people = People()
        return self._people

    def account_pks(self, external_ids: Iterable[str]) -> dict[str, int]:
        """Accounts by external id, cached for the whole import: one query per chunk at most."""
        wanted = {e for e in external_ids if e not in self._account_pks and e not in self._missing_accounts}
        for batch in batched(sorted(wanted)):
            found = dict(Account.objects.filter(external_id__in=batch).values_list("external_id", "pk"))
            self._account_pks.update(found)
            self._missing_accounts.update(set(batch) - found.keys())
        return self._account_pks

    def resolve_account(self, rows: list[Row]) -> None:
        """Turn ``account_external_id`` into ``account_id``; an account must already be in the database."""
        pks = self.account_pks(r.values["account_external_id"] for r in rows if "account_external_id" in r.values)
        label = self.header.label("account_external_id")
        for row in rows:
            ref = row.values.pop("account_external_id", None)
            if ref is None:
                continue
            pk = pks.get(ref)
            if pk is None and columns.ID_SEPARATOR in ref:
                # HubSpot's "Associated Company IDs" lists every associated company.
                row.error(label, _("%(value)r names several accounts; a record belongs to exactly one")
                          % {"value": ref})
            elif pk is None:
                row.error(label, _("no account has the external id %(value)r (import accounts first)")
                          % {"value": ref})
            else:
                row.values["account_id"] = pk


class Kind:
    """One kind of import. Subclasses fill in the class attributes and the steps."""

    name: ClassVar[str]
    model: ClassVar[type[models.Model]]
    fields: ClassVar[dict[str, Field]]
    # Fields that are read from the file but are not model attributes.
    helper_fields: ClassVar[frozenset[str]] = frozenset()
    has_traits: ClassVar[bool] = False
    # Whether ``write`` uses the primary keys of the rows it creates (activities link contacts to them).
    needs_new_pks: ClassVar[bool] = False

    def missing_columns(self, header: Header) -> list[str]:
        return [f for f in columns.REQUIRED[self.name] if not header.has(f)]

    def parse(self, number: int, row_cells: list[str], ctx: Context) -> Row:
        row = Row(number)
        for column in ctx.header.columns:
            spec = self.fields[column.field]
            raw = row_cells[column.position]
            if not raw.strip():
                if spec.required:
                    row.error(column.label, _("is required"))
                elif spec.empty is not KEEP:
                    row.values[column.field] = spec.empty
                continue
            try:
                value = spec.parse(raw)
            except CellError as exc:
                row.error(column.label, exc.message)
                continue
            if value is cells.NO_VALUE:
                if spec.empty is not KEEP:
                    row.values[column.field] = spec.empty
            else:
                row.values[column.field] = value
        if self.has_traits:
            for column in ctx.header.traits:
                row.traits[column.field] = row_cells[column.position].strip()
        external_id = row.values.get("external_id")
        if external_id:
            first = ctx.seen.setdefault(external_id, number)
            if first != number:
                row.error(ctx.header.label("external_id"), _("external id %(value)r is already on row %(first)d")
                          % {"value": external_id, "first": first})
        self.finish_row(row, ctx)
        return row

    def finish_row(self, row: Row, ctx: Context) -> None:
        """Rules across the cells of one row that need no database."""

    def resolve(self, rows: list[Row], ctx: Context) -> None:
        """Foreign references of a chunk, in bulk. Runs in both passes (the lookups are cached)."""

    def count_existing(self, rows: list[Row], ctx: Context) -> None:
        """Mark rows that will update an existing record and count creates/updates (validation pass)."""
        ids = [r.values["external_id"] for r in rows if r.values.get("external_id")]
        existing = set(self.model.objects.filter(external_id__in=ids).values_list("external_id", flat=True))
        for row in rows:
            row.exists = row.values.get("external_id") in existing
            if row.exists:
                ctx.updated += 1
            else:
                ctx.created += 1

    def update_fields(self, header: Header) -> list[str]:
        """The model attributes a file sets: only its columns, so a re-import never blanks other data."""
        names = []
        for column in header.columns:
            if column.field in self.helper_fields or column.field == "external_id":
                continue
            names.append(self.attribute(column.field))
        if self.has_traits and header.traits:
            names.append("traits")
        return list(dict.fromkeys(names))

    def attribute(self, field_name: str) -> str:
        return field_name

    def apply(self, obj: Any, row: Row, ctx: Context) -> None:
        for name, value in row.values.items():
            if name not in self.helper_fields and name != "external_id":
                setattr(obj, self.attribute(name), value)
        if self.has_traits and row.traits:
            traits = dict(getattr(obj, "traits", None) or {})
            for key, value in row.traits.items():
                if value:
                    traits[key] = value
                else:
                    traits.pop(key, None)
            obj.traits = traits

    def upsert(self, rows: list[Row], ctx: Context, *, fields: list[str]) -> tuple[list[Any], list[Any]]:
        """Bulk-create the new rows and bulk-update the existing ones of a chunk; returns (created, updated)."""
        ids = [r.values["external_id"] for r in rows if r.values.get("external_id")]
        existing = {o.external_id: o for o in self.model.objects.filter(external_id__in=ids)}  # type: ignore[attr-defined]
        created, updated = [], []
        for row in rows:
            obj = existing.get(row.values.get("external_id"))
            row.exists = obj is not None
            if obj is None:
                obj = self.model(external_id=row.values.get("external_id") or None)
                created.append(obj)
            else:
                self.before_update(obj, ctx)
                updated.append(obj)
            self.apply(obj, row, ctx)
        if self.needs_new_pks:
            self.model.objects.bulk_create(created, batch_size=BATCH_SIZE)
        else:
            insert_rows(self.model, created)
        update_fields = list(fields)
        if any(f.name == "updated_at" for f in self.model._meta.fields):
            update_fields.append("updated_at")
            for obj in updated:
                obj.updated_at = ctx.now  # a bulk update does not run auto_now
        update_rows(self.model, updated, update_fields)
        ctx.created += len(created)
        ctx.updated += len(updated)
        return created, updated

    def before_update(self, obj: Any, ctx: Context) -> None:
        """Hook: remember what an update is about to change (contracts note the old account)."""

    def write(self, rows: list[Row], ctx: Context) -> None:
        self.upsert(rows, ctx, fields=self.update_fields(ctx.header))

    def after_write(self, ctx: Context) -> None:
        """Hook: work that needs every chunk written (contracts refresh the account rollups)."""


def max_length(model: type[models.Model], name: str) -> int:
    return model._meta.get_field(name).max_length  # type: ignore[return-value]

