"""group upserts the account by groupId (name, industry, employees, other traits) and links the user."""

from __future__ import annotations

from csops.customers.models import Account, Contact
from tests.usage.ingest_support import lake_rows, new_key, post


def test_it_creates_the_account_and_the_contact(db, client):
    response = post(client, "group", {"userId": "U-1", "groupId": "G-1", "messageId": "m-1", "traits": {
        "name": "Initech", "industry": "Software", "employees": "250", "plan": "enterprise", "id": "G-1",
    }}, key=new_key())
    assert response.status_code == 200
    account = Account.objects.get(external_id="G-1")
    assert (account.name, account.industry, account.employees) == ("Initech", "Software", 250)
    assert account.traits == {"plan": "enterprise"}
    contact = Contact.objects.get(external_id="U-1")
    assert (contact.account, contact.name) == (account, "U-1")
    [row] = lake_rows()
    assert (row["type"], row["account_id"], row["user_id"]) == ("group", "G-1", "U-1")


def test_it_updates_an_existing_account_and_keeps_its_crm_fields(db, client, acme):
    acme.traits = {"region": "kanto"}
    acme.save()
    post(client, "group", {"userId": "U-ACME-1", "groupId": "ACME-1",
                           "traits": {"employees": 1200, "tier": "gold"}}, key=new_key())
    acme.refresh_from_db()
    assert acme.name == "Acme"
    assert acme.owner.email == "alice@example.com"
    assert acme.employees == 1200
    assert acme.traits == {"region": "kanto", "tier": "gold"}
    lake_rows()


def test_it_moves_a_known_contact_to_the_group(db, client, acme, globex):
    post(client, "group", {"userId": "U-ACME-1", "groupId": "GLOBEX-1"}, key=new_key())
    assert Contact.objects.get(external_id="U-ACME-1").account == globex
    lake_rows()


def test_an_anonymous_group_call_links_no_contact(db, client):
    post(client, "group", {"anonymousId": "anon-1", "groupId": "G-2", "traits": {"name": "Hooli"}}, key=new_key())
    assert Account.objects.get(external_id="G-2").name == "Hooli"
    assert not Contact.objects.exists()
    lake_rows()


def test_identify_then_group_in_one_batch_is_applied_in_order(db, client):
    post(client, "batch", {"batch": [
        {"type": "identify", "userId": "U-5", "traits": {"name": "Abe Jun", "title": "CTO"}},
        {"type": "group", "userId": "U-5", "groupId": "G-5", "traits": {"name": "Five Inc"}},
        {"type": "track", "userId": "U-5", "event": "login", "context": {"groupId": "G-5"}},
    ]}, key=new_key())
    contact = Contact.objects.get(external_id="U-5")
    assert (contact.name, contact.title, contact.account.external_id) == ("Abe Jun", "CTO", "G-5")
    assert len(lake_rows()) == 3
