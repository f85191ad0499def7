from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from csops.audit.models import AuditEntry
from csops.users.models import ApiToken, User, hash_token

pytestmark = pytest.mark.django_db


def test_users_create_makes_a_user_with_the_role(capsys):
    call_command("users", "create", "Ana@Example.com", "--role", "csm", "--name", "Ana")
    user = User.objects.get(email="ana@example.com")
    assert user.role == "csm"
    assert not user.has_usable_password()
    assert "created ana@example.com as csm" in capsys.readouterr().out
    assert AuditEntry.objects.filter(action="user.created").exists()


def test_users_create_reads_the_password_from_the_environment(monkeypatch):
    monkeypatch.setenv("CSOPS_USER_PASSWORD", "a-long-enough-secret")
    call_command("users", "create", "ana@example.com", "--role", "viewer")
    assert User.objects.get(email="ana@example.com").check_password("a-long-enough-secret")


def test_users_create_refuses_a_weak_password(monkeypatch):
    monkeypatch.setenv("CSOPS_USER_PASSWORD", "123")
    with pytest.raises(CommandError):
        call_command("users", "create", "ana@example.com", "--role", "viewer")
    assert not User.objects.exists()


def test_users_create_refuses_an_unknown_role():
    with pytest.raises(CommandError):
        call_command("users", "create", "ana@example.com", "--role", "god")


def test_users_create_refuses_a_duplicate(alice):
    with pytest.raises(CommandError, match="already exists"):
        call_command("users", "create", "alice@example.com", "--role", "csm")


def test_tokens_create_prints_a_token_once_and_stores_only_its_hash(alice, capsys):
    call_command("tokens", "create", "alice@example.com")
    raw = capsys.readouterr().out.strip()
    assert raw.startswith("csops_")
    token = ApiToken.objects.get(user=alice)
    assert token.key_hash == hash_token(raw)
    assert raw not in token.key_hash
    assert ApiToken.authenticate(raw) == alice


def test_a_revoked_token_no_longer_authenticates(alice, capsys):
    call_command("tokens", "create", "alice@example.com")
    raw = capsys.readouterr().out.strip()
    call_command("tokens", "revoke", raw[:12])
    assert ApiToken.authenticate(raw) is None


def test_the_csops_console_command_wraps_django_commands():
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "csops.cli", "help", "users"], capture_output=True, text=True)
    assert out.returncode == 0
    assert "create" in out.stdout
