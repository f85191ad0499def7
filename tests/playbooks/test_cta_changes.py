"""Snooze, reassign, close with an outcome: who may, and every change on the account timeline."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from csops.audit.models import AuditEntry
from csops.customers.models import Activity
from csops.playbooks.models import Cta
from csops.playbooks.services import do_check_item, do_close_cta, do_reassign_cta, do_snooze_cta

pytestmark = pytest.mark.django_db


def _timeline(cta: Cta) -> list[str]:
    return list(Activity.objects.filter(account=cta.account, data__cta=cta.pk).order_by("pk")
                .values_list("summary", flat=True))


def test_the_owner_closes_their_cta_with_an_outcome_on_the_timeline(acme_cta, alice):
    do_close_cta(acme_cta, outcome="resolved", note="called, all good", actor=alice)
    acme_cta.refresh_from_db()
    assert (acme_cta.status, acme_cta.outcome, acme_cta.closed_by) == ("closed", "resolved", alice)
    assert _timeline(acme_cta) == ["CTA opened for Alice: Call Acme", "CTA closed (Resolved): Call Acme"]
    assert AuditEntry.objects.filter(action="playbooks.cta_closed", actor=alice).exists()


def test_a_csm_cannot_close_another_csms_cta(acme_cta, bob):
    with pytest.raises(PermissionDenied):
        do_close_cta(acme_cta, outcome="resolved", actor=bob)
    acme_cta.refresh_from_db()
    assert acme_cta.status == "open"


def test_a_viewer_cannot_change_a_cta(acme_cta, victor):
    with pytest.raises(PermissionDenied):
        do_snooze_cta(acme_cta, until=timezone.localdate() + dt.timedelta(days=3), actor=victor)


def test_cs_ops_may_close_any_cta(acme_cta, carol):
    do_close_cta(acme_cta, outcome="not_needed", actor=carol)
    assert Cta.objects.get().outcome == "not_needed"


def test_a_cta_reassigned_to_bob_may_be_closed_by_bob(acme_cta, alice, bob):
    do_reassign_cta(acme_cta, to=bob, actor=alice)
    do_close_cta(acme_cta, outcome="resolved", actor=bob)
    assert _timeline(acme_cta)[1:] == ["CTA reassigned to Bob: Call Acme", "CTA closed (Resolved): Call Acme"]


def test_a_cta_cannot_go_to_a_viewer(acme_cta, alice, victor):
    with pytest.raises(ValueError, match="active person"):
        do_reassign_cta(acme_cta, to=victor, actor=alice)


def test_snoozing_hides_a_cta_until_its_day(acme_cta, alice):
    from csops.playbooks.services import wake_snoozed

    until = timezone.localdate() + dt.timedelta(days=5)
    do_snooze_cta(acme_cta, until=until, actor=alice)
    assert wake_snoozed(until - dt.timedelta(days=1)) == 0
    assert wake_snoozed(until) == 1
    acme_cta.refresh_from_db()
    assert (acme_cta.status, acme_cta.snoozed_until) == ("open", None)
    assert _timeline(acme_cta)[1] == f"CTA snoozed until {until.isoformat()}: Call Acme"


def test_a_snooze_must_end_after_today(acme_cta, alice):
    with pytest.raises(ValueError, match="after today"):
        do_snooze_cta(acme_cta, until=timezone.localdate(), actor=alice)


def test_checklist_items_are_ticked_on_the_timeline(acme_cta, alice):
    do_check_item(acme_cta, index=1, done=True, actor=alice)
    assert Cta.objects.get().checklist == [{"text": "Prepare", "done": False}, {"text": "Call", "done": True}]
    assert _timeline(acme_cta)[-1] == "CTA checklist checked: Call"


def test_a_closed_cta_cannot_be_closed_again(acme_cta, alice):
    do_close_cta(acme_cta, outcome="resolved", actor=alice)
    with pytest.raises(ValueError, match="already closed"):
        do_close_cta(acme_cta, outcome="resolved", actor=alice)


def test_the_closing_note_and_outcome_reach_the_timeline(acme_cta, alice, client):
    do_close_cta(acme_cta, outcome="escalated", note="Sato wants a discount; handed to sales", actor=alice)
    entry = Activity.objects.filter(account=acme_cta.account, data__event="cta_closed").get()
    assert entry.summary == "CTA closed (Escalated): Call Acme"
    assert entry.body.splitlines() == ["Outcome: Escalated", "Note: Sato wants a discount; handed to sales",
                                       "Opened because: Health score fell"]
    client.force_login(alice)
    page = client.get(f"/accounts/{acme_cta.account.pk}/").content.decode()
    assert "Sato wants a discount; handed to sales" in page


def test_without_a_note_the_timeline_says_the_outcome_and_why(acme_cta, alice):
    do_close_cta(acme_cta, outcome="not_needed", note="  ", actor=alice)
    entry = Activity.objects.filter(account=acme_cta.account, data__event="cta_closed").get()
    assert entry.body.splitlines() == ["Outcome: Not needed", "Opened because: Health score fell"]
