from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from csops.customers.models import Account, Contact


@pytest.fixture
def initech(db, bob) -> Account:
    """A second paying account (Bob's), renewing within 90 days: its ARR is at risk."""
    return Account.objects.create(
        external_id="INITECH-1", name="Initech", owner=bob, arr=Decimal("2400000"),
        next_renewal_date=timezone.localdate() + dt.timedelta(days=30),
    )


@pytest.fixture
def globex_contact(globex) -> Contact:
    return Contact.objects.create(account=globex, external_id="U-GLOBEX-1", name="Suzuki Ichiro")


@pytest.fixture(autouse=True)
def _company_language_english(settings):
    # Command output and import reports are in the company's language; these tests read English.
    settings.LANGUAGE_CODE = "en"
