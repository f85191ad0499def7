"""SMTP down, refusing or asking for a password: retried with back-off, then failed with the reason; never lost."""

from __future__ import annotations

import datetime as dt

import pytest

from csops.outreach.campaigns import run_outreach_day
from csops.outreach.models import Message, MessageStatus, Touch
from csops.outreach.sending import backoff, send_due
from tests.outreach.conftest import MONDAY, at_local
from tests.outreach.support import Inbox, free_port, start_smtp

pytestmark = pytest.mark.django_db


@pytest.fixture
def one_email(onboarding, acme_people, settings):
    settings.CSOPS_SMTP_FROM = "cs@vendor.example"
    acme_people["decision_maker"].delete()
    run_outreach_day(MONDAY)
    return Message.objects.get()


def test_smtp_down_is_retried_with_growing_back_off(one_email, settings):
    settings.CSOPS_SMTP_HOST, settings.CSOPS_SMTP_PORT = "127.0.0.1", free_port()  # nothing listens
    now = at_local(MONDAY, 10)
    assert send_due(worker_id="t", now=now).counts["retry"] == 1
    one_email.refresh_from_db()
    assert one_email.status == MessageStatus.QUEUED
    assert one_email.next_attempt_at == now + backoff(1)
    assert "cannot connect to SMTP" in one_email.last_error
    assert send_due(worker_id="t", now=now + dt.timedelta(seconds=30)).counts["retry"] == 0  # not due yet
    send_due(worker_id="t", now=one_email.next_attempt_at)
    one_email.refresh_from_db()
    assert one_email.attempts == 2
    assert one_email.next_attempt_at - at_local(MONDAY, 10) > backoff(1) + backoff(1)


def test_after_the_last_attempt_the_message_fails_with_the_reason(one_email, settings):
    settings.CSOPS_SMTP_HOST, settings.CSOPS_SMTP_PORT = "127.0.0.1", free_port()
    settings.CSOPS_SEND_MAX_ATTEMPTS = 3
    now = at_local(MONDAY, 10)
    for _ in range(3):
        send_due(worker_id="t", now=now)
        now = Message.objects.get().next_attempt_at
    one_email.refresh_from_db()
    assert one_email.status == MessageStatus.FAILED
    assert one_email.last_error.startswith("gave up after 3 attempts: cannot connect to SMTP")
    assert not Touch.objects.exists()  # a touch that never happened does not count against the cap


def test_a_message_that_failed_while_smtp_was_down_is_sent_once_smtp_is_back(one_email, settings):
    port = free_port()
    settings.CSOPS_SMTP_HOST, settings.CSOPS_SMTP_PORT = "127.0.0.1", port
    send_due(worker_id="t", now=at_local(MONDAY, 10))
    inbox = Inbox()
    controller = start_smtp(inbox, port=port)
    try:
        send_due(worker_id="t", now=at_local(MONDAY, 12))
        send_due(worker_id="t", now=at_local(MONDAY, 13))
    finally:
        controller.stop()
    assert len(inbox.messages) == 1
    assert Message.objects.get().status == MessageStatus.SENT


def test_a_refused_recipient_is_bounced_and_not_retried(one_email, settings):
    inbox = Inbox(refuse={"sato@acme.example"})
    controller = start_smtp(inbox)
    settings.CSOPS_SMTP_HOST, settings.CSOPS_SMTP_PORT = "127.0.0.1", controller.port
    try:
        send_due(worker_id="t", now=at_local(MONDAY, 10))
    finally:
        controller.stop()
    one_email.refresh_from_db()
    assert one_email.status == MessageStatus.BOUNCED
    assert "550" in one_email.last_error
    assert inbox.messages == []


def test_smtp_auth_from_settings_is_used(one_email, settings):
    inbox = Inbox()
    controller = start_smtp(inbox, auth=("mailer", "s3cret-pass"))
    settings.CSOPS_SMTP_HOST, settings.CSOPS_SMTP_PORT = "127.0.0.1", controller.port
    settings.CSOPS_SMTP_USER, settings.CSOPS_SMTP_PASSWORD = "mailer", "s3cret-pass"
    try:
        send_due(worker_id="t", now=at_local(MONDAY, 10))
    finally:
        controller.stop()
    assert len(inbox.messages) == 1


def test_a_wrong_smtp_password_is_retried_not_dropped(one_email, settings):
    inbox = Inbox()
    controller = start_smtp(inbox, auth=("mailer", "s3cret-pass"))
    settings.CSOPS_SMTP_HOST, settings.CSOPS_SMTP_PORT = "127.0.0.1", controller.port
    settings.CSOPS_SMTP_USER, settings.CSOPS_SMTP_PASSWORD = "mailer", "wrong"
    settings.CSOPS_SMTP_TIMEOUT = 2  # aiosmtpd answers a second, LOGIN attempt by waiting
    try:
        send_due(worker_id="t", now=at_local(MONDAY, 10))
    finally:
        controller.stop()
    one_email.refresh_from_db()
    assert one_email.status == MessageStatus.QUEUED
    assert one_email.last_error.startswith(("SMTP authentication failed", "cannot connect to SMTP"))
    assert inbox.messages == []


def test_outside_the_sending_window_nothing_is_sent(one_email, inbox):
    summary = send_due(worker_id="t", now=at_local(MONDAY, 20))
    assert summary.counts["postponed"] == 1
    one_email.refresh_from_db()
    assert one_email.next_attempt_at == at_local(MONDAY + dt.timedelta(days=2), 9)  # Tuesday is Culture Day
    assert inbox.messages == []
