"""Every dashboard drill-down lists exactly the accounts its figure counts.

The world holds accounts a careless drill-down would list: Globex and Umbrella pay nothing (one
scored red, one not scored, both with a touch model or a maturity level), and Hooli pays for the
add-on only while holding a free live Delivery contract.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

pytest.importorskip("csops.health.models")
pytest.importorskip("csops.journey.models")
pytest.importorskip("csops.playbooks.models")

from csops.customers.models import Account, Contract, Product  # noqa: E402
from csops.customers.services.accounts import refresh_account_rollup  # noqa: E402
from csops.health.models import HealthScore, Scorecard  # noqa: E402
from csops.journey.models import MaturityLevel, MaturityModel, MaturityState  # noqa: E402
from csops.playbooks.models import AccountTouch  # noqa: E402
from csops.web.forms import AccountFilterForm  # noqa: E402
from csops.web.queries import AccountFilters, filter_accounts  # noqa: E402

FILTERS = ("", "?product=delivery", "?product=addon", "?segment=smb", "?segment=enterprise")


def _contract(account, product, key, mrr) -> None:
    Contract.objects.create(external_id=key, account=account, product=product, mrr=Decimal(mrr), currency="JPY",
                            start_date=dt.date(2025, 1, 1), renewal_date=dt.date(2027, 6, 1))


@pytest.fixture
def world(acme, globex, product):
    today = timezone.localdate()
    addon = Product.objects.create(code="addon", name="Add-on")
    initech = Account.objects.create(external_id="INITECH-1", name="Initech", segment="smb")
    _contract(initech, product, "C-INI", "100000")
    hooli = Account.objects.create(external_id="HOOLI-1", name="Hooli", segment="smb")
    _contract(hooli, addon, "C-HOO-A", "50000")
    _contract(hooli, product, "C-HOO-D", "0")  # live but free: Hooli does not pay for Delivery
    umbrella = Account.objects.create(external_id="UMB-1", name="Umbrella", segment="enterprise")
    refresh_account_rollup([initech.pk, hooli.pk, umbrella.pk])

    scorecard = Scorecard.objects.create(key="delivery", name="Delivery", product=product)
    for account, grade in ((acme, "green"), (initech, "red"), (umbrella, "red"), (globex, "yellow")):
        HealthScore.objects.create(account=account, scorecard=scorecard, day=today, scorecard_version=1,
                                   score={"red": 20, "yellow": 50, "green": 80}[grade], grade=grade)
    for prod in (product, addon):
        model = MaturityModel.objects.create(product=prod, name=f"{prod.name} maturity")
        MaturityLevel.objects.create(model=model, number=1, name="Onboarded", conditions=[])
    for account, prod, level in ((acme, product, 1), (globex, product, 1), (hooli, product, 1),
                                 (hooli, addon, 1), (umbrella, addon, 1), (initech, product, 2)):
        MaturityState.objects.create(account=account, product=prod, level=level, evaluated_on=today)
    for account, touch in ((acme, "high"), (globex, "high"), (umbrella, "low"), (hooli, "low")):
        AccountTouch.objects.create(account=account, touch_model=touch, since=today)
    return {"initech": initech, "hooli": hooli, "umbrella": umbrella}


def _listed(client, url: str) -> list[str]:
    context = client.get(url).context
    assert context["page_obj"].paginator.count <= 50  # all on one page
    return sorted(a.name for a in context["accounts"])


def _figures_and_links(context) -> list[tuple[str, int, str]]:
    """(what, the count the dashboard shows, its drill-down link) for every panel counting accounts."""
    board, drill, panels = context["board"], context["drill"], context["panels"]
    out = [("ARR card", board.accounts_paying, drill["all"])]
    if board.health is not None:  # no scorecard for the add-on
        out.append(("at-risk card", board.at_risk_accounts, drill["at_risk"]))
        out += [(f"health {b.grade}", b.accounts, drill["health"][b.grade]) for b in board.health]
    out += [(f"maturity {p.code} {r.level}", r.accounts, url) for p, rows in panels["maturity"] for r, url in rows]
    out += [(f"touch {r.touch_model}", r.accounts, url) for r, url in panels["touch"]]
    return out


@pytest.mark.parametrize("query", FILTERS)
def test_each_figure_drills_down_to_exactly_the_accounts_it_counts(client_as, carol, world, query):
    client = client_as(carol)
    context = client.get(reverse("dashboard") + query).context
    checked = _figures_and_links(context)
    assert len(checked) >= 6
    for what, count, url in checked:
        assert len(_listed(client, url)) == count, (what, url)


def test_the_charts_link_to_the_same_lists_as_the_tables(client_as, carol, world):
    context = client_as(carol).get(reverse("dashboard")).context
    figures, drill, panels = context["figures"], context["drill"], context["panels"]
    assert figures["health"]["data"][0]["customdata"] == [drill["health"][b.grade] for b in context["board"].health]
    assert figures["touch"]["data"][0]["customdata"] == [url for _r, url in panels["touch"]]
    chart_maturity = [url for trace in figures["maturity"]["data"] for url in trace["customdata"]]
    assert chart_maturity == [url for _p, rows in panels["maturity"] for _r, url in rows]


def test_the_zero_arr_accounts_are_what_the_paying_filter_leaves_out(client_as, carol, world):
    client = client_as(carol)
    context = client.get(reverse("dashboard")).context
    board, drill = context["board"], context["drill"]
    assert board.accounts_paying == 3  # Acme, Initech, Hooli
    assert _listed(client, drill["all"]) == ["Acme", "Hooli", "Initech"]
    assert {b.grade: b.accounts for b in board.health} == {"red": 1, "yellow": 0, "green": 1, "none": 1}
    assert _listed(client, drill["health"]["none"]) == ["Hooli"]
    assert _listed(client, drill["health"]["none"].replace("paying=1&", "")) == ["Hooli"]  # scored zero-ARR
    assert _listed(client, drill["at_risk"]) == ["Initech"]  # not Umbrella, red but paying nothing
    assert _listed(client, drill["at_risk"].replace("paying=1&", "")) == ["Initech", "Umbrella"]
    touch = {r.touch_model: url for r, url in context["panels"]["touch"]}
    assert _listed(client, touch["high"]) == ["Acme"]  # not Globex
    assert _listed(client, touch["none"]) == ["Initech"]


def test_with_a_product_paying_means_paying_for_that_product(client_as, carol, world):
    client = client_as(carol)
    context = client.get(reverse("dashboard") + "?product=delivery").context
    assert context["board"].accounts_paying == 2
    assert _listed(client, context["drill"]["all"]) == ["Acme", "Initech"]  # not Hooli, free Delivery
    assert _listed(client, reverse("account-list") + "?product=delivery") == ["Acme", "Hooli", "Initech"]
    [delivery] = context["panels"]["maturity"]
    assert [(r.level, r.accounts) for r, _url in delivery[1]] == [(1, 1), (2, 1)]


def test_the_paying_filter_is_parsed_applied_and_shown_removable(client_as, carol, world, acme, globex):
    form = AccountFilterForm({"paying": "1"}, owners=[])
    assert form.filters().paying is True
    assert AccountFilterForm({"paying": "yes-please"}, owners=[]).filters().paying is True
    assert AccountFilterForm({}, owners=[]).filters().paying is False
    names = [a.name for a in filter_accounts(AccountFilters(paying=True), user=carol, today=timezone.localdate())]
    assert sorted(names) == ["Acme", "Hooli", "Initech"]

    list_url = reverse("account-list")
    page = client_as(carol).get(list_url + "?segment=smb&paying=1").content.decode()
    assert 'data-filter="paying"' in page
    assert '<input type="hidden" name="paying" value="1">' in page  # kept by the live filter form
    assert f'href="{list_url}?segment=smb"' in page  # the chip's link removes it, and only it
    assert "Globex" not in page
    plain = client_as(carol).get(list_url + "?segment=smb").content.decode()
    assert 'data-filter="paying"' not in plain and 'name="paying"' not in plain and "Globex" in plain
