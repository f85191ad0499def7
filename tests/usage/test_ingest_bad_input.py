"""Bad input is refused with 400 and a JSON error naming the field; nothing from the call is stored."""

from __future__ import annotations

import datetime as dt

import pytest

from csops.customers.models import Account, Contact
from csops.usage.models import IdentityLink
from tests.usage.ingest_support import lake_rows, new_key, post

SOON = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=23)).isoformat()
LATER = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=25)).isoformat()


@pytest.mark.parametrize(("call", "body", "field"), [
    ("track", {"event": "login"}, "userId"),
    ("track", {"userId": "", "anonymousId": None, "event": "login"}, "userId"),
    ("track", {"userId": {"id": 1}, "event": "login"}, "userId"),
    ("track", {"userId": True, "event": "login"}, "userId"),
    ("track", {"userId": "U-1"}, "event"),
    ("track", {"userId": "U-1", "event": ""}, "event"),
    ("track", {"userId": "U-1", "event": "x", "timestamp": "yesterday"}, "timestamp"),
    ("track", {"userId": "U-1", "event": "x", "timestamp": "2026-13-45T00:00:00Z"}, "timestamp"),
    ("track", {"userId": "U-1", "event": "x", "timestamp": 1767225600}, "timestamp"),
    ("track", {"userId": "U-1", "event": "x", "timestamp": LATER}, "timestamp"),
    ("track", {"userId": "U-1", "event": "x", "originalTimestamp": "soon"}, "originalTimestamp"),
    ("track", {"userId": "U-1", "event": "x", "properties": ["a"]}, "properties"),
    ("track", {"userId": "U-1", "event": "x", "properties": "a=1"}, "properties"),
    ("track", {"userId": "U-1", "event": "x", "context": []}, "context"),
    ("track", {"userId": "U-1", "event": "x", "context": {"groupId": ["A"]}}, "context.groupId"),
    ("track", {"userId": "U-1", "event": "x", "messageId": {"id": 1}}, "messageId"),
    ("track", {"userId": "U" * 101, "event": "x"}, "userId"),
    ("identify", {"userId": "U-1", "traits": "vip"}, "traits"),
    ("group", {"userId": "U-1", "traits": {"name": "Acme"}}, "groupId"),
    ("group", {"userId": "U-1", "groupId": "A", "traits": [1]}, "traits"),
    ("alias", {"userId": "U-1"}, "previousId"),
    ("alias", {"previousId": "anon-1"}, "userId"),
    ("page", {"anonymousId": 12.5}, "anonymousId"),
])
def test_it_refuses_a_bad_message_naming_the_field(db, client, call, body, field):
    response = post(client, call, body, key=new_key())
    assert response.status_code == 400
    payload = response.json()
    assert payload["error"] == "invalid message"
    assert field in [d["field"] for d in payload["detail"]], payload
    assert all(d["message"] for d in payload["detail"])
    assert lake_rows() == []


@pytest.mark.parametrize(("raw", "error"), [
    (b"{not json", "invalid JSON"),
    (b"", "invalid JSON"),
    (b"[1, 2]", "invalid JSON"),
    (b'"track"', "invalid JSON"),
    (b'{"userId": "U-1", "event": "x", "properties": {"n": NaN}}', "invalid JSON"),
    (b"\xff\xfe{}", "invalid JSON"),
])
def test_it_refuses_a_body_that_is_not_a_json_object(db, client, raw, error):
    response = post(client, "track", None, raw=raw, key=new_key())
    assert response.status_code == 400
    assert response.json()["error"] == error
    assert response.json()["detail"][0]["field"] == "body"
    assert lake_rows() == []


@pytest.mark.parametrize(("body", "field"), [
    ({"batch": {"type": "track"}}, "batch"),
    ({"messages": []}, "batch"),
    ({"batch": [], "context": "web"}, "context"),
])
def test_it_refuses_a_batch_that_is_not_a_list_of_messages(db, client, body, field):
    response = post(client, "batch", body, key=new_key())
    assert response.status_code == 400
    assert response.json()["error"] == "invalid batch"
    assert [d["field"] for d in response.json()["detail"]] == [field]


def test_it_accepts_a_timestamp_less_than_a_day_ahead(db, client):
    assert post(client, "track", {"userId": "U-1", "event": "x", "timestamp": SOON}, key=new_key()).status_code == 200
    assert len(lake_rows()) == 1


def test_a_refused_identify_changes_nothing_in_the_database(db, client, acme):
    response = post(client, "batch", {"batch": [
        {"type": "identify", "userId": "U-NEW", "anonymousId": "anon-9", "traits": {"name": "Kato"},
         "context": {"groupId": "ACME-1"}},
        {"type": "group", "userId": "U-NEW", "groupId": "NEW-CO", "traits": {"name": "New Co"}},
        {"type": "track", "userId": "U-NEW", "event": "x", "timestamp": "not a time"},
    ]}, key=new_key())
    assert response.status_code == 400
    assert not Contact.objects.filter(external_id="U-NEW").exists()
    assert not Account.objects.filter(external_id="NEW-CO").exists()
    assert not IdentityLink.objects.exists()
    assert lake_rows() == []
