"""The named queries on DuckDB (the default engine), checked against a plain-Python reading of the same rows."""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo
from collections import Counter

import pytest

from csops.usage import query
from tests.usage.conftest import AS_OF, JST, UTC, lake_rows, row, write_rows

pytestmark = pytest.mark.django_db

TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")
LINKS = {"anon-visitor": "U-ACME-2"}
CONTACTS = {"U-ACME-1": "ACME-1", "U-ACME-2": "ACME-1", "U-GLOBEX-1": "GLOBEX-1"}


def resolved(rows):
    """Identity resolution as the docs describe it, in Python."""
    out = []
    for r in rows:
        user = r["user_id"] or LINKS.get(r["anonymous_id"])
        account = r["account_id"] or CONTACTS.get(user)
        out.append({**r, "user_id": user, "account_id": account})
    return out


def usage_in_window(rows, account, first, last):
    for r in resolved(rows):
        local_day = r["timestamp"].astimezone(TOKYO).date()
        if r["account_id"] == account and r["type"] in ("track", "page", "screen") and first <= local_day <= last:
            yield r, local_day


def test_daily_event_counts_cover_every_local_day_of_the_window_oldest_first(usage_lake):
    counts = query.daily_event_counts("ACME-1", 90, as_of=AS_OF)
    assert [d for d, _ in counts] == [AS_OF - dt.timedelta(days=89 - i) for i in range(90)]
    expected = Counter(day for _, day in usage_in_window(usage_lake, "ACME-1", AS_OF - dt.timedelta(days=89), AS_OF))
    assert dict(counts) == {d: expected.get(d, 0) for d, _ in counts}
    assert sum(n for _, n in counts) > 100


def test_a_day_is_a_day_in_the_company_time_zone(settings, acme):
    # 00:30 in Tokyo on 31 March is 15:30 UTC on 30 March: the panel shows it on the 31st.
    write_rows([row("late", dt.datetime(2026, 3, 30, 15, 30, tzinfo=UTC), account_id="ACME-1", user_id="U")],
               settings.CSOPS_LAKE_DIR)
    assert query.daily_event_counts("ACME-1", 2, as_of=AS_OF) == [(dt.date(2026, 3, 30), 0), (AS_OF, 1)]


def test_days_follow_daylight_saving_time(settings, acme):
    settings.TIME_ZONE = "America/New_York"  # clocks went forward at 02:00 on 8 March 2026
    at = [
        dt.datetime(2026, 3, 7, 23, 30),  # EST
        dt.datetime(2026, 3, 8, 0, 30),
        dt.datetime(2026, 3, 8, 23, 30),  # EDT
        dt.datetime(2026, 3, 9, 0, 15),
    ]
    zone = zoneinfo.ZoneInfo("America/New_York")
    write_rows([row(f"d{i}", t.replace(tzinfo=zone), account_id="ACME-1", user_id="U") for i, t in enumerate(at)],
               settings.CSOPS_LAKE_DIR)
    counts = query.daily_event_counts("ACME-1", 4, as_of=dt.date(2026, 3, 9))
    assert counts == [(dt.date(2026, 3, 6), 0), (dt.date(2026, 3, 7), 1), (dt.date(2026, 3, 8), 2),
                      (dt.date(2026, 3, 9), 1)]


def test_offset_segments_find_the_exact_second_clocks_change():
    zone = zoneinfo.ZoneInfo("America/New_York")
    start = dt.datetime(2026, 3, 1, tzinfo=UTC)
    segments = query._offset_segments(zone, start, dt.datetime(2026, 3, 20, tzinfo=UTC))
    assert segments == [(dt.datetime(2026, 3, 8, 7, 0, tzinfo=UTC), -5 * 3600), (None, -4 * 3600)]
    assert query._offset_segments(TOKYO, start, start + dt.timedelta(days=400)) == [(None, 9 * 3600)]


