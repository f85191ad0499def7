"""Receive one tracking call: authenticate, validate, rate-limit, apply identities, make it durable.

``receive`` is what ``POST /v1/<call>`` does, without HTTP: it returns once the call's events are
durable (in the fsync'ed write-ahead log, csops.usage.writer) or raises ``IngestError`` with the
status and JSON body to answer. Nothing from a refused call is stored.

Settings (read with defaults until they are declared in csops/settings.py):

- ``CSOPS_INGEST_RATE``: events per second per write key (fixed one-second window in the cache);
- ``CSOPS_INGEST_FLUSH_SECONDS``: how often the write-ahead log becomes Parquet;
- ``CSOPS_INGEST_DEDUPE_DAYS``: how long message ids are remembered to drop retried messages.
"""

from __future__ import annotations

import datetime as dt
import time

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from csops.lib.env import env_int
from csops.usage.identities import apply_identities, needs_database
from csops.usage.ingest import (
    BATCH_LIMIT,
    CALL_LIMIT,
    CALL_TYPES,
    IngestError,
    decode_body,
    parse_batch,
    parse_call,
    write_key_from,
)
from csops.usage.models import Source
from csops.usage.sources import source_for_key
from csops.usage.writer import Ingestor, Unavailable, ingestor_for

CALLS = (*CALL_TYPES, "batch", "import")
DEFAULT_RATE = 50_000
TOUCH_EVERY = dt.timedelta(minutes=1)


def _setting(name: str, default: int) -> float:
    # csops/settings.py declares these with env_int; until it does, read the environment here.
    value = getattr(settings, name, None)
    return float(env_int(name, default) if value is None else value)


def ingest_rate() -> int:
    return int(_setting("CSOPS_INGEST_RATE", DEFAULT_RATE))


def lake_ingestor() -> Ingestor:
    """This process's writer for the configured lake."""
    return ingestor_for(
        settings.CSOPS_LAKE_DIR,
        flush_seconds=_setting("CSOPS_INGEST_FLUSH_SECONDS", 2),
        dedupe_days=int(_setting("CSOPS_INGEST_DEDUPE_DAYS", 2)),
    )


def limit_for(call: str) -> int:
    return BATCH_LIMIT if call in ("batch", "import") else CALL_LIMIT


def receive(call: str, *, body: bytes, content_encoding: str | None = None, authorization: str | None = None,
            now: dt.datetime | None = None) -> int:
    """Accept one call (``track`` ... ``alias``, ``batch``); returns how many messages it held."""
    if call not in CALLS:
        raise IngestError(404, "unknown call", [{"field": "path", "message": call}])
    source = None
    header_key = write_key_from(authorization, None)
    if header_key is not None:  # a wrong key is refused before the body is even read
        source = authenticate(header_key)
    data = decode_body(body, content_encoding=content_encoding, limit=limit_for(call))
    if source is None:
        source = authenticate(write_key_from(None, data))
    received_at = now or timezone.now()
    if call in ("batch", "import"):
        messages = parse_batch(data, received_at=received_at)
    else:
        messages = [parse_call(data, call, received_at=received_at)]
    check_rate(source.pk, len(messages), rate=ingest_rate())
    rows = [m.row for m in messages if m.row is not None]
    try:
        if needs_database(messages):
            # The identities and the events are accepted together or not at all.
            with transaction.atomic():
                apply_identities(messages)
                lake_ingestor().append(rows)
        else:
            lake_ingestor().append(rows)
    except Unavailable as exc:
        raise IngestError(503, "events could not be stored", [{"field": "body", "message": str(exc)}],
                          headers={"Retry-After": "5"}) from None
    _touch(source, received_at)
    return len(messages)


def authenticate(write_key: str | None) -> Source:
    if not write_key:
        raise IngestError(401, "missing write key", [
            {"field": "Authorization", "message": "send the write key as the Basic-auth username or as writeKey"}
        ], headers={"WWW-Authenticate": 'Basic realm="csops"'})
    source = source_for_key(write_key)
    if source is None:
        raise IngestError(401, "invalid write key", [
            {"field": "Authorization", "message": "unknown or revoked write key"}
        ], headers={"WWW-Authenticate": 'Basic realm="csops"'})
    return source


def check_rate(source_id: int, events: int, *, rate: int) -> None:
    """Count ``events`` against the key's budget of ``rate`` per second; 429 once it is spent."""
    second = int(time.time())
    key = f"csops:ingest:{source_id}:{second}"
    if cache.add(key, events, timeout=5):
        count = events
    else:
        try:
            count = cache.incr(key, events)
        except ValueError:  # expired between add and incr
            cache.set(key, events, timeout=5)
            count = events
    if count > rate:
        raise IngestError(429, "rate limit exceeded", [
            {"field": "writeKey", "message": f"more than {rate} events per second for this write key"}
        ], headers={"Retry-After": "1"})


def _touch(source: Source, now: dt.datetime) -> None:
    # At most once a minute: a write per call would serialise every call on SQLite's lock.
    if source.last_used_at is None or now - source.last_used_at > TOUCH_EVERY:
        source.last_used_at = now  # the cached instance too: one update a minute, not one per call
        Source.objects.filter(pk=source.pk).update(last_used_at=now)
