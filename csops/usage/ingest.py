"""Segment-compatible tracking calls: decode the body, validate every message, turn it into a lake row.

Plain functions without Django, so that each rule is tested without HTTP. The HTTP views
(``ingest_views``) and the collector (``collector``) call them; nothing here stores anything.

Rules (the same as Segment's HTTP tracking API where Segment has one):

- a body is a JSON object, optionally gzip- or deflate-compressed (``Content-Encoding``);
- a single call (``/v1/track`` ...) is at most ``CALL_LIMIT`` bytes, a batch at most ``BATCH_LIMIT``
  bytes (after decompression), and every message of a batch at most ``CALL_LIMIT`` bytes as stored;
- every message has a known ``type``, a ``userId`` or an ``anonymousId``, and what its type needs
  (``event`` for track, ``groupId`` for group, ``previousId`` for alias);
- ``timestamp`` (or ``originalTimestamp``) is ISO 8601 and not more than ``MAX_FUTURE`` ahead of the
  time we received it; without one, the event happened when we received it;
- ``properties``, ``traits`` and ``context`` are JSON objects;
- a missing ``messageId`` is generated, so that every event in the lake has one.

A batch is all or nothing: ``parse_batch`` collects every problem (index and field) and raises once.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import uuid
import zlib
from dataclasses import dataclass, field
from typing import Any, NamedTuple

CALL_LIMIT = 32 * 1024
BATCH_LIMIT = 500 * 1024
MAX_FUTURE = dt.timedelta(hours=24)
MAX_ID_LENGTH = 100  # Contact.external_id and Account.external_id hold 100 characters
MAX_ANONYMOUS_ID_LENGTH = 200  # IdentityLink.anonymous_id
MAX_MESSAGE_ID_LENGTH = 200
MAX_EVENT_NAME_LENGTH = 200
MAX_PROBLEMS = 100  # a batch of 500 bad messages answers with the first hundred problems

CALL_TYPES = ("track", "identify", "group", "page", "screen", "alias")
# Calls that change who is who (contacts, accounts, identity links), besides being events.
IDENTITY_TYPES = frozenset({"identify", "group", "alias"})
# ``alias`` is not an event type of the lake (csops.usage.lake.EVENT_TYPES): it only links ids.
LAKE_TYPES = frozenset({"track", "identify", "group", "page", "screen"})

_CALL_TYPE_SET = frozenset(CALL_TYPES)
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MICROSECOND = dt.timedelta(microseconds=1)
_ENCODINGS = ("gzip", "x-gzip", "deflate", "identity", "")


_CODES = {400: "invalid_request", 401: "unauthorized", 404: "not_found", 405: "method_not_allowed",
          413: "payload_too_large", 415: "unsupported_encoding", 429: "rate_limited", 503: "unavailable"}


class IngestError(Exception):
    """A call we refuse, with the HTTP status and the JSON error body ``{"error", "detail"}``."""

    def __init__(self, status: int, error: str, detail: list[dict[str, Any]] | None = None,
                 *, headers: dict[str, str] | None = None) -> None:
        super().__init__(error)
        self.status = status
        self.error = error
        self.detail = detail or []
        self.headers = headers or {}

    def as_json(self) -> dict[str, Any]:
        # ``code`` and ``message`` are what the Segment and RudderStack SDKs read from an error: without
        # them they take a 400 for a network failure and retry it for minutes.
        code = _CODES.get(self.status, "error")
        return {"error": self.error, "detail": self.detail, "code": code, "message": self.error}


# A lake row, in the column order of csops.usage.lake.EVENT_SCHEMA; timestamps are
# microseconds since the epoch (UTC), properties and context are JSON text.
Row = tuple[str, str, "str | None", "str | None", "str | None", "str | None", int, int, str, str]


class Message(NamedTuple):
    """One valid call: its lake row (None for alias) and what identity calls need."""

    type: str
    row: Row | None
    user_id: str | None
    anonymous_id: str | None
    group_id: str | None  # groupId of a group call, else context.groupId
    traits: dict[str, Any]
    context: dict[str, Any]
    previous_id: str | None


@dataclass
class _Problems:
    items: list[dict[str, Any]] = field(default_factory=list)
    too_large: bool = False

    def add(self, index: int | None, field_name: str, message: str) -> None:
        if len(self.items) < MAX_PROBLEMS:
            item: dict[str, Any] = {"field": field_name, "message": message}
            if index is not None:
                item = {"index": index, **item}
            self.items.append(item)


# --- the body ----------------------------------------------------------------------------------


def decode_body(raw: bytes, *, content_encoding: str | None, limit: int) -> dict[str, Any]:
    """The JSON object in ``raw``, decompressed; 413 over ``limit`` bytes, 415/400 when unreadable."""
    encoding = (content_encoding or "").strip().lower()
    if encoding not in _ENCODINGS:
        raise IngestError(415, "unsupported content encoding", [{"field": "Content-Encoding", "message": encoding}])
    if len(raw) > limit:
        raise _too_large(len(raw), limit)
    if encoding in ("gzip", "x-gzip", "deflate"):
        raw = _decompress(raw, gzip=encoding != "deflate", limit=limit)
    try:
        body = json.loads(raw, parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError) as exc:
        raise IngestError(400, "invalid JSON", [{"field": "body", "message": str(exc)}]) from None
    if not isinstance(body, dict):
        raise IngestError(400, "invalid JSON", [{"field": "body", "message": "the body must be a JSON object"}])
    return body


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not valid JSON")


def _decompress(raw: bytes, *, gzip: bool, limit: int) -> bytes:
    # A bounded decompressor: a small "zip bomb" must not be inflated to gigabytes first.
    inflater = zlib.decompressobj(wbits=31 if gzip else 15)
    try:
        data = inflater.decompress(raw, limit + 1)
        if len(data) > limit or inflater.unconsumed_tail:
            raise _too_large(None, limit)
        data += inflater.flush()
    except zlib.error as exc:
        raise IngestError(400, "invalid compressed body", [{"field": "body", "message": str(exc)}]) from None
    if len(data) > limit:
        raise _too_large(len(data), limit)
    if not inflater.eof:
        raise IngestError(400, "invalid compressed body", [{"field": "body", "message": "truncated stream"}])
    return data


def _too_large(size: int | None, limit: int) -> IngestError:
    what = f"{size} bytes" if size is not None else "more"
    return IngestError(413, "body too large", [{"field": "body", "message": f"{what} > limit of {limit} bytes"}])


def write_key_from(authorization: str | None, body: dict[str, Any] | None) -> str | None:
    """The write key: the Basic-auth username (password empty), else ``writeKey`` in the body."""
    if authorization:
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() == "basic" and value:
            try:
                decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                decoded = ""
            username = decoded.partition(":")[0]
            if username:
                return username
    if body is not None:
        key = body.get("writeKey")
        if isinstance(key, str) and key:
            return key
    return None


# --- messages ----------------------------------------------------------------------------------


def parse_call(body: dict[str, Any], call_type: str, *, received_at: dt.datetime) -> Message:
    """A single call (``/v1/track`` and the like): its type comes from the URL."""
    problems = _Problems()
    message = _parse_message(body, call_type, index=None, received_at=received_at, problems=problems)
    _raise_if(problems)
    assert message is not None
    return message


def parse_batch(body: dict[str, Any], *, received_at: dt.datetime) -> list[Message]:
    """Every message of a ``/v1/batch`` body, or IngestError listing each bad message by index and field."""
    batch = body.get("batch")
    if not isinstance(batch, list):
        raise IngestError(400, "invalid batch", [{"field": "batch", "message": "must be a list of messages"}])
    shared_context = body.get("context")
    if shared_context is not None and not isinstance(shared_context, dict):
        raise IngestError(400, "invalid batch", [{"field": "context", "message": "must be an object"}])
    problems = _Problems()
    messages = []
    for index, item in enumerate(batch):
        if not isinstance(item, dict):
            problems.add(index, "message", "must be an object")
            continue
        if shared_context:
            # The batch's context applies to every message; a message's own keys win.
            own = item.get("context")
            if isinstance(own, dict) or own is None:
                item = {**item, "context": {**shared_context, **(own or {})}}
        message = _parse_message(item, None, index=index, received_at=received_at, problems=problems)
        if message is not None:
            messages.append(message)
    _raise_if(problems)
    return messages


def _raise_if(problems: _Problems) -> None:
    if problems.too_large:
        raise IngestError(413, "message too large", problems.items)
    if problems.items:
        raise IngestError(400, "invalid message", problems.items)


def _parse_message(
    msg: dict[str, Any], call_type: str | None, *, index: int | None, received_at: dt.datetime,
    problems: _Problems,
) -> Message | None:
    # The checks of the common case are inlined (``type(x) is str``): at 20,000 events a second,
    # a function call per field is a measurable share of the collector's CPU. Anything unusual
    # goes through the helpers, which also name the problem.
    before = len(problems.items)
    get = msg.get
    kind = call_type or get("type")
    if kind not in _CALL_TYPE_SET:
        problems.add(index, "type", f"unknown type {kind!r}; expected one of {', '.join(CALL_TYPES)}"
                     if kind is not None else "missing type")
        return None

    user_id = get("userId")
    if type(user_id) is not str or not 0 < len(user_id) <= MAX_ID_LENGTH:
        user_id = _id(msg, "userId", index, problems, MAX_ID_LENGTH)
    anonymous_id = get("anonymousId")
    if type(anonymous_id) is not str or not 0 < len(anonymous_id) <= MAX_ANONYMOUS_ID_LENGTH:
        anonymous_id = _id(msg, "anonymousId", index, problems, MAX_ANONYMOUS_ID_LENGTH)
    if user_id is None and anonymous_id is None and not _has(problems, before, ("userId", "anonymousId")):
        problems.add(index, "userId", "userId or anonymousId is required")

    context = get("context")
    if type(context) is not dict:
        context = _object(msg, "context", index, problems)
    traits_field = "traits" if kind == "identify" or kind == "group" else "properties"
    payload = get(traits_field)
    if type(payload) is not dict:
        payload = _object(msg, traits_field, index, problems)

    event = None
    group_id = None
    previous_id = None
    if kind == "track":
        event = get("event")
        if type(event) is not str or not event.strip():
            problems.add(index, "event", "track calls need an event name")
        elif len(event) > MAX_EVENT_NAME_LENGTH:
            problems.add(index, "event", f"longer than {MAX_EVENT_NAME_LENGTH} characters")
    elif kind == "group":
        group_id = _id(msg, "groupId", index, problems, MAX_ID_LENGTH)
        if group_id is None and not _has(problems, before, ("groupId",)):
            problems.add(index, "groupId", "group calls need a groupId")
    elif kind == "alias":
        previous_id = _id(msg, "previousId", index, problems, MAX_ANONYMOUS_ID_LENGTH)
        if previous_id is None and not _has(problems, before, ("previousId",)):
            problems.add(index, "previousId", "alias calls need a previousId")
        if user_id is None and not _has(problems, before, ("userId",)):
            problems.add(index, "userId", "alias calls need a userId")
    elif kind == "page" or kind == "screen":
        # Segment sends the page or screen name beside the properties; keep it with them.
        for key in ("name", "category"):
            value = get(key)
            if value is not None and payload is not None and key not in payload:
                payload = {**payload, key: value}
    if group_id is None and context and context.get("groupId") is not None:
        group_id = context["groupId"]
        if type(group_id) is not str or not 0 < len(group_id) <= MAX_ID_LENGTH:
            group_id = _context_group(context, index, problems)

    timestamp = _timestamp(msg, index, received_at, problems)
    message_id = get("messageId")
    if type(message_id) is not str or not 0 < len(message_id) <= MAX_MESSAGE_ID_LENGTH:
        message_id = _message_id(msg, index, problems)

    if len(problems.items) > before or payload is None or context is None or timestamp is None:
        return None
    if kind == "alias":
        return Message(kind, None, user_id, anonymous_id, group_id, {}, context, previous_id)

    payload_json = _dumps(payload)
    context_json = _dumps(context)
    size = len(payload_json) + len(context_json) + len(message_id) + len(event or "") + 64
    if size > CALL_LIMIT:
        problems.too_large = True
        problems.add(index, "message", f"{size} bytes > limit of {CALL_LIMIT} bytes")
        return None
    row: Row = (
        message_id, kind, event, user_id, anonymous_id, group_id,
        (timestamp - _EPOCH) // _MICROSECOND, (received_at - _EPOCH) // _MICROSECOND, payload_json, context_json,
    )
    traits = payload if kind == "identify" or kind == "group" else {}
    return Message(kind, row, user_id, anonymous_id, group_id, traits, context, previous_id)


def _has(problems: _Problems, since: int, fields: tuple[str, ...]) -> bool:
    return any(p["field"] in fields for p in problems.items[since:])


def _id(msg: dict[str, Any], key: str, index: int | None, problems: _Problems, max_length: int) -> str | None:
    value = msg.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        problems.add(index, key, "must be a string")
        return None
    text = str(value)
    if len(text) > max_length:
        problems.add(index, key, f"longer than {max_length} characters")
        return None
    return text


def _object(msg: dict[str, Any], key: str, index: int | None, problems: _Problems) -> dict[str, Any] | None:
    value = msg.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        problems.add(index, key, "must be an object")
        return None
    return value


def _context_group(context: dict[str, Any], index: int | None, problems: _Problems) -> str | None:
    value = context.get("groupId")
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, str | int) or len(str(value)) > MAX_ID_LENGTH:
        problems.add(index, "context.groupId", f"must be a string of at most {MAX_ID_LENGTH} characters")
        return None
    return str(value)


def _message_id(msg: dict[str, Any], index: int | None, problems: _Problems) -> str:
    value = msg.get("messageId")
    if value is None or value == "":
        return str(uuid.uuid4())
    if isinstance(value, bool) or not isinstance(value, str | int):
        problems.add(index, "messageId", "must be a string")
        return ""
    text = str(value)
    if len(text) > MAX_MESSAGE_ID_LENGTH:
        problems.add(index, "messageId", f"longer than {MAX_MESSAGE_ID_LENGTH} characters")
    return text


def _timestamp(
    msg: dict[str, Any], index: int | None, received_at: dt.datetime, problems: _Problems
) -> dt.datetime | None:
    key = "timestamp" if msg.get("timestamp") is not None else "originalTimestamp"
    value = msg.get(key)
    if value is None:
        return received_at
    parsed = parse_timestamp(value)
    if parsed is None:
        problems.add(index, key, f"not an ISO 8601 timestamp: {str(value)[:40]!r}")
        return None
    if parsed - received_at > MAX_FUTURE:
        problems.add(index, key, f"{value} is more than {MAX_FUTURE.total_seconds() / 3600:.0f} hours in the future")
        return None
    return parsed


def parse_timestamp(value: object) -> dt.datetime | None:
    """An ISO 8601 string as an aware datetime (UTC when it names no zone), else None."""
    if not isinstance(value, str) or not 10 <= len(value) <= 40:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    try:
        (parsed - _EPOCH) // _MICROSECOND
    except OverflowError:
        return None
    return parsed


# One encoder for every call: json.dumps with arguments builds a new one each time.
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode
