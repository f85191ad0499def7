from __future__ import annotations

from django.urls import reverse

from tests.conftest import PASSWORD


def test_a_person_signs_in_with_email_and_password(client, alice):
    response = client.post(reverse("login"), {"email": "alice@example.com", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("account-list")
    assert client.get(reverse("account-list")).status_code == 200


def test_the_email_is_not_case_sensitive(client, alice):
    response = client.post(reverse("login"), {"email": "  Alice@Example.COM ", "password": PASSWORD})
    assert response.status_code == 302


def test_a_wrong_password_is_refused(client, alice):
    response = client.post(reverse("login"), {"email": "alice@example.com", "password": "wrong-password-123"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert "メールアドレスまたはパスワードが正しくありません" in response.content.decode()


def test_an_inactive_person_cannot_sign_in(client, alice):
    alice.is_active = False
    alice.save()
    response = client.post(reverse("login"), {"email": "alice@example.com", "password": PASSWORD})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_login_follows_a_local_next_url(client, alice, acme):
    target = reverse("account-detail", args=[acme.pk])
    response = client.post(
        reverse("login") + f"?next={target}", {"email": "alice@example.com", "password": PASSWORD, "next": target}
    )
    assert response["Location"] == target


def test_login_ignores_a_next_url_on_another_site(client, alice):
    response = client.post(
        reverse("login"), {"email": "alice@example.com", "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("account-list")


def test_the_login_page_carries_the_next_url(client):
    response = client.get(reverse("login") + "?next=/me/")
    assert 'name="next" value="/me/"' in response.content.decode()


def test_a_signed_in_person_visiting_the_login_page_goes_to_the_accounts(client_as, alice):
    response = client_as(alice).get(reverse("login"))
    assert response.status_code == 302
    assert response["Location"] == reverse("account-list")


def test_the_login_page_speaks_japanese_by_default(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert "csops にログイン" in response.content.decode()


def test_the_login_page_follows_the_browser_language(client, db):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "Sign in to csops" in response.content.decode()
