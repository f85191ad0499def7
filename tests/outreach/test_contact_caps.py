"""Per-contact caps: the shared touch ledger defers a touch that would exceed N per period."""

from __future__ import annotations

import datetime as dt

import pytest

from csops.outreach.campaigns import run_outreach_day
from csops.outreach.models import Message, Touch
from csops.outreach.touches import can_touch, record_touch
from tests.outreach.conftest import MONDAY, at_local

pytestmark = pytest.mark.django_db


def test_a_contact_under_the_cap_may_be_touched(acme, settings):
    settings.CSOPS_CONTACT_CAP = 2
    contact = acme.contacts.get()
    record_touch(contact, channel="call", source="playbooks", at=at_local(MONDAY, 10))
    assert can_touch(contact, at=at_local(MONDAY, 12))


def test_a_contact_at_the_cap_may_not(acme, settings):
    settings.CSOPS_CONTACT_CAP = 2
    contact = acme.contacts.get()
    for hour in (10, 11):
        record_touch(contact, channel="email", source="outreach", at=at_local(MONDAY, hour))
    assert not can_touch(contact, at=at_local(MONDAY + dt.timedelta(days=3), 10))
    assert can_touch(contact, at=at_local(MONDAY + dt.timedelta(days=7), 12))


def test_planned_touches_count_too(acme, settings):
    settings.CSOPS_CONTACT_CAP = 1
    contact = acme.contacts.get()
    record_touch(contact, channel="email", source="outreach", at=at_local(MONDAY + dt.timedelta(days=2), 9))
    assert not can_touch(contact, at=at_local(MONDAY, 9))


def test_a_cap_of_zero_turns_caps_off(acme, settings):
    settings.CSOPS_CONTACT_CAP = 0
    contact = acme.contacts.get()
    for hour in range(9, 15):
        record_touch(contact, channel="email", source="outreach", at=at_local(MONDAY, hour))
    assert can_touch(contact, at=at_local(MONDAY, 16))


def test_the_campaign_defers_a_step_over_the_cap_and_sends_it_when_room_returns(
        onboarding, acme_people, settings):
    settings.CSOPS_CONTACT_CAP = 1
    promoter = acme_people["promoter"]
    record_touch(promoter, channel="call", source="playbooks", at=at_local(MONDAY, 9))  # a CSM called today
    run_outreach_day(MONDAY)
    assert not Message.objects.filter(contact=promoter).exists()
    for offset in range(1, 8):
        run_outreach_day(MONDAY + dt.timedelta(days=offset))
    welcome = Message.objects.get(contact=promoter, template__key="welcome")
    # Queued on Saturday for the first window a week after the call: Monday 09:00.
    assert welcome.scheduled_for == dt.date(2026, 11, 7)
    assert welcome.next_attempt_at == at_local(MONDAY + dt.timedelta(days=7), 9)
    assert Touch.objects.filter(contact=promoter).count() == 2
