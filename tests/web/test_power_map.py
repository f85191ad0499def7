"""Contacts as a power map: influence, sentiment, last touch from the timeline, and who may change it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from csops.audit.models import AuditEntry
from csops.customers.models import Activity, Contact
from csops.web.queries import contacts_with_last_touch, power_map


def stance_url(account) -> str:
    return reverse("account-power-map", args=[account.pk])


@pytest.fixture
def sato(acme) -> Contact:
    return acme.contacts.get(name="Sato Hanako")


def test_last_touch_is_the_newest_activity_the_contact_took_part_in(acme, sato):
    old = timezone.now() - dt.timedelta(days=40)
    for when in (old, old + dt.timedelta(days=10)):
        Activity.objects.create(account=acme, kind="meeting", summary="m", occurred_at=when).contacts.add(sato)
    Activity.objects.create(account=acme, kind="note", summary="without Sato", occurred_at=timezone.now())
    [contact] = contacts_with_last_touch(acme)
    assert contact.last_touch == old + dt.timedelta(days=10)


def test_key_people_out_of_touch_and_influential_detractors_are_flagged(acme, sato):
    Contact.objects.create(account=acme, name="Kimura", role="decision_maker", influence="high",
                           sentiment="negative")
    Contact.objects.create(account=acme, name="Ueda", role="user")  # a user is not a key person
    now = timezone.now()
    Activity.objects.create(account=acme, kind="call", summary="c", occurred_at=now).contacts.add(sato)
    board = power_map(contacts_with_last_touch(acme), now=now)
    assert [c.name for c in board.stale] == ["Kimura"]
    assert [c.name for c in board.detractors] == ["Kimura"]
    assert [(influence, [c.name for c in people]) for influence, people in board.rows] == [
        ("high", ["Kimura"]), ("", ["Sato Hanako"]),
    ]
    assert [c.name for c in board.others] == ["Ueda"]  # a plain user is listed, not mapped


def test_the_page_shows_sentiment_in_words_not_only_colour(client_as, victor, acme, sato):
    sato.influence, sato.sentiment = "high", "negative"
    sato.save()
    html = client_as(victor).get(reverse("account-detail", args=[acme.pk])).content.decode()
    assert 'class="person sentiment-negative"' in html
    assert "否定的" in html  # "Negative", in the Japanese persona's language
    assert "影響力：高" in html


@pytest.mark.parametrize("persona", ["alice", "carol", "dave"])
def test_the_owner_cs_ops_or_an_admin_sets_influence_and_sentiment_with_an_audit_row(
    request, persona, client_as, acme, sato
):
    who = request.getfixturevalue(persona)
    response = client_as(who).post(
        stance_url(acme), {"contact": sato.pk, "influence": "high", "sentiment": "positive"}
    )
    assert response.status_code == 302
    sato.refresh_from_db()
    assert (sato.influence, sato.sentiment) == ("high", "positive")
    entry = AuditEntry.objects.get(action="contact.power_map_changed")
    assert entry.actor == who
    assert entry.changes == {"influence": ["", "high"], "sentiment": ["", "positive"]}


@pytest.mark.parametrize("persona", ["bob", "victor"])
def test_an_outsider_or_a_viewer_may_not_change_it(request, persona, client_as, acme, sato):
    response = client_as(request.getfixturevalue(persona)).post(
        stance_url(acme), {"contact": sato.pk, "influence": "high", "sentiment": "positive"}
    )
    assert response.status_code == 403
    sato.refresh_from_db()
    assert (sato.influence, sato.sentiment) == ("", "")


def test_a_contact_of_another_account_is_refused(client_as, carol, acme, globex):
    other = Contact.objects.create(account=globex, name="Suzuki")
    client_as(carol).post(stance_url(acme), {"contact": other.pk, "influence": "high"})
    other.refresh_from_db()
    assert other.influence == "" and not AuditEntry.objects.filter(action="contact.power_map_changed").exists()


def test_an_unknown_value_changes_nothing(client_as, carol, acme, sato):
    client_as(carol).post(stance_url(acme), {"contact": sato.pk, "influence": "enormous", "sentiment": "positive"})
    sato.refresh_from_db()
    assert sato.influence == "" and not AuditEntry.objects.filter(action="contact.power_map_changed").exists()


def test_the_page_lists_plain_users_compactly_and_offers_the_form_to_editors_only(client_as, alice, victor, acme):
    Contact.objects.create(account=acme, name="Ueda Jiro", email="ueda@acme.example", role="user")
    url = reverse("account-detail", args=[acme.pk])
    html = client_as(victor).get(url).content.decode()
    assert 'class="others"' in html and "ueda@acme.example" in html
    assert "account-power-map" not in html and reverse("account-power-map", args=[acme.pk]) not in html
    html = client_as(alice).get(url).content.decode()
    assert f'action="{reverse("account-power-map", args=[acme.pk])}"' in html
    assert '<label for="id_stance_contact">' in html and 'id="id_stance_contact"' in html
