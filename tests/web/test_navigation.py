from __future__ import annotations

import pytest
from django.urls import reverse


@pytest.mark.parametrize(
    ("persona", "admin_link"), [("alice", True), ("carol", True), ("dave", True), ("victor", False)]
)
def test_the_admin_link_is_shown_to_staff_only(client_as, persona, admin_link, request):
    html = client_as(request.getfixturevalue(persona)).get(reverse("account-list")).content.decode()
    assert ('href="/admin/"' in html) is admin_link


def test_the_navigation_shows_the_person_role_and_api_docs(client_as, carol):
    html = client_as(carol).get(reverse("account-list")).content.decode()
    assert "Carol" in html and 'class="badge role-cs_ops"' in html
    assert 'href="/api/docs"' in html


def test_messages_are_shown(client_as, carol, acme, bob):
    client = client_as(carol)
    response = client.post(reverse("account-assign-owner", args=[acme.pk]), {"owner": bob.pk}, follow=True)
    assert 'class="message message--success"' in response.content.decode()


@pytest.mark.parametrize(
    ("persona", "import_link"), [("alice", False), ("victor", False), ("carol", True), ("dave", True)]
)
def test_the_import_link_is_shown_to_people_who_configure(client_as, persona, import_link, request):
    html = client_as(request.getfixturevalue(persona)).get(reverse("account-list")).content.decode()
    assert (f'href="{reverse("account-import")}"' in html) is import_link
