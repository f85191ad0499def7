from __future__ import annotations

import pytest
from django.urls import reverse


@pytest.mark.parametrize(
    ("method", "name", "needs_pk"),
    [
        ("get", "account-list", False),
        ("get", "account-detail", True),
        ("get", "account-timeline", True),
        ("post", "account-log-activity", True),
        ("post", "account-assign-owner", True),
        ("get", "preferences", False),
        ("post", "preferences", False),
    ],
)
def test_anonymous_is_redirected_to_login_from_every_page(client, acme, method, name, needs_pk):
    url = reverse(name, args=[acme.pk]) if needs_pk else reverse(name)
    response = getattr(client, method)(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")


def test_the_login_page_and_healthz_are_open(client, db):
    assert client.get(reverse("login")).status_code == 200
    assert client.get(reverse("healthz")).json() == {"ok": True}


def test_anonymous_cannot_log_an_activity(client, acme):
    client.post(reverse("account-log-activity", args=[acme.pk]), {"kind": "note", "summary": "x"})
    assert acme.activities.count() == 0
