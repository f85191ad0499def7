"""The tickets measure counts one severity or several ("high" and "urgent" are both high-severity);
a single value still works as before, and the values are checked on save."""

from __future__ import annotations

import datetime as dt

import pytest

from csops.customers.models import Activity
from csops.health.definition import DefinitionError, MeasureDef, Name, load_definition
from csops.health.measures import DbScope, measure_type
from csops.health.services import do_save_scorecard
from csops.health.yaml_io import export_scorecard, parse_yaml
from tests.health.conftest import JST, D, at, days_back

pytestmark = pytest.mark.django_db


def tickets(params: dict) -> MeasureDef:
    return MeasureDef(key="tickets_30", name=Name("Tickets", "問い合わせ"), type="tickets", window=30,
                      params=params, normalise={"method": "linear", "low": 0, "high": 5},
                      direction="lower_better", weight=100)


@pytest.fixture
def acme_tickets(acme):
    for n, (severity, status) in enumerate([("high", "open"), ("urgent", "open"), ("urgent", "closed"),
                                            ("low", "open"), ("medium", "open")]):
        Activity.objects.create(account=acme, kind="ticket", occurred_at=at(days_back(n + 1)),
                                summary=f"ticket {n}", data={"severity": severity, "status": status})
    return acme


def count(acme, product, params: dict) -> float | None:
    scope = DbScope(account_ids=[acme.pk], day=D, scorecard_id=None, product_id=product.pk, tz=JST)
    return measure_type("tickets").db(scope, tickets(params))[acme.pk]


@pytest.mark.parametrize(("params", "expected"), [
    ({}, 5),
    ({"severity": "high"}, 1),  # a single value, as before
    ({"severity": "urgent", "open_only": True}, 1),
    ({"severity": ["high", "urgent"]}, 3),
    ({"severity": ["high", "urgent"], "open_only": True}, 2),
    ({"severity": ["low"]}, 1),
])
def test_one_or_several_severities_are_counted(params, expected, acme_tickets, product):
    assert count(acme_tickets, product, params) == expected


def _with_severity(document, value):
    document["groups"][1]["measures"][0]["params"] = {"severity": value, "open_only": True}
    return document


@pytest.mark.parametrize("value", ["urgent", ["high", "urgent"], ["low", "medium", "high", "urgent"]])
def test_a_single_severity_or_a_list_validates_and_round_trips(value, document, product, carol):
    card = do_save_scorecard(_with_severity(document, value), actor=carol)
    assert card.definition["groups"][1]["measures"][0]["params"]["severity"] == value
    assert parse_yaml(export_scorecard(card)) == document


@pytest.mark.parametrize("value", ["critical", [], ["high", "critical"], ["high", "high"], [1], {"high": True}, 3])
def test_unknown_severities_are_refused(value, document):
    with pytest.raises(DefinitionError) as exc:
        load_definition(_with_severity(document, value))
    (path, message), = exc.value.errors
    assert path == "groups[1].measures[0].params.severity"
    assert "low, medium, high, urgent" in message


def test_the_window_still_bounds_the_count(acme, product):
    Activity.objects.create(account=acme, kind="ticket", occurred_at=at(D - dt.timedelta(days=40)), summary="old",
                            data={"severity": "urgent", "status": "open"})
    assert count(acme, product, {"severity": ["high", "urgent"]}) == 0
