"""GRR and NRR per segment and owner reconcile with the company's: next quarter's (with intervals) and
the past quarters'."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from csops.audit.services import record
from csops.customers.models import Account, Activity, Contract
from csops.insights import forecast, outcomes

TODAY = dt.date(2026, 11, 1)


def _book(product, owners, segments: tuple[str, ...]) -> outcomes.Book:
    """Twelve accounts over ``segments`` and ``owners``, renewing over the next months; two churned and
    one expanded during the past year (renewal records), so the history has both kinds of change."""
    contracts = []
    for i in range(12):
        account = Account.objects.create(external_id=f"S-{i}", name=f"S {i}", segment=segments[i % len(segments)],
                                         owner=owners[i % len(owners)])
        churned = i in (3, 8)
        start = dt.date(2025, 1 + i % 12, 5)
        contracts.append(Contract.objects.create(
            external_id=f"SC-{i}", account=account, product=product, mrr=Decimal(10000 * (1 + i % 4)),
            start_date=start, renewal_date=None if churned else dt.date(2026 + (start.month < 11), start.month, 5),
            end_date=dt.date(2026, start.month, 5) if churned else None, status="churned" if churned else "active"))
    for c, outcome, before, after in ((contracts[3], "churned", 40000, 0), (contracts[8], "churned", 10000, 0),
                                      (contracts[5], "expanded", 10000, 20000)):
        Activity.objects.create(account=c.account, kind="system", summary="renewal", occurred_at=timezone.make_aware(
            dt.datetime.combine(dt.date(2026, c.start_date.month, 5), dt.time(9))),
            data={"renewal": outcome, "product": product.code, "mrr": [before, after]})
    return outcomes.load_book()


def test_one_segment_has_the_companys_grr_and_nrr_and_intervals(product, alice):
    result = forecast.forecast(_book(product, [alice], ("smb",)), today=TODAY, sims=400)
    (only,) = result.by_segment
    q = result.quarters[0]
    for name in ("grr", "grr_low", "grr_high", "nrr", "nrr_low", "nrr_high"):
        assert only[name] == pytest.approx(q[name]), name
    assert only["grr_low"] <= only["grr"] <= only["grr_high"] and only["nrr_low"] <= only["nrr"] <= only["nrr_high"]


def test_the_owners_grr_and_nrr_weighted_by_arr_make_the_companys(product, alice, bob):
    result = forecast.forecast(_book(product, [alice, bob], ("smb", "enterprise", "mid_market")), today=TODAY,
                               sims=400)
    q = result.quarters[0]
    for rows in (result.by_owner, result.by_segment):
        total = sum(r["arr"] for r in rows)
        assert sum(r["grr"] * r["arr"] for r in rows) / total == pytest.approx(q["grr"])
        assert sum(r["nrr"] * r["arr"] for r in rows) / total == pytest.approx(q["nrr"])
        assert all(r["grr_low"] <= r["grr"] <= r["grr_high"] for r in rows)


def test_one_segments_past_quarters_are_the_companys(product, alice):
    book = _book(product, [alice], ("smb",))
    company = forecast.retention_history(book, today=TODAY, quarters=4)
    by_segment = forecast.retention_history(book, today=TODAY, quarters=4, by="segment")
    assert [r["key"] for r in by_segment] == ["smb"] * len(company)
    for c, s in zip(company, by_segment, strict=True):
        assert (s["start"], s["end"], s["months"]) == (c["start"], c["end"], c["months"])
        assert s["grr"] == pytest.approx(c["grr"]) and s["nrr"] == pytest.approx(c["nrr"])
    assert any(c["grr"] < 1 for c in company) and any(c["nrr"] > c["grr"] for c in company)


def test_the_segments_past_quarters_add_up_to_the_companys(product, alice):
    book = _book(product, [alice], ("smb", "enterprise"))
    company = {(r["start"], r["months"]): r for r in forecast.retention_history(book, today=TODAY, quarters=4)}
    rows = forecast.retention_history(book, today=TODAY, quarters=4, by="segment")
    for key, c in company.items():
        part = [r for r in rows if (r["start"], r["months"]) == key]
        assert sum(r["arr_start"] for r in part) == pytest.approx(c["arr_start"])
        assert sum(r["grr"] * r["arr_start"] for r in part) / c["arr_start"] == pytest.approx(c["grr"])
        assert sum(r["nrr"] * r["arr_start"] for r in part) / c["arr_start"] == pytest.approx(c["nrr"])


def test_the_page_shows_grr_and_nrr_per_segment_and_owner_and_the_past_quarters(product, alice, client_as):
    _book(product, [alice], ("smb",))
    record(None, "demo.loaded", None, {"today": TODAY.isoformat()})
    text = client_as(alice).get(reverse("insights-report")).content.decode()
    for name in ("forecast-by-segment", "forecast-by-owner"):
        table = text.split(f'data-table="{name}"')[1].split("</table>")[0]
        assert "GRR next quarter" in table and "NRR next quarter" in table and " – " in table
    history = text.split('data-table="history-by-segment"')[1].split("</table>")[0]
    assert "SMB" in history and history.count("GRR ") == 4
