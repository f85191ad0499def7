"""A digest of everything the demo writes to the database, by natural keys (never primary keys),
so that two loads can be compared across databases."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pyarrow as pa

from csops.customers.models import Account, Activity, Contact, Contract, Handoff, Product
from csops.usage.lake import events_dataset
from csops.users.models import User

# updated_at is stamped by Django at save time; passwords are salted.
_SKIP = {"id", "updated_at"}
_NATURAL = {
    "account": "account__external_id", "owner": "owner__email", "author": "author__email",
    "product": "product__code", "seller": "seller__email", "accepted_by": "accepted_by__email",
}


def _rows(model) -> list[str]:
    fields = [_NATURAL.get(f.name, f.name) for f in model._meta.concrete_fields if f.name not in _SKIP]
    return sorted(json.dumps(row, default=str, ensure_ascii=False) for row in model.objects.values_list(*fields))


def database_rows() -> dict[str, list[str]]:
    return {
        "users": sorted(json.dumps(r, default=str) for r in User.objects.values_list("email", "name", "role",
                                                                                     "date_joined")),
        "products": _rows(Product),
        "accounts": _rows(Account),
        "contracts": _rows(Contract),
        "contacts": _rows(Contact),
        "handoffs": _rows(Handoff),
        "activities": _rows(Activity),
        "activity_contacts": sorted(
            json.dumps(r) for r in Activity.contacts.through.objects.values_list(
                "activity__external_id", "contact__external_id"
            )
        ),
    }


def database_digest() -> str:
    return hashlib.sha256(json.dumps(database_rows(), sort_keys=True).encode()).hexdigest()


def lake_events(lake_dir: Path) -> pa.Table:
    return events_dataset(lake_dir).to_table().sort_by("message_id")
