"""The ranking: similar requests grouped, each group weighed by the ARR of the distinct accounts asking."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from csops.feedback.ranking import is_renewal_at_risk, rank_requests
from csops.feedback.services import do_record_feedback
from csops.feedback.similarity import group_texts

pytestmark = pytest.mark.django_db


def test_a_japanese_rewording_is_grouped_and_an_unrelated_request_kept_apart():
    groups = group_texts(["請求書の一括ダウンロード", "請求書を一括でダウンロードしたい", "SSOでログインしたい"])
    assert groups == [[0, 1], [2]]


def test_english_rewordings_are_grouped_too():
    groups = group_texts(["Bulk invoice download", "Download all invoices in bulk", "Slack notifications"])
    assert groups == [[0, 1], [2]]


def test_the_ranking_sums_arr_once_per_account_asking(acme, initech, alice, bob):
    do_record_feedback(acme, kind="feature_request", title="請求書の一括ダウンロード", actor=alice)
    do_record_feedback(acme, kind="feature_request", title="請求書を一括でダウンロードしたい", actor=alice)
    do_record_feedback(initech, kind="feature_request", title="請求書を一括ダウンロードしたい", actor=bob)
    do_record_feedback(initech, kind="feature_request", title="SSOでログインしたい", actor=bob)

    groups = rank_requests(today=timezone.localdate())

    assert [(g.requests, g.accounts) for g in groups] == [(3, 2), (1, 1)]
    invoices, sso = groups
    assert invoices.arr == acme.arr + initech.arr == Decimal("8400000")
    assert sso.arr == Decimal("2400000")
    assert sso.title == "SSOでログインしたい"


def test_at_risk_arr_counts_only_accounts_renewing_within_90_days(acme, initech, alice, bob):
    acme.next_renewal_date = timezone.localdate() + dt.timedelta(days=200)
    acme.save()
    do_record_feedback(acme, kind="bug", title="CSVが文字化けする", actor=alice)
    do_record_feedback(initech, kind="bug", title="CSVエクスポートが文字化けする", actor=bob)

    (group,) = rank_requests(today=timezone.localdate())

    assert group.arr == acme.arr + initech.arr
    assert group.at_risk_arr == initech.arr  # Initech renews in 30 days, Acme in 200
    assert group.at_risk_accounts == 1


def test_renewal_risk_is_today_to_90_days_inclusive():
    today = dt.date(2026, 1, 1)
    assert is_renewal_at_risk(today, today=today)
    assert is_renewal_at_risk(today + dt.timedelta(days=90), today=today)
    assert not is_renewal_at_risk(today + dt.timedelta(days=91), today=today)
    assert not is_renewal_at_risk(today - dt.timedelta(days=1), today=today)
    assert not is_renewal_at_risk(None, today=today)


def test_use_cases_and_closed_requests_are_not_ranked(acme, alice, carol):
    do_record_feedback(acme, kind="use_case", title="経理部が請求書を毎月一括で送っている", actor=alice)
    shipped = do_record_feedback(acme, kind="feature_request", title="Slack通知", actor=alice, status="shipped")
    assert shipped.status == "shipped"
    assert rank_requests(today=timezone.localdate()) == []


def test_at_risk_order_puts_the_renewing_account_first(acme, initech, alice, bob):
    acme.next_renewal_date = timezone.localdate() + dt.timedelta(days=300)
    acme.save()
    do_record_feedback(acme, kind="feature_request", title="Salesforce連携", actor=alice)
    do_record_feedback(initech, kind="feature_request", title="SSOでログインしたい", actor=bob)
    by_arr = rank_requests(today=timezone.localdate())
    by_risk = rank_requests(today=timezone.localdate(), order="at_risk")
    assert [g.title for g in by_arr] == ["Salesforce連携", "SSOでログインしたい"]
    assert [g.title for g in by_risk] == ["SSOでログインしたい", "Salesforce連携"]


def test_the_ranking_api_and_page_show_the_groups(acme, initech, alice, bob, victor, client, token_for):
    do_record_feedback(acme, kind="feature_request", title="請求書の一括ダウンロード", actor=alice)
    do_record_feedback(initech, kind="feature_request", title="請求書を一括でダウンロードしたい", actor=bob)
    response = client.get("/api/feedback/ranking", **token_for(victor))
    assert response.status_code == 200
    (group,) = response.json()
    assert group["accounts"] == 2 and Decimal(group["arr"]) == Decimal("8400000")
    assert Decimal(group["at_risk_arr"]) >= Decimal("2400000")
    client.force_login(victor)
    page = client.get("/feedback/").content.decode()
    assert 'id="ranking"' in page and "8,400,000" in page.replace("，", ",")


def test_ranking_for_an_unknown_product_is_a_422(victor, client, token_for):
    response = client.get("/api/feedback/ranking?product=nope", **token_for(victor))
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "product"]


def test_the_ranking_page_shows_money_in_the_company_currency(acme, initech, alice, bob, victor, client, settings):
    settings.CSOPS_COMPANY_CURRENCY = "USD"
    do_record_feedback(initech, kind="feature_request", title="Invoice bulk download", actor=bob)
    client.force_login(victor)
    ranking = client.get("/feedback/").content.decode().split('id="ranking"')[1].split("</table>")[0]
    assert ranking.count("$2,400,000.00") == 2  # ARR and at-risk ARR (Initech renews within 90 days)
    assert "¥" not in ranking
