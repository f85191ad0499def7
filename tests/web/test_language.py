from __future__ import annotations

from django.urls import reverse

from csops.users.models import User


def test_a_new_person_sees_japanese(client_as, alice, acme):
    html = client_as(alice).get(reverse("account-list")).content.decode()
    assert '<html lang="ja">' in html
    assert "アカウント" in html


def test_switching_to_english_saves_the_choice_and_changes_the_page(client_as, alice, acme):
    client = client_as(alice)
    response = client.post(reverse("preferences"), {"language": "en", "next": reverse("account-list")})
    assert response.status_code == 302
    assert response["Location"] == reverse("account-list")
    assert User.objects.get(pk=alice.pk).language == "en"
    html = client.get(reverse("account-list")).content.decode()
    assert '<html lang="en">' in html
    assert "Accounts" in html and "アカウント一覧" not in html


def test_switching_back_to_japanese_shows_a_japanese_string(client_as, alice, acme):
    alice.language = "en"
    alice.save()
    client = client_as(alice)
    assert "Log out" in client.get(reverse("account-list")).content.decode()
    client.post(reverse("preferences"), {"language": "ja"})
    html = client.get(reverse("account-detail", args=[acme.pk])).content.decode()
    assert "ログアウト" in html and "契約" in html


def test_the_persons_choice_beats_the_browser(client_as, alice, acme):
    html = client_as(alice).get(reverse("account-list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="ja">' in html


def test_an_unknown_language_is_refused(client_as, alice):
    response = client_as(alice).post(reverse("preferences"), {"language": "xx"})
    assert response.status_code == 200
    assert User.objects.get(pk=alice.pk).language == "ja"


def test_the_preferences_page_shows_the_person(client_as, carol):
    html = client_as(carol).get(reverse("preferences")).content.decode()
    assert "carol@example.com" in html and 'value="en"' in html


def test_the_switcher_does_not_follow_a_next_url_to_another_site(client_as, alice):
    response = client_as(alice).post(reverse("preferences"), {"language": "en", "next": "https://evil.example/"})
    assert response["Location"] == reverse("preferences")
