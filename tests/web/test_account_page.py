from __future__ import annotations

import datetime as dt

from django.urls import reverse

from csops.customers.models import Activity, Contact, Handoff


def url(account) -> str:
    return reverse("account-detail", args=[account.pk])


def test_the_account_page_shows_the_header(client_as, victor, acme):
    html = client_as(victor).get(url(acme)).content.decode()
    assert "<h1" in html and "Acme" in html
    assert "ACME-1" in html
    assert "¥6,000,000" in html
    assert "Enterprise" in html  # the plan
    assert "2026/04/01" in html  # the renewal date, in the reader's locale (ja: Y/m/d)
    assert "Alice" in html


def test_the_account_page_lists_contacts_with_role_and_markers(client_as, victor, acme):
    Contact.objects.create(account=acme, name="Suzuki Ichiro", title="部長", department="情報システム部",
                           email="suzuki@acme.example", role="decision_maker", unsubscribed=True, is_active=False)
    html = client_as(victor).get(url(acme)).content.decode()
    assert "Sato Hanako" in html and "sato@acme.example" in html
    assert "Suzuki Ichiro" in html and "情報システム部" in html and "部長" in html
    assert 'class="badge role-decision_maker"' in html
    assert "配信停止" in html  # unsubscribed
    assert "退職・異動" in html  # left the company


def test_an_account_without_a_promoter_is_flagged(client_as, victor, globex):
    html = client_as(victor).get(url(globex)).content.decode()
    assert "推進者がいません" in html


def test_an_account_with_a_promoter_is_not_flagged(client_as, victor, acme):
    assert "推進者がいません" not in client_as(victor).get(url(acme)).content.decode()


def test_a_promoter_who_is_also_the_operator_is_flagged(client_as, victor, acme):
    Contact.objects.create(account=acme, name="Sato Hanako (ops)", email="SATO@acme.example", role="operator")
    html = client_as(victor).get(url(acme)).content.decode()
    assert "推進者と運用担当者を兼ねています" in html


def test_the_account_page_shows_contracts_and_the_latest_handoff(client_as, victor, acme):
    Handoff.objects.create(account=acme, deal_goals="Old goals", status="accepted")
    Handoff.objects.create(account=acme, deal_goals="Cut paper invoices by 80%", promised_items="SSO by June",
                           key_stakeholders="CFO", risks="Busy season in March",
                           expected_go_live=dt.date(2025, 6, 1), status="submitted")
    html = client_as(victor).get(url(acme)).content.decode()
    assert "Document Delivery" in html and "¥500,000" in html
    assert "Cut paper invoices by 80%" in html and "SSO by June" in html and "Busy season in March" in html
    assert "2025/06/01" in html
    assert "Old goals" not in html


def test_the_timeline_is_newest_first_in_the_company_timezone(client_as, victor, alice, acme):
    Activity.objects.create(account=acme, kind="call", summary="Older call", author=alice,
                            occurred_at=dt.datetime(2025, 5, 1, 0, 30, tzinfo=dt.UTC))
    newer = Activity.objects.create(account=acme, kind="meeting", summary="Kickoff", body="Agenda: goals",
                                    author=alice, occurred_at=dt.datetime(2025, 5, 2, 1, 0, tzinfo=dt.UTC))
    newer.contacts.set(acme.contacts.all())
    html = client_as(victor).get(url(acme)).content.decode()
    assert html.index("Kickoff") < html.index("Older call")
    assert "2025/05/01 9:30" in html  # Asia/Tokyo, in the reader's locale (ja: Y/m/d G:i)
    assert "Agenda: goals" in html
    assert "Sato Hanako" in html[html.index("Kickoff"):]


def test_the_panel_slots_say_they_are_coming(client_as, victor, acme):
    html = client_as(victor).get(url(acme)).content.decode()
    for slot in ("health", "journey", "usage", "ctas"):
        assert f'data-slot="{slot}"' in html


def test_an_unknown_account_is_404(client_as, victor, db):
    assert client_as(victor).get(reverse("account-detail", args=[999999])).status_code == 404


def test_the_account_page_costs_a_fixed_number_of_queries(client_as, victor, acme, django_assert_max_num_queries):
    for i in range(30):
        a = Activity.objects.create(account=acme, kind="note", summary=f"n{i}")
        a.contacts.set(acme.contacts.all())
    client = client_as(victor)
    client.get(url(acme))
    with django_assert_max_num_queries(12):
        client.get(url(acme))
