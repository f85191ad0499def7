"""One bad row rejects the whole file, the report names every bad row, and the database is left as it was."""

from __future__ import annotations

import pytest
from django.db import IntegrityError

from csops.audit.models import AuditEntry
from csops.customers.importers import contracts as contract_importer
from csops.customers.models import Account, Contract
from tests.customers.import_corpus import CONTRACT_HEADER, accounts_file, csv_bytes, do_import, errors_at


def test_it_rejects_the_whole_file_when_one_row_is_bad(acme):
    data = accounts_file(50, bad_row_at=30)

    result = do_import("accounts", data)

    assert not result.ok
    assert errors_at(result) == [(32, "employees")]  # header is row 1, so the 31st data row is row 32
    assert (result.created, result.updated) == (0, 0)
    assert list(Account.objects.values_list("external_id", flat=True)) == ["ACME-1"]


def test_the_report_names_every_bad_row_and_field_in_file_order(acme):
    data = csv_bytes([
        ["external_id", "name", "employees", "segment"],
        ["A-1", "", "ten", "smb"],
        ["A-2", "Fine", "10", "smb"],
        ["A-3", "Bad segment", "10", "tiny"],
        ["A-1", "Duplicate", "-5", "smb"],
    ])

    result = do_import("accounts", data)

    assert [(e["row"], e["field"], e["message"]) for e in result.errors] == [
        (2, "name", "is required"),
        (2, "employees", "is not a number: 'ten'"),
        (4, "segment", "'tiny' is not one of enterprise, mid_market, smb"),
        (5, "external_id", "external id 'A-1' is already on row 2"),
        (5, "employees", "must not be negative"),
    ]
    assert not Account.objects.exclude(pk=acme.pk).exists()


def test_a_failure_while_writing_rolls_back_every_row(acme, monkeypatch):
    def explode(account_ids):
        raise IntegrityError("simulated failure after the contracts were written")

    monkeypatch.setattr(contract_importer, "refresh_account_rollup", explode)
    data = csv_bytes([CONTRACT_HEADER, ["C-NEW", "ACME-1", "delivery", "Pro", "1", "1000", "JPY", "2025-05-01", ""],
                      ["C-ACME-1", "ACME-1", "delivery", "Pro", "1", "1", "JPY", "2025-05-01", ""]])

    result = do_import("contracts", data)

    assert errors_at(result) == [(0, "")]
    assert "nothing was written" in result.errors[0]["message"]
    assert not Contract.objects.filter(external_id="C-NEW").exists()
    assert Contract.objects.get(external_id="C-ACME-1").mrr == 500000
    assert not AuditEntry.objects.filter(action="import.contracts").exists()


def test_importing_the_same_file_twice_changes_nothing_the_second_time(db):
    data = accounts_file(20)

    first = do_import("accounts", data)
    before = list(Account.objects.order_by("external_id").values("external_id", "name", "employees", "segment"))
    second = do_import("accounts", data)

    assert (first.created, first.updated, second.created, second.updated) == (20, 0, 0, 20)
    assert list(Account.objects.order_by("external_id").values("external_id", "name", "employees", "segment")) == before


@pytest.mark.parametrize("kind", ["accounts", "contracts", "contacts", "activities"])
def test_an_unknown_kind_is_a_programming_error(db, kind):
    with pytest.raises(ValueError, match="unknown import kind"):
        do_import(kind + "x", b"")
