from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from csops.customers.models import Account, Contact
from tests.web.factories import make_accounts

URL = reverse("account-list")


def names(response) -> list[str]:
    return [a.name for a in response.context["accounts"]]


def test_the_account_list_shows_the_columns(client_as, alice, acme, globex):
    html = client_as(alice).get(URL).content.decode()
    assert "Acme" in html and "Globex" in html
    assert "ACME-1" in html
    assert "¥6,000,000" in html  # JPY without decimals
    assert "2026/04/01" in html and 'datetime="2026-04-01"' in html  # the reader's locale, machine-readable too
    assert 'class="badge seg-enterprise"' in html
    assert 'class="badge stage-onboarding"' in html


def test_search_matches_the_name_or_the_external_id(client_as, alice, acme, globex):
    client = client_as(alice)
    assert names(client.get(URL, {"q": "acm"})) == ["Acme"]
    assert names(client.get(URL, {"q": "globex-1"})) == ["Globex"]
    assert names(client.get(URL, {"q": "nothing-like-this"})) == []


def test_the_owner_filter_knows_mine_unassigned_and_a_person(client_as, alice, bob, acme, globex):
    Account.objects.create(external_id="NOBODY-1", name="Initech")
    client = client_as(alice)
    assert names(client.get(URL, {"owner": "mine"})) == ["Acme"]
    assert names(client.get(URL, {"owner": "none"})) == ["Initech"]
    assert names(client.get(URL, {"owner": str(bob.pk)})) == ["Globex"]
    assert names(client.get(URL)) == ["Acme", "Globex", "Initech"]


def test_segment_and_stage_filters(client_as, alice, acme, globex):
    Account.objects.filter(pk=globex.pk).update(lifecycle_stage="renewal")
    client = client_as(alice)
    assert names(client.get(URL, {"segment": "smb"})) == ["Globex"]
    assert names(client.get(URL, {"stage": "renewal"})) == ["Globex"]
    assert names(client.get(URL, {"segment": "enterprise", "stage": "renewal"})) == []


def test_the_renewal_window_counts_days_from_today(client_as, alice):
    today = timezone.localdate()
    for name, days in [("Past", -5), ("Soon", 10), ("Quarter", 60), ("Half", 150), ("Far", 400)]:
        Account.objects.create(external_id=name, name=name, next_renewal_date=today + dt.timedelta(days=days))
    Account.objects.create(external_id="NONE", name="No contract")
    client = client_as(alice)
    assert names(client.get(URL, {"renewal": "30"})) == ["Soon"]
    assert names(client.get(URL, {"renewal": "90"})) == ["Quarter", "Soon"]
    assert names(client.get(URL, {"renewal": "180", "sort": "renewal"})) == ["Soon", "Quarter", "Half"]


def test_sorting_by_arr_renewal_and_owner_in_both_directions(client_as, alice, bob):
    today = timezone.localdate()
    Account.objects.create(external_id="A", name="Alpha", arr=Decimal(300), owner=bob,
                           next_renewal_date=today + dt.timedelta(days=9))
    Account.objects.create(external_id="B", name="Bravo", arr=Decimal(100), owner=alice,
                           next_renewal_date=today + dt.timedelta(days=3))
    Account.objects.create(external_id="C", name="Charlie", arr=Decimal(200))
    client = client_as(alice)
    assert names(client.get(URL, {"sort": "-arr"})) == ["Alpha", "Charlie", "Bravo"]
    assert names(client.get(URL, {"sort": "arr"})) == ["Bravo", "Charlie", "Alpha"]
    assert names(client.get(URL, {"sort": "renewal"})) == ["Bravo", "Alpha", "Charlie"]  # no date goes last
    assert names(client.get(URL, {"sort": "-renewal"})) == ["Alpha", "Bravo", "Charlie"]
    assert names(client.get(URL, {"sort": "owner"})) == ["Bravo", "Alpha", "Charlie"]  # unassigned last
    assert names(client.get(URL, {"sort": "-name"})) == ["Charlie", "Bravo", "Alpha"]


def test_an_unknown_sort_or_filter_value_is_ignored(client_as, alice, acme, globex):
    response = client_as(alice).get(URL, {"sort": "password", "segment": "bogus", "owner": "1; drop", "renewal": "7"})
    assert response.status_code == 200
    assert names(response) == ["Acme", "Globex"]


def test_pagination_shows_fifty_a_page_and_keeps_the_filters(client_as, alice, bob):
    make_accounts(120, owner=bob, segment="smb")
    client = client_as(alice)
    first = client.get(URL, {"segment": "smb"})
    assert len(names(first)) == 50
    assert first.context["page_obj"].paginator.count == 120
    html = first.content.decode()
    assert "segment=smb&amp;page=2" in html
    third = client.get(URL, {"segment": "smb", "page": "3"})
    assert names(third) == [f"Bulk {i:04d}" for i in range(100, 120)]
    assert names(client.get(URL, {"segment": "smb", "page": "999"})) == names(third)
    assert len(names(client.get(URL, {"segment": "smb", "page": "abc"}))) == 50


def test_the_list_costs_the_same_number_of_queries_for_many_accounts(
    client_as, alice, bob, django_assert_max_num_queries
):
    accounts = make_accounts(60, owner=bob)
    Contact.objects.bulk_create(Contact(account=a, name=f"P{a.pk}") for a in accounts for _ in range(2))
    client = client_as(alice)
    client.get(URL)  # warm the session
    # session, user, owners menu, products menu, COUNT, page with owners joined, contact counts
    with django_assert_max_num_queries(7):
        response = client.get(URL, {"sort": "-owner"})
    assert all(a.contact_count == 2 for a in response.context["accounts"])


def test_contacts_count_only_people_still_at_the_customer(client_as, alice, acme):
    Contact.objects.create(account=acme, name="Gone", is_active=False)
    response = client_as(alice).get(URL)
    assert response.context["accounts"][0].contact_count == 1


def test_the_sort_headers_toggle_the_direction(client_as, alice, acme):
    html = client_as(alice).get(URL, {"sort": "name"}).content.decode()
    assert re.search(r'href="/\?sort=-name"', html)
    html = client_as(alice).get(URL, {"sort": "-arr"}).content.decode()
    assert re.search(r'href="/\?sort=arr"', html)
