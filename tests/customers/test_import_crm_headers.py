"""Salesforce, HubSpot and Japanese exports import as they are: their column names are mapped to ours."""

from __future__ import annotations

import pytest

from csops.customers.importers import columns
from csops.customers.importers.base import alias_lookup, map_header
from csops.customers.models import Account, Contact
from tests.customers.import_corpus import csv_bytes, do_import, errors_at, message_for


def test_a_salesforce_account_report_imports(db, carol):
    data = csv_bytes([
        ["Account ID", "Account Name", "Type", "Industry", "Employees", "Billing Country", "Website", "Account Owner",
         "Created Date"],
        ["0015g00000AbCdE", "Acme K.K.", "Customer", "Manufacturing", "1,200", "Japan", "acme.example", "Carol",
         "2024/01/05"],
    ])

    result = do_import("accounts", data)

    assert result.ok, result.errors
    assert result.ignored_columns == ["Type", "Created Date"]
    acme = Account.objects.get(external_id="0015g00000AbCdE")
    assert (acme.name, acme.industry, acme.employees, acme.country, acme.owner) == (
        "Acme K.K.", "Manufacturing", 1200, "JP", carol)


def test_a_salesforce_data_loader_export_with_api_names_imports(db):
    data = csv_bytes([["Id", "Name", "Industry", "NumberOfEmployees", "BillingCountry", "Website", "OwnerId"],
                      ["0015g00000AbCdE", "Acme", "Retail", "80", "US", "", "0055g000001XyZ"]])

    result = do_import("accounts", data)

    assert result.ok, result.errors
    assert result.ignored_columns == ["OwnerId"]  # a Salesforce user id, not someone we know
    assert Account.objects.get().country == "US"


def test_a_hubspot_companies_export_imports_and_ignores_its_sales_lifecycle(db, dave):
    data = csv_bytes([
        ["Record ID", "Company name", "Company Domain Name", "Industry", "Number of Employees", "Country/Region",
         "Company owner", "Lifecycle Stage", "Create Date"],
        ["9876543210", "Globex", "globex.example", "COMPUTER_SOFTWARE", "45", "United States", "dave@example.com",
         "Customer", "2024-01-05 10:00"],
    ])

    result = do_import("accounts", data)

    assert result.ok, result.errors
    globex = Account.objects.get(external_id="9876543210")
    assert (globex.name, globex.website, globex.employees, globex.country, globex.owner) == (
        "Globex", "globex.example", 45, "US", dave)
    assert globex.lifecycle_stage == "onboarding"  # "Customer" is HubSpot's funnel, not our lifecycle


def test_salesforce_and_hubspot_contact_exports_import(acme):
    salesforce = csv_bytes([
        ["Contact ID", "Account ID", "First Name", "Last Name", "Title", "Department", "Email", "Phone",
         "Email Opt Out", "Account Name"],
        ["0035g00000Q1", "ACME-1", "Taro", "Yamada", "CIO", "IT", "yamada@acme.example", "03-0000-0000", "0", "Acme"],
    ])
    hubspot = csv_bytes([
        ["Record ID", "First Name", "Last Name", "Email", "Job Title", "Phone Number", "Associated Company IDs",
         "Associated Company", "Lifecycle Stage"],
        ["51", "Jiro", "Suzuki", "suzuki@acme.example", "Manager", "", "ACME-1", "Acme", "customer"],
    ])

    assert do_import("contacts", salesforce).ok
    assert do_import("contacts", hubspot).ok

    yamada = Contact.objects.get(external_id="0035g00000Q1")
    assert (yamada.name, yamada.title, yamada.department, yamada.phone, yamada.unsubscribed) == (
        "Taro Yamada", "CIO", "IT", "03-0000-0000", False)
    assert Contact.objects.get(external_id="51").title == "Manager"


def test_a_hubspot_contact_associated_with_several_companies_is_refused(acme, globex):
    data = csv_bytes([["Record ID", "First Name", "Associated Company IDs"], ["51", "Jiro", "ACME-1;GLOBEX-1"]])

    result = do_import("contacts", data)

    assert errors_at(result) == [(2, "Associated Company IDs")]
    assert "names several accounts" in message_for(result, 2)


def test_a_japanese_salesforce_export_in_shift_jis_imports(db, carol):
    data = csv_bytes([
        ["取引先 ID", "取引先名", "業種", "従業員数", "請求先国", "Web サイト", "取引先 所有者"],
        ["0015g00000JP", "株式会社日本サンプル", "製造", "３００", "日本", "https://sample.example.jp",
         "carol@example.com"],
    ], encoding="cp932")

    result = do_import("accounts", data)

    assert result.ok, result.errors
    sample = Account.objects.get(external_id="0015g00000JP")
    assert (sample.name, sample.employees, sample.country, sample.owner) == ("株式会社日本サンプル", 300, "JP", carol)


def test_errors_name_the_column_as_the_file_does(db):
    data = csv_bytes([["Account ID", "Account Name", "NumberOfEmployees"], ["A", "A", "many"]])

    result = do_import("accounts", data)

    assert errors_at(result) == [(2, "NumberOfEmployees")]


@pytest.mark.parametrize("header", ["external_id", "External ID", "EXTERNAL-ID", " external id ",
                                    "ｅｘｔｅｒｎａｌ＿ｉｄ"])
def test_header_matching_ignores_case_spaces_punctuation_and_width(header):
    assert [c.field for c in map_header("accounts", [header]).columns] == ["external_id"]


def test_when_two_columns_mean_one_field_the_earlier_alias_wins_and_the_other_is_ignored():
    header = map_header("accounts", ["NumberOfEmployees", "Id", "Account ID", "Employees"])

    # Our own name ("employees") comes before every alias; "Account ID" is listed before "Id".
    assert {c.field: c.label for c in header.columns} == {"external_id": "Account ID", "employees": "Employees"}
    assert sorted(header.ignored) == ["Id", "NumberOfEmployees"]


@pytest.mark.parametrize("kind", sorted(columns.ALIASES))
def test_no_header_means_two_fields_and_required_fields_exist(kind):
    lookup = alias_lookup(kind)  # raises when one header would mean two fields

    assert lookup
    assert set(columns.REQUIRED[kind]) <= set(columns.ALIASES[kind])
