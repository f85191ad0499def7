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


def test_the_account_panel_links_to_the_list_filtered_by_that_account(some_feedback, acme, alice, client):
    client.force_login(alice)
    panel = client.get(f"/feedback/accounts/{acme.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert f'href="/feedback/?account={acme.pk}"' in panel
    page = client.get(f"/feedback/?account={acme.pk}").content.decode()
    table = page[page.index('id="feedback-table"'):]
    assert "請求書の一括ダウンロード" in table and "Login loop on Safari" not in table
    assert 'id="account-filter"' in page and "Acme" in page[page.index('id="account-filter"'):]
    assert f'<input type="hidden" name="account" value="{acme.pk}"' in page  # kept when other filters change
    assert 'href="?">All accounts</a>' in page


def test_the_export_follows_the_account_filter(some_feedback, globex, victor, client):
    client.force_login(victor)
    text = client.get(f"/feedback/export.csv?account={globex.pk}").content.decode("utf-8").lstrip("\ufeff")
    assert [r["account_external_id"] for r in csv.DictReader(io.StringIO(text))] == ["GLOBEX-1"]


def test_an_invalid_filter_is_dropped_alone(some_feedback, victor, client):
    client.force_login(victor)
    page = client.get("/feedback/?account=999999&kind=bug").content.decode()
    table = page[page.index('id="feedback-table"'):]
    assert "Login loop on Safari" in table and "請求書の一括ダウンロード" not in table


def test_the_rank_by_links_keep_the_filters(some_feedback, acme, product, victor, client):
    client.force_login(victor)
    page = client.get(f"/feedback/?kind=feature_request&product={product.pk}&account={acme.pk}&page=1").content.decode()
    assert f'href="?kind=feature_request&amp;product={product.pk}&amp;account={acme.pk}&amp;order=at_risk"' in page
    page = client.get("/feedback/?kind=bug&order=at_risk").content.decode()
    assert 'href="?kind=bug&amp;order=arr"' in page
    assert '<input type="hidden" name="order" value="at_risk"' in page  # the filter form keeps the order
