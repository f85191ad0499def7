"""A campaign's step emails reach a real SMTP server with the right headers, bodies and recipients."""

from __future__ import annotations

import dataclasses

import pytest

from csops.customers.models import Activity
from csops.outreach.campaigns import run_outreach_day
from csops.outreach.models import Message, MessageStatus
from csops.outreach.sending import send_due
from tests.outreach.conftest import MONDAY, at_local
from tests.outreach.support import html_of, text_of

pytestmark = pytest.mark.django_db


def test_day_zero_welcome_reaches_the_decision_maker_and_promoter_only(inbox, onboarding, acme_people):
    run_outreach_day(MONDAY)
    summary = send_due(worker_id="test", now=at_local(MONDAY, 10))
    assert summary.counts["sent"] == 2
    assert sorted(to for _, tos in inbox.envelopes for to in tos) == ["decision_maker@acme.example",
                                                                      "sato@acme.example"]
    mail = inbox.to("sato@acme.example")[0]
    assert mail["Subject"] == "Acme 様、ようこそ"
    assert mail["From"] == "Demo CS <cs@vendor.example>"
    assert "Sato Hanako 様" in text_of(mail)
    assert "Sato Hanako 様" in html_of(mail)


def test_every_email_carries_one_click_unsubscribe_headers_and_a_stable_message_id(inbox, onboarding, acme_people):
    run_outreach_day(MONDAY)
    send_due(worker_id="test", now=at_local(MONDAY, 10))
    mail = inbox.to("sato@acme.example")[0]
    message = Message.objects.get(to_address="sato@acme.example")
    assert mail["Message-ID"] == f"<{message.public_id}@vendor.example>"
    assert mail["List-Unsubscribe"].startswith("<http://csops.test/o/u/")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "http://csops.test/o/u/" in text_of(mail)  # the footer added when the template has no link


def test_links_in_the_body_are_signed_tracking_redirects(inbox, onboarding, acme_people):
    run_outreach_day(MONDAY)
    send_due(worker_id="test", now=at_local(MONDAY, 10))
    mail = inbox.to("sato@acme.example")[0]
    assert "https://help.vendor.example/map" not in text_of(mail)
    assert "http://csops.test/o/c/" in text_of(mail)
    assert 'href="http://csops.test/o/c/' in html_of(mail)


def test_each_send_lands_on_the_account_timeline(inbox, onboarding, acme_people, acme):
    run_outreach_day(MONDAY)
    send_due(worker_id="test", now=at_local(MONDAY, 10))
    sends = Activity.objects.filter(account=acme, kind="email")
    assert sends.count() == 2
    assert all(a.summary.endswith("Acme 様、ようこそ") for a in sends)
    assert {c.name for a in sends for c in a.contacts.all()} == {"Sato Hanako", "Tanaka Ichiro"}


def test_english_speaking_contacts_get_the_english_version(inbox, onboarding, acme_people):
    promoter = acme_people["promoter"]
    promoter.traits = {"language": "en"}
    promoter.save()
    run_outreach_day(MONDAY)
    send_due(worker_id="test", now=at_local(MONDAY, 10))
    mail = inbox.to("sato@acme.example")[0]
    assert mail["Subject"] == "Welcome, Acme"
    assert mail["Content-Language"] == "en"


def test_a_message_sent_is_marked_sent_and_never_sent_again(inbox, onboarding, acme_people):
    run_outreach_day(MONDAY)
    send_due(worker_id="test", now=at_local(MONDAY, 10))
    send_due(worker_id="test", now=at_local(MONDAY, 11))
    assert len(inbox.messages) == 2
    assert set(Message.objects.values_list("status", flat=True)) == {MessageStatus.SENT}


def test_the_send_summary_is_one_line(inbox, onboarding, acme_people):
    run_outreach_day(MONDAY)
    line = send_due(worker_id="test", now=at_local(MONDAY, 10)).line()
    assert line.startswith("2 sent") and "\n" not in line
    assert dataclasses.is_dataclass(send_due(worker_id="test", now=at_local(MONDAY, 10)))
