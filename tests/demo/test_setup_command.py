from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from csops.customers.models import Account
from csops.demo.generate import DemoConfig
from csops.demo.management.commands import demo as demo_command
from csops.users.models import User

pytestmark = pytest.mark.django_db
LOGINS = {
    "admin@demo.csops.example": "admin",
    "csops@demo.csops.example": "cs_ops",
    "csm@demo.csops.example": "csm",
    "viewer@demo.csops.example": "viewer",
}


@pytest.fixture(autouse=True)
def _small_demo_and_fast_hashing(monkeypatch, settings):
    monkeypatch.setattr(demo_command, "SETUP_CONFIG", DemoConfig(accounts=15, months=3))
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_setup_in_debug_mode_loads_the_demo_and_creates_one_login_per_role(settings, capsys):
    settings.DEBUG, settings.CSOPS_DEMO_PASSWORD = True, ""
    call_command("demo", "setup")
    assert Account.objects.count() == 15
    for email, role in LOGINS.items():
        user = User.objects.get(email=email)
        assert user.role == role and user.check_password("csops-demo")
    assert Account.objects.filter(owner__email="csm@demo.csops.example").exists()
    assert "demo loaded: 15 accounts" in capsys.readouterr().out


def test_setup_does_not_load_over_existing_accounts(settings, acme):
    settings.DEBUG, settings.CSOPS_DEMO_PASSWORD = True, ""
    call_command("demo", "setup")
    assert list(Account.objects.values_list("name", flat=True)) == ["Acme"]
    assert User.objects.filter(email__in=LOGINS).count() == 4


def test_setup_refuses_outside_debug_mode_without_a_demo_password(settings):
    settings.DEBUG, settings.CSOPS_DEMO_PASSWORD = False, ""
    with pytest.raises(CommandError, match="CSOPS_DEMO_PASSWORD"):
        call_command("demo", "setup")
    assert not Account.objects.exists()
    assert not User.objects.exists()


def test_setup_outside_debug_mode_uses_the_configured_password(settings, acme):
    settings.DEBUG, settings.CSOPS_DEMO_PASSWORD = False, "a-long-operator-secret"
    call_command("demo", "setup")
    for email in LOGINS:
        user = User.objects.get(email=email)
        assert user.check_password("a-long-operator-secret")
        assert not user.check_password("csops-demo")


def test_setup_refuses_a_weak_configured_password(settings):
    settings.DEBUG, settings.CSOPS_DEMO_PASSWORD = False, "1234"
    with pytest.raises(CommandError, match="too weak"):
        call_command("demo", "setup")
    assert not User.objects.exists()


def test_setup_resets_the_demo_logins_each_time_and_leaves_other_people_alone(settings, acme, alice):
    settings.DEBUG, settings.CSOPS_DEMO_PASSWORD = True, ""
    call_command("demo", "setup")
    viewer = User.objects.get(email="viewer@demo.csops.example")
    viewer.set_password("changed-by-someone")
    viewer.role = "admin"
    viewer.save()
    call_command("demo", "setup")
    viewer.refresh_from_db()
    assert viewer.role == "viewer" and viewer.check_password("csops-demo")
    assert User.objects.filter(email__in=LOGINS).count() == 4
    alice.refresh_from_db()
    assert alice.check_password("correct-horse-battery")


def test_setup_refuses_to_mix_the_demo_into_a_lake_that_has_events(settings):
    import datetime as dt

    from csops.usage.lake import write_events
    from tests.usage.events import UTC, event, events_table

    settings.DEBUG, settings.CSOPS_DEMO_PASSWORD = True, ""
    write_events(events_table(event("x", dt.datetime(2026, 1, 1, tzinfo=UTC))), lake_dir=settings.CSOPS_LAKE_DIR)
    with pytest.raises(CommandError, match="demo load --force"):
        call_command("demo", "setup")
    assert not Account.objects.exists()


def test_setup_loads_the_demo_as_of_the_real_date_so_its_usage_runs_up_to_yesterday(settings):
    from django.utils import timezone

    from csops.health.demo import demo_today

    settings.DEBUG, settings.CSOPS_DEMO_PASSWORD = True, ""
    call_command("demo", "setup")
    assert demo_today() == timezone.localdate()


def test_setup_says_how_to_refresh_a_demo_loaded_weeks_ago(settings, capsys):
    settings.DEBUG, settings.CSOPS_DEMO_PASSWORD = True, ""
    call_command("demo", "setup", "--today", "2026-11-01")
    capsys.readouterr()
    call_command("demo", "setup", "--today", "2026-11-05")
    assert "is as of" not in capsys.readouterr().out
    call_command("demo", "setup", "--today", "2026-12-07")
    out = capsys.readouterr().out
    assert "the demo company is as of 2026-11-01" in out and str(settings.VAR_DIR) in out
    assert Account.objects.count() == 15
