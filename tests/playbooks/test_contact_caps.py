"""Contact caps across channels: a playbook touch over the cap is deferred (logged) and made when room returns."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from csops.customers.models import Contact
from csops.outreach.models import Message, Template, Touch
from csops.outreach.sending import send_due
from csops.outreach.touches import record_touch
from csops.playbooks.engine import run_ctas_day, run_rules_day
from csops.playbooks.models import ActionRun, Cta, PlaybookSettings
from tests.outreach.support import Inbox, start_smtp, text_of
from tests.playbooks.conftest import DAY, make_playbook, make_rule

pytestmark = pytest.mark.django_db


def at_local(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


@pytest.fixture
def inbox(settings):
    handler = Inbox()
    controller = start_smtp(handler)
    settings.CSOPS_SMTP_HOST, settings.CSOPS_SMTP_PORT = "127.0.0.1", controller.port
    settings.CSOPS_SMTP_FROM = "Demo CS <cs@vendor.example>"
    settings.CSOPS_PUBLIC_URL = "http://csops.test"
    yield handler
    controller.stop()


@pytest.fixture
def renewing(acme):
    acme.next_renewal_date = DAY + dt.timedelta(days=60)
    acme.save()
    return acme


@pytest.fixture
def nudge(db) -> Template:
    return Template.objects.create(key="nudge", name="Nudge", subject_en="A word about {{ account.name }}",
                                   text_en="Dear {{ contact.name }}, shall we talk about your renewal?")


def test_a_step_email_over_the_contact_cap_is_deferred_then_sent_over_smtp(renewing, nudge, inbox, settings):
    settings.CSOPS_CONTACT_CAP, settings.CSOPS_CONTACT_CAP_DAYS = 1, 7
    promoter = renewing.contacts.get()
    promoter.traits = {"language": "en"}
    promoter.save()
    record_touch(promoter, channel="call", source="outreach", at=at_local(DAY, 9))  # a call this morning
    make_rule("renewal", {"type": "renewal_in_days", "days": 90},
              make_playbook("mail", actions=[{"type": "send_email", "template": "nudge", "roles": ["promoter"]}]))
    run_rules_day(DAY)
    run_ctas_day(DAY)
    run = ActionRun.objects.get()
    assert run.status == "deferred"
    assert "contact cap" in run.detail
    assert not Message.objects.exists()
    for offset in range(1, 8):
        run_ctas_day(DAY + dt.timedelta(days=offset))
    run.refresh_from_db()
    assert (run.status, run.attempts) == ("done", 6)  # deferred five more days, queued on Saturday...
    message = Message.objects.get()
    assert message.next_attempt_at == at_local(DAY + dt.timedelta(days=7), 9)  # ...for Monday's first window
    send_due(worker_id="test", now=message.next_attempt_at)
    [mail] = inbox.to("sato@acme.example")
    assert mail["Subject"] == "A word about Acme"
    assert "shall we talk about your renewal?" in text_of(mail)
    assert Touch.objects.filter(contact=promoter).count() == 2


def test_a_call_cta_over_the_contact_cap_waits_and_counts_as_a_touch_when_made(renewing, settings):
    settings.CSOPS_CONTACT_CAP, settings.CSOPS_CONTACT_CAP_DAYS = 1, 7
    promoter = renewing.contacts.get()
    record_touch(promoter, channel="email", source="outreach", at=at_local(DAY, 9))
    make_rule("renewal", {"type": "renewal_in_days", "days": 90}, make_playbook("call", actions=[
        {"type": "create_cta", "title": "Call {{ account }}", "call": True, "contact_roles": ["promoter"]}]))
    run_rules_day(DAY)
    run_ctas_day(DAY)
    assert not Cta.objects.exists()
    run_ctas_day(DAY + dt.timedelta(days=7))
    cta = Cta.objects.get()
    assert (cta.is_call, cta.contact) == (True, promoter)
    assert Touch.objects.filter(contact=promoter, channel="call", source="playbooks").count() == 1


def test_the_account_cap_counts_every_contact_of_the_account(renewing, settings):
    settings.CSOPS_CONTACT_CAP = 0
    PlaybookSettings.objects.create(account_cap=2)
    other = Contact.objects.create(account=renewing, name="Ito", email="ito@acme.example", role="user")
    for hour in (9, 10):
        record_touch(other, channel="email", source="outreach", at=at_local(DAY, hour))
    make_rule("renewal", {"type": "renewal_in_days", "days": 90}, make_playbook("call", actions=[
        {"type": "create_cta", "title": "Call {{ account }}", "call": True, "contact_roles": ["promoter"]}]))
    run_rules_day(DAY)
    run_ctas_day(DAY)
    assert ActionRun.objects.get().detail.startswith("account cap")


def test_a_touch_deferred_too_long_is_given_up_and_logged(renewing, settings):
    settings.CSOPS_CONTACT_CAP, settings.CSOPS_CONTACT_CAP_DAYS = 1, 30
    PlaybookSettings.objects.create(defer_days=3)
    record_touch(renewing.contacts.get(), channel="email", source="outreach", at=at_local(DAY, 9))
    make_rule("renewal", {"type": "renewal_in_days", "days": 90}, make_playbook("call", actions=[
        {"type": "create_cta", "title": "Call {{ account }}", "call": True}]))
    run_rules_day(DAY)
    for offset in range(6):
        run_ctas_day(DAY + dt.timedelta(days=offset))
    run = ActionRun.objects.get()
    assert run.status == "skipped"
    assert run.detail.startswith("gave up after 3 days over a contact cap")
    assert not Cta.objects.exists()
