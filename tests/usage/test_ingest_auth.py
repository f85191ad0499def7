"""A tracking call needs a live write key: as the Basic-auth username, or as writeKey in the body."""

from __future__ import annotations

import base64
import json

import pytest

from csops.usage.models import Source
from csops.usage.sources import do_revoke_source
from tests.usage.ingest_support import lake_rows, new_key, post

TRACK = {"userId": "U-1", "event": "login"}


def test_it_accepts_the_key_as_the_basic_auth_username(db, client):
    assert post(client, "track", TRACK, key=new_key()).status_code == 200
    assert len(lake_rows()) == 1


def test_it_accepts_the_key_as_write_key_in_the_body(db, client):
    key = new_key()
    assert post(client, "batch", {"writeKey": key, "batch": [{"type": "track", **TRACK}]}).status_code == 200
    assert len(lake_rows()) == 1


def test_it_refuses_a_call_without_a_key(db, client):
    response = post(client, "track", TRACK)
    assert response.status_code == 401
    assert response.json()["error"] == "missing write key"
    assert response.headers["WWW-Authenticate"].startswith("Basic")
    assert lake_rows() == []


@pytest.mark.parametrize("authorization", [
    "Basic " + base64.b64encode(b"wk_not-a-key:").decode(),
    "Basic !!!not-base64",
    "Bearer wk_whatever",
])
def test_it_refuses_a_wrong_key(db, client, authorization):
    new_key()
    response = post(client, "track", TRACK, HTTP_AUTHORIZATION=authorization)
    assert response.status_code == 401
    assert lake_rows() == []


def test_it_refuses_a_wrong_key_before_reading_the_body(db, client):
    response = post(client, "track", None, raw=b"{not json", key="wk_wrong")
    assert response.status_code == 401
    assert response.json()["error"] == "invalid write key"


def test_it_refuses_a_revoked_key_at_once(db, client):
    key = new_key()
    assert post(client, "track", TRACK, key=key).status_code == 200
    do_revoke_source(Source.objects.get())
    response = post(client, "track", TRACK, key=key)
    assert response.status_code == 401
    assert response.json() == {"error": "invalid write key", "code": "unauthorized", "message": "invalid write key",
                               "detail": [{"field": "Authorization", "message": "unknown or revoked write key"}]}
    assert len(lake_rows()) == 1


def test_it_records_when_a_source_was_last_used(db, client):
    key = new_key()
    post(client, "track", TRACK, key=key)
    assert Source.objects.get().last_used_at is not None
    lake_rows()


def test_the_api_needs_no_session_and_no_csrf_token(db):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post("/v1/track", data=json.dumps(TRACK), content_type="application/json",
                           HTTP_AUTHORIZATION="Basic " + base64.b64encode(f"{new_key()}:".encode()).decode())
    assert response.status_code == 200
    assert "sessionid" not in response.cookies
    lake_rows()
