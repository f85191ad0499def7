"""A playbook started by hand, and the stage change action through the journey's audited override."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from csops.audit.models import AuditEntry
from csops.playbooks.engine import run_ctas_day, run_rules_day
from csops.playbooks.models import ActionRun, Cta
from tests.playbooks.conftest import DAY, make_playbook, make_rule, snapshot

pytestmark = pytest.mark.django_db


def test_the_owner_starts_a_playbook_by_hand_from_the_account(client_as, alice, acme):
    playbook = make_playbook("kickoff", actions=[
        {"type": "create_cta", "title": "Kick-off with {{ account }}"},
        {"type": "add_activity", "summary": "Follow-up for {{ account }}", "after_days": 7}])
    response = client_as(alice).post(reverse("playbooks-start", args=[acme.pk]), {"playbook": playbook.pk})
    assert response.status_code == 302
    cta = Cta.objects.get()
    assert (cta.title, cta.reason, cta.assignee) == ("Kick-off with Acme", "Started by hand", alice)
    assert ActionRun.objects.get(position=2).status == "pending"
    assert AuditEntry.objects.filter(action="playbooks.started_by_hand").exists()


def test_another_csm_cannot_start_a_playbook_on_alices_account(client_as, bob, acme):
    playbook = make_playbook()
    assert client_as(bob).post(reverse("playbooks-start", args=[acme.pk]),
                               {"playbook": playbook.pk}).status_code == 403


def test_a_red_account_is_moved_to_the_renewal_stage_through_the_journey(acme, scorecard):
    from csops.journey.models import StageChange

    acme.lifecycle_stage = "adoption"
    acme.save()
    make_rule("red", {"type": "health_grade", "to": ["red"]},
              make_playbook("move", actions=[{"type": "change_stage", "stage": "renewal"}]))
    snapshot(acme, scorecard, DAY, 20, "red")
    run_rules_day(DAY)
    run_ctas_day(DAY)
    acme.refresh_from_db()
    assert acme.lifecycle_stage == "renewal"
    change = StageChange.objects.get(account=acme)
    assert (change.stage_from, change.stage_to, change.day) == ("adoption", "renewal", DAY)
    assert change.reason.startswith("Playbook Move: Health grade is Red")
    assert AuditEntry.objects.filter(action="journey.stage_override").exists()
    run_ctas_day(DAY + dt.timedelta(days=1))
    assert StageChange.objects.count() == 1
