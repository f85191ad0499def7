"""Activities: the timeline. Upserted by external id when there is one, otherwise always inserted.

``contact_external_ids`` lists the people involved (``;``-separated); on an update the list
replaces the activity's contacts, so a re-import is idempotent.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.utils.translation import gettext as _

from csops.customers.importers import cells, columns
from csops.customers.importers.base import BATCH_SIZE, Context, Field, Kind, Row, batched, max_length
from csops.customers.importers.cells import CellError
from csops.customers.models import Activity, Contact

_Link = Activity.contacts.through


class ActivityKind(Kind):
    name = "activities"
    model = Activity
    helper_fields = frozenset({"contact_external_ids"})
    needs_new_pks = True
    fields: ClassVar[dict[str, Field]] = {
        "external_id": Field(cells.identifier(max_length(Activity, "external_id")), empty=None),
        "account_external_id": Field(cells.identifier(100), required=True),
        "kind": Field(cells.choice(columns.ACTIVITY_KIND_LABELS), required=True),
        "occurred_at": Field(cells.moment, required=True),
        "summary": Field(cells.text(max_length(Activity, "summary")), required=True),
        "body": Field(cells.text(1_000_000), empty=""),
        "author_email": Field(cells.any_value, empty=None),
        "contact_external_ids": Field(cells.id_list, empty=[]),
    }

    def __init__(self) -> None:
        self._contacts: dict[str, tuple[int, int]] = {}
        self._missing_contacts: set[str] = set()

    def attribute(self, field_name: str) -> str:
        return {"account_external_id": "account_id", "author_email": "author_id"}.get(field_name, field_name)

    def finish_row(self, row: Row, ctx: Context) -> None:
        author = row.values.get("author_email")
        if author:
            try:
                row.values["author_email"] = ctx.people.find(author)
            except CellError as exc:
                row.error(ctx.header.label("author_email"), exc.message)

    def contacts(self, external_ids: set[str]) -> dict[str, tuple[int, int]]:
        """external id -> (contact pk, its account pk), cached: one query per chunk at most."""
        wanted = external_ids - self._contacts.keys() - self._missing_contacts
        for batch in batched(sorted(wanted)):
            found = {ext: (pk, account_id) for ext, pk, account_id in
                     Contact.objects.filter(external_id__in=batch).values_list("external_id", "pk", "account_id")}
            self._contacts.update(found)
            self._missing_contacts.update(set(batch) - found.keys())
        return self._contacts

    def resolve(self, rows: list[Row], ctx: Context) -> None:
        ctx.resolve_account(rows)
        refs = {ref for row in rows for ref in row.values.get("contact_external_ids", ())}
        if not refs:
            return
        known = self.contacts(refs)
        label = ctx.header.label("contact_external_ids")
        for row in rows:
            listed = row.values.get("contact_external_ids", ())
            unknown = [ref for ref in listed if ref not in known]
            if unknown:
                row.error(label, _("no contact has the external id %(value)s")
                          % {"value": ", ".join(repr(u) for u in unknown)})
            account_id = row.values.get("account_id")
            # As in the API: an activity on the timeline of one account names that account's people only.
            strangers = [ref for ref in listed if ref in known and account_id and known[ref][1] != account_id]
            if strangers:
                row.error(label, _("contact %(value)s belongs to another account")
                          % {"value": ", ".join(repr(s) for s in strangers)})

    def count_existing(self, rows: list[Row], ctx: Context) -> None:
        ids = [r.values["external_id"] for r in rows if r.values.get("external_id")]
        existing = set(Activity.objects.filter(external_id__in=ids).values_list("external_id", flat=True))
        for row in rows:
            row.exists = bool(row.values.get("external_id")) and row.values["external_id"] in existing
            ctx.updated += row.exists
            ctx.created += not row.exists

    def write(self, rows: list[Row], ctx: Context) -> None:
        created, updated = self.upsert(rows, ctx, fields=self.update_fields(ctx.header))
        if not ctx.header.has("contact_external_ids"):
            return
        # upsert() kept the order of ``rows`` within each list; pair objects back with their rows.
        by_object: list[tuple[Any, Row]] = []
        created_iter, updated_iter = iter(created), iter(updated)
        for row in rows:
            by_object.append((next(updated_iter) if row.exists else next(created_iter), row))
        if updated:
            _Link.objects.filter(activity_id__in=[o.pk for o in updated]).delete()
        links = [
            _Link(activity_id=obj.pk, contact_id=self._contacts[ref][0])
            for obj, row in by_object for ref in row.values.get("contact_external_ids", ())
        ]
        _Link.objects.bulk_create(links, batch_size=BATCH_SIZE)
