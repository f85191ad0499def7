"""The journey configuration travels as YAML: export, import (audited), the same bytes back."""

from __future__ import annotations

import pytest
import yaml
from django.core.management import CommandError, call_command

from csops.audit.models import AuditEntry
from csops.journey.config import dump_yaml, export_config, import_config
from csops.journey.models import MaturityModel

pytestmark = pytest.mark.django_db


def test_export_import_export_gives_the_same_document_and_changes_nothing(journey):
    first = dump_yaml(export_config())
    audits = AuditEntry.objects.count()
    summary = import_config(yaml.safe_load(first), actor=None)
    assert "nothing changed" in summary
    assert dump_yaml(export_config()) == first
    assert MaturityModel.objects.get().version == 1 and AuditEntry.objects.count() == audits


def test_a_change_is_audited_with_the_document_and_bumps_the_version(journey, carol):
    doc = yaml.safe_load(dump_yaml(export_config()))
    doc["maturity_models"][0]["name"] = "Paper-free journey"
    import_config(doc, actor=carol)
    entry = AuditEntry.objects.filter(action="journey.config_imported").latest("id")
    assert entry.actor == carol and entry.changes["document"]["maturity_models"][0]["name"] == "Paper-free journey"
    assert MaturityModel.objects.get().version == 2


def test_the_commands_export_and_import(journey, tmp_path, capsys):
    path = tmp_path / "journey.yaml"
    call_command("journey", "export", str(path))
    text = path.read_text(encoding="utf-8")
    assert "Paperless" in text
    call_command("journey", "import", str(path), "--dry-run")
    path.write_text(text.replace("due_days: 7", "due_days: -7"), encoding="utf-8")
    with pytest.raises(CommandError, match="due_days: a step cannot be due before the contract starts"):
        call_command("journey", "import", str(path))


def test_evaluate_command_refuses_a_backwards_range(journey):
    with pytest.raises(CommandError, match="--to comes before --from"):
        call_command("journey", "evaluate", "--from", "2026-03-02", "--to", "2026-03-01")
