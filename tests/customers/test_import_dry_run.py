"""A dry run validates the whole file and says what would happen, writing nothing."""

from __future__ import annotations

from csops.audit.models import AuditEntry
from csops.customers.models import Account
from tests.customers.import_corpus import accounts_file, csv_bytes, do_import


def test_a_dry_run_reports_what_would_be_created_and_updated_and_writes_nothing(acme):
    data = accounts_file(3) + csv_bytes([["ACME-1", "Acme renamed", "", "", "", "", "", ""]])

    result = do_import("accounts", data, dry_run=True)

    assert result.ok
    assert (result.dry_run, result.written, result.rows, result.created, result.updated) == (True, False, 4, 3, 1)
    assert list(Account.objects.values_list("name", flat=True)) == ["Acme"]
    assert not AuditEntry.objects.exists()


def test_a_dry_run_reports_every_error_too(db):
    result = do_import("accounts", accounts_file(5, bad_row_at=1), dry_run=True)

    assert [e["row"] for e in result.errors] == [3]