def test_anonymous_events_count_for_the_user_an_identify_linked_them_to(usage_lake):
    page = query.explore({"user_id": "U-ACME-2", "event": "pricing_viewed"}, limit=5)
    assert page["rows"], "the visitor's events before sign-up are found under the user"
    assert {(r["user_id"], r["anonymous_id"], r["account_id"]) for r in page["rows"]} == {
        ("U-ACME-2", "anon-visitor", "ACME-1")}


def test_events_without_an_account_get_the_account_of_their_users_contact(usage_lake):
    ids = {r["message_id"] for r in usage_lake if r["account_id"] is None and r["user_id"] == "U-ACME-1"}
    page = query.explore({"account_id": "ACME-1", "user_id": "U-ACME-1", "event": "login"}, limit=500)
    assert ids <= {r["message_id"] for r in page["rows"]}
    assert not query.explore({"account_id": "GLOBEX-1", "user_id": "U-ACME-1"}, limit=5)["rows"]


def test_active_users_counts_each_known_user_once(usage_lake):
    for days in (7, 30):
        first = AS_OF - dt.timedelta(days=days - 1)
        expected = {r["user_id"] for r, _ in usage_in_window(usage_lake, "ACME-1", first, AS_OF) if r["user_id"]}
        assert query.active_users("ACME-1", days, as_of=AS_OF) == len(expected)
    # U-ACME-3 is not a contact but sends with the account's groupId; anon-recipient is nobody.
    assert query.active_users("ACME-1", 90, as_of=AS_OF) == 3


def test_identify_and_group_calls_are_not_usage(settings, acme):
    at = dt.datetime(2026, 3, 31, 3, 0, tzinfo=UTC)
    write_rows([row("i", at, type="identify", event=None, user_id="U-ACME-1", account_id="ACME-1"),
                row("g", at, type="group", event=None, user_id="U-ACME-1", account_id="ACME-1")],
               settings.CSOPS_LAKE_DIR)
    assert query.active_users("ACME-1", 7, as_of=AS_OF) == 0
    assert sum(n for _, n in query.daily_event_counts("ACME-1", 7, as_of=AS_OF)) == 0
    assert query.last_seen("ACME-1") is None


