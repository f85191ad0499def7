"""CS Ops change a weight and see the distribution move before saving; saving validates and audits."""

from __future__ import annotations

import re

import pytest

from csops.audit.models import AuditEntry
from csops.customers.models import Account, Contract
from csops.health.preview import preview_distribution
from tests.health_ui.conftest import document, snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored(scorecard, product, acme, today):
    """Five accounts: heavy users with no promotion, and light users who promote the product."""
    accounts = []
    for i, (users, promotion) in enumerate([(12, 1), (11, 1), (10, 2), (2, 5), (1, 5)]):
        account = Account.objects.create(external_id=f"P-{i}", name=f"Account {i}", segment="smb")
        Contract.objects.create(external_id=f"C-P-{i}", account=account, product=product, mrr=1000,
                                start_date=today)
        snapshot(account, scorecard, day=today, users=users, promotion=promotion)
        accounts.append(account)
    return accounts


def _weights(usage: int, relationship: int) -> dict[str, str]:
    return {"groups[0].weight": str(usage), "groups[1].weight": str(relationship)}


def _proposed(html: str) -> dict[str, int]:
    return {g: int(n) for g, n in re.findall(r'data-grade="(\w+)">.*?data-proposed="(\d+)"', html, re.S)}


def test_the_preview_moves_when_a_group_weight_changes(scorecard, scored):
    as_saved = preview_distribution(scorecard, document(**{}))
    assert as_saved.proposed == as_saved.current and as_saved.moved == 0
    data = document()
    data["groups"][0]["weight"], data["groups"][1]["weight"] = 10, 90
    edited = preview_distribution(scorecard, data)
    assert edited.total == 5
    assert edited.proposed != as_saved.proposed
    assert edited.moved > 0


def test_through_the_page_carol_sees_the_counts_move_without_saving(carol, scorecard, scored, client):
    client.force_login(carol)
    url = f"/health/scorecards/{scorecard.pk}/preview"
    before = _proposed(client.post(url, _weights(60, 40)).content.decode())
    after = _proposed(client.post(url, _weights(10, 90)).content.decode())
    assert sum(before.values()) == sum(after.values()) == 5
    assert before != after
    scorecard.refresh_from_db()
    assert scorecard.version == 1 and scorecard.definition["groups"][0]["weight"] == 60


def test_the_preview_names_the_path_of_weights_that_do_not_add_up(carol, scorecard, scored, client):
    client.force_login(carol)
    html = client.post(f"/health/scorecards/{scorecard.pk}/preview", _weights(60, 30)).content.decode()
    assert "This definition would be rejected" in html
    assert "groups" in html and "100" in html


def test_saving_a_weight_bumps_the_version_and_writes_an_audit_row(carol, scorecard, client):
    client.force_login(carol)
    response = client.post(f"/health/scorecards/{scorecard.pk}/", {**_weights(50, 50), "grades.green_from": "75"})
    assert response.status_code == 302
    scorecard.refresh_from_db()
    assert scorecard.version == 2
    assert scorecard.definition["groups"][0]["weight"] == 50
    assert scorecard.definition["grades"]["green_from"] == 75
    assert AuditEntry.objects.filter(actor=carol, object_id=str(scorecard.pk)).exists()


def test_weights_that_do_not_add_up_are_refused_with_their_path(carol, scorecard, client):
    client.force_login(carol)
    response = client.post(f"/health/scorecards/{scorecard.pk}/", _weights(60, 30))
    assert response.status_code == 422
    html = response.content.decode()
    assert "field-error" in html or "was not saved" in html
    assert "groups" in html
    scorecard.refresh_from_db()
    assert scorecard.version == 1


def test_a_weight_that_is_not_a_number_is_named(carol, scorecard, client):
    client.force_login(carol)
    response = client.post(f"/health/scorecards/{scorecard.pk}/", {"groups[0].weight": "sixty"})
    assert response.status_code == 422
    assert 'data-path="groups[0].weight"' in response.content.decode()
    assert "is not a number" in response.content.decode()


def test_the_yaml_editor_saves_everything_and_reports_bad_yaml_by_line(carol, scorecard, client):
    import yaml

    client.force_login(carol)
    data = document()
    data["assessment"]["max_age_days"] = 60
    ok = client.post(f"/health/scorecards/{scorecard.pk}/yaml", {"yaml": yaml.safe_dump(data, allow_unicode=True)})
    assert ok.status_code == 302
    scorecard.refresh_from_db()
    assert scorecard.definition["assessment"]["max_age_days"] == 60
    bad = client.post(f"/health/scorecards/{scorecard.pk}/yaml", {"yaml": "groups: [\n  - key: x\n weight"})
    assert bad.status_code == 422
    assert "The YAML was not saved" in bad.content.decode() and "line" in bad.content.decode()


def test_measure_weights_that_do_not_add_up_are_shown_in_their_group(carol, scorecard, client):
    client.force_login(carol)
    response = client.post(f"/health/scorecards/{scorecard.pk}/", {"groups[0].measures[0].weight": "90"})
    assert response.status_code == 422
    assert "measure weights in group usage add up to 90, not 100" in response.content.decode()


def test_a_threshold_bound_can_be_edited_and_previewed(carol, scorecard, scored, client):
    client.force_login(carol)
    url = f"/health/scorecards/{scorecard.pk}/preview"
    bounds = {"groups[0].measures[0].normalise.method": "thresholds", "groups[0].measures[0].normalise.red": "3"}
    easy = _proposed(client.post(url, {**bounds, "groups[0].measures[0].normalise.green": "10"}).content.decode())
    hard = _proposed(client.post(url, {**bounds, "groups[0].measures[0].normalise.green": "50"}).content.decode())
    assert hard["green"] < easy["green"]


def test_the_yaml_box_can_be_previewed_too(carol, scorecard, scored, client):
    import yaml

    client.force_login(carol)
    data = document()
    data["grades"] = {"red_below": 0, "green_from": 0}
    html = client.post(f"/health/scorecards/{scorecard.pk}/preview",
                       {"yaml": yaml.safe_dump(data, allow_unicode=True)}).content.decode()
    assert _proposed(html) == {"red": 0, "yellow": 0, "green": 5}
