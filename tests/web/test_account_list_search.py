"""The account list's text filter folds widths as the top bar's search does, and lists what it found."""

from __future__ import annotations

from django.urls import reverse

from csops.customers.models import Account
from csops.web.search import search

URL = reverse("account-list")


def names(response) -> list[str]:
    return sorted(a.name for a in response.context["accounts"])


def test_a_full_width_query_finds_half_width_names_and_ids(client_as, alice, acme, globex):
    client = client_as(alice)
    assert names(client.get(URL, {"q": "ＡＣＭＥ"})) == ["Acme"]  # full-width letters
    assert names(client.get(URL, {"q": "ｇｌｏｂｅｘ－１"})) == ["Globex"]  # full-width id, hyphen too
    assert names(client.get(URL, {"q": "\u3000"})) == ["Acme", "Globex"]  # an ideographic space alone: no filter


def test_half_width_katakana_finds_full_width(client_as, alice, db):
    Account.objects.create(external_id="KABU-1", name="アクメ商事")
    Account.objects.create(external_id="KABU-2", name="グロービス")
    assert names(client_as(alice).get(URL, {"q": "ｱｸﾒ"})) == ["アクメ商事"]


def test_every_word_must_match_as_in_the_search_box(client_as, alice, acme, globex):
    Account.objects.create(external_id="ACME-2", name="Acme Logistics", website="https://logi.example")
    client = client_as(alice)
    assert names(client.get(URL, {"q": "ａｃｍｅ　logistics"})) == ["Acme Logistics"]
    assert names(client.get(URL, {"q": "logi.example"})) == ["Acme Logistics"]  # the website, as the box
    assert names(client.get(URL, {"q": "acme globex"})) == []


def test_all_matching_accounts_lists_what_the_search_box_found(client_as, alice, acme, globex):
    for i in range(12):
        Account.objects.create(external_id=f"BR-{i}", name=f"Acme Branch {i}")
    query = "ＡＣＭＥ"
    found = search(query, user=alice)
    assert found.accounts.more
    page = client_as(alice).get(URL, {"q": query})
    assert page.context["page_obj"].paginator.count == 13
    assert {a.name for a in found.accounts.items} <= set(names(page))
