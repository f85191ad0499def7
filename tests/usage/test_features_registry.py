"""The feature registry's services: validated, audited changes; definitions for the query layer."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from csops.audit.models import AuditEntry
from csops.customers.models import Contract, Product
from csops.usage.features import (
    FeatureInvalid,
    definitions,
    definitions_for_account,
    do_create_feature,
    do_delete_feature,
    do_update_feature,
    validate_property_filter,
)
from csops.usage.models import Feature

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def analytics(db):
    return Product.objects.create(code="analytics", name="Analytics")


def test_creating_a_feature_writes_an_audit_row_with_its_values(product, carol):
    feature = do_create_feature(product, actor=carol, key="send-invoice", name="Send an invoice",
                                event_name="document_sent", property_filter={"document_type": "invoice"})
    entry = AuditEntry.objects.get(action="feature.create")
    assert (entry.actor, entry.object_id) == (carol, str(feature.pk))
    assert entry.changes["property_filter"] == {"document_type": "invoice"}


def test_a_key_is_unique_per_product_but_may_repeat_across_products(product, analytics, carol):
    do_create_feature(product, actor=carol, key="export", name="Export", event_name="exported")
    with pytest.raises(FeatureInvalid) as caught:
        do_create_feature(product, actor=carol, key="export", name="Export again", event_name="exported")
    assert "key" in caught.value.errors
    do_create_feature(analytics, actor=carol, key="export", name="Export", event_name="exported")
    assert Feature.objects.filter(key="export").count() == 2


def test_an_event_name_and_a_flat_property_filter_are_required(product, carol):
    with pytest.raises(FeatureInvalid) as caught:
        do_create_feature(product, actor=carol, key="x", name="X", event_name="  ",
                          property_filter={"nested": {"a": 1}})
    assert set(caught.value.errors) == {"event_name", "property_filter"}
    assert not Feature.objects.exists() and not AuditEntry.objects.exists()


@pytest.mark.parametrize("value", [[1], "text", {"a": None}, {"a": [1]}, {"": "x"}, {"it's": "x"},
                                   {"a[0]": "x"}, {f"k{i}": i for i in range(21)}])
def test_property_filters_that_engines_cannot_match_are_refused(value):
    with pytest.raises(ValidationError):
        validate_property_filter(value)


def test_property_filters_accept_text_numbers_and_booleans():
    assert validate_property_filter({"部署": "経理", "pages": 2, "ratio": 0.5, "signed": True}) == {
        "部署": "経理", "pages": 2, "ratio": 0.5, "signed": True}
    assert validate_property_filter(None) == {} == validate_property_filter("")


def test_updating_audits_only_what_changed(product, carol):
    feature = do_create_feature(product, actor=carol, key="send", name="Send", event_name="document_sent")
    do_update_feature(feature, actor=carol, name="Send a document")
    entry = AuditEntry.objects.get(action="feature.update")
    assert entry.changes == {"name": ["Send", "Send a document"]}
    do_update_feature(feature, actor=carol, name="Send a document")
    assert AuditEntry.objects.filter(action="feature.update").count() == 1


def test_deleting_keeps_a_copy_in_the_audit_log(product, carol):
    feature = do_create_feature(product, actor=carol, key="send", name="Send", event_name="document_sent")
    do_delete_feature(feature, actor=carol)
    assert not Feature.objects.exists()
    assert AuditEntry.objects.get(action="feature.delete").changes["event_name"] == "document_sent"


def test_an_account_sees_the_features_of_its_products_or_all_when_it_has_no_contract(acme, globex, product,
                                                                                       analytics, carol):
    do_create_feature(product, actor=carol, key="send", name="Send", event_name="document_sent")
    do_create_feature(analytics, actor=carol, key="chart", name="Chart", event_name="chart_viewed")
    assert Contract.objects.filter(account=acme, product=product).exists()
    assert [f["key"] for f in definitions_for_account("ACME-1")] == ["send"]
    assert sorted(f["key"] for f in definitions_for_account("GLOBEX-1")) == ["chart", "send"]
    assert definitions(["analytics"]) == [{"product": "analytics", "key": "chart", "name": "Chart",
                                           "event_name": "chart_viewed", "property_filter": {}}]
