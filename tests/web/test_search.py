"""One box finds accounts, contacts and feedback; every reader may search, nobody signed out."""

from __future__ import annotations

import pytest
from django.urls import reverse

from csops.customers.models import Contact
from csops.feedback.models import Feedback
from csops.web.search import normalise, search
from tests.web.factories import make_accounts


@pytest.fixture
def request_feedback(acme, alice) -> Feedback:
    return Feedback.objects.create(account=acme, kind="feature_request", title="請求書の一括ダウンロード",
                                   body="CSVでまとめて落としたい", author=alice)


def test_one_query_finds_accounts_contacts_and_feedback(acme, request_feedback, victor):
    Contact.objects.create(account=acme, name="Acme Tanaka", email="tanaka@acme.example")
    results = search("acme", user=victor)
    assert [a.name for a in results.accounts.items] == ["Acme"]
    assert {c.name for c in results.contacts.items} == {"Sato Hanako", "Acme Tanaka"}  # by email and by name
    assert search("一括", user=victor).feedback.items == [request_feedback]
    assert search("まとめて", user=victor).feedback.items == [request_feedback]  # the body too


def test_every_word_must_match(acme, globex, victor):
    assert [a.name for a in search("acme 1", user=victor).accounts.items] == ["Acme"]  # ACME-1
    assert search("acme globex", user=victor).accounts.items == []


def test_full_width_letters_find_half_width_names(acme, victor):
    assert normalise("  ＡＣＭＥ　ｻﾄｳ ") == ["ACME", "サトウ"]
    assert [a.name for a in search("ＡＣＭＥ", user=victor).accounts.items] == ["Acme"]


def test_results_are_bounded_and_say_there_are_more(db, victor):
    make_accounts(15, prefix="Bulk")
    hits = search("bulk", user=victor, limit=10).accounts
    assert len(hits.items) == 10 and hits.more


def test_an_empty_query_finds_nothing_without_querying(victor, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert search("   ", user=victor).empty


def test_a_deactivated_person_finds_nothing(acme, victor):
    victor.is_active = False
    assert search("acme", user=victor).empty


def test_the_page_lists_links_to_the_account(client_as, bob, acme, request_feedback):
    # Bob does not own Acme, but every signed-in person reads every account.
    page = client_as(bob).get(reverse("search"), {"q": "acme"}).content.decode()
    assert reverse("account-detail", args=[acme.pk]) in page
    page = client_as(bob).get(reverse("search"), {"q": "一括ダウンロード"}).content.decode()
    assert f'{reverse("account-detail", args=[acme.pk])}#feedback-panel' in page


def test_the_search_box_is_in_the_top_bar_with_a_label(client_as, victor):
    page = client_as(victor).get(reverse("account-list")).content.decode()
    assert f'action="{reverse("search")}"' in page
    assert '<label for="top-search"' in page


def test_a_search_costs_a_bounded_number_of_queries(client_as, victor, acme, django_assert_max_num_queries):
    make_accounts(60, prefix="Acme")
    client = client_as(victor)
    client.get(reverse("search"), {"q": "acme"})
    with django_assert_max_num_queries(5):  # session, user, accounts, contacts, feedback
        client.get(reverse("search"), {"q": "acme"})


def test_an_anonymous_visitor_is_sent_to_log_in(client, acme):
    response = client.get(reverse("search"), {"q": "acme"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_contact_is_found_by_its_whole_crm_id(acme, victor):
    assert [c.name for c in search("U-ACME-1", user=victor).contacts.items] == ["Sato Hanako"]
    assert search("U-ACME", user=victor).contacts.items == []  # a CRM id is matched whole
