"""Done when: on the demo company the onboarding campaign sends real messages to a local SMTP server on
the right days for the right contacts, an unsubscribed contact gets nothing, and the account timeline
shows every send and click."""

from __future__ import annotations

import collections
import datetime as dt
import re
from decimal import Decimal

import pyarrow.compute as pc
import pyarrow.dataset as ds
import pytest
from django.conf import settings
from django.core.management import call_command

from csops.customers.models import Account, Activity, Contact, Contract, Product
from csops.outreach.models import Message, MessageStatus
from csops.outreach.sending import send_due
from csops.pipeline.services import run_pipeline
from csops.usage.lake import events_dataset
from tests.outreach.conftest import at_local
from tests.outreach.support import text_of

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

FIRST = dt.date(2026, 11, 2)  # the Monday after the demo's today (2026-11-01)
DAYS = [FIRST + dt.timedelta(days=n) for n in range(9)]
WELCOME, GUIDE, HOWTO = "onboarding-welcome", "onboarding-setup-guide", "onboarding-first-document"
ROLES = {WELCOME: {"decision_maker", "promoter"}, GUIDE: {"operator", "promoter"},
         HOWTO: {"promoter", "operator", "user"}}
SENT_ON = {WELCOME: dt.date(2026, 11, 2), GUIDE: dt.date(2026, 11, 5), HOWTO: dt.date(2026, 11, 9)}


@pytest.fixture
def demo(inbox):
    call_command("demo", "load", "--accounts", "20", "--months", "3")
    call_command("outreach", "seed-demo")
    # Every onboarding account of this small demo already sent documents; a customer who signed on the
    # demo's today has not, so the day-7 how-to has someone to go to.
    product = Product.objects.get(code="delivery")
    account = Account.objects.create(external_id="ACC-NEW", name="株式会社はじめて商事", segment="smb")
    Contract.objects.create(external_id="C-NEW", account=account, product=product, plan="Starter", seats=6,
                            mrr=Decimal("22000"), start_date=dt.date(2026, 11, 1))
    for role, name in (("decision_maker", "新井 社長"), ("promoter", "石田 推進"), ("operator", "上田 管理"),
                       ("user", "江藤 利用")):
        Contact.objects.create(account=account, name=name, role=role, email=f"{role}@hajimete.example")


def accounts_that_sent_a_document(by: dt.date) -> set[str]:
    table = events_dataset(settings.CSOPS_LAKE_DIR).to_table(
        columns=["account_id"], filter=(ds.field("event") == "document_sent") & (ds.field("date") <= by))
    return set(pc.unique(table.column("account_id")).drop_null().to_pylist())


def test_the_demo_onboarding_campaign_end_to_end(demo, inbox, client):
    onboarding = list(Account.objects.filter(lifecycle_stage="onboarding"))
    assert onboarding, "the demo load has accounts in onboarding"
    opted_out = Contact.objects.filter(account__in=onboarding, role="promoter").order_by("pk").first()
    opted_out.unsubscribed = True
    opted_out.save()

    for day in DAYS:
        run_pipeline(day, only=["outreach"])
        send_due(worker_id="e2e", now=at_local(day, 10))

    sent = list(Message.objects.filter(status=MessageStatus.SENT).select_related("contact", "account", "template"))
    assert len(inbox.messages) == len(sent) > 0
    arrived = collections.Counter(m["Message-ID"] for m in inbox.messages)
    assert max(arrived.values()) == 1

    # the right contacts, on the right days
    done = accounts_that_sent_a_document(by=SENT_ON[HOWTO])
    for message in sent:
        key = message.template.key
        assert message.account.lifecycle_stage == "onboarding"
        assert message.contact.role in ROLES[key], (key, message.contact.role)
        assert message.sent_at.date() == SENT_ON[key], (key, message.sent_at)
        if key == HOWTO:
            assert message.account.external_id not in done
    # everyone who should have had the welcome got it
    expected_welcome = Contact.objects.filter(account__in=onboarding, role__in=ROLES[WELCOME], is_active=True,
                                              unsubscribed=False).exclude(email="").count()
    assert sum(m.template.key == WELCOME for m in sent) == expected_welcome
    assert any(m.template.key == HOWTO for m in sent) and any(m.template.key == GUIDE for m in sent)
    skipped = Message.objects.filter(status=MessageStatus.SKIPPED, template__key=HOWTO)
    assert all(m.account.external_id in done for m in skipped)

    # the unsubscribed contact got nothing
    assert inbox.to(opted_out.email) == []

    # the timeline shows every send...
    per_account = collections.Counter(m.account_id for m in sent)
    for account_id, count in per_account.items():
        assert Activity.objects.filter(account_id=account_id, kind="email", data__source="outreach").count() == count

    # ...and every click
    mail = inbox.messages[0]
    link = re.findall(r"http://csops\.test(/o/c/\S+)", text_of(mail))[0]
    assert client.get(link).status_code == 302
    message = Message.objects.get(public_id=mail["Message-ID"].strip("<>").split("@")[0])
    assert Activity.objects.filter(account=message.account, kind="system", summary__startswith="Clicked").count() == 1
