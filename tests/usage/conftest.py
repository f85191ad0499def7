"""Shared fixtures of the usage tests: one SparkSession per test run, and a small generated lake.

The lake is built by code (``build_lake``) with ``csops.usage.lake.write_events``: two accounts
over 100 days, known users, a user who is not a contact, an anonymous visitor linked to a
user by an identify call, an anonymous visitor never linked, events that name no account,
identify and page calls, properties in Japanese. Deterministic: the same rows every run.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from typing import Any

import pyarrow as pa
import pytest

from csops.customers.models import Account, Contact
from csops.usage.lake import EVENT_SCHEMA, write_events
from csops.usage.models import Feature, IdentityLink

UTC = dt.UTC
JST = dt.timezone(dt.timedelta(hours=9))
AS_OF = dt.date(2026, 3, 31)  # "today" of the generated lake, in the company's time zone (Asia/Tokyo)
DAYS = 100


@pytest.fixture
def english():
    """Messages in English (the default language is Japanese): ``pytest.mark.usefixtures("english")``."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture(scope="session")
def spark():
    """One local SparkSession for the whole run: starting Spark takes seconds."""
    pytest.importorskip("pyspark")
    from csops.usage.query import spark_session

    session = spark_session("local[2]", app_name="csops-tests")
    yield session
    session.stop()


@pytest.fixture
def on_spark(settings, spark):
    settings.CSOPS_ENGINE = "pyspark"
    return spark


def row(message_id: str, at: dt.datetime, **fields: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "message_id": message_id, "type": "track", "event": "document_sent", "user_id": None,
        "anonymous_id": None, "account_id": None, "timestamp": at, "received_at": at + dt.timedelta(seconds=2),
        "properties": "{}", "context": "{}",
    }
    values.update(fields)
    if isinstance(values["properties"], dict):
        values["properties"] = json.dumps(values["properties"], ensure_ascii=False, sort_keys=True)
    return values


def lake_rows(*, as_of: dt.date = AS_OF, days: int = DAYS, seed: int = 7) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    rows: list[dict[str, Any]] = []
    first = as_of - dt.timedelta(days=days - 1)
    names = ["document_sent", "login", "report_viewed", "template_edited"]
    documents = ["invoice", "quote", "contract"]
    departments = ["営業", "経理", "総務"]
    n = 0
    for offset in range(days):
        day = first + dt.timedelta(days=offset)
        # Office hours in Tokyo.
        for account, users in (("ACME-1", ["U-ACME-1", "U-ACME-2", "U-ACME-3"]), ("GLOBEX-1", ["U-GLOBEX-1"])):
            for _ in range(rng.randrange(0, 6 if account == "ACME-1" else 3)):
                n += 1
                at = dt.datetime.combine(day, dt.time(rng.randrange(9, 19), rng.randrange(60)), tzinfo=JST)
                name = rng.choice(names)
                props: dict[str, Any] = {"department": rng.choice(departments)}
                if name == "document_sent":
                    props["document_type"] = rng.choice(documents)
                    props["pages"] = rng.randrange(1, 4)
                rows.append(row(f"m{n:05d}", at.astimezone(UTC), event=name, user_id=rng.choice(users),
                                account_id=account, properties=props))
        if offset % 3 == 0:
            # A known contact's event without groupId: the account comes from the contact.
            n += 1
            at = dt.datetime.combine(day, dt.time(10, 5), tzinfo=JST)
            rows.append(row(f"m{n:05d}", at, event="login", user_id="U-ACME-1"))
        if offset % 4 == 0:
            # Before sign-up: anonymous, no account; identify linked this visitor to U-ACME-2 later.
            n += 1
            at = dt.datetime.combine(day, dt.time(11, 0), tzinfo=JST)
            rows.append(row(f"m{n:05d}", at, event="pricing_viewed", anonymous_id="anon-visitor"))
        if offset % 5 == 0:
            # Anonymous on the account's workspace, never identified: the account's, nobody's.
            n += 1
            at = dt.datetime.combine(day, dt.time(12, 0), tzinfo=JST)
            rows.append(row(f"m{n:05d}", at, event="document_opened", anonymous_id="anon-recipient",
                            account_id="ACME-1", properties={"document_type": "invoice"}))
        if offset % 7 == 0:
            n += 1
            at = dt.datetime.combine(day, dt.time(9, 0), tzinfo=JST)
            rows.append(row(f"m{n:05d}", at, type="page", event=None, user_id="U-ACME-1", account_id="ACME-1",
                            properties={"path": "/dashboard"}))
            n += 1
            rows.append(row(f"m{n:05d}", at, type="identify", event=None, user_id="U-ACME-3", account_id="ACME-1",
                            properties={"email": "u3@acme.example"}))
    # Just after midnight in Tokyo on the last day is still the day before in UTC.
    n += 1
    rows.append(row(f"m{n:05d}", dt.datetime.combine(as_of, dt.time(0, 30), tzinfo=JST), event="login",
                    user_id="U-ACME-2", account_id="ACME-1"))
    return rows


def write_rows(rows: list[dict[str, Any]], lake_dir: Any) -> None:
    # Two writes, so partitions hold more than one file.
    half = len(rows) // 2
    for part in (rows[:half], rows[half:]):
        if part:
            write_events(pa.Table.from_pylist(part, schema=EVENT_SCHEMA), lake_dir=lake_dir)


def people(acme: Account, globex: Account) -> None:
    Contact.objects.create(account=acme, external_id="U-ACME-2", name="Suzuki Ichiro")
    Contact.objects.create(account=globex, external_id="U-GLOBEX-1", name="Tanaka Jiro")
    IdentityLink.objects.create(anonymous_id="anon-visitor", user_id="U-ACME-2")


@pytest.fixture
def usage_lake(settings, acme, globex):
    """The generated lake in settings.CSOPS_LAKE_DIR, with its contacts and identity links."""
    people(acme, globex)
    rows = lake_rows()
    write_rows(rows, settings.CSOPS_LAKE_DIR)
    return rows


@pytest.fixture
def invoice_features(product):
    return [
        Feature.objects.create(product=product, key="send-invoice", name="Send an invoice",
                               event_name="document_sent", property_filter={"document_type": "invoice"}),
        Feature.objects.create(product=product, key="send", name="Send a document", event_name="document_sent"),
        Feature.objects.create(product=product, key="reports", name="Reports", event_name="report_viewed",
                               property_filter={"department": "経理"}),
        Feature.objects.create(product=product, key="never", name="Never used", event_name="no_such_event"),
    ]
