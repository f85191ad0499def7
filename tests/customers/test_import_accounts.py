"""Importing accounts: created and updated by external id, with owners, enums, countries and traits."""

from __future__ import annotations

from csops.customers.models import Account
from tests.customers.import_corpus import ACCOUNT_HEADER, account_row, csv_bytes, do_import, errors_at, message_for


def test_it_creates_accounts_from_our_own_columns(db, carol):
    data = csv_bytes([
        [*ACCOUNT_HEADER, "lifecycle_stage"],
        [*account_row(1, owner_email="carol@example.com", segment="enterprise", employees="1,200"), "adoption"],
        [*account_row(2, country="", website="", employees=""), ""],
    ])

    result = do_import("accounts", data, actor=carol)

    assert result.ok, result.errors
    assert (result.rows, result.created, result.updated) == (2, 2, 0)
    first = Account.objects.get(external_id="ACC-000001")
    assert (first.name, first.owner, first.segment, first.employees) == ("Account 1", carol, "enterprise", 1200)
    assert (first.lifecycle_stage, first.country, first.website) == ("adoption", "JP", "https://a1.example")
    second = Account.objects.get(external_id="ACC-000002")
    # An empty cell clears a field that may be blank; an empty stage takes the model's default.
    assert (second.country, second.website, second.employees, second.owner) == ("", "", None, None)
    assert second.lifecycle_stage == "onboarding"


def test_it_updates_accounts_that_already_exist_by_external_id(acme, globex):
    data = csv_bytes([["external_id", "name", "industry"], ["ACME-1", "Acme Japan", "Retail"], ["NEW-1", "New", ""]])

    result = do_import("accounts", data)

    assert (result.created, result.updated) == (1, 1)
    acme.refresh_from_db()
    assert (acme.name, acme.industry) == ("Acme Japan", "Retail")
    assert Account.objects.count() == 3


def test_it_leaves_fields_without_a_column_untouched(acme, alice):
    data = csv_bytes([["external_id", "name"], ["ACME-1", "Acme Renamed"]])

    assert do_import("accounts", data).ok

    acme.refresh_from_db()
    assert (acme.name, acme.owner, acme.segment, acme.arr) == ("Acme Renamed", alice, "enterprise", 6000000)


def test_it_merges_traits_columns_into_the_json_traits(acme):
    Account.objects.filter(pk=acme.pk).update(traits={"keep": "me", "region": "old", "drop": "x"})
    data = csv_bytes([["external_id", "name", "traits.region", "Traits.plan_tier", "traits.drop"],
                      ["ACME-1", "Acme", "関東", "gold", ""]])

    assert do_import("accounts", data).ok

    acme.refresh_from_db()
    # Non-empty cells set a trait, an empty cell removes it, traits without a column stay.
    assert acme.traits == {"keep": "me", "region": "関東", "plan_tier": "gold"}


def test_it_finds_the_owner_by_email_in_any_case_or_by_name(db, carol, dave):
    data = csv_bytes([["external_id", "name", "owner_email"], ["A", "A", "CAROL@example.com"], ["B", "B", "dave"]])

    assert do_import("accounts", data).ok

    assert Account.objects.get(external_id="A").owner == carol
    assert Account.objects.get(external_id="B").owner == dave


def test_it_rejects_an_owner_who_is_not_an_active_user(db, victor):
    victor.is_active = False
    victor.save()
    data = csv_bytes([["external_id", "name", "owner_email"],
                      ["A", "A", "nobody@example.com"], ["B", "B", "victor@example.com"], ["C", "C", "Nobody Here"]])

    result = do_import("accounts", data)

    assert errors_at(result) == [(2, "owner_email"), (3, "owner_email"), (4, "owner_email")]
    assert "no active user has the email 'nobody@example.com'" in message_for(result, 2)
    assert "no active user is named 'Nobody Here'" in message_for(result, 4)
    assert not Account.objects.exists()


def test_it_accepts_enum_labels_in_english_and_japanese(db):
    data = csv_bytes([["external_id", "name", "segment", "lifecycle_stage"],
                      ["A", "A", "Mid-market", "Adoption"], ["B", "B", "中小企業", "解約"],
                      ["C", "C", "SMB", "RENEWAL"]])

    assert do_import("accounts", data).ok

    got = dict(Account.objects.values_list("external_id", "segment"))
    assert got == {"A": "mid_market", "B": "smb", "C": "smb"}
    assert Account.objects.get(external_id="B").lifecycle_stage == "churned"


def test_it_rejects_an_unknown_segment_naming_the_allowed_values(db):
    data = csv_bytes([["external_id", "name", "segment"], ["A", "A", "huge"]])

    result = do_import("accounts", data)

    assert errors_at(result) == [(2, "segment")]
    assert message_for(result, 2) == "'huge' is not one of enterprise, mid_market, smb"


def test_it_turns_country_names_into_iso_codes(db):
    data = csv_bytes([["external_id", "name", "country"],
                      ["A", "A", "Japan"], ["B", "B", "日本"], ["C", "C", "us"], ["D", "D", "United Kingdom"],
                      ["E", "E", "Atlantis"]])

    result = do_import("accounts", data)

    assert errors_at(result) == [(6, "country")]
    assert "use a two-letter ISO code" in message_for(result, 6)
    result = do_import("accounts", data.rsplit(b"E,E", 1)[0])
    assert result.ok
    assert dict(Account.objects.values_list("external_id", "country")) == {"A": "JP", "B": "JP", "C": "US", "D": "GB"}


def test_it_reads_full_width_digits_and_thousands_separators_but_not_decimals(db):
    data = csv_bytes([["external_id", "name", "employees"],
                      ["A", "A", "１，２００"], ["B", "B", "3,000,000"], ["C", "C", "12.5"], ["D", "D", "1.200,5"]])

    result = do_import("accounts", data)

    assert errors_at(result) == [(4, "employees"), (5, "employees")]
    assert message_for(result, 4) == "must be a whole number, got '12.5'"
    assert message_for(result, 5) == "is not a number: '1.200,5'"


def test_it_rejects_text_longer_than_the_column(db):
    data = csv_bytes([["external_id", "name"], ["A", "x" * 256]])

    result = do_import("accounts", data)

    assert message_for(result, 2, "name") == "is too long: 256 characters, at most 255"


def test_it_warns_about_ids_that_excel_turned_into_scientific_notation(db):
    data = csv_bytes([["external_id", "name"], ["1.23457E+11", "A"]])

    result = do_import("accounts", data)

    assert "scientific notation" in message_for(result, 2, "external_id")
