"""Events of a visitor not yet identified are kept, and an identify or alias links them to the user."""

from __future__ import annotations

from csops.usage.models import IdentityLink
from tests.usage.ingest_support import lake_rows, new_key, post


def test_identify_with_the_anonymous_id_links_the_earlier_anonymous_events(db, client, acme):
    key = new_key()
    post(client, "track", {"anonymousId": "anon-1", "event": "pricing_viewed", "messageId": "m-1",
                           "timestamp": "2026-01-01T00:00:00Z"}, key=key)
    post(client, "identify", {"anonymousId": "anon-1", "userId": "U-ACME-1", "messageId": "m-2",
                              "timestamp": "2026-01-01T00:05:00Z"}, key=key)
    assert IdentityLink.objects.get(anonymous_id="anon-1").user_id == "U-ACME-1"
    anonymous, identify = lake_rows()
    assert (anonymous["anonymous_id"], anonymous["user_id"]) == ("anon-1", None)
    assert (identify["anonymous_id"], identify["user_id"]) == ("anon-1", "U-ACME-1")


def test_alias_links_the_previous_id_and_is_not_an_event(db, client):
    response = post(client, "alias", {"previousId": "anon-2", "userId": "U-2"}, key=new_key())
    assert response.status_code == 200
    assert IdentityLink.objects.get(anonymous_id="anon-2").user_id == "U-2"
    assert lake_rows() == []


def test_the_first_link_of_an_anonymous_id_wins(db, client):
    key = new_key()
    post(client, "alias", {"previousId": "anon-3", "userId": "U-3"}, key=key)
    post(client, "identify", {"anonymousId": "anon-3", "userId": "U-4"}, key=key)
    assert IdentityLink.objects.get(anonymous_id="anon-3").user_id == "U-3"
    lake_rows()
