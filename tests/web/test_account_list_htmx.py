from __future__ import annotations

from django.urls import reverse

URL = reverse("account-list")


def test_an_htmx_request_gets_only_the_table(client_as, alice, acme, globex):
    response = client_as(alice).get(URL, {"q": "acme"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert "Acme" in html and "Globex" not in html
    assert 'hx-swap-oob="true"' in html  # the sort menu follows a click on a column header
    assert "HX-Request" in response["Vary"]


def test_a_plain_request_gets_the_whole_page_with_an_htmx_form(client_as, alice, acme):
    response = client_as(alice).get(URL)
    html = response.content.decode()
    assert "<html" in html
    assert 'hx-get="/"' in html and 'hx-push-url="true"' in html
    assert "django_htmx/htmx-2.min.js" in html
    assert "HX-Request" in response["Vary"]


def test_an_htmx_history_restore_gets_the_whole_page(client_as, alice, acme):
    response = client_as(alice).get(URL, HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true")
    assert "<html" in response.content.decode()
