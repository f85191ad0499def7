"""The outreach pages: everyone signed in reads, CS Ops and admins change (audited), nobody else sees anything."""

from __future__ import annotations

import pytest

from csops.audit.models import AuditEntry
from csops.outreach.models import Campaign, Message, Template

pytestmark = pytest.mark.django_db

MAY_EDIT = {"alice": False, "bob": False, "carol": True, "dave": True, "victor": False}


@pytest.fixture
def people(alice, bob, carol, dave, victor):
    return {"alice": alice, "bob": bob, "carol": carol, "dave": dave, "victor": victor}


@pytest.fixture
def pages(onboarding, welcome, acme_people):
    return [
        "/outreach/", "/outreach/campaigns/new/", f"/outreach/campaigns/{onboarding.pk}/",
        "/outreach/templates/", "/outreach/templates/new/", f"/outreach/templates/{welcome.pk}/",
        f"/outreach/templates/{welcome.pk}/preview/", "/outreach/messages/", "/outreach/export.yaml",
    ]


def test_an_outsider_is_sent_to_the_login_page_from_every_page(client, pages):
    for url in pages:
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"], url
    for url in ("/outreach/import/", "/outreach/messages/1/resend/", "/outreach/templates/new/"):
        assert client.post(url).status_code == 302, url


@pytest.mark.parametrize("persona", sorted(MAY_EDIT))
def test_everyone_signed_in_reads_every_page(persona, people, client, pages):
    client.force_login(people[persona])
    for url in pages:
        assert client.get(url).status_code == 200, url


TEMPLATE_POST = {"key": "renewal", "name": "Renewal", "subject_ja": "{{ account.name }} 様 更新のご案内",
                 "text_ja": "{{ contact.name }} 様", "description": "", "subject_en": "", "text_en": "",
                 "html_ja": "", "html_en": ""}


@pytest.mark.parametrize("persona", sorted(MAY_EDIT))
def test_creating_a_template(persona, people, client):
    client.force_login(people[persona])
    response = client.post("/outreach/templates/new/", TEMPLATE_POST)
    assert (response.status_code == 302) is MAY_EDIT[persona]
    if not MAY_EDIT[persona]:
        assert response.status_code == 403
    assert Template.objects.filter(key="renewal").exists() is MAY_EDIT[persona]


def test_a_template_with_an_unknown_variable_is_not_saved_and_says_why(carol, client):
    client.force_login(carol)
    response = client.post("/outreach/templates/new/", {**TEMPLATE_POST, "text_ja": "{{ contact.nickname }}"})
    assert response.status_code == 200
    assert "unknown variable {{ contact.nickname }}" in response.content.decode()
    assert not Template.objects.filter(key="renewal").exists()


def test_template_changes_are_audited(carol, client, welcome):
    client.force_login(carol)
    data = {f: getattr(welcome, f) for f in ("key", "name", "description", *Template.FIELDS)}
    client.post(f"/outreach/templates/{welcome.pk}/", {**data, "subject_ja": "新しい件名"})
    entry = AuditEntry.objects.get(action="outreach.template_changed")
    assert entry.actor == carol
    assert entry.changes["subject_ja"] == ["{{ account.name }} 様、ようこそ", "新しい件名"]


def test_the_preview_renders_for_a_real_account_without_sending(carol, client, welcome, acme_people, acme):
    client.force_login(carol)
    response = client.get(f"/outreach/templates/{welcome.pk}/preview/?account={acme.pk}&lang=ja")
    body = response.content.decode()
    assert "Acme 様、ようこそ" in body
    assert "Sato Hanako 様" in body
    assert not Message.objects.exists()


CAMPAIGN_POST = {"key": "renewal", "name": "Renewal", "description": "", "is_active": "on",
                 "roles": ["decision_maker"], "entry": "- type: segment\n  in: [enterprise]\n", "exit": "",
                 "steps": "- day: 0\n  template: welcome\n"}


@pytest.mark.parametrize("persona", sorted(MAY_EDIT))
def test_creating_a_campaign(persona, people, client, welcome):
    client.force_login(people[persona])
    response = client.post("/outreach/campaigns/new/", CAMPAIGN_POST)
    assert response.status_code == (302 if MAY_EDIT[persona] else 403)
    assert Campaign.objects.filter(key="renewal").exists() is MAY_EDIT[persona]


def test_a_campaign_with_bad_conditions_or_steps_is_not_saved(carol, client, welcome):
    client.force_login(carol)
    response = client.post("/outreach/campaigns/new/", {
        **CAMPAIGN_POST, "entry": "- type: moon_phase\n", "steps": "- day: -1\n  template: nope\n"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "unknown type &#x27;moon_phase&#x27;" in body
    assert "unknown template &#x27;nope&#x27;" in body
    assert not Campaign.objects.filter(key="renewal").exists()


def test_campaign_changes_are_audited_with_their_steps(carol, client, onboarding):
    client.force_login(carol)
    client.post(f"/outreach/campaigns/{onboarding.pk}/", {**CAMPAIGN_POST, "key": "onboarding"})
    entry = AuditEntry.objects.filter(action="outreach.campaign_changed").get()
    assert entry.actor == carol
    assert "steps" in entry.changes and "entry_conditions" in entry.changes


def test_the_message_log_filters_by_status_and_account(carol, client, onboarding, acme_people, acme, globex):
    from csops.outreach.campaigns import run_outreach_day
    from tests.outreach.conftest import MONDAY

    run_outreach_day(MONDAY)
    client.force_login(carol)
    assert "Acme 様、ようこそ" in client.get(f"/outreach/messages/?status=queued&account={acme.pk}").content.decode()
    assert "Acme 様、ようこそ" not in client.get("/outreach/messages/?status=sent").content.decode()
    assert "Acme 様、ようこそ" not in client.get(f"/outreach/messages/?account={globex.pk}").content.decode()


@pytest.mark.parametrize("persona", sorted(MAY_EDIT))
def test_resending_a_failed_message(persona, people, client, onboarding, acme_people):
    from csops.outreach.campaigns import run_outreach_day
    from tests.outreach.conftest import MONDAY

    run_outreach_day(MONDAY)
    message = Message.objects.filter(contact=acme_people["promoter"]).get()
    Message.objects.filter(pk=message.pk).update(status="failed", last_error="SMTP down")
    client.force_login(people[persona])
    response = client.post(f"/outreach/messages/{message.pk}/resend/")
    assert response.status_code == (302 if MAY_EDIT[persona] else 403)
    message.refresh_from_db()
    assert (message.status == "queued") is MAY_EDIT[persona]
