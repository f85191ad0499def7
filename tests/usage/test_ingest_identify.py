"""identify upserts the contact by userId: known fields to fields, other traits to Contact.traits."""

from __future__ import annotations

import json

from csops.customers.models import Account, Contact
from csops.usage.models import PendingIdentity
from tests.usage.ingest_support import lake_rows, new_key, post


def test_it_creates_the_contact_in_the_account_named_by_context_group_id(db, client, acme):
    response = post(client, "identify", {
        "userId": "U-ACME-2", "messageId": "m-1", "context": {"groupId": "ACME-1"},
        "traits": {"name": "Suzuki Ichiro", "email": "suzuki@acme.example", "title": "Manager",
                   "department": "Finance", "plan": "pro", "logins": 3},
    }, key=new_key())
    assert response.status_code == 200
    contact = Contact.objects.get(external_id="U-ACME-2")
    assert contact.account == acme
    assert (contact.name, contact.email, contact.title, contact.department) == (
        "Suzuki Ichiro", "suzuki@acme.example", "Manager", "Finance")
    assert contact.traits == {"plan": "pro", "logins": 3}
    [row] = lake_rows()
    assert (row["type"], row["user_id"], row["account_id"]) == ("identify", "U-ACME-2", "ACME-1")
    assert json.loads(row["properties"])["plan"] == "pro"


def test_it_updates_a_known_contact_and_merges_its_traits(db, client, acme):
    contact = Contact.objects.get(external_id="U-ACME-1")
    contact.traits = {"plan": "free", "team": "ops"}
    contact.save()
    post(client, "identify", {"userId": "U-ACME-1", "traits": {"title": "Director", "plan": "pro"}}, key=new_key())
    contact.refresh_from_db()
    assert contact.title == "Director"
    assert contact.name == "Sato Hanako"
    assert contact.account == acme
    assert contact.traits == {"plan": "pro", "team": "ops"}
    lake_rows()


def test_it_takes_the_account_from_traits_company_and_creates_it_when_new(db, client):
    post(client, "identify", {"userId": "U-9", "traits": {
        "firstName": "Ken", "lastName": "Mori",
        "company": {"id": "NEWCO-1", "name": "New Co", "industry": "Logistics", "employee_count": 120},
    }}, key=new_key())
    account = Account.objects.get(external_id="NEWCO-1")
    assert (account.name, account.industry, account.employees) == ("New Co", "Logistics", 120)
    contact = Contact.objects.get(external_id="U-9")
    assert (contact.name, contact.account) == ("Ken Mori", account)
    lake_rows()


def test_an_invalid_email_is_kept_as_a_trait_not_as_the_email(db, client, acme):
    post(client, "identify", {"userId": "U-ACME-1", "traits": {"email": "not an email"}}, key=new_key())
    contact = Contact.objects.get(external_id="U-ACME-1")
    assert contact.email == "sato@acme.example"
    assert contact.traits["email"] == "not an email"
    lake_rows()


def test_without_an_account_the_traits_wait_for_a_group_call(db, client, acme):
    key = new_key()
    post(client, "identify", {"userId": "U-77", "traits": {"name": "Ito Aya", "email": "ito@acme.example",
                                                           "seat": "admin"}}, key=key)
    assert not Contact.objects.filter(external_id="U-77").exists()
    assert PendingIdentity.objects.get(user_id="U-77").traits["name"] == "Ito Aya"
    post(client, "identify", {"userId": "U-77", "traits": {"title": "Engineer"}}, key=key)

    post(client, "group", {"userId": "U-77", "groupId": "ACME-1"}, key=key)
    contact = Contact.objects.get(external_id="U-77")
    assert (contact.name, contact.email, contact.title, contact.account) == (
        "Ito Aya", "ito@acme.example", "Engineer", acme)
    assert contact.traits == {"seat": "admin"}
    assert not PendingIdentity.objects.exists()
    assert [r["type"] for r in lake_rows()] == ["identify", "identify", "group"]


def test_an_anonymous_identify_is_only_an_event(db, client):
    assert post(client, "identify", {"anonymousId": "anon-1", "traits": {"utm": "ad"}}, key=new_key()).status_code \
        == 200
    assert not Contact.objects.exists()
    assert not PendingIdentity.objects.exists()
    assert len(lake_rows()) == 1
