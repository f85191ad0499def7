"""A scorecard that does not add up, names what does not exist or carries unsafe SQL is refused, with where and why."""

from __future__ import annotations

import pytest

from csops.audit.models import AuditEntry
from csops.health.definition import DefinitionError, load_definition
from csops.health.models import Scorecard
from csops.health.services import do_save_scorecard

pytestmark = pytest.mark.django_db


def errors_of(document, carol) -> dict[str, str]:
    with pytest.raises(DefinitionError) as caught:
        do_save_scorecard(document, actor=carol)
    return dict(caught.value.errors)


def test_measure_weights_that_do_not_add_up_name_the_group(document, carol):
    document["groups"][0]["measures"][0]["weight"] = 40
    assert errors_of(document, carol) == {
        "groups[0].measures": "measure weights in group usage add up to 90, not 100"}
    assert not Scorecard.objects.exists() and not AuditEntry.objects.exists()


def test_group_weights_must_add_up_to_100(document, carol):
    document["groups"][2]["weight"] = 25
    assert errors_of(document, carol) == {"groups": "group weights add up to 105, not 100"}


def test_an_unknown_feature_is_refused_on_save(document, carol, product):
    document["groups"][0]["measures"][0]["params"] = {"feature": "send_invoice"}
    errors = errors_of(document, carol)
    assert errors == {"groups[0].measures[0].params.feature":
                      "unknown feature 'send_invoice' of product delivery (known: none registered)"}


def test_a_known_feature_is_accepted(document, carol, product):
    from csops.usage.models import Feature

    Feature.objects.create(product=product, key="send_invoice", name="Send an invoice", event_name="document_sent")
    document["groups"][0]["measures"][0]["params"] = {"feature": "send_invoice"}
    assert do_save_scorecard(document, actor=carol).version == 1


@pytest.mark.parametrize(("sql", "message"), [
    ("select account_id, count(* as value from events", "the query does not parse"),
    ("delete from events", "only SELECT queries are allowed, not DELETE"),
    ("select account_id, 1 as value from events; drop table events", "write exactly one SELECT statement"),
    ("select account_id, count(*) as value from read_parquet('/etc/passwd') group by 1",
     "only the relation events can be read"),
    ("select account_id, count(*) as value from '/var/lake/x.parquet' group by 1",
     "only the relation events can be read, not /var/lake/x.parquet"),
    ("select account_id, count(*) as value from accounts group by 1",
     "only the relation events can be read, not accounts"),
    ("select account_id, getenv('HOME') as value from events", "the function getenv is not allowed"),
    ("copy (select 1) to '/tmp/x.csv'", "only SELECT queries are allowed"),
    ("select account_id from events", "the query must return the columns account_id and value (missing: value)"),
])
def test_custom_sql_that_does_not_parse_writes_or_reads_elsewhere_is_refused(document, carol, sql, message):
    document["groups"][2]["measures"][1]["params"]["sql"] = sql
    errors = errors_of(document, carol)
    assert list(errors) == ["groups[2].measures[1].params.sql"]
    assert errors["groups[2].measures[1].params.sql"].startswith(message)


def test_every_problem_is_reported_at_once_with_its_path(document):
    document["grades"]["green_from"] = 30
    document["groups"][0]["measures"][1]["type"] = "telepathy"
    document["groups"][0]["measures"][2]["normalise"] = {"method": "linear", "low": 5, "high": 5}
    document["groups"][1]["measures"][0]["direction"] = "sideways"
    document["assessment"]["promotion_anchors"].pop(3)
    with pytest.raises(DefinitionError) as caught:
        load_definition(document)
    paths = [path for path, _ in caught.value.errors]
    assert paths == ["grades.green_from", "assessment.promotion_anchors.3", "groups[0].measures[1].type",
                     "groups[0].measures[2].normalise.high", "groups[1].measures[0].direction"]


def test_duplicate_measure_keys_point_at_the_first_definition(document):
    document["groups"][1]["measures"][0]["key"] = "docs_7"
    with pytest.raises(DefinitionError) as caught:
        load_definition(document)
    assert caught.value.errors == [
        ("groups[1].measures[0].key", "measure docs_7 is already defined at groups[0].measures[0]")]


def test_an_unknown_product_is_refused(document, carol):
    document["product"] = "teleport"
    assert errors_of(document, carol) == {"product": "unknown product 'teleport'"}
