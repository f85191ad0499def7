"""Success plans are corrected as well as added to: an outcome's title, KPI, baseline, target and due
date are edited; outcomes, milestones and checkpoints are deleted; audited; only by those who may."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from csops.audit.models import AuditEntry
from csops.journey.models import CxCheckpoint, Milestone, Outcome
from csops.journey.success import SuccessInvalid, do_add_checkpoint, do_add_milestone, do_add_outcome, do_update_outcome

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(alice, bob, carol, dave, victor):
    return {"alice": alice, "bob": bob, "carol": carol, "dave": dave, "victor": victor}


@pytest.fixture
def plan(acme, alice):
    outcome = do_add_outcome(acme, actor=alice, title="Faster month end", kpi="Days to close", unit="days",
                             baseline=Decimal(7), target=Decimal(5), due_on=dt.date(2027, 3, 31))
    milestone = do_add_milestone(acme, actor=alice, kind="behavioural", title="Accounting sends every invoice")
    checkpoint = do_add_checkpoint(acme, actor=alice, day=dt.date(2026, 5, 2), sentiment="positive", score=9)
    return {"outcome": outcome, "milestone": milestone, "checkpoint": checkpoint}


def test_an_outcome_is_corrected_and_the_change_audited(plan, alice):
    outcome = do_update_outcome(plan["outcome"], actor=alice, title="Month end in 4 days", baseline=Decimal(8),
                                target=Decimal(4), due_on=dt.date(2027, 6, 30))
    assert (outcome.title, outcome.baseline, outcome.target, outcome.due_on) == (
        "Month end in 4 days", Decimal(8), Decimal(4), dt.date(2027, 6, 30))
    entry = AuditEntry.objects.filter(action="journey.outcome_updated").get()
    assert entry.changes["baseline"] == ["7", "8"]
    with pytest.raises(SuccessInvalid, match="target"):
        do_update_outcome(outcome, actor=alice, baseline=Decimal(4))


def test_the_panel_offers_edit_and_delete_with_its_own_ids(client, alice, plan, acme):
    client.force_login(alice)
    html = client.get(f"/journey/accounts/{acme.pk}/panel").content.decode()
    pk = plan["outcome"].pk
    assert f'action="/journey/outcomes/{pk}/edit"' in html and f'id="journey-edit-{pk}-title"' in html
    assert f'action="/journey/outcomes/{pk}/delete"' in html
    assert f'action="/journey/milestones/{plan["milestone"].pk}/delete"' in html
    assert f'action="/journey/checkpoints/{plan["checkpoint"].pk}/delete"' in html
    assert 'id="journey-summary"' in html and 'id="id_summary"' not in html and 'id="id_' not in html


def test_the_panel_edits_an_outcome(client, alice, plan):
    pk = plan["outcome"].pk
    client.force_login(alice)
    response = client.post(f"/journey/outcomes/{pk}/edit", {
        f"edit-{pk}-title": "Month end in 4 days", f"edit-{pk}-kpi": "Days to close", f"edit-{pk}-unit": "days",
        f"edit-{pk}-baseline": "7", f"edit-{pk}-target": "4", f"edit-{pk}-due_on": "2027-06-30"})
    assert response.status_code == 302
    outcome = Outcome.objects.get(pk=pk)
    assert outcome.title == "Month end in 4 days" and outcome.target == 4 and outcome.due_on == dt.date(2027, 6, 30)


@pytest.mark.parametrize("persona,allowed", [("alice", True), ("bob", False), ("victor", False), ("carol", True)])
def test_who_may_delete_on_the_page(persona, allowed, people, client, plan):
    client.force_login(people[persona])
    for url in (f"/journey/outcomes/{plan['outcome'].pk}/delete", f"/journey/milestones/{plan['milestone'].pk}/delete",
                f"/journey/checkpoints/{plan['checkpoint'].pk}/delete"):
        assert client.post(url).status_code == (302 if allowed else 403), url
    assert Outcome.objects.exists() is not allowed
    assert Milestone.objects.exists() is not allowed
    assert CxCheckpoint.objects.exists() is not allowed
    deleted = set(AuditEntry.objects.filter(action__endswith="_deleted").values_list("action", flat=True))
    assert deleted == ({"journey.outcome_deleted", "journey.milestone_deleted", "journey.cx_checkpoint_deleted"}
                       if allowed else set())


@pytest.mark.parametrize("persona,status", [("alice", 204), ("bob", 403), ("victor", 403), ("dave", 204)])
def test_who_may_delete_through_the_api(persona, status, people, client, token_for, plan):
    auth = token_for(people[persona])
    for url in (f"/api/journey/outcomes/{plan['outcome'].pk}", f"/api/journey/milestones/{plan['milestone'].pk}",
                f"/api/journey/checkpoints/{plan['checkpoint'].pk}"):
        assert client.delete(url, **auth).status_code == status, url
    assert Outcome.objects.exists() is (status != 204)
    if status == 204:
        assert client.delete(f"/api/journey/outcomes/{plan['outcome'].pk}", **auth).status_code == 404


@pytest.mark.parametrize("persona,status", [("alice", 200), ("bob", 403), ("victor", 403), ("carol", 200)])
def test_an_outcome_is_corrected_through_the_api(persona, status, people, client, token_for, plan):
    pk = plan["outcome"].pk
    response = client.patch(f"/api/journey/outcomes/{pk}", content_type="application/json", data=json.dumps(
        {"title": "Month end in 4 days", "kpi": "Days", "baseline": "8", "target": "4", "due_on": "2027-06-30"}),
        **token_for(people[persona]))
    assert response.status_code == status
    if status == 200:
        body = response.json()
        assert (body["title"], body["baseline"], body["due_on"]) == ("Month end in 4 days", "8.00", "2027-06-30")
        bad = client.patch(f"/api/journey/outcomes/{pk}", content_type="application/json",
                           data=json.dumps({"title": None}), **token_for(people[persona]))
        assert bad.status_code == 422
