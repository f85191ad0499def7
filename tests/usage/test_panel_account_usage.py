"""/usage/accounts/<pk>/panel: the usage fragment of the account page, for every signed-in person."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from csops.usage import query
from tests.usage.conftest import row, write_rows

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
HTMX = {"HTTP_HX_REQUEST": "true"}


def recent_events(settings, n=3):
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    rows = [row(f"r{i}", now - dt.timedelta(hours=i), account_id="ACME-1", user_id=f"U-ACME-{i % 2 + 1}",
                event="document_sent" if i % 2 else "login", properties={"document_type": "invoice"})
            for i in range(n)]
    write_rows(rows, settings.CSOPS_LAKE_DIR)
    return rows


@pytest.mark.parametrize("who", ["alice", "bob", "carol", "dave", "victor"])
def test_every_signed_in_person_reads_the_usage_panel(client_as, acme, settings, who, request):
    recent_events(settings)
    response = client_as(request.getfixturevalue(who)).get(reverse("usage-panel", args=[acme.pk]), **HTMX)
    assert response.status_code == 200
    page = response.content.decode()
    assert "<svg" in page and "Events per day, last 90 days: 3 in all" in page
    assert "<html" not in page, "a fragment, not a page"


def test_the_panel_shows_active_users_top_events_and_last_seen(client_as, alice, acme, settings):
    rows = recent_events(settings, n=5)
    page = client_as(alice).get(reverse("usage-panel", args=[acme.pk])).content.decode()
    assert "Active users (7 days)" in page and '<dd class="strong">2</dd>' in page
    assert "Top events (30 days)" in page and "document_sent" in page and "login" in page
    latest = max(r["timestamp"] for r in rows)
    assert f'datetime="{latest.isoformat()}"' in page or "Last seen" in page
    assert "No features are mapped" in page


def test_mapped_features_replace_raw_event_names(client_as, alice, acme, settings, invoice_features):
    recent_events(settings, n=5)
    page = client_as(alice).get(reverse("usage-panel", args=[acme.pk])).content.decode()
    assert "Top features (30 days)" in page and "Send an invoice" in page
    assert "Never used" not in page and "No features are mapped" not in page


def test_an_account_without_events_gets_an_empty_state(client_as, victor, acme):
    page = client_as(victor).get(reverse("usage-panel", args=[acme.pk])).content.decode()
    assert "No product usage in the last 90 days." in page and "never" in page
    assert "<svg" not in page


def test_old_usage_still_shows_when_the_account_was_last_seen(client_as, victor, acme, settings):
    write_rows([row("old", dt.datetime(2024, 1, 5, 3, tzinfo=dt.UTC), account_id="ACME-1", user_id="U")],
               settings.CSOPS_LAKE_DIR)
    page = client_as(victor).get(reverse("usage-panel", args=[acme.pk])).content.decode()
    assert "No product usage in the last 90 days." in page and "2024-01-05" in page


def test_only_cs_ops_get_the_link_to_the_raw_events(client_as, alice, carol, acme, settings):
    recent_events(settings)
    link = reverse("usage-explorer") + "?account=ACME-1"
    assert link in client_as(carol).get(reverse("usage-panel", args=[acme.pk])).content.decode()
    assert link not in client_as(alice).get(reverse("usage-panel", args=[acme.pk])).content.decode()


def test_a_lake_that_cannot_be_read_shows_a_message_not_an_error_page(client_as, alice, acme, monkeypatch):
    def broken(*args, **kwargs):
        raise query.QueryError("boom")

    monkeypatch.setattr(query, "account_usage", broken)
    response = client_as(alice).get(reverse("usage-panel", args=[acme.pk]))
    assert response.status_code == 200
    assert "Usage data cannot be read right now" in response.content.decode()


def test_anonymous_is_redirected_and_unknown_accounts_are_404(client, client_as, alice, acme):
    response = client.get(reverse("usage-panel", args=[acme.pk]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert client_as(alice).get(reverse("usage-panel", args=[acme.pk + 999])).status_code == 404
    assert client_as(alice).post(reverse("usage-panel", args=[acme.pk])).status_code == 405


def test_the_slot_for_the_account_page_loads_the_panel_with_htmx(acme):
    html = render_to_string("usage/panel_slot.html", {"account": acme})
    assert f'hx-get="{reverse("usage-panel", args=[acme.pk])}"' in html
    assert 'hx-trigger="load"' in html and 'data-slot="usage"' in html
