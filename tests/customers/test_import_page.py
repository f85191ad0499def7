"""The import page at /import/: CS Ops and admins upload a file and see the counts or the full error table."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from csops.customers.models import Account
from tests.customers.import_corpus import accounts_file

URL = "/import/"


@pytest.fixture
def ops(client_as, carol):
    carol.language = "en"
    carol.save()
    return client_as(carol)


def upload(client, data: bytes, kind: str = "accounts", dry_run: bool = False):
    form = {"kind": kind, "file": SimpleUploadedFile("crm.csv", data, content_type="text/csv")}
    if dry_run:
        form["dry_run"] = "on"
    return client.post(URL, form)


def test_the_page_is_named_for_the_navigation():
    assert reverse("account-import") == URL


def test_cs_ops_sees_the_form_and_the_column_reference(ops):
    response = ops.get(URL)

    assert response.status_code == 200
    content = response.content.decode()
    assert 'enctype="multipart/form-data"' in content
    assert "Account Name" in content  # a Salesforce alias in the column reference


def test_uploading_a_valid_file_imports_it_and_shows_the_counts(ops):
    response = upload(ops, accounts_file(3))

    assert response.status_code == 200
    assert "Imported 3 rows of Accounts from crm.csv: 3 created, 0 updated." in response.content.decode()
    assert Account.objects.count() == 3


def test_a_dry_run_writes_nothing(ops):
    response = upload(ops, accounts_file(3), dry_run=True)

    assert response.status_code == 200
    assert "3 would be created" in response.content.decode()
    assert not Account.objects.exists()


def test_a_rejected_file_shows_every_error_in_a_table(ops):
    response = upload(ops, accounts_file(5, bad_row_at=1) + b"X,Y\r\n")

    assert response.status_code == 422
    content = response.content.decode()
    assert "crm.csv was rejected: 2 errors. Nothing was written." in content
    assert response.context["errors_shown"] == [
        {"row": 3, "field": "employees", "message": "must not be negative"},
        {"row": 7, "field": "", "message": "expected 8 fields as in the header, found 2"},
    ]
    assert "must not be negative" in content
    assert not Account.objects.exists()


def test_a_form_without_a_file_is_redisplayed(ops):
    response = ops.post(URL, {"kind": "accounts"})

    assert response.status_code == 400
    assert not Account.objects.exists()


def test_an_empty_template_can_be_downloaded(ops):
    response = ops.get(reverse("account-import-template", args=["contracts"]))

    assert response.status_code == 200
    assert response.content.decode("utf-8-sig").startswith("external_id,account_external_id,product,")
    assert ops.get("/import/template/invoices.csv").status_code == 404


@pytest.mark.parametrize("persona", ["alice", "victor"])
def test_a_csm_and_a_viewer_get_403(client_as, persona, request):
    client = client_as(request.getfixturevalue(persona))

    assert client.get(URL).status_code == 403
    assert upload(client, accounts_file(1)).status_code == 403
    assert client.get(reverse("account-import-template", args=["accounts"])).status_code == 403
    assert not Account.objects.exists()


def test_anonymous_visitors_are_sent_to_the_login_page(client, db):
    response = client.get(URL)

    assert response.status_code == 302
    assert "/login/" in response["Location"]
