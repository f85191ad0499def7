"""Shared fixtures of the health tests: a small lake whose scores are computed by hand in the tests.

Day D is 2026-03-31 in the company's time zone (Asia/Tokyo). Acme (enterprise, 50 seats) and
Globex (smb, 10 seats) both have a running Document Delivery contract; the events are written
with ``csops.usage.lake.write_events`` into the lake in tmp.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pytest

from csops.customers.models import Activity, Contact, Contract
from csops.usage.lake import EVENT_SCHEMA, write_events

JST = dt.timezone(dt.timedelta(hours=9))
D = dt.date(2026, 3, 31)


@pytest.fixture(autouse=True)
def english(settings):
    """The tests read the English messages (the default language is Japanese)."""
    settings.LANGUAGE_CODE = "en"
    from django.utils import translation

    with translation.override("en"):
        yield


def at(day: dt.date, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=JST)


def days_back(n: int) -> dt.date:
    return D - dt.timedelta(days=n)


def event(n: int, when: dt.datetime, *, type: str = "track", name: str | None = "document_sent",
          user: str | None = None, account: str | None = None, properties: dict | None = None) -> dict[str, Any]:
    return {
        "message_id": f"h{n:04d}", "type": type, "event": name, "user_id": user, "anonymous_id": None,
        "account_id": account, "timestamp": when.astimezone(dt.UTC), "received_at": when.astimezone(dt.UTC),
        "properties": json.dumps(properties or {}), "context": "{}",
    }


def lake_events() -> list[dict[str, Any]]:
    rows = [
        # Acme, in the 7 days D-6..D: 3 documents sent, a login, a page view; users U1, U2, U3.
        event(1, at(D, 9), user="U-ACME-1", account="ACME-1"),
        event(2, at(D, 15), user="U-ACME-1", account="ACME-1"),
        event(3, at(days_back(1)), user="U-ACME-2", account="ACME-1"),
        event(4, at(days_back(3)), name="login", user="U-ACME-3", account="ACME-1"),
        event(5, at(days_back(2)), type="page", name=None, user="U-ACME-1", account="ACME-1",
              properties={"path": "/help"}),
        # Acme, the 7 days before (D-13..D-7): 2 documents sent (one late in the evening of D-7).
        event(6, at(days_back(10)), user="U-ACME-1", account="ACME-1"),
        event(7, at(days_back(7), 23, 30), user="U-ACME-1", account="ACME-1"),
        # After the scored day (00:30 in Tokyo on D+1 is still D in UTC): not counted.
        event(8, at(D + dt.timedelta(days=1), 0, 30), user="U-ACME-1", account="ACME-1"),
        # Globex: one login in the window; an identify call, which is not usage.
        event(9, at(days_back(5)), name="login", user="U-GLOBEX-1", account="GLOBEX-1"),
        event(10, at(D), type="identify", name=None, user="U-GLOBEX-1", account="GLOBEX-1"),
    ]
    return rows


@pytest.fixture
def lake(settings, acme, globex, product):
    """The lake, the Globex contract, tickets and surveys of the hand-computed fixture."""
    Contract.objects.create(external_id="C-GLOBEX-1", account=globex, product=product, plan="Basic", seats=10,
                            mrr=Decimal("50000"), currency="JPY", start_date=dt.date(2025, 6, 1))
    Contact.objects.create(account=globex, external_id="U-GLOBEX-1", name="Tanaka Jiro")
    rows = lake_events()
    write_events(pa.Table.from_pylist(rows[:5], schema=EVENT_SCHEMA), lake_dir=settings.CSOPS_LAKE_DIR)
    write_events(pa.Table.from_pylist(rows[5:], schema=EVENT_SCHEMA), lake_dir=settings.CSOPS_LAKE_DIR)
    Activity.objects.create(account=acme, kind="ticket", occurred_at=at(days_back(3)), summary="PDF broken",
                            data={"severity": "high", "status": "open"})
    Activity.objects.create(account=acme, kind="ticket", occurred_at=at(days_back(40)), summary="old",
                            data={"severity": "low", "status": "closed"})
    Activity.objects.create(account=acme, kind="survey", occurred_at=at(days_back(100)), summary="NPS 5",
                            data={"nps": 5})
    Activity.objects.create(account=acme, kind="survey", occurred_at=at(days_back(20)), summary="NPS 8",
                            data={"nps": 8})
    Activity.objects.create(account=acme, kind="meeting", occurred_at=at(days_back(12)), summary="QBR")
    return rows


def name(en: str, ja: str | None = None) -> dict[str, str]:
    return {"en": en, "ja": ja or en + " (ja)"}


def anchors(prefix: str) -> dict[int, dict[str, str]]:
    return {level: name(f"{prefix} {level}") for level in (1, 2, 3, 4, 5)}


def measure(key: str, type: str, *, window: int = 7, params: dict | None = None, normalise: dict | None = None,
            direction: str = "higher_better", weight: float = 100) -> dict[str, Any]:
    return {"key": key, "name": name(key), "type": type, "window": window, "params": params or {},
            "normalise": normalise or {"method": "linear", "low": 0, "high": 10}, "direction": direction,
            "weight": weight}


CUSTOM_SQL = "select account_id, count(distinct d) as value from events group by account_id"

DOCUMENT = {
    "key": "delivery-test",
    "name": "Delivery test health",
    "product": "delivery",
    "segment": "",
    "active": True,
    "grades": {"red_below": 40, "green_from": 70},
    "assessment": {
        "max_age_days": 90,
        "scenarios": [{"key": "efficiency", "name": name("Efficiency", "業務効率化"), "anchors": anchors("eff")}],
        "promotion_anchors": anchors("promo"),
        "relationship_anchors": anchors("rel"),
    },
    "groups": [
        {"key": "usage", "name": name("Usage", "利用状況"), "weight": 60, "measures": [
            measure("docs_7", "events", params={"event": "document_sent"},
                    normalise={"method": "thresholds", "red": 1, "green": 3}, weight=50),
            measure("users_7", "active_users", normalise={"method": "linear", "low": 0, "high": 4}, weight=25),
            measure("change_7", "change", params={"of": "events"},
                    normalise={"method": "linear", "low": -50, "high": 50}, weight=25),
        ]},
        {"key": "support", "name": name("Support", "サポート"), "weight": 20, "measures": [
            measure("tickets_30", "tickets", window=30, normalise={"method": "thresholds", "red": 2, "green": 0},
                    direction="lower_better", weight=100),
        ]},
        {"key": "voice", "name": name("Voice", "声"), "weight": 20, "measures": [
            measure("nps", "nps", window=365, params={"stat": "latest"},
                    normalise={"method": "thresholds", "red": 6, "green": 9}, weight=50),
            measure("custom_days", "custom_sql", params={"sql": CUSTOM_SQL},
                    normalise={"method": "linear", "low": 0, "high": 7}, weight=50),
        ]},
    ],
}


@pytest.fixture
def document() -> dict[str, Any]:
    """A canonical scorecard document (every key written), fresh for each test."""
    return copy.deepcopy(DOCUMENT)


@pytest.fixture
def scorecard(db, product, carol, document):
    from csops.health.services import do_save_scorecard

    return do_save_scorecard(document, actor=carol)
