"""/usage/events/: CS Ops and admins browse raw events; CSMs and viewers get 403 (the events hold personal data)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from csops.usage import query
from tests.usage.conftest import AS_OF, row, write_rows

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
URL = "/usage/events/"
HTMX = {"HTTP_HX_REQUEST": "true"}


def test_the_explorer_lives_at_usage_events():
    assert reverse("usage-explorer") == URL


@pytest.mark.parametrize("who", ["carol", "dave"])
def test_cs_ops_and_admins_see_the_newest_events_first(client_as, usage_lake, who, request):
    response = client_as(request.getfixturevalue(who)).get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    newest = max(usage_lake, key=lambda r: (r["timestamp"], r["message_id"]))
    assert newest["message_id"] in page
    assert "Events 1–50" in page and "Older" in page


@pytest.mark.parametrize("who", ["alice", "bob", "victor"])
def test_csms_and_viewers_are_refused(client_as, usage_lake, who, request):
    assert client_as(request.getfixturevalue(who)).get(URL).status_code == 403


def test_anonymous_is_redirected_to_login(client, db):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_filters_narrow_the_events(client_as, carol, usage_lake):
    page = client_as(carol).get(URL, {"account": "ACME-1", "user": "U-ACME-2", "event": "pricing_viewed",
                                      "start": "2026-03-01", "end": str(AS_OF)}).content.decode()
    expected = [r for r in usage_lake if r["event"] == "pricing_viewed"
                and dt.date(2026, 3, 1) <= r["timestamp"].astimezone(dt.timezone(dt.timedelta(hours=9))).date()]
    assert expected
    for r in expected:
        assert r["message_id"] in page
    assert "anon-visitor" in page, "the anonymous id shows under the user it was linked to"
    assert page.count('<tr>') == len(expected) + 1


def test_pages_follow_each_other_without_gaps(client_as, carol, settings, acme):
    base = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    write_rows([row(f"p{i:03d}", base + dt.timedelta(minutes=i), account_id="ACME-1", user_id="U")
                for i in range(120)], settings.CSOPS_LAKE_DIR)
    client = client_as(carol)
    seen = []
    for number in (1, 2, 3):
        page = client.get(URL, {"account": "ACME-1", "page": number}).content.decode()
        seen += [f"p{i:03d}" for i in range(120) if f">p{i:03d}<" in page]
    assert sorted(seen) == [f"p{i:03d}" for i in range(120)] and len(seen) == 120
    last = client.get(URL, {"account": "ACME-1", "page": 3}).content.decode()
    assert "Older" not in last and "Newer" in last


def test_htmx_requests_get_only_the_results(client_as, carol, usage_lake):
    page = client_as(carol).get(URL, {"event": "login"}, **HTMX).content.decode()
    assert "<table" in page and "<html" not in page and "<form" not in page


def test_bad_filters_are_a_400_with_the_form(client_as, carol, db):
    response = client_as(carol).get(URL, {"start": "2026-03-05", "end": "2026-03-01"})
    assert response.status_code == 400 and "The end is before the start." in response.content.decode()
    assert client_as(carol).get(URL, {"page": "100000"}).status_code == 400


def test_nothing_found_says_so(client_as, carol, usage_lake):
    assert "No events match these filters." in client_as(carol).get(URL, {"event": "nope"}).content.decode()


def test_an_unreadable_lake_is_a_503_with_a_message(client_as, carol, monkeypatch, db):
    def broken(*args, **kwargs):
        raise query.QueryError("boom")

    monkeypatch.setattr(query, "explore", broken)
    response = client_as(carol).get(URL)
    assert response.status_code == 503 and "could not be read" in response.content.decode()
