"""``csops import KIND FILE``: a one-line summary on success; every error and a non-zero exit otherwise."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from csops.audit.models import AuditEntry
from csops.customers.models import Account
from tests.customers.import_corpus import accounts_file, csv_bytes


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    with translation.override("en"):
        call_command("import", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def write(tmp_path):
    def _write(data: bytes, name: str = "accounts.csv") -> str:
        path = tmp_path / name
        path.write_bytes(data)
        return str(path)

    return _write


def test_it_imports_a_file_and_prints_a_one_line_summary(db, write):
    out, err = run("accounts", write(accounts_file(3)))

    assert out == "imported 3 accounts rows from accounts.csv: 3 created, 0 updated (utf-8)\n"
    assert err == ""
    assert Account.objects.count() == 3


def test_a_rejected_file_prints_one_line_per_error_and_exits_non_zero(db, write):
    data = accounts_file(4, bad_row_at=1) + b"ACC-9,Nine,x,y\r\n"

    with pytest.raises(CommandError) as excinfo:
        run("accounts", write(data))

    assert excinfo.value.returncode == 1
    assert "import rejected: 2 errors in accounts.csv; nothing was written" in str(excinfo.value)
    assert not Account.objects.exists()


def test_the_error_report_goes_to_stderr_in_row_and_field_form(db, write):
    err = io.StringIO()
    with translation.override("en"), pytest.raises(CommandError):
        call_command("import", "accounts", write(accounts_file(4, bad_row_at=1) + b"ACC-9,Nine\r\n"), stderr=err)

    assert err.getvalue().splitlines() == [
        "row 3, field employees: must not be negative",
        "row 6: expected 8 fields as in the header, found 2",
    ]


def test_dry_run_says_what_would_happen_and_writes_nothing(db, write):
    out, _ = run("accounts", write(accounts_file(2)), "--dry-run")

    assert out.startswith("dry run: accounts.csv is valid: 2 accounts rows, 2 would be created, 0 updated")
    assert not Account.objects.exists()


def test_the_actor_is_recorded_in_the_audit_log(db, carol, write):
    run("accounts", write(accounts_file(1)), "--actor", "Carol@example.com")

    assert AuditEntry.objects.get(action="import.accounts").actor == carol


def test_an_unknown_actor_or_a_missing_file_is_an_error(db, write):
    with pytest.raises(CommandError, match="no active user has the email nobody@example.com"):
        run("accounts", write(accounts_file(1)), "--actor", "nobody@example.com")
    with pytest.raises(CommandError, match="no such file"):
        run("accounts", "/nonexistent/file.csv")


def test_ignored_columns_are_mentioned_on_stderr(db, write):
    out, err = run("accounts", write(csv_bytes([["external_id", "name", "Colour"], ["A", "A", "blue"]])))

    assert out.startswith("imported 1 accounts rows")
    assert err == "ignored columns: Colour\n"


def test_an_unknown_kind_is_refused_by_the_argument_parser(db, write):
    with pytest.raises(CommandError, match="invalid choice"):
        run("invoices", write(b"a\r\n"))
