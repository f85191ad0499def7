"""Templates and campaigns round-trip through YAML (`csops outreach export|import`), all or nothing."""

from __future__ import annotations

import pytest
import yaml
from django.core.management import CommandError, call_command

from csops.audit.models import AuditEntry
from csops.outreach.config import export_config
from csops.outreach.models import Campaign, CampaignStep, Template

pytestmark = pytest.mark.django_db


def test_export_then_import_into_an_empty_install_gives_the_same_configuration(onboarding, tmp_path):
    path = tmp_path / "outreach.yaml"
    call_command("outreach", "export", str(path))
    exported = export_config()
    Campaign.objects.all().delete()
    Template.objects.all().delete()
    call_command("outreach", "import", str(path))
    assert export_config() == exported
    assert CampaignStep.objects.count() == 3


def test_importing_the_same_file_twice_changes_nothing_the_second_time(onboarding, tmp_path):
    path = tmp_path / "outreach.yaml"
    call_command("outreach", "export", str(path))
    before = AuditEntry.objects.count()
    call_command("outreach", "import", str(path))
    assert AuditEntry.objects.count() == before


def test_an_invalid_file_changes_nothing_and_names_every_problem(onboarding, tmp_path):
    data = export_config()
    data["templates"][0]["text"] = {"ja": "{{ contact.shoe_size }}"}
    data["campaigns"][0]["steps"].append({"day": 9, "template": "missing"})
    data["campaigns"][0]["name"] = "Renamed"
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CommandError) as refused:
        call_command("outreach", "import", str(path))
    assert "unknown variable {{ contact.shoe_size }}" in str(refused.value)
    assert "unknown template 'missing'" in str(refused.value)
    assert Campaign.objects.get().name == "Onboarding"


def test_a_dry_run_reports_without_changing(onboarding, tmp_path):
    data = export_config()
    data["campaigns"][0]["name"] = "Renamed"
    path = tmp_path / "change.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    call_command("outreach", "import", str(path), "--dry-run")
    assert Campaign.objects.get().name == "Onboarding"


def test_seed_demo_is_idempotent(db):
    call_command("outreach", "seed-demo")
    call_command("outreach", "seed-demo")
    assert Campaign.objects.get().key == "onboarding"
    assert Template.objects.count() == 3


def test_the_yaml_export_page_and_import_upload(carol, client, onboarding):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(carol)
    exported = client.get("/outreach/export.yaml")
    assert exported["Content-Type"].startswith("application/yaml")
    data = yaml.safe_load(exported.content)
    data["campaigns"][0]["name"] = "Onboarding v2"
    upload = SimpleUploadedFile("o.yaml", yaml.safe_dump(data, allow_unicode=True).encode())
    assert client.post("/outreach/import/", {"file": upload}).status_code == 302
    assert Campaign.objects.get().name == "Onboarding v2"
    assert AuditEntry.objects.filter(action="outreach.campaign_changed", actor=carol).exists()
