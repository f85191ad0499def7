"""Lookups are made in bulk, one query per chunk of rows, never one per row."""

from __future__ import annotations

from csops.customers.importers.base import CHUNK_ROWS
from csops.customers.models import Account, Contact
from tests.customers.import_corpus import accounts_file, csv_bytes, do_import

ROWS = 3 * CHUNK_ROWS


def test_validating_accounts_costs_one_query_per_chunk(db, django_assert_max_num_queries):
    data = accounts_file(ROWS)

    with django_assert_max_num_queries(3 + ROWS // CHUNK_ROWS):  # users once, existing ids per chunk
        result = do_import("accounts", data, dry_run=True)

    assert result.created == ROWS


def test_writing_contacts_and_activities_does_not_query_per_row(acme, django_assert_max_num_queries):
    contacts = csv_bytes([["external_id", "account_external_id", "name"]]
                         + [[f"U-{i}", "ACME-1", f"Person {i}"] for i in range(ROWS)])
    with django_assert_max_num_queries(40):
        assert do_import("contacts", contacts).ok
    activities = csv_bytes([["external_id", "account_external_id", "kind", "occurred_at", "summary",
                             "contact_external_ids"]]
                           + [[f"A-{i}", "ACME-1", "call", "2025-06-01 10:00", "Call", f"U-{i};U-{i + 1}"]
                              for i in range(ROWS - 1)])
    with django_assert_max_num_queries(60):
        assert do_import("activities", activities).ok

    assert Contact.objects.count() == ROWS + 1
    assert Account.objects.get().activities.count() == ROWS - 1
