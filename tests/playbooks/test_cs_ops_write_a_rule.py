"""CS Ops write a new rule in the app, preview who it hits today, save it and turn it on."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from csops.audit.models import AuditEntry
from csops.playbooks.engine import run_ctas_day, run_rules_day
from csops.playbooks.models import Cta, Rule
from tests.playbooks.conftest import make_playbook

pytestmark = pytest.mark.django_db


@pytest.fixture
def renewing(acme, globex):
    today = timezone.localdate()
    acme.next_renewal_date = today + dt.timedelta(days=40)
    acme.save()
    globex.next_renewal_date = today + dt.timedelta(days=400)
    globex.save()
    return acme


def _form(playbook, **extra):
    return {"key": "renewal-60", "name": "Renewal in 60 days", "trigger": "type: renewal_in_days\ndays: 60\n",
            "segment": "", "playbook": playbook.pk, **extra}


def test_the_preview_lists_the_accounts_hit_today_without_saving(client_as, carol, renewing):
    playbook = make_playbook("prep", responsibility="renewal")
    response = client_as(carol).post(reverse("playbooks-rule-new"), _form(playbook, preview="1"))
    assert response.status_code == 200
    page = response.content.decode()
    assert f"On {timezone.localdate().isoformat()} this rule holds for 1 account" in page
    assert "Acme" in page and "Globex" not in page
    assert "Renewal on" in page
    assert not Rule.objects.exists()


def test_the_preview_shows_the_errors_of_a_bad_trigger(client_as, carol, renewing):
    playbook = make_playbook()
    response = client_as(carol).post(reverse("playbooks-rule-new"),
                                     _form(playbook, trigger="type: renewal_in_days\nday: 60\n", preview="1"))
    assert "trigger (renewal_in_days): unknown field &#x27;day&#x27;" in response.content.decode()


def test_saved_and_turned_on_the_rule_fires_in_the_pipeline(client_as, carol, renewing, alice):
    playbook = make_playbook("prep", responsibility="renewal")
    client = client_as(carol)
    response = client.post(reverse("playbooks-rule-new"), _form(playbook))
    rule = Rule.objects.get()
    assert response["Location"] == reverse("playbooks-rule-edit", args=[rule.pk])
    assert not rule.is_active  # saved off until CS Ops turn it on
    client.post(reverse("playbooks-rule-toggle", args=[rule.pk]))
    rule.refresh_from_db()
    assert rule.is_active
    actions = AuditEntry.objects.filter(object_type="playbooks.rule").order_by("pk").values_list("action", flat=True)
    assert list(actions) == ["playbooks.rule_created", "playbooks.rule_changed"]
    today = timezone.localdate()
    run_rules_day(today)
    run_ctas_day(today)
    assert Cta.objects.get().assignee == alice


def test_a_playbook_is_edited_as_yaml_with_clear_errors(client_as, carol):
    response = client_as(carol).post(reverse("playbooks-playbook-new"), {
        "key": "p", "name": "P", "responsibility": "adoption",
        "actions": "- type: create_cta\n  title: Call {{ custmer }}\n"})
    assert "title: unknown variable {{ custmer }}" in response.content.decode()
    response = client_as(carol).post(reverse("playbooks-playbook-new"), {
        "key": "p", "name": "P", "responsibility": "adoption",
        "actions": "- type: create_cta\n  title: Call {{ account }}\n"})
    assert response.status_code == 302


def test_the_library_page_lists_rules_and_playbooks(client_as, victor):
    make_playbook("prep")
    response = client_as(victor).get(reverse("playbooks-library"))
    assert b"Prep" in response.content
    assert reverse("playbooks-rule-new").encode() not in response.content  # viewers do not edit


def test_the_preview_may_look_at_another_day(client_as, carol, acme):
    acme.next_renewal_date = dt.date(2026, 11, 20)
    acme.save()
    playbook = make_playbook()
    page = client_as(carol).post(reverse("playbooks-rule-new"),
                                 _form(playbook, preview="1", day="2026-11-01")).content.decode()
    assert "On 2026-11-01 this rule holds for 1 account" in page
    bad = client_as(carol).post(reverse("playbooks-rule-new"), _form(playbook, preview="1", day="soon"))
    assert "Give the preview day as YYYY-MM-DD." in bad.content.decode()
