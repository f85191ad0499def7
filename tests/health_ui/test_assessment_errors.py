"""An assessment out of range is a form error naming the field, and nothing is saved."""

from __future__ import annotations

import pytest

from csops.customers.models import Activity
from csops.health.assessments import AssessmentInvalid, do_record_assessment, form_spec, parse_answers
from csops.health.models import Assessment

pytestmark = pytest.mark.django_db

VALID = {"s-efficiency-current": "4", "s-visualisation-current": "2", "promotion": "3", "relationship": "4",
         "csm_view": "green"}


def test_a_promotion_of_7_is_refused_naming_internal_promotion(alice, acme, scorecard, client):
    client.force_login(alice)
    response = client.post(f"/health/accounts/{acme.pk}/assess/{scorecard.pk}", {**VALID, "promotion": "7"})
    html = response.content.decode()
    assert response.status_code == 422
    assert "Internal promotion: 7 is not on the scale; choose a level from 1 to 5." in html
    assert "The assessment was not saved." in html
    assert not Assessment.objects.exists() and not Activity.objects.exists()


def test_through_htmx_the_panel_comes_back_with_the_errors_and_the_answers_kept(alice, acme, scorecard, client):
    client.force_login(alice)
    response = client.post(f"/health/accounts/{acme.pk}/assess/{scorecard.pk}",
                           {**VALID, "s-efficiency-current": "0", "note": "残しておく"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Efficiency: 0 is not on the scale; choose a level from 1 to 5." in html
    assert "残しておく" in html  # what the CSM typed is not lost
    assert 'name="promotion" value="3" checked' in html
    assert not Assessment.objects.exists()


def test_every_missing_answer_is_named(scorecard):
    spec = form_spec(scorecard, lang="en")
    with pytest.raises(AssessmentInvalid) as caught:
        parse_answers(spec, {"csm_view": "purple", "relationship": "five"})
    assert caught.value.errors == {
        "s-efficiency-current": "Efficiency: choose a level from 1 to 5.",
        "s-visualisation-current": "Visualisation: choose a level from 1 to 5.",
        "promotion": "Internal promotion: choose a level from 1 to 5.",
        "relationship": "Contract holder and operators: five is not on the scale; choose a level from 1 to 5.",
        "csm_view": "Your own view: choose red, yellow or green.",
    }


def test_the_service_validates_without_http(carol, acme, scorecard):
    with pytest.raises(AssessmentInvalid) as caught:
        do_record_assessment(acme, scorecard, {**VALID, "relationship": "6"}, actor=carol)
    assert set(caught.value.errors) == {"relationship"}
    assert not Assessment.objects.exists()


def test_a_scorecard_of_a_product_the_account_does_not_hold_is_refused(carol, globex, scorecard, client):
    client.force_login(carol)  # Globex holds no contract for the scorecard's product
    response = client.post(f"/health/accounts/{globex.pk}/assess/{scorecard.pk}", VALID)
    assert response.status_code == 422
    assert "This scorecard does not score this account." in response.content.decode()
    assert not Assessment.objects.exists()
