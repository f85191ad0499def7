from __future__ import annotations

import pytest
from django.urls import reverse

from tests.conftest import PASSWORD


@pytest.fixture(autouse=True)
def _small_limit(settings):
    settings.CSOPS_LOGIN_RATE = 3


def _fail(client, email="alice@example.com", ip="10.0.0.1"):
    return client.post(reverse("login"), {"email": email, "password": "not-the-password"}, REMOTE_ADDR=ip)


def test_login_answers_429_after_too_many_failures(client, alice):
    for _ in range(3):
        assert _fail(client).status_code == 200
    response = _fail(client)
    assert response.status_code == 429
    assert "ログインの試行回数が多すぎます" in response.content.decode()


def test_a_blocked_email_is_refused_even_with_the_right_password(client, alice, monkeypatch):
    for _ in range(3):
        _fail(client, ip="10.0.0.1")
    checked = []
    monkeypatch.setattr("csops.web.views.authenticate", lambda *a, **kw: checked.append(1))
    # A different address: the email's own counter blocks it, and the password is never checked.
    response = client.post(
        reverse("login"), {"email": "alice@example.com", "password": PASSWORD}, REMOTE_ADDR="10.0.0.2"
    )
    assert response.status_code == 429
    assert checked == []
    assert "_auth_user_id" not in client.session


def test_one_address_trying_many_emails_is_blocked(client, alice):
    for i in range(3):
        _fail(client, email=f"someone{i}@example.com", ip="10.0.0.9")
    response = client.post(
        reverse("login"), {"email": "alice@example.com", "password": PASSWORD}, REMOTE_ADDR="10.0.0.9"
    )
    assert response.status_code == 429


def test_other_people_and_addresses_are_not_blocked(client, alice, bob):
    for _ in range(3):
        _fail(client, email="alice@example.com", ip="10.0.0.1")
    response = client.post(
        reverse("login"), {"email": "bob@example.com", "password": PASSWORD}, REMOTE_ADDR="10.0.0.2"
    )
    assert response.status_code == 302


def test_a_successful_login_clears_the_persons_failures(client, alice):
    for _ in range(2):
        _fail(client, ip="10.0.0.1")
    ok = client.post(reverse("login"), {"email": "alice@example.com", "password": PASSWORD}, REMOTE_ADDR="10.0.0.2")
    assert ok.status_code == 302
    client.logout()
    for _ in range(2):
        assert _fail(client, ip="10.0.0.3").status_code == 200
