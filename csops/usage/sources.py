"""State changes for event sources (write keys); each writes the audit log."""

from __future__ import annotations

import threading
import time
from typing import Any

from django.db import transaction
from django.utils import timezone

from csops.audit.services import record
from csops.usage.models import Source
from csops.users.models import hash_token

MAX_NAME_LENGTH = 100
# A live key is remembered this long in each process, so that the collector does not open a
# database connection per call. A key revoked in this process stops at once; one revoked by
# another process (the CLI) stops within this many seconds.
KEY_CACHE_SECONDS = 2.0

_live_keys: dict[str, tuple[float, Source]] = {}
_live_keys_lock = threading.Lock()


class SourceError(ValueError):
    pass


def do_create_source(name: str, *, actor: Any = None) -> tuple[Source, str]:
    """Create a source; returns it and its write key, which is shown once and stored only as a hash."""
    name = name.strip()
    if not name:
        raise SourceError("a source needs a name")
    if len(name) > MAX_NAME_LENGTH:
        raise SourceError(f"the name is longer than {MAX_NAME_LENGTH} characters")
    with transaction.atomic():
        if Source.objects.filter(name=name).exists():
            raise SourceError(f"a source named {name!r} already exists")
        source, raw = Source.issue(name, created_by=actor if getattr(actor, "pk", None) else None)
        record(actor, "source.created", source, {"name": name, "hint": source.hint})
    return source, raw


def do_revoke_source(source: Source, *, actor: Any = None) -> bool:
    """Revoke the source's write key at once; False when it was already revoked."""
    with transaction.atomic():
        updated = Source.objects.filter(pk=source.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
        if updated:
            source.refresh_from_db(fields=["revoked_at"])
            record(actor, "source.revoked", source, {"name": source.name, "hint": source.hint})
    forget_live_keys()
    return bool(updated)


def source_for_key(raw: str) -> Source | None:
    """The live source of write key ``raw``, or None; cached for ``KEY_CACHE_SECONDS``."""
    digest = hash_token(raw)
    now = time.monotonic()
    cached = _live_keys.get(digest)
    if cached is not None and cached[0] > now:
        return cached[1]
    source = Source.objects.filter(key_hash=digest, revoked_at__isnull=True).first()
    with _live_keys_lock:
        if source is None:
            _live_keys.pop(digest, None)
        else:
            _live_keys[digest] = (now + KEY_CACHE_SECONDS, source)
    return source


def forget_live_keys() -> None:
    with _live_keys_lock:
        _live_keys.clear()
