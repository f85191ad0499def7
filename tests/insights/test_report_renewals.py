"""The upcoming renewals: each with its outcome probabilities and expected ARR, on the page and from the API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from csops.audit.services import record
from csops.customers.models import Account, Contract

TODAY = dt.date(2026, 11, 1)


def _contract(product, name: str, *, owner=None, renewal: dt.date | None, mrr: int = 100000,
              churned_on: dt.date | None = None) -> Contract:
    account = Account.objects.create(external_id=name.upper(), name=name, segment="smb", owner=owner)
    return Contract.objects.create(
        external_id=f"C-{name.upper()}", account=account, product=product, mrr=Decimal(mrr),
        start_date=dt.date(2025, 6, 1), renewal_date=renewal, end_date=churned_on,
        status="churned" if churned_on else "active")


@pytest.fixture
def book(product, alice):
    """No renewal records: one contract in four ended, so each renewal is 75 % renewed, 25 % churned."""
    soon = _contract(product, "Soon Co", owner=alice, renewal=TODAY + dt.timedelta(days=30))
    later = _contract(product, "Later Co", renewal=TODAY + dt.timedelta(days=120), mrr=50000)
    _contract(product, "Far Co", renewal=dt.date(2027, 8, 1))
    _contract(product, "Gone Co", renewal=None, churned_on=dt.date(2026, 6, 1))
    record(None, "demo.loaded", None, {"today": TODAY.isoformat()})
    return soon, later


def test_the_page_lists_the_renewals_of_the_next_90_days_with_their_probabilities(client_as, victor, book):
    soon, later = book
    text = client_as(victor).get(reverse("insights-report")).content.decode()
    assert "Renewals in the next 90 days" in text
    table = text.split('data-table="renewals"')[1].split("</table>")[0]
    assert reverse("account-detail", args=[soon.account_id]) in table and "Soon Co" in table and "Alice" in table
    assert "2026-12-01" in table and "¥1,200,000" in table
    assert "75.0%" in table and "25.0%" in table  # renewed, churned
    assert "¥900,000" in table  # expected ARR: 1.2M x 75 %
    assert "Later Co" not in table


def test_180_days_adds_the_later_renewal_after_the_sooner(client_as, alice, book):
    text = client_as(alice).get(reverse("insights-report"), {"renewals": "180"}).content.decode()
    table = text.split('data-table="renewals"')[1].split("</table>")[0]
    assert table.index("Soon Co") < table.index("Later Co") and "Far Co" not in table


def test_every_signed_in_role_reads_the_renewals(client_as, alice, bob, carol, dave, victor, book):
    for user in (alice, bob, carol, dave, victor):
        response = client_as(user).get(reverse("insights-report"))
        assert response.status_code == 200 and "Soon Co" in response.content.decode()


def test_the_api_returns_the_renewals_soonest_first(client, victor, token_for, book):
    soon, later = book
    body = client.get("/api/insights/forecast", **token_for(victor)).json()
    assert [r["account_name"] for r in body["renewals"]] == ["Soon Co", "Later Co"]
    first = body["renewals"][0]
    assert first["date"] == "2026-12-01" and first["account_id"] == soon.account_id
    assert first["contract_id"] == soon.pk and first["owner_id"] == soon.account.owner_id
    assert first["arr"] == pytest.approx(1_200_000) and first["expected_arr"] == pytest.approx(900_000)
    assert first["p"] == pytest.approx({"renewed": 0.75, "expanded": 0.0, "contracted": 0.0, "churned": 0.25})
    narrow = client.get("/api/insights/forecast?renewals_within=90", **token_for(victor)).json()
    assert [r["account_name"] for r in narrow["renewals"]] == ["Soon Co"]


def test_a_bad_window_is_a_clear_error(client, victor, token_for, book):
    response = client.get("/api/insights/forecast?renewals_within=0", **token_for(victor))
    assert response.status_code == 422 and response.json()["error"] == "invalid input"


def test_the_schema_types_the_renewals(client):
    schema = client.get("/api/openapi.json").json()
    renewal = schema["components"]["schemas"]["RenewalOut"]["properties"]
    assert {"date", "account_id", "arr", "p", "expected_arr"} <= set(renewal)


def test_an_outsider_gets_nothing(client, book):
    assert client.get("/api/insights/forecast").status_code == 401
    response = client.get(reverse("insights-report"), {"renewals": "180"})
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_page_reads_the_days_recorded_forecast_instead_of_simulating(client_as, carol, book):
    from csops.insights.revenue import record_forecast

    soon, later = book
    row = record_forecast(TODAY, sims=300)
    assert [r["contract_id"] for r in row.renewals] == [soon.pk, later.pk]  # the next 180 days only
    assert row.renewals_in_year == 3 and len(row.months) == 13
    # A change after the recording shows on tomorrow's forecast, not on today's page.
    Contract.objects.filter(pk=soon.pk).update(mrr=Decimal(200000))
    text = client_as(carol).get(reverse("insights-report"), {"renewals": "180"}).content.decode()
    assert 'data-forecast="recorded"' in text
    table = text.split('data-table="renewals"')[1].split("</table>")[0]
    assert "¥1,200,000" in table and "¥900,000" in table and "Later Co" in table
    assert "3 renewals in the next 12 months" in text


def test_a_recorded_forecast_more_than_a_day_old_is_not_shown_as_todays(client_as, carol, book):
    from csops.insights.revenue import record_forecast

    record_forecast(TODAY - dt.timedelta(days=2), sims=100)
    text = client_as(carol).get(reverse("insights-report")).content.decode()
    assert 'data-forecast="recorded"' not in text and "Soon Co" in text
