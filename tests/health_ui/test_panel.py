"""The health panel of the account page: score, grade in words, trend, breakdown, the CSM's view beside."""

from __future__ import annotations

import datetime as dt
from html import unescape

import pytest

from csops.health.models import Assessment
from tests.health_ui.conftest import snapshot

pytestmark = pytest.mark.django_db


def test_the_account_page_loads_the_health_panel_lazily(alice, acme, client):
    client.force_login(alice)
    html = client.get(f"/accounts/{acme.pk}/").content.decode()
    assert 'data-slot="health"' in html
    assert f'hx-get="/health/accounts/{acme.pk}/panel"' in html


def test_the_panel_shows_the_score_grade_in_words_trend_and_breakdown(alice, acme, scorecard, client, today):
    snapshot(acme, scorecard, day=today - dt.timedelta(days=1), users=12, promotion=2,
             trend_7=-4.5, trend_30=6.0)
    client.force_login(alice)
    html = client.get(f"/health/accounts/{acme.pk}/panel").content.decode()
    assert "Delivery health" in html
    assert '<span class="health-score__value">' in html
    assert 'grade grade--green' in html or 'grade grade--yellow' in html
    # The grade is written out, never colour alone.
    assert ">Green<" in html or ">Yellow<" in html
    assert "▼</span> −4.5" in html and "▲</span> +6.0" in html
    assert "Usage" in html and "Relationship" in html
    assert "Active users (30 days)" in html and "Internal promotion" in html
    # How the raw value became a score, in words:
    assert "Green (100) at 10 or more, red (0) below 3, in proportion between." in html
    assert "<svg" in html  # the history chart


def test_missing_data_is_explained_in_words(alice, acme, scorecard, client, today):
    snapshot(acme, scorecard, day=today, users=5, promotion=None)
    client.force_login(alice)
    html = client.get(f"/health/accounts/{acme.pk}/panel").content.decode()
    assert "no data" in html
    assert "Some measures had no data on this day" in html


def test_the_csms_own_view_stands_beside_the_computed_grade(alice, acme, scorecard, client, today):
    snapshot(acme, scorecard, day=today, users=12, promotion=5)  # computed: green
    Assessment.objects.create(account=acme, scorecard=scorecard, author=alice, assessed_on=today,
                              promotion=2, relationship=2, csm_view="red", note="決裁者が退職予定",
                              answers={"scenarios": {"efficiency": {"current": 2, "note": "", "wants": ""}}})
    client.force_login(alice)
    html = unescape(client.get(f"/health/accounts/{acme.pk}/panel").content.decode())
    assert "CSM's own view" in html
    assert 'grade grade--red strong">Red<' in html
    assert 'grade grade--green strong">Green<' in html
    assert "The CSM's view differs from the computed grade" in html
    assert "efficiency level 2" in html  # the chosen anchor, in words


def test_an_old_assessment_is_shown_as_stale(alice, acme, scorecard, client, today):
    Assessment.objects.create(account=acme, scorecard=scorecard, author=alice,
                              assessed_on=today - dt.timedelta(days=91), promotion=3, relationship=3,
                              csm_view="green")
    client.force_login(alice)
    html = client.get(f"/health/accounts/{acme.pk}/panel").content.decode()
    assert ">Stale<" in html
    assert "Older than 90 days: this assessment is stale." in html


def test_the_form_shows_each_scales_anchors_in_the_readers_language(alice, acme, scorecard, client):
    alice.language = "ja"
    alice.save()
    client.force_login(alice)
    html = client.get(f"/health/accounts/{acme.pk}/panel").content.decode()
    assert "業務効率化" in html and "efficiencyのレベル3" in html and "promotionのレベル5" in html
    assert "relationshipのレベル1" in html


def test_an_account_without_a_scorecard_says_so(victor, globex, scorecard, client):
    client.force_login(victor)
    html = client.get(f"/health/accounts/{globex.pk}/panel").content.decode()
    assert "No scorecard scores this account" in html
