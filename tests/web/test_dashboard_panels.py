"""The dashboard panels fed by other apps: maturity (journey), touch models and CTAs (playbooks)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

pytest.importorskip("csops.journey.models")
pytest.importorskip("csops.playbooks.models")

from csops.journey.models import MaturityLevel, MaturityModel, MaturityState  # noqa: E402
from csops.playbooks.models import AccountTouch, Cta  # noqa: E402
from csops.web import dashboard as d  # noqa: E402

TODAY = dt.date(2026, 11, 15)


def section(key: str, user, **filters):
    build = next(s.build for s in d.SECTIONS if s.key == key)
    return build(d.DashboardFilters(**filters), user, TODAY)


def test_maturity_counts_paying_accounts_per_product_and_level(acme, product, carol):
    model = MaturityModel.objects.create(product=product, name="Delivery maturity")
    MaturityLevel.objects.create(model=model, number=2, name="定着", conditions=[])
    MaturityState.objects.create(account=acme, product=product, level=2, evaluated_on=TODAY)
    [delivery] = section("maturity", carol)
    assert delivery.code == "delivery"
    assert [(r.level, r.name, r.accounts, r.arr) for r in delivery.levels] == [(2, "定着", 1, acme.arr)]
    assert section("maturity", carol, segment="smb") == []


def test_touch_coverage_counts_paying_accounts_without_a_model_too(acme, globex, carol):
    AccountTouch.objects.create(account=acme, touch_model="high", since=TODAY)
    rows = {r.touch_model: r.accounts for r in section("touch", carol)}
    assert rows["high"] == 1 and rows["none"] == 0  # Globex pays nothing: not counted
    AccountTouch.objects.all().delete()
    assert {r.touch_model: r.accounts for r in section("touch", carol)}["none"] == 1


def make_cta(account, *, created, due, status="open", closed_at=None) -> Cta:
    return Cta.objects.create(account=account, title="Call", responsibility="renewal", due_on=due,
                              created_on=created, status=status, closed_at=closed_at)


def test_cta_throughput_counts_created_and_closed_per_month_and_what_is_open(acme, globex, carol):
    make_cta(acme, created=dt.date(2026, 10, 5), due=dt.date(2026, 10, 20))  # open, overdue
    make_cta(globex, created=dt.date(2026, 11, 2), due=dt.date(2026, 12, 1))  # open
    make_cta(acme, created=dt.date(2026, 10, 1), due=dt.date(2026, 10, 3), status="closed",
             closed_at=dt.datetime(2026, 11, 3, 1, tzinfo=dt.UTC))
    ctas = section("ctas", carol)
    months = {m.label: (m.created, m.closed) for m in ctas.months}
    assert months["2026-10"] == (2, 0) and months["2026-11"] == (1, 1)
    assert (ctas.open, ctas.overdue) == (2, 1)
    assert section("ctas", carol, segment="smb").open == 1  # Globex only


def test_the_panels_drill_down_to_their_accounts(client_as, carol, acme, globex, product):
    AccountTouch.objects.create(account=acme, touch_model="high", since=TODAY)
    MaturityState.objects.create(account=acme, product=product, level=1, evaluated_on=TODAY)
    make_cta(globex, created=timezone.localdate(), due=timezone.localdate() - dt.timedelta(days=1))
    client = client_as(carol)
    page = client.get(reverse("dashboard")).content.decode()
    for section_key in ("maturity-ready", "touch-ready", "ctas-ready"):
        assert f'data-section="{section_key}"' in page
    account_list = reverse("account-list")

    def listed(query: str) -> set[str]:
        html = client.get(account_list + query).content.decode()
        return {name for name in ("Acme", "Globex") if f">{name}</a>" in html}

    assert f"{account_list}?touch=high&amp;paying=1&amp;sort=-arr" in page
    assert listed("?touch=high") == {"Acme"}
    assert listed("?touch=none") == {"Globex"}
    assert listed("?product=delivery&maturity=1") == {"Acme"}
    assert listed("?cta=overdue") == {"Globex"}
    assert listed(f"?cta=created-{timezone.localdate():%Y-%m}") == {"Globex"}
