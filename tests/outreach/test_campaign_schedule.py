"""Steps go out on their day, inside the sending window, for the roles they name, and only once."""

from __future__ import annotations

import datetime as dt
import json

import pyarrow as pa
import pytest
from django.conf import settings

from csops.outreach.campaigns import run_outreach_day
from csops.outreach.models import Enrolment, Message, MessageStatus
from csops.pipeline.services import run_pipeline
from csops.usage.lake import write_events
from tests.outreach.conftest import MONDAY, at_local

pytestmark = pytest.mark.django_db


def run_days(first: dt.date, days: int) -> None:
    for offset in range(days):
        run_outreach_day(first + dt.timedelta(days=offset))


def queued_for(contact) -> list[tuple[str, dt.date]]:
    return [(m.template.key, m.scheduled_for) for m in
            Message.objects.filter(contact=contact, status=MessageStatus.QUEUED).order_by("scheduled_for")]


def test_roles_decide_who_gets_each_step(onboarding, acme_people):
    run_days(MONDAY, 8)
    assert queued_for(acme_people["decision_maker"]) == [("welcome", MONDAY)]
    assert queued_for(acme_people["promoter"]) == [("welcome", MONDAY), ("guide", MONDAY + dt.timedelta(days=3)),
                                                   ("howto", MONDAY + dt.timedelta(days=7))]
    assert queued_for(acme_people["operator"]) == [("guide", MONDAY + dt.timedelta(days=3)),
                                                   ("howto", MONDAY + dt.timedelta(days=7))]
    assert queued_for(acme_people["user"]) == [("howto", MONDAY + dt.timedelta(days=7))]


def test_a_message_queued_on_a_holiday_waits_for_the_next_business_morning(onboarding, acme_people):
    holiday = dt.date(2026, 11, 3)  # Culture Day
    run_outreach_day(holiday)
    message = Message.objects.filter(contact=acme_people["promoter"]).get()
    assert message.next_attempt_at == at_local(dt.date(2026, 11, 4), 9)


def test_a_message_queued_on_saturday_waits_for_monday_morning(onboarding, acme_people):
    run_outreach_day(dt.date(2026, 11, 7))
    message = Message.objects.filter(contact=acme_people["promoter"]).get()
    assert message.next_attempt_at == at_local(dt.date(2026, 11, 9), 9)


def test_rerunning_a_day_queues_nothing_twice(onboarding, acme_people):
    run_pipeline(MONDAY, only=["outreach"])
    run_pipeline(MONDAY, only=["outreach"], force=True)
    run_outreach_day(MONDAY)
    assert Message.objects.count() == 2


def test_the_how_to_is_skipped_when_the_account_already_sent_a_document(onboarding, acme_people, acme):
    write_events(pa.table({
        "message_id": ["e1"], "type": ["track"], "event": ["document_sent"], "user_id": ["U-ACME-operator"],
        "account_id": [acme.external_id], "timestamp": pa.array([at_local(MONDAY, 15)], pa.timestamp("us", "UTC")),
        "received_at": pa.array([at_local(MONDAY, 15)], pa.timestamp("us", "UTC")),
        "properties": [json.dumps({})], "context": [json.dumps({})],
    }), lake_dir=settings.CSOPS_LAKE_DIR)
    run_days(MONDAY, 8)
    howto = Message.objects.filter(template__key="howto")
    assert set(howto.values_list("status", flat=True)) == {MessageStatus.SKIPPED}
    assert "event_not_done" in howto.first().last_error


def test_contacts_leave_when_the_account_leaves_onboarding(onboarding, acme_people, acme):
    run_outreach_day(MONDAY)
    acme.lifecycle_stage = "adoption"
    acme.save()
    run_days(MONDAY + dt.timedelta(days=1), 7)
    assert Enrolment.objects.get(contact=acme_people["promoter"]).status == "exited"
    assert not Enrolment.objects.filter(status="active").exists()
    assert not Message.objects.filter(template__key__in=["guide", "howto"]).exists()


def test_unsubscribed_contacts_never_enter(onboarding, acme_people):
    acme_people["promoter"].unsubscribed = True
    acme_people["promoter"].save()
    run_days(MONDAY, 8)
    assert not Message.objects.filter(contact=acme_people["promoter"]).exists()
    assert not Enrolment.objects.filter(contact=acme_people["promoter"]).exists()


def test_inactive_campaigns_send_nothing(onboarding, acme_people):
    onboarding.is_active = False
    onboarding.save()
    run_days(MONDAY, 8)
    assert not Message.objects.exists()


def test_a_paused_run_catches_up_missed_steps_in_order(onboarding, acme_people):
    run_outreach_day(MONDAY)
    run_outreach_day(MONDAY + dt.timedelta(days=9))  # the worker was down for a week
    assert [k for k, _ in queued_for(acme_people["promoter"])] == ["welcome", "guide", "howto"]
