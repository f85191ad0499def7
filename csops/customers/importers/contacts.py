"""Contacts: upserted by external id (the CRM id, also the Segment userId), attached to an existing account.

The name is ``name`` or is built from ``first_name`` and ``last_name``. When both parts are
written in Japanese script we put the family name first with a space ("佐藤 花子"), as Japanese
business cards and CRMs do; otherwise given name first ("Hanako Sato"). A non-empty ``name``
always wins, so a file can choose its own order.
"""

from __future__ import annotations

import re
from typing import ClassVar

from django.utils.translation import gettext as _

from csops.customers.importers import cells, columns
from csops.customers.importers.base import Context, Field, Header, Kind, Row, max_length
from csops.customers.models import Contact

# Hiragana, katakana (with the half-width block) and CJK ideographs.
_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f]")
_NAME_LENGTH = max_length(Contact, "name")


def full_name(first: str, last: str) -> str:
    if first and last:
        if _JAPANESE.search(first) and _JAPANESE.search(last):
            return f"{last} {first}"
        return f"{first} {last}"
    return first or last


class ContactKind(Kind):
    name = "contacts"
    model = Contact
    has_traits = True
    helper_fields = frozenset({"first_name", "last_name"})
    fields: ClassVar[dict[str, Field]] = {
        "external_id": Field(cells.identifier(max_length(Contact, "external_id")), required=True),
        "account_external_id": Field(cells.identifier(100), required=True),
        "name": Field(cells.text(_NAME_LENGTH), empty=""),
        "first_name": Field(cells.text(_NAME_LENGTH), empty=""),
        "last_name": Field(cells.text(_NAME_LENGTH), empty=""),
        "email": Field(cells.email, empty=""),
        "title": Field(cells.text(max_length(Contact, "title")), empty=""),
        "department": Field(cells.text(max_length(Contact, "department")), empty=""),
        "role": Field(cells.choice(columns.CONTACT_ROLE_LABELS)),
        "phone": Field(cells.text(max_length(Contact, "phone")), empty=""),
        "unsubscribed": Field(cells.boolean),
        "is_active": Field(cells.boolean),
    }

    def missing_columns(self, header: Header) -> list[str]:
        missing = super().missing_columns(header)
        if "name" in missing and (header.has("first_name") or header.has("last_name")):
            missing.remove("name")
        return missing

    def attribute(self, field_name: str) -> str:
        return "account_id" if field_name == "account_external_id" else field_name

    def update_fields(self, header: Header) -> list[str]:
        fields = super().update_fields(header)
        if "name" not in fields and (header.has("first_name") or header.has("last_name")):
            fields.append("name")
        return fields

    def finish_row(self, row: Row, ctx: Context) -> None:
        header = ctx.header
        if not row.values.get("name"):
            first = row.values.get("first_name") or ""
            last = row.values.get("last_name") or ""
            name = full_name(first, last)
            label = header.label("name") if header.has("name") else (
                header.label("last_name") if header.has("last_name") else header.label("first_name"))
            if not name:
                if not any(e["field"] == label for e in row.errors):
                    row.error(label, _("is required (give name, or first_name and last_name)"))
            elif len(name) > _NAME_LENGTH:
                row.error(label, _("is too long: %(length)d characters, at most %(max)d")
                          % {"length": len(name), "max": _NAME_LENGTH})
            else:
                row.values["name"] = name

    def resolve(self, rows: list[Row], ctx: Context) -> None:
        ctx.resolve_account(rows)
