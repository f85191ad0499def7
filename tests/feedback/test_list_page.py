"""The feedback page: filters, CSV export, and the status control only for CS Ops and admins."""

from __future__ import annotations

import csv
import io

import pytest

from csops.feedback.services import do_record_feedback

pytestmark = pytest.mark.django_db


@pytest.fixture
def some_feedback(acme, globex, alice, bob, product):
    do_record_feedback(acme, kind="feature_request", title="請求書の一括ダウンロード", product=product, actor=alice)
    do_record_feedback(globex, kind="bug", title="Login loop on Safari", actor=bob)


def test_filters_narrow_the_list_by_kind(some_feedback, victor, client):
    client.force_login(victor)
    page = client.get("/feedback/?kind=bug").content.decode()
    assert "Login loop on Safari" in page
    assert 'id="feedback-table"' in page and page.count("請求書の一括ダウンロード") == 1  # only in the ranking


def test_the_export_is_a_utf8_csv_excel_opens_with_the_filters_applied(some_feedback, victor, client, product):
    client.force_login(victor)
    response = client.get(f"/feedback/export.csv?product={product.pk}")
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert [(r["account_external_id"], r["title"], r["product"]) for r in rows] == [
        ("ACME-1", "請求書の一括ダウンロード", "delivery"),
    ]


def test_the_api_lists_feedback_with_filters(some_feedback, victor, client, token_for):
    body = client.get("/api/feedback?kind=bug", **token_for(victor)).json()
    assert body["count"] == 1 and body["items"][0]["account_external_id"] == "GLOBEX-1"
