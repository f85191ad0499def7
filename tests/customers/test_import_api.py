"""``POST /api/imports/{kind}``: CS Ops and admins only; 422 with every error; 200 with the counts."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from csops.customers.models import Account
from tests.customers.import_corpus import accounts_file

URL = "/api/imports/accounts"


def post(client, headers, data: bytes, url: str = URL, **extra):
    return client.post(url, {"file": SimpleUploadedFile("crm.csv", data, content_type="text/csv")},
                       HTTP_ACCEPT_LANGUAGE="en", **headers, **extra)


def test_cs_ops_imports_a_file_and_gets_the_counts(client, carol, token_for):
    response = post(client, token_for(carol), accounts_file(3))

    assert response.status_code == 200, response.content
    assert response.json() == {"kind": "accounts", "filename": "crm.csv", "dry_run": False, "encoding": "utf-8",
                               "rows": 3, "created": 3, "updated": 0, "ignored_columns": []}
    assert Account.objects.count() == 3


def test_an_admin_may_import_too(client, dave, token_for):
    assert post(client, token_for(dave), accounts_file(1)).status_code == 200


def test_a_rejected_file_answers_422_with_every_bad_row(client, carol, token_for):
    response = post(client, token_for(carol), accounts_file(5, bad_row_at=1) + b"X,Y\r\n")

    assert response.status_code == 422
    assert response.json() == {"error": "import rejected", "detail": [
        {"row": 3, "field": "employees", "message": "must not be negative"},
        {"row": 7, "field": "", "message": "expected 8 fields as in the header, found 2"},
    ]}
    assert not Account.objects.exists()


def test_dry_run_is_a_query_parameter(client, carol, token_for):
    response = post(client, token_for(carol), accounts_file(2), url=URL + "?dry_run=true")

    assert response.status_code == 200
    assert (response.json()["dry_run"], response.json()["created"]) == (True, 2)
    assert not Account.objects.exists()


@pytest.mark.parametrize("persona", ["alice", "victor"])
def test_a_csm_and_a_viewer_get_403(client, token_for, persona, request):
    user = request.getfixturevalue(persona)

    response = post(client, token_for(user), accounts_file(1))

    assert response.status_code == 403
    assert response.json()["error"] == "only CS Ops and admins may import data"
    assert not Account.objects.exists()


def test_without_credentials_it_answers_401(client, db):
    assert post(client, {}, accounts_file(1)).status_code == 401


def test_an_unknown_kind_is_404_and_a_missing_file_422(client, carol, token_for):
    assert post(client, token_for(carol), accounts_file(1), url="/api/imports/invoices").status_code == 404
    response = client.post(URL, {}, **token_for(carol))
    assert response.status_code == 422
    assert response.json()["error"] == "invalid input"


def test_the_route_is_in_the_openapi_schema(client, carol, token_for):
    schema = client.get("/api/openapi.json", **token_for(carol)).json()

    assert "post" in schema["paths"]["/api/imports/{kind}"]
