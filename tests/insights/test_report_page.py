from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from csops.audit.services import record
from csops.insights import risk
from csops.insights.models import ChurnRisk
from tests.insights.history import TODAY, build_history


@pytest.fixture
def history(product):
    card = build_history(product, accounts=120, signal=2.0, seed=5)
    # The report's "today" is the demo's reference day when a demo was loaded.
    record(None, "demo.loaded", None, {"today": TODAY.isoformat()})
    return card


def test_a_cs_leader_sees_whether_the_score_predicts_churn_and_the_forecast(client_as, victor, history):
    page = client_as(victor).get(reverse("insights-report"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Does the health score predict churn?" in text
    assert "Churn rate by grade" in text and "Which measures carry the signal" in text
    assert "ARR today" in text and "GRR next quarter" in text and "NRR next quarter" in text
    assert "Customer lifetime value" in text and "Cohorts" in text
    assert "<svg" in text


def test_a_viewer_cannot_apply_suggested_weights_and_sees_no_button(client_as, victor, history):
    client = client_as(victor)
    assert "Apply as a new scorecard version" not in client.get(reverse("insights-report")).content.decode()
    response = client.post(reverse("insights-apply-weights", args=[history.pk]), {"horizon": "90"})
    assert response.status_code == 403


def test_a_csm_cannot_apply_suggested_weights(client_as, alice, history):
    response = client_as(alice).post(reverse("insights-apply-weights", args=[history.pk]), {"horizon": "90"})
    assert response.status_code == 403


def test_cs_ops_applies_them_as_a_new_version(client_as, carol, history):
    client = client_as(carol)
    assert "Apply as a new scorecard version" in client.get(reverse("insights-report")).content.decode()
    response = client.post(reverse("insights-apply-weights", args=[history.pk]), {"horizon": "90"})
    assert response.status_code == 302
    history.refresh_from_db()
    assert history.version == 2


def test_the_riskiest_accounts_are_listed_with_their_drivers(client_as, alice, history):
    risk.train(horizon=90, today=TODAY)
    risk.score_day(TODAY - dt.timedelta(weeks=1))
    assert ChurnRisk.objects.exists()
    text = client_as(alice).get(reverse("insights-report")).content.decode()
    assert "Churn risk" in text and "What raises the risk most" in text


def test_an_outsider_is_sent_to_sign_in(client):
    response = client.get(reverse("insights-report"))
    assert response.status_code == 302 and "login" in response["Location"]
    response = client.post(reverse("insights-apply-weights", args=[1]))
    assert response.status_code in (302, 403)


def test_weights_that_do_no_better_on_held_out_days_are_not_offered_nor_applied(client_as, carol, history,
                                                                                   monkeypatch):
    from csops.insights import validation

    real = validation.suggest_weights

    def no_better(*args, **kwargs):
        s = real(*args, **kwargs)
        s.auc_suggested = s.auc_current - 0.01
        return s

    monkeypatch.setattr(validation, "suggest_weights", no_better)
    client = client_as(carol)
    text = client.get(reverse("insights-report")).content.decode()
    assert "Apply as a new scorecard version" not in text and "nothing worth applying" in text
    client.post(reverse("insights-apply-weights", args=[history.pk]), {"horizon": "90"})
    history.refresh_from_db()
    assert history.version == 1
