"""Importing contracts: product codes, money per currency, dates, and the account rollup afterwards."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from csops.customers.models import Contract, Product
from tests.customers.import_corpus import CONTRACT_HEADER, csv_bytes, do_import, errors_at, message_for


def contract(external_id: str = "C-1", account: str = "ACME-1", **overrides: str) -> list[str]:
    values = {
        "external_id": external_id, "account_external_id": account, "product": "delivery", "plan": "Pro",
        "seats": "10", "mrr": "100000", "currency": "JPY", "start_date": "2025-05-01", "renewal_date": "2026-05-01",
    }
    values.update(overrides)
    return [values[c] for c in CONTRACT_HEADER]


def test_it_creates_contracts_and_refreshes_the_account_rollup(acme):
    data = csv_bytes([CONTRACT_HEADER, contract("C-NEW", mrr="¥200,000", start_date="2025/5/1",
                                                renewal_date="2026/02/01")])

    result = do_import("contracts", data)

    assert (result.created, result.updated) == (1, 0)
    new = Contract.objects.get(external_id="C-NEW")
    assert (new.mrr, new.seats, new.start_date) == (Decimal("200000"), 10, dt.date(2025, 5, 1))
    acme.refresh_from_db()
    assert acme.arr == Decimal("8400000")  # (500,000 + 200,000) x 12
    assert acme.next_renewal_date == dt.date(2026, 2, 1)


def test_moving_a_contract_to_another_account_refreshes_both(acme, globex):
    data = csv_bytes([CONTRACT_HEADER, contract("C-ACME-1", account="GLOBEX-1", mrr="500000", renewal_date="")])

    result = do_import("contracts", data)

    assert (result.created, result.updated) == (0, 1)
    acme.refresh_from_db()
    globex.refresh_from_db()
    assert (acme.arr, acme.next_renewal_date) == (0, None)
    assert globex.arr == Decimal("6000000")


def test_it_rejects_an_unknown_product_and_lists_the_known_codes(acme):
    Product.objects.create(code="esign", name="e-Sign")
    data = csv_bytes([CONTRACT_HEADER, contract(product="fax")])

    result = do_import("contracts", data)

    assert errors_at(result) == [(2, "product")]
    assert message_for(result, 2) == "unknown product 'fax' (known codes: delivery, esign)"


def test_it_checks_money_against_the_currency(acme):
    data = csv_bytes([
        CONTRACT_HEADER,
        contract("C-1", mrr="1000.50", currency="JPY"),
        contract("C-2", mrr="-100", currency="JPY"),
        contract("C-3", mrr="99.999", currency="USD"),
        contract("C-4", mrr="99.99", currency="USD"),
        contract("C-5", mrr="100", currency="XYZ"),
        contract("C-6", mrr="1e5", currency="JPY"),
        contract("C-7", mrr="1000000000000", currency="JPY"),
    ])

    result = do_import("contracts", data)

    assert errors_at(result) == [(2, "mrr"), (3, "mrr"), (4, "mrr"), (6, "currency"), (7, "mrr"), (8, "mrr")]
    assert message_for(result, 2) == "1000.50 JPY: JPY allows 0 decimal places"
    assert message_for(result, 3) == "must not be negative"
    assert message_for(result, 4) == "99.999 USD: USD allows 2 decimal places"
    assert "is not a currency we know" in message_for(result, 6)
    assert message_for(result, 7) == "is not a number: '1e5'"
    assert message_for(result, 8) == "is too large: '1000000000000'"


def test_an_empty_currency_means_the_company_currency_on_create_and_unchanged_on_update(acme, settings):
    settings.CSOPS_COMPANY_CURRENCY = "USD"
    Contract.objects.filter(external_id="C-ACME-1").update(currency="JPY")
    data = csv_bytes([CONTRACT_HEADER, contract("C-NEW", mrr="10.50", currency=""),
                      contract("C-ACME-1", mrr="500000", currency="")])

    result = do_import("contracts", data)

    assert result.ok, result.errors
    assert Contract.objects.get(external_id="C-NEW").currency == "USD"
    assert Contract.objects.get(external_id="C-ACME-1").currency == "JPY"


def test_an_mrr_without_currency_column_is_checked_against_the_stored_currency(acme):
    data = csv_bytes([["external_id", "account_external_id", "product", "mrr", "start_date"],
                      ["C-ACME-1", "ACME-1", "delivery", "500000.5", "2025-04-01"]])

    result = do_import("contracts", data)

    assert message_for(result, 2, "mrr") == "500000.5 JPY: JPY allows 0 decimal places"


def test_it_rejects_bad_dates_and_a_renewal_before_the_start(acme):
    data = csv_bytes([
        CONTRACT_HEADER,
        contract("C-1", start_date="2025-02-30"),
        contract("C-2", start_date="01/05/2025"),
        contract("C-3", start_date="2025-05-01", renewal_date="2025-04-30"),
        contract("C-4", start_date="2025年5月1日", renewal_date="2026-05-01 00:00:00"),
    ])

    result = do_import("contracts", data)

    assert errors_at(result) == [(2, "start_date"), (3, "start_date"), (4, "renewal_date")]
    assert message_for(result, 2) == "is not a valid date: '2025-02-30'"
    assert message_for(result, 3) == "is not a date (expected YYYY-MM-DD or YYYY/MM/DD): '01/05/2025'"
    assert message_for(result, 4) == "2025-04-30 is before the start date 2025-05-01"


def test_a_contract_needs_its_account_in_the_database(acme):
    data = csv_bytes([CONTRACT_HEADER, contract("C-1", account="NOPE-1"), contract("C-2", account="NOPE-1")])

    result = do_import("contracts", data)

    assert errors_at(result) == [(2, "account_external_id"), (3, "account_external_id")]
    assert message_for(result, 2) == "no account has the external id 'NOPE-1' (import accounts first)"


def test_it_reads_contract_status_labels(acme):
    data = csv_bytes([[*CONTRACT_HEADER, "status"], [*contract("C-1"), "Activated"], [*contract("C-2"), "解約"],
                      [*contract("C-3"), "paused"]])

    result = do_import("contracts", data)

    assert errors_at(result) == [(4, "status")]
    assert do_import("contracts", data.rsplit(b"\r\nC-3", 1)[0] + b"\r\n").ok
    assert dict(Contract.objects.filter(external_id__in=["C-1", "C-2"]).values_list("external_id", "status")) == {
        "C-1": "active", "C-2": "churned"}
