from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from csops.health.models import HealthScore, Scorecard
from csops.playbooks.config import do_save_playbook, do_save_rule
from csops.playbooks.models import Playbook, Rule

# The demo's fixed "today" is 2026-11-01; tests use the Monday after it.
DAY = dt.date(2026, 11, 2)


@pytest.fixture(autouse=True)
def _english_and_fast(settings):
    settings.LANGUAGE_CODE = "en"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def make_playbook(key: str = "call", *, actions: list[dict[str, Any]] | None = None,
                  responsibility: str = "adoption") -> Playbook:
    return do_save_playbook({
        "key": key, "name": key.title(), "responsibility": responsibility,
        "actions": actions or [{"type": "create_cta", "title": "Call {{ account }}", "priority": "high",
                                "due_days": 3, "checklist": ["Prepare", "Call"]}],
    }, actor=None)


def make_rule(key: str, trigger: dict[str, Any], playbook: Playbook, *, segment: dict[str, Any] | None = None,
              active: bool = True) -> Rule:
    return do_save_rule({"key": key, "name": key.title(), "active": active, "trigger": trigger,
                         "segment": segment or {}, "playbook": playbook.key}, actor=None)


@pytest.fixture
def scorecard(product) -> Scorecard:
    return Scorecard.objects.create(key="delivery", name="Delivery health", product=product, definition={
        "groups": [{"key": "usage", "measures": [{"key": "active_users"}, {"key": "documents"}]}]})


def snapshot(account, scorecard, day: dt.date, score: float, grade: str, *, trend_7: float | None = None,
             breakdown: dict[str, Any] | None = None) -> HealthScore:
    return HealthScore.objects.create(account=account, scorecard=scorecard, day=day, scorecard_version=1,
                                      score=score, grade=grade, trend_7=trend_7, breakdown=breakdown or {})


def lake_event(n: int, at: dt.datetime, *, account: str, user: str | None = None, event: str = "document_sent"
               ) -> dict[str, Any]:
    return {"message_id": f"m{n:06d}", "type": "track", "event": event, "user_id": user, "anonymous_id": None,
            "account_id": account, "timestamp": at, "received_at": at + dt.timedelta(seconds=1),
            "properties": "{}", "context": "{}"}


def write_lake(rows: list[dict[str, Any]]) -> None:
    import pyarrow as pa
    from django.conf import settings

    from csops.usage.lake import EVENT_SCHEMA, write_events
    from csops.usage.query import reset_connections

    write_events(pa.Table.from_pylist(rows, schema=EVENT_SCHEMA), lake_dir=settings.CSOPS_LAKE_DIR)
    reset_connections()


@pytest.fixture
def acme_cta(acme):
    from csops.playbooks.services import do_create_cta

    return do_create_cta(account=acme, title="Call Acme", reason="Health score fell", reason_data={},
                         responsibility="adoption", priority=1, due_on=DAY, checklist=["Prepare", "Call"], day=DAY)


@pytest.fixture
def globex_cta(globex):
    from csops.playbooks.services import do_create_cta

    return do_create_cta(account=globex, title="Call Globex", reason="Renewal soon", reason_data={},
                         responsibility="renewal", priority=2, due_on=DAY, checklist=[], day=DAY)
