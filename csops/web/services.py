"""State changes made from the web pages that belong to no other app: atomic, with an audit row."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from csops.audit.services import record
from csops.customers.models import Contact


def do_set_contact_stance(contact: Contact, *, influence: str, sentiment: str, actor: Any) -> bool:
    """Set where a contact sits on the power map; returns whether anything changed."""
    changes = {}
    if contact.influence != influence:
        changes["influence"] = [contact.influence, influence]
    if contact.sentiment != sentiment:
        changes["sentiment"] = [contact.sentiment, sentiment]
    if not changes:
        return False
    with transaction.atomic():
        contact.influence, contact.sentiment = influence, sentiment
        contact.save(update_fields=["influence", "sentiment", "updated_at"])
        record(actor, "contact.power_map_changed", contact, changes)
    return True
