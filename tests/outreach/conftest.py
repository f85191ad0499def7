from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from csops.customers.models import Contact
from csops.outreach.models import Campaign, Template
from csops.outreach.services import do_save_campaign
from tests.outreach.support import Inbox, start_smtp

# A Monday in the demo's autumn: 2026-11-03 (Tuesday) is Culture Day, a Japanese public holiday.
MONDAY = dt.date(2026, 11, 2)


def at_local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


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
def welcome(db) -> Template:
    return Template.objects.create(
        key="welcome", name="Welcome",
        subject_ja="{{ account.name }} 様、ようこそ", subject_en="Welcome, {{ account.name }}",
        text_ja="{{ contact.name }} 様\nマップ: https://help.vendor.example/map\n",
        text_en="Dear {{ contact.name }}\nMap: https://help.vendor.example/map\n",
        html_ja='<p>{{ contact.name }} 様</p><p><a href="https://help.vendor.example/map">マップ</a></p>',
    )


@pytest.fixture
def guide(db) -> Template:
    return Template.objects.create(key="guide", name="Guide", subject_ja="設定ガイド",
                                   text_ja="{{ contact.name }} 様 https://help.vendor.example/setup")


@pytest.fixture
def howto(db) -> Template:
    return Template.objects.create(key="howto", name="How-to", subject_ja="はじめての送付",
                                   text_ja="{{ account.name }} 様 https://help.vendor.example/howto")


@pytest.fixture
def onboarding(db, welcome, guide, howto) -> Campaign:
    campaign = Campaign(key="onboarding", name="Onboarding", is_active=True,
                        entry_conditions=[{"type": "lifecycle_stage", "in": ["onboarding"]}],
                        exit_conditions=[{"type": "lifecycle_stage", "not_in": ["onboarding"]}])
    return do_save_campaign(campaign, [
        {"day": 0, "template": welcome, "roles": ["decision_maker", "promoter"]},
        {"day": 3, "template": guide, "roles": ["operator", "promoter"]},
        {"day": 7, "template": howto, "roles": ["promoter", "operator", "user"],
         "when": [{"type": "event_not_done", "event": "document_sent"}]},
    ], actor=None)


@pytest.fixture
def acme_people(acme) -> dict[str, Contact]:
    """Acme (onboarding) with one contact per role; the promoter Sato comes from the shared fixture."""
    people = {"promoter": acme.contacts.get()}
    for role, name in (("decision_maker", "Tanaka Ichiro"), ("operator", "Suzuki Jiro"), ("user", "Ito Saburo")):
        people[role] = Contact.objects.create(account=acme, external_id=f"U-ACME-{role}", name=name,
                                              email=f"{role}@acme.example", role=role)
    return people


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # The personas get real passwords; hashing them with PBKDF2 costs a second per test here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _company_language_english(settings):
    # Timeline entries written for public links (no signed-in user) are in the company's language;
    # these tests read them in English.
    settings.LANGUAGE_CODE = "en"
