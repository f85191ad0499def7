"""Every health page by role: everyone signed in reads; a CSM assesses only their own accounts;
only CS Ops and admins edit scorecards; a signed-out visitor or a deactivated person sees nothing;
posts need a CSRF token."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.health_ui.test_assessing_own_accounts import ANSWERS

pytestmark = pytest.mark.django_db

MAY_EDIT_SCORECARDS = {"alice": False, "bob": False, "carol": True, "dave": True, "victor": False}


@pytest.fixture
def people(alice, bob, carol, dave, victor):
    return {"alice": alice, "bob": bob, "carol": carol, "dave": dave, "victor": victor}


def _read_urls(acme, scorecard) -> list[str]:
    return [
        "/health/", "/health/accounts/?grade=red", f"/health/accounts/{acme.pk}/panel", "/health/scorecards/",
        f"/health/scorecards/{scorecard.pk}/", f"/health/scorecards/{scorecard.pk}/export.yaml",
    ]


@pytest.mark.parametrize("persona", sorted(MAY_EDIT_SCORECARDS))
def test_everyone_signed_in_reads_every_health_page(persona, people, acme, scorecard, client):
    client.force_login(people[persona])
    for url in _read_urls(acme, scorecard):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("persona", sorted(MAY_EDIT_SCORECARDS))
def test_only_cs_ops_and_admins_edit_and_preview_scorecards(persona, people, scorecard, client):
    client.force_login(people[persona])
    allowed = MAY_EDIT_SCORECARDS[persona]
    page = client.get(f"/health/scorecards/{scorecard.pk}/").content.decode()
    assert ("Save the scorecard" in page) is allowed
    assert ("Read only" in page) is not allowed
    save = client.post(f"/health/scorecards/{scorecard.pk}/", {"groups[0].weight": "50", "groups[1].weight": "50"})
    assert save.status_code == (302 if allowed else 403)
    yaml_save = client.post(f"/health/scorecards/{scorecard.pk}/yaml", {"yaml": "{}"})
    assert yaml_save.status_code == (422 if allowed else 403)
    preview = client.post(f"/health/scorecards/{scorecard.pk}/preview", {"groups[0].weight": "50"})
    assert preview.status_code == (200 if allowed else 403)
    scorecard.refresh_from_db()
    assert (scorecard.version == 2) is allowed


def test_a_signed_out_visitor_is_sent_to_the_login_page_everywhere(acme, scorecard, client):
    for url in _read_urls(acme, scorecard):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response["Location"], url
    for url in (f"/health/accounts/{acme.pk}/assess/{scorecard.pk}", f"/health/scorecards/{scorecard.pk}/",
                f"/health/scorecards/{scorecard.pk}/yaml", f"/health/scorecards/{scorecard.pk}/preview"):
        response = client.post(url, ANSWERS)
        assert response.status_code == 302 and "/login" in response["Location"], url


def test_a_deactivated_person_is_turned_away(alice, acme, scorecard, client):
    client.force_login(alice)
    alice.is_active = False
    alice.save()
    assert client.get("/health/").status_code in (302, 403)
    assert client.post(f"/health/accounts/{acme.pk}/assess/{scorecard.pk}", ANSWERS).status_code in (302, 403)


def test_posts_without_a_csrf_token_are_refused(alice, carol, acme, scorecard):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(alice)
    assert strict.post(f"/health/accounts/{acme.pk}/assess/{scorecard.pk}", ANSWERS).status_code == 403
    strict.force_login(carol)
    assert strict.post(f"/health/scorecards/{scorecard.pk}/", {"groups[0].weight": "50"}).status_code == 403
    assert strict.post(f"/health/scorecards/{scorecard.pk}/preview", {"groups[0].weight": "50"}).status_code == 403


def test_with_the_pages_csrf_token_alice_may_post(alice, acme, scorecard):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(alice)
    panel = strict.get(f"/health/accounts/{acme.pk}/panel")
    token = panel.cookies["csrftoken"].value if "csrftoken" in panel.cookies else None
    import re

    form_token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', panel.content.decode()).group(1)
    assert token is not None or form_token
    response = strict.post(f"/health/accounts/{acme.pk}/assess/{scorecard.pk}",
                           {**ANSWERS, "csrfmiddlewaretoken": form_token})
    assert response.status_code == 200
