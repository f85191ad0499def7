"""The whole configuration travels as YAML: export, import all or nothing, audited; the command does the same."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from csops.audit.models import AuditEntry
from csops.playbooks.config import ConfigInvalid, dump_yaml, export_config, import_config, load_yaml
from csops.playbooks.demo import DEMO_LIBRARY, NUDGE
from csops.playbooks.models import Playbook, Route, Rule, SegmentRule
from tests.playbooks.conftest import make_playbook, make_rule

pytestmark = pytest.mark.django_db


def _seed() -> None:
    from csops.outreach.config import import_config as import_outreach

    import_outreach(NUDGE, actor=None)
    import_config(DEMO_LIBRARY, actor=None)


def test_the_demo_library_imports_and_round_trips():
    _seed()
    exported = export_config()
    assert {r["key"] for r in exported["rules"]} == {r["key"] for r in DEMO_LIBRARY["rules"]}
    Rule.objects.all().delete()
    Playbook.objects.all().delete()
    SegmentRule.objects.all().delete()
    assert import_config(load_yaml(dump_yaml(exported)), actor=None) == \
        f"playbooks import: changed {len(DEMO_LIBRARY['playbooks'])} playbooks, {len(DEMO_LIBRARY['rules'])} rules"
    assert export_config() == exported


def test_importing_the_same_file_twice_changes_nothing():
    _seed()
    entries = AuditEntry.objects.count()
    assert import_config(DEMO_LIBRARY, actor=None) == "playbooks import: changed 0 playbooks, 0 rules"
    assert AuditEntry.objects.count() == entries


def test_a_bad_file_changes_nothing_and_names_every_problem():
    make_playbook("keep")
    data = {"version": 1, "routing": [{"responsibility": "sales", "queue": "x"}],
            "playbooks": [{"key": "new", "name": "New", "actions": [{"type": "create_cta", "title": "{{ x }}"}]}],
            "rules": [{"key": "r", "name": "R", "playbook": "nope", "trigger": {"type": "renewal_in_days"}}]}
    with pytest.raises(ConfigInvalid) as caught:
        import_config(data, actor=None)
    assert caught.value.errors == [
        "routing[1]: responsibility must be one of onboarding, implementation, adoption, renewal, upsell, technical",
        "playbook new: action 1 (create_cta): title: unknown variable {{ x }}",
        "rule r: trigger (renewal_in_days): days is required",
        "rule r: unknown playbook 'nope'",
    ]
    assert list(Playbook.objects.values_list("key", flat=True)) == ["keep"]
    assert not Route.objects.exists()


def test_the_command_exports_and_imports(tmp_path):
    make_rule("renewal", {"type": "renewal_in_days", "days": 90}, make_playbook("prep"))
    path = tmp_path / "playbooks.yaml"
    call_command("playbooks", "export", str(path))
    Rule.objects.all().delete()
    call_command("playbooks", "import", str(path), "--dry-run")
    assert not Rule.objects.exists()
    call_command("playbooks", "import", str(path))
    assert Rule.objects.get().trigger == {"type": "renewal_in_days", "days": 90}


def test_the_command_refuses_a_bad_file_with_the_reasons(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("version: 1\nrules: [{key: r, name: R, playbook: p, trigger: {type: bogus}}]\n")
    with pytest.raises(CommandError, match="unknown type 'bogus'"):
        call_command("playbooks", "import", str(path))
