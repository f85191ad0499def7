"""Importing activities: inserted without an external id, upserted with one, times in the company's timezone."""

from __future__ import annotations

import datetime as dt

from csops.customers.models import Activity, Contact
from tests.customers.import_corpus import ACTIVITY_HEADER, csv_bytes, do_import, errors_at, message_for

HEADER = [*ACTIVITY_HEADER, "body", "contact_external_ids"]
UTC = dt.UTC


def activity(external_id: str = "", **overrides: str) -> list[str]:
    values = {"external_id": external_id, "account_external_id": "ACME-1", "kind": "meeting",
              "occurred_at": "2025-06-02 10:00", "summary": "Kick-off", "author_email": "", "body": "",
              "contact_external_ids": ""}
    values.update(overrides)
    return [values[c] for c in HEADER]


def test_activities_without_an_external_id_are_inserted_every_time(acme):
    data = csv_bytes([HEADER, activity(), activity(summary="QBR")])

    assert do_import("activities", data).created == 2
    assert do_import("activities", data).created == 2

    assert Activity.objects.filter(account=acme).count() == 4


def test_activities_with_an_external_id_are_upserted_and_their_contacts_replaced(acme):
    other = Contact.objects.create(account=acme, external_id="U-2", name="Other")
    first = csv_bytes([HEADER, activity("A-1", contact_external_ids="U-ACME-1;U-2")])
    second = csv_bytes([HEADER, activity("A-1", summary="Kick-off (moved)", contact_external_ids="U-2")])

    assert do_import("activities", first).created == 1
    result = do_import("activities", second)

    assert (result.created, result.updated) == (0, 1)
    meeting = Activity.objects.get(external_id="A-1")
    assert meeting.summary == "Kick-off (moved)"
    assert list(meeting.contacts.all()) == [other]


def test_naive_times_are_in_the_company_timezone_and_offsets_are_kept(acme, settings):
    settings.TIME_ZONE = "Asia/Tokyo"
    data = csv_bytes([HEADER, activity("A-1", occurred_at="2025/6/2 9:05"),
                      activity("A-2", occurred_at="2025-06-02T09:05:00+00:00"),
                      activity("A-3", occurred_at="2025-06-02T09:05:00Z"),
                      activity("A-4", occurred_at="2025-06-02")])

    assert do_import("activities", data).ok

    got = dict(Activity.objects.values_list("external_id", "occurred_at"))
    assert got["A-1"] == dt.datetime(2025, 6, 2, 0, 5, tzinfo=UTC)
    assert got["A-2"] == got["A-3"] == dt.datetime(2025, 6, 2, 9, 5, tzinfo=UTC)
    assert got["A-4"] == dt.datetime(2025, 6, 1, 15, 0, tzinfo=UTC)


def test_it_rejects_bad_times_unknown_kinds_authors_and_contacts(acme, carol):
    data = csv_bytes([HEADER,
                      activity(occurred_at="next tuesday"),
                      activity(occurred_at="2025/13/01 10:00"),
                      activity(kind="lunch"),
                      activity(author_email="ghost@example.com"),
                      activity(contact_external_ids="U-ACME-1;U-GONE;U-LOST"),
                      activity(summary=""),
                      activity(kind="電話", author_email="Carol")])

    result = do_import("activities", data)

    assert errors_at(result) == [(2, "occurred_at"), (3, "occurred_at"), (4, "kind"), (5, "author_email"),
                                 (6, "contact_external_ids"), (7, "summary")]
    assert message_for(result, 2).startswith("is not a date and time (expected ISO 8601")
    assert message_for(result, 3) == "is not a valid date and time: '2025/13/01 10:00'"
    assert message_for(result, 6) == "no contact has the external id 'U-GONE', 'U-LOST'"
    assert message_for(result, 7) == "is required"
    assert not Activity.objects.exists()


def test_an_activity_names_only_contacts_of_its_own_account(acme, globex):
    Contact.objects.create(account=globex, external_id="U-GLOBEX-1", name="Stranger")
    data = csv_bytes([HEADER, activity(contact_external_ids="U-ACME-1;U-GLOBEX-1")])

    result = do_import("activities", data)

    assert errors_at(result) == [(2, "contact_external_ids")]
    assert message_for(result, 2) == "contact 'U-GLOBEX-1' belongs to another account"


def test_it_links_the_author_and_the_japanese_kind_labels(acme, carol):
    data = csv_bytes([HEADER, activity(kind="電話", author_email="carol@example.com", body="話した内容")])

    assert do_import("activities", data).ok

    call = Activity.objects.get()
    assert (call.kind, call.author, call.body) == ("call", carol, "話した内容")
