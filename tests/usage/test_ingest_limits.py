"""A call is at most 32 KB, a batch at most 500 KB (also after decompression): 413, nothing stored."""

from __future__ import annotations

import gzip
import json
import zlib

from tests.usage.ingest_support import lake_rows, new_key, post


def track(i: int, padding: int = 0) -> dict:
    return {"type": "track", "userId": "U-1", "event": "x", "messageId": f"m-{i}",
            "properties": {"pad": "x" * padding}}


def test_a_call_over_32_kb_is_refused(db, client):
    response = post(client, "track", track(0, padding=33 * 1024), key=new_key())
    assert response.status_code == 413
    assert response.json()["error"] == "body too large"
    assert "32768" in response.json()["detail"][0]["message"]
    assert lake_rows() == []


def test_a_call_just_under_32_kb_is_accepted(db, client):
    assert post(client, "track", track(0, padding=31 * 1024), key=new_key()).status_code == 200
    assert len(lake_rows()) == 1


def test_a_batch_over_500_kb_is_refused(db, client):
    batch = [track(i, padding=20 * 1024) for i in range(30)]  # about 600 KB
    response = post(client, "batch", {"batch": batch}, key=new_key())
    assert response.status_code == 413
    assert lake_rows() == []


def test_a_batch_under_500_kb_is_accepted(db, client):
    batch = [track(i, padding=20 * 1024) for i in range(20)]  # about 400 KB
    assert post(client, "batch", {"batch": batch}, key=new_key()).status_code == 200
    assert len(lake_rows()) == 20


def test_a_message_over_32_kb_inside_a_batch_is_named(db, client):
    batch = [track(0), track(1, padding=40 * 1024), track(2)]
    response = post(client, "batch", {"batch": batch}, key=new_key())
    assert response.status_code == 413
    assert response.json()["error"] == "message too large"
    assert [(d["index"], d["field"]) for d in response.json()["detail"]] == [(1, "message")]
    assert lake_rows() == []


def test_a_gzipped_body_is_accepted(db, client):
    assert post(client, "batch", {"batch": [track(i) for i in range(50)]}, key=new_key(),
                compress=True).status_code == 200
    assert len(lake_rows()) == 50


def test_a_deflated_body_is_accepted(db, client):
    raw = zlib.compress(json.dumps(track(0)).encode())
    response = post(client, "track", None, raw=raw, key=new_key(), HTTP_CONTENT_ENCODING="deflate")
    assert response.status_code == 200
    assert len(lake_rows()) == 1


def test_a_small_gzip_that_inflates_past_the_limit_is_refused(db, client):
    bomb = gzip.compress(b'{"batch": [], "pad": "' + b"x" * (50 * 1024 * 1024) + b'"}')
    assert len(bomb) < 100 * 1024
    response = post(client, "batch", None, raw=bomb, key=new_key(), HTTP_CONTENT_ENCODING="gzip")
    assert response.status_code == 413
    assert lake_rows() == []


def test_a_broken_gzip_body_is_refused(db, client):
    raw = gzip.compress(json.dumps(track(0)).encode())[:-10]
    response = post(client, "track", None, raw=raw, key=new_key(), HTTP_CONTENT_ENCODING="gzip")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid compressed body"


def test_an_unknown_content_encoding_is_refused(db, client):
    response = post(client, "track", track(0), key=new_key(), HTTP_CONTENT_ENCODING="br")
    assert response.status_code == 415
    assert response.json()["detail"][0]["field"] == "Content-Encoding"
