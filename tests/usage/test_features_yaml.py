"""The registry as YAML: an export imports back to the same registry and exports to the same bytes."""

from __future__ import annotations

import io

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError

from csops.audit.models import AuditEntry
from csops.customers.models import Product
from csops.usage.features import do_create_feature, export_yaml, import_yaml
from csops.usage.models import Feature

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

FILE = """\
version: 1
features:
- product: delivery
  key: send
  name: Send a document
  description: ''
  event_name: document_sent
  property_filter: {}
- product: delivery
  key: send-invoice
  name: 請求書を送る
  description: |-
    Invoices only.
    Quotes and contracts are separate features.
  event_name: document_sent
  property_filter:
    document_type: invoice
    pages: 2
    signed: true
"""


def test_an_import_then_an_export_gives_back_the_same_bytes(product, carol):
    result = import_yaml(FILE, actor=carol)
    assert result.ok and (result.created, result.updated) == (2, 0)
    assert export_yaml() == FILE
    again = import_yaml(export_yaml(), actor=carol)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)


def test_exported_features_are_ordered_by_product_and_key(product, carol):
    other = Product.objects.create(code="analytics", name="Analytics")
    do_create_feature(product, actor=carol, key="b", name="B", event_name="b")
    do_create_feature(other, actor=carol, key="z", name="Z", event_name="z")
    do_create_feature(product, actor=carol, key="a", name="A", event_name="a")
    document = yaml.safe_load(export_yaml())
    assert [(f["product"], f["key"]) for f in document["features"]] == [
        ("analytics", "z"), ("delivery", "a"), ("delivery", "b")]
    assert [f["key"] for f in yaml.safe_load(export_yaml(["delivery"]))["features"]] == ["a", "b"]


def test_an_import_updates_features_by_product_and_key(product, carol):
    import_yaml(FILE, actor=carol)
    result = import_yaml(FILE.replace("name: Send a document", "name: Send"), actor=carol)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    assert Feature.objects.get(key="send").name == "Send"
    assert AuditEntry.objects.filter(action="feature.import").count() == 2


def test_an_import_with_any_error_changes_nothing_and_names_every_problem(product, carol):
    bad = FILE + """\
- product: nosuch
  key: x
  name: X
  event_name: x
- product: delivery
  key: Not a slug!
  name: ''
  event_name: ''
  property_filter: {nested: {a: 1}}
  colour: red
- product: delivery
  key: send
  name: Send twice
  event_name: document_sent
"""
    result = import_yaml(bad, actor=carol)
    assert not result.ok
    assert [(e["row"], e["field"]) for e in result.errors] == [
        (3, "product"), (4, "colour"), (4, "key"), (4, "name"), (4, "event_name"), (4, "property_filter"), (5, "key"),
    ]
    assert result.errors[-1]["message"] == "delivery:send is already feature 1 of the file"
    assert not Feature.objects.exists() and not AuditEntry.objects.exists()


@pytest.mark.parametrize(("text", "message"), [
    ("features: [", "not valid YAML (line 1"),
    ("- a\n- b\n", 'a "features" list'),
    ("version: 2\nfeatures: []\n", "unsupported version"),
])
def test_files_that_are_not_a_registry_are_refused(text, message, db):
    result = import_yaml(text, actor=None)
    assert message in result.errors[0]["message"] or message in result.errors[0]["field"]


def test_prune_deletes_the_features_a_file_no_longer_lists(product, carol):
    import_yaml(FILE, actor=carol)
    do_create_feature(product, actor=carol, key="old", name="Old", event_name="old")
    dry = import_yaml(FILE, actor=carol, prune=True, dry_run=True)
    assert (dry.deleted, dry.unchanged) == (1, 2) and Feature.objects.filter(key="old").exists()
    import_yaml(FILE, actor=carol, prune=True)
    assert sorted(Feature.objects.values_list("key", flat=True)) == ["send", "send-invoice"]


def test_the_command_exports_and_imports_files(product, carol, tmp_path):
    path = tmp_path / "features.yaml"
    path.write_text(FILE, encoding="utf-8")
    out = io.StringIO()
    call_command("features", "import", str(path), "--actor", "carol@example.com", stdout=out)
    assert out.getvalue() == "features imported: 2 created, 0 updated, 0 deleted, 0 unchanged\n"
    target = tmp_path / "out.yaml"
    out = io.StringIO()
    call_command("features", "export", str(target), stdout=out)
    assert out.getvalue() == f"exported 2 features to {target}\n"
    assert target.read_text(encoding="utf-8") == FILE


def test_the_import_command_fails_with_one_line_per_error(product, tmp_path):
    path = tmp_path / "features.yaml"
    path.write_text("version: 1\nfeatures:\n- product: delivery\n  key: x\n  name: X\n", encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError, match="import rejected: 1 errors; nothing was changed"):
        call_command("features", "import", str(path), stdout=io.StringIO(), stderr=err)
    assert err.getvalue() == "feature 1, field event_name: An event name is required.\n"
