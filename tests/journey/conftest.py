"""Shared fixtures of the journey tests: a small generated lake with known answers, a maturity model.

Days are local days in the company's time zone (Asia/Tokyo); every event happens at 10:00 there.
``D`` is "today" of the fixtures. Acme (Alice's, contract since 2025-04-01) sends a document from
department A on D-40, from A on D-5 and from B by post on D-3; Globex (Bob's, contract since
2025-06-01) sends from A on D-10 and from C on D-9, all electronically. With the test model
(Lv.1 a send in 30 days, Lv.2 two departments in 30 days, Lv.3 no postal send in 30 days):
on D Acme is at Lv.2 and Globex at Lv.3.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pytest

from csops.customers.models import Account, Contact, Contract
from csops.journey.config import import_config
from csops.usage.lake import EVENT_SCHEMA, write_events

JST = dt.timezone(dt.timedelta(hours=9))
D = dt.date(2026, 3, 31)


def day(offset: int) -> dt.date:
    return D + dt.timedelta(days=offset)


def event(account: str, on: dt.date, name: str = "document_sent", *, n: int = 0, **props: Any) -> dict[str, Any]:
    at = dt.datetime.combine(on, dt.time(10, 0, n % 60), tzinfo=JST).astimezone(dt.UTC)
    return {"message_id": f"{account}-{on.isoformat()}-{name}-{n}", "type": "track", "event": name,
            "user_id": None, "anonymous_id": None, "account_id": account, "timestamp": at,
            "received_at": at + dt.timedelta(seconds=1), "properties": json.dumps(props, sort_keys=True),
            "context": "{}"}


def write(rows: list[dict[str, Any]], lake_dir: Any) -> None:
    write_events(pa.Table.from_pylist(rows, schema=EVENT_SCHEMA), lake_dir=lake_dir)


LAKE_ROWS = [
    event("ACME-1", day(-40), department="A", channel="web"),
    event("ACME-1", day(-5), department="A", channel="web"),
    event("ACME-1", day(-3), department="B", channel="postal"),
    event("GLOBEX-1", day(-10), department="A", channel="web"),
    event("GLOBEX-1", day(-9), department="C", channel="email"),
]

SENT = {"type": "event_count", "event": "document_sent", "window_days": 30, "op": ">=", "value": 1}
SPREAD = {"type": "distinct_values", "event": "document_sent", "property": "department", "window_days": 30,
          "op": ">=", "value": 2}
NO_POST = {"type": "event_count", "event": "document_sent", "where": {"channel": "postal"}, "window_days": 30,
           "op": "==", "value": 0}

MODEL = {
    "product": "delivery", "name": "Paperless", "description": "", "first_value_label": "First electronic send",
    "first_value": {"type": "event_count", "event": "document_sent", "where": {"channel": ["web", "email"]},
                    "op": ">=", "value": 1},
    "levels": [
        {"name": "Sends", "description": "", "conditions": [SENT]},
        {"name": "Spreads", "description": "", "conditions": [SPREAD]},
        {"name": "Paper-free", "description": "", "conditions": [NO_POST]},
    ],
}
TEMPLATE = {
    "key": "delivery-all", "name": "Delivery onboarding", "product": "delivery", "segment": "", "stall_days": 14,
    "steps": [
        {"key": "kickoff", "title": "Kickoff", "owner": "csm", "due_days": 7, "completion": "manual"},
        {"key": "first-send", "title": "First send", "owner": "promoter", "due_days": 30, "completion": "auto",
         "condition": {"type": "event_count", "event": "document_sent", "op": ">=", "value": 1}},
    ],
}
RULES = [
    {"key": "plan-done", "from": "onboarding", "to": "adoption", "match": "all",
     "conditions": [{"type": "plan_complete"}]},
    {"key": "wide", "from": "adoption", "to": "expansion", "match": "all",
     "conditions": [{"type": "maturity_at_least", "level": 3}]},
]


def config(**overrides: Any) -> dict[str, Any]:
    doc = {"version": 1, "maturity_models": [MODEL],
           "stages": {"renewal_window_days": 30, "override_days": 30, "rules": RULES},
           "onboarding_templates": [TEMPLATE]}
    doc.update(overrides)
    return doc


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def globex_contract(globex, product) -> Contract:
    return Contract.objects.create(
        external_id="C-GLOBEX-1", account=globex, product=product, plan="Starter", seats=5, mrr=Decimal("20000"),
        start_date=dt.date(2025, 6, 1), renewal_date=dt.date(2026, 12, 1))


@pytest.fixture
def journey(db, product) -> dict[str, Any]:
    """The test configuration, imported."""
    doc = config()
    import_config(doc, actor=None)
    return doc


@pytest.fixture
def lake(settings, acme, globex, globex_contract) -> list[dict[str, Any]]:
    write(LAKE_ROWS, settings.CSOPS_LAKE_DIR)
    return LAKE_ROWS


@pytest.fixture
def new_customer(db, product, carol) -> Account:
    """An account whose contract starts on D-20, with a promoter and an operator."""
    account = Account.objects.create(external_id="NEW-1", name="Newco", owner=None, segment="smb")
    Contact.objects.create(account=account, external_id="U-NEW-P", name="Kato Ken", email="kato@new.example",
                           role="promoter")
    Contact.objects.create(account=account, external_id="U-NEW-O", name="Mori Ai", email="mori@new.example",
                           role="operator")
    Contract.objects.create(external_id="C-NEW-1", account=account, product=product, plan="Starter", seats=3,
                            mrr=Decimal("10000"), start_date=day(-20), renewal_date=day(345))
    return account
