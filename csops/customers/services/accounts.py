"""State changes on accounts and their timeline. Each is atomic and audited where it is configuration."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from csops.audit.services import record
from csops.customers.models import Account, Activity, Contact, Contract


def refresh_account_rollup(account_ids: Iterable[int]) -> None:
    """Recompute the denormalised ARR, currency and next renewal of accounts from their live contracts."""
    ids = list(account_ids)
    if not ids:
        return
    rollup: dict[int, dict[str, Any]] = {i: {"arr": Decimal("0"), "currency": None, "renewal": None} for i in ids}
    live = Contract.objects.filter(account_id__in=ids, status__in=Contract.LIVE_STATUSES).values_list(
        "account_id", "mrr", "currency", "renewal_date"
    )
    for account_id, mrr, currency, renewal in live:
        r = rollup[account_id]
        r["arr"] += mrr * 12
        r["currency"] = r["currency"] or currency
        if renewal and (r["renewal"] is None or renewal < r["renewal"]):
            r["renewal"] = renewal
    accounts = list(Account.objects.filter(pk__in=ids).only("pk", "arr", "currency", "next_renewal_date"))
    for account in accounts:
        r = rollup[account.pk]
        account.arr = r["arr"]
        account.currency = r["currency"] or account.currency
        account.next_renewal_date = r["renewal"]
    Account.objects.bulk_update(accounts, ["arr", "currency", "next_renewal_date"], batch_size=500)


def do_assign_owner(account: Account, owner: Any, *, actor: Any) -> None:
    with transaction.atomic():
        old = account.owner
        account.owner = owner
        account.save(update_fields=["owner", "updated_at"])
        record(actor, "account.owner_assigned", account, {
            "owner": [getattr(old, "email", None), getattr(owner, "email", None)],
        })


def do_log_activity(
    account: Account,
    *,
    kind: str,
    summary: str,
    actor: Any,
    body: str = "",
    occurred_at: Any = None,
    contacts: Iterable[Contact] = (),
    data: dict[str, Any] | None = None,
) -> Activity:
    with transaction.atomic():
        activity = Activity.objects.create(
            account=account, kind=kind, summary=summary, body=body, author=actor if actor else None,
            occurred_at=occurred_at or timezone.now(), data=data or {},
        )
        contact_list = list(contacts)
        if contact_list:
            activity.contacts.set(contact_list)
    return activity
