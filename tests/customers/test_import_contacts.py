"""Importing contacts: names from parts, roles in English or Japanese, yes/no columns, emails."""

from __future__ import annotations

from csops.customers.models import Contact
from tests.customers.import_corpus import csv_bytes, do_import, errors_at, message_for

HEADER = ["external_id", "account_external_id", "first_name", "last_name", "email", "role", "unsubscribed",
          "is_active"]


def test_it_builds_the_name_from_first_and_last_name_in_western_order(acme):
    data = csv_bytes([HEADER, ["U-1", "ACME-1", "John", "Smith", "john@acme.example", "decision_maker", "no", "yes"]])

    result = do_import("contacts", data)

    assert (result.created, result.updated) == (1, 0)
    john = Contact.objects.get(external_id="U-1")
    assert (john.name, john.account, john.role, john.unsubscribed, john.is_active) == (
        "John Smith", acme, "decision_maker", False, True)


def test_japanese_names_put_the_family_name_first(acme):
    data = csv_bytes([HEADER, ["U-1", "ACME-1", "花子", "佐藤", "", "推進者", "", ""],
                      ["U-2", "ACME-1", "", "鈴木", "", "", "", ""]])

    assert do_import("contacts", data).ok

    assert Contact.objects.get(external_id="U-1").name == "佐藤 花子"
    assert Contact.objects.get(external_id="U-2").name == "鈴木"


def test_a_name_column_wins_over_the_parts(acme):
    data = csv_bytes([["external_id", "account_external_id", "name", "first_name", "last_name"],
                      ["U-1", "ACME-1", "Dr. Hanako Sato", "Hanako", "Sato"]])

    assert do_import("contacts", data).ok

    assert Contact.objects.get(external_id="U-1").name == "Dr. Hanako Sato"


def test_it_accepts_japanese_role_labels(acme):
    rows = [[f"R-{i}", "ACME-1", "N", str(i), "", label, "", ""]
            for i, label in enumerate(["決裁者", "推進者", "運用担当者", "利用者", "Decision maker"])]

    assert do_import("contacts", csv_bytes([HEADER, *rows])).ok

    roles = list(Contact.objects.filter(external_id__startswith="R-").order_by("external_id").values_list("role",
                                                                                                       flat=True))
    assert roles == ["decision_maker", "promoter", "operator", "user", "decision_maker"]


def test_yes_no_columns_accept_spreadsheet_spellings(acme):
    rows = [[f"R-{i}", "ACME-1", "N", str(i), "", "", value, ""]
            for i, value in enumerate(["TRUE", "1", "はい", "○", "False", "0", "×", "maybe"])]

    result = do_import("contacts", csv_bytes([HEADER, *rows]))

    assert errors_at(result) == [(9, "unsubscribed")]
    assert message_for(result, 9) == "is not yes/no (use true or false): 'maybe'"


def test_it_updates_a_contact_and_keeps_fields_the_file_leaves_empty(acme):
    data = csv_bytes([HEADER, ["U-ACME-1", "ACME-1", "Hanako", "Sato", "hanako@acme.example", "", "", "false"]])

    result = do_import("contacts", data)

    assert (result.created, result.updated) == (0, 1)
    sato = Contact.objects.get(external_id="U-ACME-1")
    assert (sato.name, sato.email, sato.role, sato.is_active) == ("Hanako Sato", "hanako@acme.example", "promoter",
                                                                   False)


def test_it_rejects_a_bad_email_a_missing_name_and_an_unknown_role(acme):
    data = csv_bytes([HEADER, ["U-1", "ACME-1", "A", "B", "not-an-email", "", "", ""],
                      ["U-2", "ACME-1", "", "", "", "", "", ""],
                      ["U-3", "ACME-1", "C", "D", "", "boss", "", ""]])

    result = do_import("contacts", data)

    assert errors_at(result) == [(2, "email"), (3, "last_name"), (4, "role")]
    assert message_for(result, 2) == "is not an email address: 'not-an-email'"
    assert message_for(result, 3) == "is required (give name, or first_name and last_name)"
    assert message_for(result, 4) == "'boss' is not one of decision_maker, promoter, operator, user"


def test_a_contact_needs_its_account_in_the_database(acme):
    data = csv_bytes([HEADER, ["U-1", "GHOST", "A", "B", "", "", "", ""]])

    result = do_import("contacts", data)

    assert errors_at(result) == [(2, "account_external_id")]
    assert not Contact.objects.filter(external_id="U-1").exists()


def test_a_contact_file_needs_a_name_or_its_parts(acme):
    data = csv_bytes([["external_id", "account_external_id", "email"], ["U-1", "ACME-1", "a@b.example"]])

    result = do_import("contacts", data)

    assert errors_at(result) == [(1, "name")]
