"""Every import that writes leaves one audit row: who, what kind, which file, how many."""

from __future__ import annotations

from csops.audit.models import AuditEntry
from tests.customers.import_corpus import accounts_file, do_import


def test_an_import_writes_one_audit_row_with_counts_and_file_name(acme, carol):
    do_import("accounts", accounts_file(3), actor=carol, filename="crm-export.csv")

    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.action) == (carol, "import.accounts")
    assert entry.changes == {"file": "crm-export.csv", "rows": 3, "created": 3, "updated": 0, "encoding": "utf-8"}


def test_an_import_without_an_actor_is_still_audited(db):
    do_import("accounts", accounts_file(1))

    assert AuditEntry.objects.get().actor is None


def test_rejected_imports_and_dry_runs_leave_no_audit_row(db, carol):
    do_import("accounts", accounts_file(3, bad_row_at=0), actor=carol)
    do_import("accounts", accounts_file(3), actor=carol, dry_run=True)

    assert not AuditEntry.objects.exists()
