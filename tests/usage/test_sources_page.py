"""/sources/: CS Ops and admins list, create (the key is shown once) and revoke write keys; others get 403."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from csops.audit.models import AuditEntry
from csops.usage.models import Source
from csops.usage.sources import do_create_source


def test_cs_ops_sees_the_sources(client_as, carol):
    do_create_source("web app")
    response = client_as(carol).get("/sources/")
    assert response.status_code == 200
    assert "web app" in response.content.decode()


def test_creating_a_source_shows_its_key_once(client_as, carol):
    client = client_as(carol)
    response = client.post("/sources/", {"name": "mobile app"})
    assert response.status_code == 200
    key = re.search(r'id="new-write-key">(wk_[^<]+)<', response.content.decode()).group(1)
    source = Source.objects.get(name="mobile app")
    assert Source.for_key(key) == source
    assert source.created_by == carol
    assert response.headers["Cache-Control"] == "no-store"
    assert key not in client.get("/sources/").content.decode()
    entry = AuditEntry.objects.get(action="source.created")
    assert entry.actor == carol


def test_a_duplicate_name_is_refused_with_the_form(client_as, dave):
    do_create_source("web app")
    response = client_as(dave).post("/sources/", {"name": "web app"})
    assert response.status_code == 400
    assert Source.objects.count() == 1
    assert "new-write-key" not in response.content.decode()


def test_revoking_a_source_stops_its_key(client_as, dave):
    source, key = do_create_source("web app")
    response = client_as(dave).post(f"/sources/{source.pk}/revoke")
    assert response.status_code == 302
    assert Source.for_key(key) is None
    assert AuditEntry.objects.get(action="source.revoked").actor == dave


@pytest.mark.parametrize("persona", ["alice", "victor"])
def test_csms_and_viewers_may_not_manage_sources(db, request, client_as, persona):
    source, key = do_create_source("web app")
    client = client_as(request.getfixturevalue(persona))
    assert client.get("/sources/").status_code == 403
    assert client.post("/sources/", {"name": "sneaky"}).status_code == 403
    assert client.post(f"/sources/{source.pk}/revoke").status_code == 403
    assert Source.objects.count() == 1
    assert Source.for_key(key) == source


def test_anonymous_visitors_are_sent_to_login(db, client):
    response = client.get("/sources/")
    assert response.status_code == 302
    assert "/login/" in response.headers["Location"]


def test_the_forms_need_a_csrf_token(carol):
    client = Client(enforce_csrf_checks=True)
    client.force_login(carol)
    assert client.post("/sources/", {"name": "web"}).status_code == 403
    source, _ = do_create_source("web app")
    assert client.post(f"/sources/{source.pk}/revoke").status_code == 403
    assert Source.objects.get(pk=source.pk).revoked_at is None
