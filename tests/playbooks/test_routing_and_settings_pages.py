"""CS Ops configure routing and caps in the app (audited); the action log shows deferred and skipped actions."""

from __future__ import annotations

import pytest
from django.urls import reverse

from csops.audit.models import AuditEntry
from csops.playbooks.models import ActionRun, PlaybookSettings, Route
from tests.playbooks.conftest import DAY, make_playbook

pytestmark = pytest.mark.django_db


def test_cs_ops_route_technical_ctas_to_a_person(client_as, carol, dave):
    client = client_as(carol)
    client.post(reverse("playbooks-routing"), {"responsibility": "technical", "target": f"user:{dave.pk}"})
    assert Route.objects.get(responsibility="technical").user == dave
    client.post(reverse("playbooks-routing"), {"responsibility": "technical", "target": "queue", "queue": "l2"})
    row = Route.objects.get(responsibility="technical")
    assert (row.user, row.queue) == (None, "l2")
    assert AuditEntry.objects.filter(action="playbooks.route_changed").count() == 2
    assert "queue l2" in client.get(reverse("playbooks-routing")).content.decode()


def test_cs_ops_set_the_account_cap(client_as, carol):
    client_as(carol).post(reverse("playbooks-routing"), {"form": "settings", "account_cap": "4",
                                                         "unreachable_after": "5", "capacity_target": "30",
                                                         "defer_days": "10"})
    settings = PlaybookSettings.get()
    assert (settings.account_cap, settings.unreachable_after, settings.capacity_target) == (4, 5, 30)
    assert AuditEntry.objects.get(action="playbooks.settings_changed").changes["account_cap"] == [6, 4]


def test_bad_settings_change_nothing(client_as, carol):
    client_as(carol).post(reverse("playbooks-routing"), {"form": "settings", "account_cap": "-1",
                                                         "unreachable_after": "x", "capacity_target": "30",
                                                         "defer_days": "10"})
    assert PlaybookSettings.get().account_cap == 6


def test_the_action_log_lists_deferred_actions_with_the_reason(client_as, victor, acme):
    playbook = make_playbook()
    ActionRun.objects.create(account=acme, playbook=playbook, start_key="manual:1", position=1, due_on=DAY,
                             status="deferred", detail="contact cap: Sato Hanako", action={"type": "create_cta"})
    page = client_as(victor).get(reverse("playbooks-log"), {"status": "deferred"}).content.decode()
    assert "contact cap: Sato Hanako" in page
