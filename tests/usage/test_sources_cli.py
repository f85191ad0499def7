"""`csops sources create|list|revoke`: the key is printed once, stored hashed, and revocable."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from csops.audit.models import AuditEntry
from csops.usage.models import Source
from csops.users.models import hash_token


def test_create_prints_the_key_once_and_stores_only_its_hash(db, capsys):
    call_command("sources", "create", "web app")
    key = capsys.readouterr().out.strip()
    assert key.startswith("wk_")
    source = Source.objects.get(name="web app")
    assert source.key_hash == hash_token(key)
    assert key not in (source.key_hash, source.hint)
    assert Source.for_key(key) == source


def test_create_refuses_a_name_that_exists(db):
    call_command("sources", "create", "web app")
    with pytest.raises(CommandError, match="already exists"):
        call_command("sources", "create", "web app")


def test_list_shows_hints_and_states_never_keys(db, capsys):
    call_command("sources", "create", "web app")
    call_command("sources", "create", "mobile")
    call_command("sources", "revoke", "mobile")
    key = capsys.readouterr().out.splitlines()[0]
    call_command("sources", "list")
    out = capsys.readouterr().out
    assert key not in out
    lines = out.splitlines()
    assert lines[0].startswith("mobile\twk_") and "\trevoked\t" in lines[0]
    assert lines[1].startswith("web app\twk_") and "\tlive\t" in lines[1]


def test_revoke_stops_the_key_and_is_audited(db, capsys):
    call_command("sources", "create", "web app")
    key = capsys.readouterr().out.strip()
    call_command("sources", "revoke", "web app")
    assert Source.for_key(key) is None
    assert list(AuditEntry.objects.order_by("id").values_list("action", flat=True)) == [
        "source.created", "source.revoked"]


def test_revoke_refuses_an_unknown_or_revoked_source(db):
    with pytest.raises(CommandError, match="no source"):
        call_command("sources", "revoke", "nope")
    call_command("sources", "create", "web app")
    call_command("sources", "revoke", "web app")
    with pytest.raises(CommandError, match="already revoked"):
        call_command("sources", "revoke", "web app")
