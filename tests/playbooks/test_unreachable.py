"""Over-contact: N touches without an answer opens an "unreachable" episode, counted per CSM."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from csops.customers.services.accounts import do_log_activity
from csops.outreach.touches import record_touch
from csops.playbooks.engine import run_rules_day, unreachable_per_csm
from csops.playbooks.models import PlaybookSettings, Unreachable
from tests.playbooks.conftest import DAY

pytestmark = pytest.mark.django_db


def _at(offset: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(DAY + dt.timedelta(days=offset), dt.time(10)))


def test_n_touches_without_an_answer_make_the_contact_unreachable_until_they_answer(acme, alice):
    PlaybookSettings.objects.create(unreachable_after=3)
    promoter = acme.contacts.get()
    for offset in (-20, -10, -1):
        record_touch(promoter, channel="email", source="outreach", at=_at(offset))
    run_rules_day(DAY)
    run_rules_day(DAY)
    episode = Unreachable.objects.get()
    assert (episode.contact, episode.csm, episode.touches, episode.ended_on) == (promoter, alice, 3, None)
    assert unreachable_per_csm() == {alice.pk: 1}
    do_log_activity(acme, kind="call", summary="Talked to Sato", actor=alice, contacts=[promoter],
                    occurred_at=_at(1))
    run_rules_day(DAY + dt.timedelta(days=1))
    episode.refresh_from_db()
    assert episode.ended_on == DAY + dt.timedelta(days=1)


def test_an_answer_between_touches_resets_the_count(acme, alice):
    PlaybookSettings.objects.create(unreachable_after=3)
    promoter = acme.contacts.get()
    record_touch(promoter, channel="email", source="outreach", at=_at(-20))
    do_log_activity(acme, kind="meeting", summary="Met", actor=alice, contacts=[promoter], occurred_at=_at(-15))
    for offset in (-10, -1):
        record_touch(promoter, channel="email", source="outreach", at=_at(offset))
    run_rules_day(DAY)
    assert not Unreachable.objects.exists()


def test_emails_really_sent_count_as_touches_not_as_answers(acme, alice, settings):
    """Sending writes an "Email sent" entry naming the contact on the timeline: that is us talking, not them."""
    from csops.customers.models import Activity
    from csops.outreach.models import Message, MessageStatus, Template
    from csops.outreach.queueing import queue_email
    from csops.outreach.sending import send_due
    from tests.outreach.support import Inbox, start_smtp

    PlaybookSettings.objects.create(unreachable_after=3)
    promoter = acme.contacts.get()
    template = Template.objects.create(key="hello", name="Hello", subject_ja="こんにちは", subject_en="Hello",
                                       text_ja="{{ contact.name }} 様", text_en="Dear {{ contact.name }}")
    inbox = Inbox()
    controller = start_smtp(inbox)
    settings.CSOPS_SMTP_HOST, settings.CSOPS_SMTP_PORT = "127.0.0.1", controller.port
    settings.CSOPS_SMTP_FROM = "cs@vendor.example"
    try:
        for offset in (-20, -10, -3):  # three weekdays: Tuesday 13, Friday 23 and Friday 30 October
            queued = queue_email(contact=promoter, template=template, idempotency_key=f"test:{offset}",
                                 day=DAY + dt.timedelta(days=offset), source="outreach")
            assert queued.outcome == "queued"
            send_due(worker_id="t", now=queued.message.next_attempt_at + dt.timedelta(minutes=5))
    finally:
        controller.stop()
    assert len(inbox.messages) == 3
    assert set(Message.objects.values_list("status", flat=True)) == {MessageStatus.SENT}
    sent = Activity.objects.filter(kind="email", contacts=promoter)
    assert sent.count() == 3 and all(a.author is None and "message" in a.data for a in sent)

    run_rules_day(DAY)
    episode = Unreachable.objects.get()
    assert (episode.contact, episode.touches, episode.ended_on) == (promoter, 3, None)


@pytest.mark.parametrize(("kind", "by_a_person", "answers"), [
    ("email", True, True),     # the CSM logged an email exchange with the contact
    ("email", False, False),   # written by the system
    ("call", True, True),
    ("meeting", True, True),
    ("survey", False, True),   # the contact's own answer
    ("ticket", False, True),
    ("note", True, False),     # a note about the contact is not the contact answering
    ("system", False, False),
])
def test_what_counts_as_an_answer(acme, alice, kind, by_a_person, answers):
    PlaybookSettings.objects.create(unreachable_after=3)
    promoter = acme.contacts.get()
    record_touch(promoter, channel="email", source="outreach", at=_at(-20))
    do_log_activity(acme, kind=kind, summary="Something", actor=alice if by_a_person else None,
                    contacts=[promoter], occurred_at=_at(-15))
    for offset in (-10, -1):
        record_touch(promoter, channel="email", source="outreach", at=_at(offset))
    run_rules_day(DAY)
    assert Unreachable.objects.exists() is not answers


def test_a_click_is_an_answer(acme, alice):
    from csops.outreach.models import Click, Message

    PlaybookSettings.objects.create(unreachable_after=3)
    promoter = acme.contacts.get()
    message = Message.objects.create(idempotency_key="m1", channel="email", account=acme, contact=promoter,
                                     to_address=promoter.email, scheduled_for=DAY - dt.timedelta(days=20))
    record_touch(promoter, channel="email", source="outreach", at=_at(-20), message=message)
    Click.objects.create(message=message, url="https://help.vendor.example/", clicked_at=_at(-15))
    for offset in (-10, -1):
        record_touch(promoter, channel="email", source="outreach", at=_at(offset))
    run_rules_day(DAY)
    assert not Unreachable.objects.exists()
