"""Bulk builders for the web tests (personas come from tests/conftest.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from csops.customers.models import Account, Activity


def make_accounts(n: int, *, prefix: str = "Bulk", owner=None, **fields) -> list[Account]:
    return Account.objects.bulk_create(
        Account(external_id=f"{prefix.upper()}-{i:04d}", name=f"{prefix} {i:04d}", owner=owner,
                arr=Decimal(i * 1000), **fields)
        for i in range(n)
    )


def make_activities(account: Account, n: int, *, start: dt.datetime, author=None) -> list[Activity]:
    return Activity.objects.bulk_create(
        Activity(account=account, kind="note", summary=f"Note {i:03d}", author=author,
                 occurred_at=start + dt.timedelta(hours=i))
        for i in range(n)
    )