def test_top_events_are_ordered_by_count_then_name(usage_lake):
    first = AS_OF - dt.timedelta(days=29)
    window = [r for r, _ in usage_in_window(usage_lake, "ACME-1", first, AS_OF) if r["event"]]
    events = Counter(r["event"] for r in window)
    users = {name: len({r["user_id"] for r in window if r["event"] == name and r["user_id"]}) for name in events}
    expected = sorted(events.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
    assert query.top_events("ACME-1", 30, 3, as_of=AS_OF) == [
        {"event": name, "events": count, "users": users[name]} for name, count in expected
    ]


def test_top_features_count_events_that_match_the_name_and_every_property(usage_lake, invoice_features):
    first = AS_OF - dt.timedelta(days=29)
    window = [r for r, _ in usage_in_window(usage_lake, "ACME-1", first, AS_OF)]

    def count(name, **props):
        return sum(1 for r in window if r["event"] == name
                   and all(json.loads(r["properties"]).get(k) == v for k, v in props.items()))

    top = query.top_features("ACME-1", 30, 10, as_of=AS_OF)
    by_key = {f["key"]: f["events"] for f in top}
    assert by_key["send"] == count("document_sent")
    assert by_key["send-invoice"] == count("document_sent", document_type="invoice")
    assert by_key["reports"] == count("report_viewed", department="経理")
    assert "never" not in by_key, "features nobody used are left out"
    assert [f["events"] for f in top] == sorted((f["events"] for f in top), reverse=True)
    assert query.top_features("ACME-1", 30, 1, as_of=AS_OF) == top[:1]


def test_feature_filters_compare_numbers_and_booleans_as_json_text(settings, acme):
    at = dt.datetime(2026, 3, 31, 3, 0, tzinfo=UTC)
    write_rows([row("a", at, account_id="ACME-1", user_id="U", properties={"pages": 2, "signed": True}),
                row("b", at, account_id="ACME-1", user_id="U", properties={"pages": 3, "signed": False})],
               settings.CSOPS_LAKE_DIR)
    features = [
        {"product": "p", "key": "two", "name": "Two pages", "event_name": "document_sent",
         "property_filter": {"pages": 2}},
        {"product": "p", "key": "signed", "name": "Signed", "event_name": "document_sent",
         "property_filter": {"signed": True}},
        {"product": "p", "key": "text", "name": "Pages as text", "event_name": "document_sent",
         "property_filter": {"pages": "3"}},
    ]
    got = {f["key"]: f["events"] for f in query.top_features("ACME-1", 1, 5, as_of=AS_OF, features=features)}
    assert got == {"two": 1, "signed": 1, "text": 1}


def test_last_seen_is_the_latest_usage_event_or_none(usage_lake):
    expected = max(r["timestamp"] for r, _ in usage_in_window(usage_lake, "ACME-1", dt.date(2000, 1, 1), AS_OF))
    assert query.last_seen("ACME-1") == expected.astimezone(UTC)
    assert query.last_seen("NOBODY") is None


def test_an_empty_lake_is_an_empty_table_with_the_lake_schema(db):
    table = query.events()
    assert list(table.schema().names) == [*[f.name for f in query.EVENT_SCHEMA], "date"]
    assert query.run(table.aggregate(n=table.count()), tag="test.count") == [{"n": 0}]
    assert query.daily_event_counts("ACME-1", 3, as_of=AS_OF) == [(AS_OF - dt.timedelta(days=2 - i), 0)
                                                                  for i in range(3)]
    assert query.explore({}, limit=10) == {"rows": [], "has_more": False, "offset": 0, "limit": 10}
    assert query.last_seen("ACME-1") is None


def test_events_can_be_cut_to_a_time_range(usage_lake):
    start = dt.datetime(2026, 3, 1, tzinfo=JST)
    end = dt.date(2026, 3, 2)  # a date: midnight in Tokyo
    t = query.events(start=start, end=end)
    rows = query.run(t.select("message_id", "timestamp"), tag="test.range")
    expected = {r["message_id"] for r in usage_lake if start <= r["timestamp"] < dt.datetime(2026, 3, 2, tzinfo=JST)}
    assert {r["message_id"] for r in rows} == expected
    assert all(r["timestamp"].tzinfo is not None for r in rows)


def test_values_are_bound_not_spliced_into_the_sql(settings, acme):
    tricky = "O'Brien\"; DROP TABLE x; --"
    write_rows([row("q", dt.datetime(2026, 3, 31, 3, tzinfo=UTC), account_id=tricky, user_id=tricky)],
               settings.CSOPS_LAKE_DIR)
    assert query.active_users(tricky, 1, as_of=AS_OF) == 1
    assert query.explore({"user_id": tricky}, limit=1)["rows"][0]["message_id"] == "q"


def test_json_text_reads_any_property_name(settings, acme):
    at = dt.datetime(2026, 3, 31, 3, 0, tzinfo=UTC)
    write_rows([row("j", at, account_id="ACME-1", user_id="U",
                    properties={"部署": "経理", "a/b": "slash", "~x": "tilde", "with space": "s"})],
               settings.CSOPS_LAKE_DIR)
    t = query.events()
    expr = t.select(*(query.json_text(t.properties, k).name(f"k{i}") for i, k in
                      enumerate(["部署", "a/b", "~x", "with space", "missing"])))
    assert query.run(expr, tag="test.json") == [{"k0": "経理", "k1": "slash", "k2": "tilde", "k3": "s", "k4": None}]


def test_the_generated_lake_has_what_the_tests_rely_on():
    rows = lake_rows()
    assert {r["type"] for r in rows} == {"track", "page", "identify"}
    assert any(r["account_id"] is None and r["anonymous_id"] for r in rows)
    assert any(r["account_id"] is None and r["user_id"] for r in rows)
    assert lake_rows() == rows, "deterministic"
