from __future__ import annotations

import datetime as dt

from django.urls import reverse

from tests.web.factories import make_activities

START = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)


def test_the_timeline_shows_fifty_and_offers_older_ones(client_as, victor, acme):
    make_activities(acme, 55, start=START)
    html = client_as(victor).get(reverse("account-detail", args=[acme.pk])).content.decode()
    assert "Note 054" in html and "Note 005" in html and "Note 004" not in html
    assert reverse("account-timeline", args=[acme.pk]) + "?before=" in html


def test_load_more_over_htmx_returns_the_next_slice(client_as, victor, acme):
    acts = make_activities(acme, 55, start=START)
    cursor = sorted(acts, key=lambda a: a.occurred_at)[5].pk  # "Note 005", the last one shown
    response = client_as(victor).get(
        reverse("account-timeline", args=[acme.pk]), {"before": cursor}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert "<html" not in html
    assert [f"Note 00{i}" in html for i in range(5)] == [True] * 5
    assert "Note 005" not in html
    assert "?before=" not in html  # nothing older


def test_load_more_without_javascript_goes_to_the_account_page(client_as, victor, acme):
    make_activities(acme, 3, start=START)
    response = client_as(victor).get(reverse("account-timeline", args=[acme.pk]), {"before": "7"})
    assert response.status_code == 302
    assert response["Location"] == reverse("account-detail", args=[acme.pk]) + "?before=7#timeline"
