from __future__ import annotations

from django.urls import reverse


def test_logout_by_post_signs_the_person_out(client_as, alice):
    client = client_as(alice)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session


def test_logout_by_get_is_refused(client_as, alice):
    client = client_as(alice)
    assert client.get(reverse("logout")).status_code == 405
    assert "_auth_user_id" in client.session


def test_every_page_offers_a_logout_form_with_csrf(client_as, alice):
    html = client_as(alice).get(reverse("account-list")).content.decode()
    start = html.index(f'action="{reverse("logout")}"')
    form = html[start: html.index("</form>", start)]
    assert "csrfmiddlewaretoken" in form
