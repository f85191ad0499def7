"""Days since the last CSM touch counts what people did, not the emails that outreach and playbooks sent."""

from __future__ import annotations

import zoneinfo

import pytest

from csops.customers.models import Activity
from csops.health.definition import MeasureDef
from csops.health.measures import DbScope, measure_type
from tests.health.conftest import D, at, days_back

pytestmark = pytest.mark.django_db


def days_since_touch(account) -> float | None:
    m = MeasureDef(key="touch", name={"en": "touch", "ja": "touch"}, type="days_since_touch", window=90, params={},
                   normalise={"method": "thresholds", "red": 60, "green": 14}, direction="lower_better", weight=100,
                   group="engagement")
    scope = DbScope(account_ids=[account.pk], day=D, scorecard_id=None, product_id=0,
                    tz=zoneinfo.ZoneInfo("Asia/Tokyo"))
    return measure_type("days_since_touch").db(scope, m)[account.pk]


def test_automated_emails_are_not_csm_touches(acme, alice):
    Activity.objects.create(account=acme, kind="meeting", occurred_at=at(days_back(40)), summary="QBR", author=alice)
    # What csops.outreach.sending._timeline writes for a campaign or playbook email: no author, the message.
    Activity.objects.create(account=acme, kind="email", occurred_at=at(days_back(2)), summary="Email sent: Tips",
                            data={"message": "5f0c", "source": "outreach", "to": "a@example.com", "reply": "250"})
    Activity.objects.create(account=acme, kind="email", occurred_at=at(days_back(1)), summary="Email sent: Renew",
                            data={"message": "77aa", "source": "playbooks", "status": "unconfirmed"})
    assert days_since_touch(acme) == 40.0


def test_emails_by_people_and_imported_touches_count(acme, alice):
    Activity.objects.create(account=acme, kind="meeting", occurred_at=at(days_back(40)), summary="QBR", author=alice)
    Activity.objects.create(account=acme, kind="email", occurred_at=at(days_back(5)), summary="Follow-up",
                            author=alice, data={"message": "m-1", "source": "gmail"})
    assert days_since_touch(acme) == 5.0
    # A call imported from the CRM has no author in csops, but it is not an automated message.
    Activity.objects.create(account=acme, kind="call", occurred_at=at(days_back(3)), summary="Call")
    assert days_since_touch(acme) == 3.0


def test_only_automated_emails_in_the_window_count_as_silence(acme):
    Activity.objects.create(account=acme, kind="email", occurred_at=at(D), summary="Email sent: Tips",
                            data={"message": "5f0c", "source": "outreach"})
    assert days_since_touch(acme) == 90.0
