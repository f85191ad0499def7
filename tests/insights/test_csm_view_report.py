"""The CSMs' own view on the insights page and in `csops insights validate`."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from csops.audit.services import record
from tests.insights.history import TODAY, build_history
from tests.insights.test_csm_view_signal import _plant_views


@pytest.fixture
def planted(product):
    card = build_history(product, accounts=120, signal=2.0, seed=5)
    _plant_views(card, planted=True, seed=5)
    record(None, "demo.loaded", None, {"today": TODAY.isoformat()})
    return card


def test_the_page_shows_the_csm_view_table_and_verdict(client_as, victor, planted):
    text = client_as(victor).get(reverse("insights-report")).content.decode()
    assert "The CSMs&#x27; own view beside the score" in text or "The CSMs' own view beside the score" in text
    assert 'data-block="csm-view"' in text and "No current view" in text
    assert "adds signal beyond the score" in text


def test_validate_prints_the_csm_view(planted):
    out = StringIO()
    call_command("insights", "validate", "--today", TODAY.isoformat(), stdout=out)
    text = out.getvalue()
    assert "CSM's own view (latest assessment on or before the day, at most 90 days old)" in text
    assert "view AUC" in text and "held-out score + view" in text
    assert "adds signal beyond the score" in text
