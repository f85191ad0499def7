"""The official Segment and RudderStack Python SDKs, unchanged but for the host, send to a live `csops serve`."""

from __future__ import annotations

import datetime as dt
import logging
import subprocess
import time

import pytest
import rudderstack.analytics as rudder_analytics
from segment.analytics import Client as SegmentClient

from tests.usage.ingest_support import CLI, LiveServer, message_ids

pytestmark = pytest.mark.sqlite_only
logging.getLogger("segment").setLevel(logging.CRITICAL)
logging.getLogger("rudderstack").setLevel(logging.CRITICAL)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with LiveServer(tmp_path_factory.mktemp("var"), env={"CSOPS_INGEST_FLUSH_SECONDS": "1"}) as live:
        live.setup()
        live.start()
        yield live
        assert live.stop() == 0


def send_everything(analytics, prefix: str) -> list[str]:
    """The calls a SaaS product makes; returns their message ids."""
    when = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)
    ids = [f"{prefix}-{n}" for n in range(6)]
    analytics.identify("U-100", {"name": "Tanaka Yui", "email": "tanaka@example.jp", "plan": "pro"},
                       anonymous_id="anon-100", timestamp=when, message_id=ids[0])
    analytics.group("U-100", "ACC-100", {"name": "Tanaka Shoji", "industry": "Retail", "employees": 80},
                    timestamp=when, message_id=ids[1])
    analytics.track("U-100", "document_sent", {"pages": 2}, context={"groupId": "ACC-100"}, timestamp=when,
                    message_id=ids[2])
    analytics.page("U-100", "app", "Dashboard", {"path": "/dashboard"}, timestamp=when, message_id=ids[3])
    analytics.screen("U-100", "app", "Inbox", timestamp=when, message_id=ids[4])
    analytics.track(None, "pricing_viewed", anonymous_id="anon-100", timestamp=when, message_id=ids[5])
    return ids


def test_the_segment_client_delivers_every_call(server):
    errors = []
    client = SegmentClient(server.key, host=server.url, sync_mode=False, on_error=lambda e, batch: errors.append(e),
                    max_retries=3, upload_interval=0.1)
    ids = send_everything(client, "segment")
    client.flush()
    client.shutdown()
    assert errors == []
    assert set(ids) <= set(in_lake(server, ids))


def test_the_rudderstack_client_delivers_every_call_gzipped(server):
    errors = []
    rudder_analytics.write_key = server.key
    rudder_analytics.dataPlaneUrl = server.url
    rudder_analytics.on_error = lambda e, batch: errors.append(e)
    assert rudder_analytics.gzip is True  # RudderStack compresses by default
    ids = send_everything(rudder_analytics, "rudder")
    rudder_analytics.flush()
    rudder_analytics.shutdown()
    rudder_analytics.default_client = None
    assert errors == []
    assert set(ids) <= set(in_lake(server, ids))


def test_identities_reached_the_database(server):
    script = ("from csops.customers.models import Contact; c = Contact.objects.get(external_id='U-100');"
              "from csops.usage.models import IdentityLink;"
              "print(c.name, c.account.external_id, c.account.name, IdentityLink.objects.get().user_id)")
    out = subprocess.run([*CLI, "shell", "-c", script], env=server.env, capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "Tanaka Yui ACC-100 Tanaka Shoji U-100"


def in_lake(server: LiveServer, expected: list[str], timeout: float = 15) -> list[str]:
    """The message ids in the lake once all of ``expected`` arrived (flushed by the server itself)."""
    deadline = time.monotonic() + timeout
    while True:
        ids = message_ids(server.lake_dir)
        if set(expected) <= set(ids) or time.monotonic() > deadline:
            return ids
        time.sleep(0.2)




@pytest.mark.parametrize("sdk", ["segment", "rudderstack"])
def test_the_sdks_read_our_errors_and_do_not_retry_a_refused_batch(server, sdk):
    if sdk == "segment":
        from segment.analytics.request import APIError, post
    else:
        from rudderstack.analytics.request import APIError, post
    future = (dt.datetime.now(dt.UTC) + dt.timedelta(days=3)).isoformat()
    with pytest.raises(APIError) as refused:
        post(server.key, server.url, batch=[{"type": "track", "userId": "U-1", "event": "x", "timestamp": future}])
    # An APIError with a 4xx status is final for both SDKs; anything else would be retried.
    assert (refused.value.status, refused.value.code) == (400, "invalid_request")
    assert refused.value.message == "invalid message"
