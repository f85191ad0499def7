"""Scorecards live in git: export and import give back exactly the same document, audited and versioned."""

from __future__ import annotations

import pytest
import yaml
from django.core.management import CommandError, call_command

from csops.audit.models import AuditEntry
from csops.customers.models import Product
from csops.health.definition import dump_definition, load_definition
from csops.health.models import Scorecard
from csops.health.services import document_of
from csops.health.yaml_io import default_files, export_scorecard, parse_yaml

pytestmark = pytest.mark.django_db


def test_the_document_round_trips_exactly(document):
    assert dump_definition(load_definition(document)) == document


@pytest.mark.parametrize("path", default_files(), ids=lambda p: p.name)
def test_the_shipped_default_scorecards_are_canonical_and_valid(path):
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert dump_definition(load_definition(doc)) == doc


def test_a_stored_scorecard_exports_the_document_it_was_saved_from(scorecard, document):
    # JSON storage turns the anchor levels into strings; the export gives them back as numbers.
    assert "1" in Scorecard.objects.get().definition["assessment"]["promotion_anchors"]
    assert parse_yaml(export_scorecard(scorecard)) == document
    assert document_of(scorecard) == document


def test_export_then_import_through_the_command_is_a_no_op(scorecard, tmp_path, capsys):
    path = tmp_path / "card.yaml"
    call_command("scorecard", "export", "delivery-test", str(path))
    call_command("scorecard", "import", str(path))
    assert "unchanged (v1)" in capsys.readouterr().out
    assert Scorecard.objects.get().version == 1
    assert AuditEntry.objects.filter(action="health.scorecard_changed").count() == 0


def test_an_imported_change_bumps_the_version_and_records_before_and_after(scorecard, tmp_path, carol, capsys):
    text = export_scorecard(scorecard).replace("green_from: 70", "green_from: 75")
    path = tmp_path / "card.yaml"
    path.write_text(text, encoding="utf-8")
    call_command("scorecard", "import", str(path), "--actor", carol.email)
    assert "changed (v1 -> v2)" in capsys.readouterr().out
    card = Scorecard.objects.get()
    assert card.version == 2 and card.definition["grades"]["green_from"] == 75
    entry = AuditEntry.objects.filter(action="health.scorecard_changed").get()
    assert entry.actor == carol and entry.changes["version"] == [1, 2] and entry.changes["changed"] == ["grades"]
    assert entry.changes["before"]["grades"]["green_from"] == 70
    assert entry.changes["after"]["grades"]["green_from"] == 75


def test_a_bad_file_is_refused_whole_with_one_line_per_problem(scorecard, tmp_path, capsys):
    text = export_scorecard(scorecard).replace("weight: 60", "weight: 50")
    path = tmp_path / "card.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CommandError, match="1 problem"):
        call_command("scorecard", "import", str(path))
    assert "groups: group weights add up to 90, not 100" in capsys.readouterr().err
    assert Scorecard.objects.get().version == 1


def test_a_yaml_syntax_error_names_the_line(tmp_path, db, capsys):
    path = tmp_path / "card.yaml"
    path.write_text("key: x\ngroups: [\n", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("scorecard", "import", str(path))
    assert "card.yaml: line 3" in capsys.readouterr().err


def test_importing_a_new_key_creates_the_scorecard(document, tmp_path, product, capsys):
    path = tmp_path / "new.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    call_command("scorecard", "import", str(path))
    assert "created (v1)" in capsys.readouterr().out
    assert AuditEntry.objects.filter(action="health.scorecard_created").count() == 1
    assert Product.objects.get(scorecards__key="delivery-test") == product


@pytest.mark.parametrize("path", default_files(), ids=lambda p: p.name)
def test_the_defaults_survive_save_and_export(path, db, carol):
    from csops.health.services import do_save_scorecard

    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    Product.objects.create(code=doc["product"], name=doc["product"])
    card = do_save_scorecard(doc, actor=carol)
    assert parse_yaml(export_scorecard(card)) == doc
