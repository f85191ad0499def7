"""100,000-row files: they import, and one bad row at the very end still leaves the database unchanged."""

from __future__ import annotations

from csops.audit.models import AuditEntry
from csops.customers.models import Account
from tests.customers.import_corpus import big_accounts_file, do_import, errors_at

ROWS = 100_000


def test_a_100k_row_file_imports(db):
    result = do_import("accounts", big_accounts_file(ROWS))

    assert result.ok, result.errors[:3]
    assert (result.rows, result.created, result.updated) == (ROWS, ROWS, 0)
    assert Account.objects.count() == ROWS
    last = Account.objects.get(external_id=f"ACC-{ROWS - 1:06d}")
    assert (last.name, last.employees) == (f"Account {ROWS - 1}", 10 + (ROWS - 1) % 5000)


def test_a_100k_row_file_with_one_bad_row_at_the_end_leaves_the_database_unchanged(acme):
    result = do_import("accounts", big_accounts_file(ROWS, bad_last_row=True))

    assert errors_at(result) == [(ROWS + 1, "employees")]
    assert list(Account.objects.values_list("external_id", flat=True)) == ["ACME-1"]
    assert not AuditEntry.objects.filter(action="import.accounts").exists()
