"""Files that are not a usable CSV: empty, header only, ragged rows, broken quotes, missing columns, duplicates."""

from __future__ import annotations

from csops.customers.models import Account
from tests.customers.import_corpus import ACCOUNT_HEADER, account_row, csv_bytes, do_import, errors_at, message_for


def test_an_empty_file_is_rejected(db):
    for data in (b"", b"\xef\xbb\xbf", b"\r\n\r\n"):
        result = do_import("accounts", data)
        assert errors_at(result) == [(1, "")], data
    assert message_for(do_import("accounts", b""), 1) == "the file is empty"
    assert message_for(do_import("accounts", b"\r\n"), 1) == (
        "the first row must be the header (column names); it is empty")


def test_a_header_only_file_is_rejected(db):
    result = do_import("accounts", b"external_id,name\r\n")

    assert errors_at(result) == [(1, "")]
    assert message_for(result, 1) == "the file has a header but no data rows"


def test_a_file_of_blank_rows_after_the_header_counts_as_header_only(db):
    result = do_import("accounts", b"external_id,name\r\n,\r\n\r\n,\r\n")

    assert message_for(result, 1) == "the file has a header but no data rows"


def test_blank_rows_are_skipped_but_still_counted_in_row_numbers(db):
    data = b"external_id,name,employees\r\nA,A,1\r\n,,\r\n\r\nB,B,x\r\n"

    result = do_import("accounts", data)

    assert errors_at(result) == [(5, "employees")]


def test_rows_with_the_wrong_number_of_fields_are_named(db):
    data = b"external_id,name,employees\r\nA,A,1\r\nB,B\r\nC,C,1,extra\r\n"

    result = do_import("accounts", data)

    assert errors_at(result) == [(3, ""), (4, "")]
    assert message_for(result, 3) == "expected 3 fields as in the header, found 2"
    assert message_for(result, 4) == "expected 3 fields as in the header, found 4"


def test_an_unterminated_quote_is_reported_at_the_row_where_it_starts(db):
    data = b'external_id,name\r\nA,A\r\nB,"Broken\r\nC,C\r\nD,D\r\n'

    result = do_import("accounts", data)

    assert errors_at(result) == [(3, "")]
    assert message_for(result, 3) == "malformed CSV: a quoted field that starts on this row is never closed"
    assert not Account.objects.exists()


def test_a_stray_quote_is_reported_and_the_other_rows_are_still_checked(db):
    data = b'external_id,name,employees\r\nA,"Acme" Inc,1\r\nB,B,x\r\n'

    result = do_import("accounts", data)

    assert errors_at(result) == [(2, ""), (3, "employees")]
    assert "closing quote must be followed by a comma" in message_for(result, 2)


def test_a_quoted_line_break_stays_in_its_row_as_a_spreadsheet_shows_it(db):
    data = csv_bytes([["external_id", "name", "employees"], ["A", "Line one\nline two", "1"], ["B", "B", "bad"]])

    result = do_import("accounts", data)

    assert errors_at(result) == [(3, "employees")]


def test_missing_required_columns_are_named_before_any_row_is_read(db):
    data = csv_bytes([["name", "industry"], ["A", "x"]])

    result = do_import("accounts", data)

    assert errors_at(result) == [(1, "external_id")]
    assert message_for(result, 1).startswith("required column is missing (accepted headers include: external_id, ")


def test_duplicate_external_ids_in_one_file_are_rejected(db):
    data = csv_bytes([ACCOUNT_HEADER, account_row(1), account_row(2), account_row(1), account_row(1)])

    result = do_import("accounts", data)

    assert errors_at(result) == [(4, "external_id"), (5, "external_id")]
    assert message_for(result, 5) == "external id 'ACC-000001' is already on row 2"


def test_a_tab_separated_file_is_read_too(db):
    data = b"external_id\tname\temployees\r\nA\tAcme, Inc.\t12\r\n"

    assert do_import("accounts", data).ok

    assert Account.objects.get().name == "Acme, Inc."


def test_unknown_columns_are_ignored_and_reported(db):
    data = csv_bytes([["external_id", "name", "Favourite colour", "Created Date"], ["A", "A", "blue", "2025-01-01"]])

    result = do_import("accounts", data)

    assert result.ok
    assert result.ignored_columns == ["Favourite colour", "Created Date"]


def test_traits_columns_are_ignored_for_kinds_without_traits(acme):
    data = csv_bytes([["external_id", "account_external_id", "kind", "occurred_at", "summary", "traits.mood"],
                      ["A-1", "ACME-1", "call", "2025-06-01 10:00", "Call", "happy"]])

    result = do_import("activities", data)

    assert result.ok
    assert result.ignored_columns == ["traits.mood"]
