"""Accounts: upserted by external id (the CRM id, also the Segment groupId)."""

from __future__ import annotations

from typing import ClassVar

from csops.customers.importers import cells, columns
from csops.customers.importers.base import Context, Field, Kind, Row, max_length
from csops.customers.importers.cells import CellError
from csops.customers.models import Account


class AccountKind(Kind):
    name = "accounts"
    model = Account
    has_traits = True
    fields: ClassVar[dict[str, Field]] = {
        "external_id": Field(cells.identifier(max_length(Account, "external_id")), required=True),
        "name": Field(cells.text(max_length(Account, "name")), required=True),
        "industry": Field(cells.text(max_length(Account, "industry")), empty=""),
        "employees": Field(cells.whole_number, empty=None),
        "country": Field(cells.country, empty=""),
        "website": Field(cells.text(max_length(Account, "website")), empty=""),
        "owner_email": Field(cells.any_value, empty=None),
        "segment": Field(cells.choice(columns.SEGMENT_LABELS), empty=""),
        "lifecycle_stage": Field(cells.choice(columns.LIFECYCLE_LABELS, ignore=columns.LIFECYCLE_IGNORED)),
    }

    def attribute(self, field_name: str) -> str:
        return "owner_id" if field_name == "owner_email" else field_name

    def finish_row(self, row: Row, ctx: Context) -> None:
        owner = row.values.get("owner_email")
        if owner:
            try:
                row.values["owner_email"] = ctx.people.find(owner)
            except CellError as exc:
                row.error(ctx.header.label("owner_email"), exc.message)
