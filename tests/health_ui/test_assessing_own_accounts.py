"""Who may record an assessment of Acme (Alice's): Alice, CS Ops and admins; not Bob, not a viewer."""

from __future__ import annotations

import pytest

from csops.audit.models import AuditEntry
from csops.customers.models import Activity
from csops.health.models import Assessment

pytestmark = pytest.mark.django_db

MAY_ASSESS_ACME = {"alice": True, "bob": False, "carol": True, "dave": True, "victor": False}

ANSWERS = {
    "s-efficiency-current": "4", "s-efficiency-note": "請求書の発行を全部置き換えた",
    "s-efficiency-wants": "経理にも広げたい",
    "s-visualisation-current": "2", "promotion": "3", "relationship": "4", "csm_view": "yellow",
    "note": "部長交代あり",
}


@pytest.fixture
def people(alice, bob, carol, dave, victor):
    return {"alice": alice, "bob": bob, "carol": carol, "dave": dave, "victor": victor}


@pytest.mark.parametrize("persona", sorted(MAY_ASSESS_ACME))
def test_assessing_acme(persona, people, acme, scorecard, client):
    client.force_login(people[persona])
    response = client.post(f"/health/accounts/{acme.pk}/assess/{scorecard.pk}", ANSWERS)
    allowed = MAY_ASSESS_ACME[persona]
    assert response.status_code == (200 if allowed else 403)
    assert Assessment.objects.filter(account=acme).exists() is allowed


@pytest.mark.parametrize("persona", sorted(MAY_ASSESS_ACME))
def test_only_those_who_may_assess_see_the_form(persona, people, acme, scorecard, client):
    client.force_login(people[persona])
    panel = client.get(f"/health/accounts/{acme.pk}/panel")
    assert panel.status_code == 200
    assert ("Record an assessment" in panel.content.decode()) is MAY_ASSESS_ACME[persona]


def test_bob_assesses_his_own_globex_but_not_alices_acme(bob, acme, globex, globex_contract, scorecard, client):
    client.force_login(bob)
    assert client.post(f"/health/accounts/{globex.pk}/assess/{scorecard.pk}", ANSWERS).status_code == 200
    assert client.post(f"/health/accounts/{acme.pk}/assess/{scorecard.pk}", ANSWERS).status_code == 403
    assert list(Assessment.objects.values_list("account__name", flat=True)) == ["Globex"]


def test_alices_assessment_is_stored_audited_and_on_the_timeline(alice, acme, scorecard, client, today):
    client.force_login(alice)
    response = client.post(f"/health/accounts/{acme.pk}/assess/{scorecard.pk}", ANSWERS)
    assert "Assessment recorded." in response.content.decode()
    assessment = Assessment.objects.get()
    assert (assessment.author, assessment.scorecard, assessment.assessed_on) == (alice, scorecard, today)
    assert (assessment.promotion, assessment.relationship, assessment.csm_view) == (3, 4, "yellow")
    assert assessment.answers["scenarios"]["efficiency"] == {
        "current": 4, "note": "請求書の発行を全部置き換えた", "wants": "経理にも広げたい",
    }
    assert assessment.answers["scenarios"]["visualisation"]["current"] == 2
    assert AuditEntry.objects.filter(action="health.assessment_recorded", actor=alice,
                                     object_id=str(assessment.pk)).exists()
    activity = Activity.objects.get(account=acme)
    assert activity.kind == "note" and activity.author == alice
    assert "Health assessment" in activity.summary and "Yellow" in activity.summary
    assert "efficiency level 4" in activity.body  # the anchor the CSM chose, in words
    assert activity.data["health_assessment"] == assessment.pk


def test_the_service_refuses_a_csm_who_does_not_own_the_account(bob, acme, scorecard):
    from django.core.exceptions import PermissionDenied

    from csops.health.assessments import do_record_assessment

    with pytest.raises(PermissionDenied):
        do_record_assessment(acme, scorecard, ANSWERS, actor=bob)
    assert not Assessment.objects.exists()
