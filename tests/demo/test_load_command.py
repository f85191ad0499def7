from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import CommandError, call_command

from csops.audit.models import AuditEntry
from csops.customers.models import Account, Activity, Contact, Contract, Handoff, Product
from csops.usage.lake import events_dataset, has_events, write_events
from csops.users.models import User
from tests.usage.events import UTC, event, events_table

pytestmark = pytest.mark.django_db
SMALL = ["--accounts", "12", "--months", "4"]


def test_demo_load_fills_every_table_and_prints_a_summary(settings, capsys):
    call_command("demo", "load", *SMALL)
    out = capsys.readouterr().out.strip()
    assert out.startswith("demo loaded: 12 accounts, ")
    assert "events" in out and "churned" in out and "expanded" in out and "\n" not in out
    assert Account.objects.count() == 12
    assert set(Product.objects.values_list("code", flat=True)) == {"delivery", "analytics"}
    assert Contract.objects.exists() and Contact.objects.exists() and Activity.objects.exists()
    assert Handoff.objects.exists()
    assert events_dataset(settings.CSOPS_LAKE_DIR).count_rows() > 0
    assert AuditEntry.objects.filter(action="demo.loaded").count() == 1


def test_accounts_are_owned_by_demo_csms_without_passwords():
    call_command("demo", "load", *SMALL, "--no-events")
    csms = User.objects.filter(role="csm")
    assert csms.count() == 7
    assert not any(u.has_usable_password() for u in csms)
    assert all(a.owner and a.owner.email.endswith("@demo.csops.example") for a in Account.objects.all())


def test_arr_and_renewal_are_rolled_up_from_live_contracts():
    call_command("demo", "load", *SMALL, "--no-events")
    for account in Account.objects.prefetch_related("contracts"):
        live = [c for c in account.contracts.all() if c.is_live]
        assert account.arr == sum((c.mrr * 12 for c in live), start=0)
        assert (account.lifecycle_stage == "churned") == (not live)


def test_demo_load_refuses_a_database_with_customers(acme):
    with pytest.raises(CommandError, match="already holds customer data; use --force"):
        call_command("demo", "load", *SMALL)
    assert list(Account.objects.values_list("name", flat=True)) == ["Acme"]


def test_demo_load_refuses_a_lake_with_events(settings):
    write_events(events_table(event("x", dt.datetime(2026, 1, 1, tzinfo=UTC))), lake_dir=settings.CSOPS_LAKE_DIR)
    with pytest.raises(CommandError, match="already holds events"):
        call_command("demo", "load", *SMALL)
    assert not Account.objects.exists()


def test_force_replaces_customer_data_and_the_lake_events(acme, settings):
    write_events(events_table(event("x", dt.datetime(2026, 1, 1, tzinfo=UTC))), lake_dir=settings.CSOPS_LAKE_DIR)
    call_command("demo", "load", *SMALL, "--force")
    assert not Account.objects.filter(name="Acme").exists()
    assert Account.objects.count() == 12
    ids = events_dataset(settings.CSOPS_LAKE_DIR).to_table(columns=["message_id"]).column("message_id").to_pylist()
    assert "x" not in ids and ids
    assert User.objects.filter(email="alice@example.com").exists()  # people stay


def test_no_events_leaves_the_lake_empty(settings):
    call_command("demo", "load", *SMALL, "--no-events")
    assert not has_events(settings.CSOPS_LAKE_DIR)


def test_events_stop_at_the_reference_date(settings):
    call_command("demo", "load", *SMALL, "--today", "2025-03-01")
    table = events_dataset(settings.CSOPS_LAKE_DIR).to_table(columns=["timestamp"])
    latest = max(table.column("timestamp").to_pylist())
    assert dt.datetime(2025, 2, 27, tzinfo=UTC) < latest < dt.datetime(2025, 2, 28, 15, tzinfo=UTC)


@pytest.mark.parametrize(
    "args", [["--today", "yesterday"], ["--accounts", "0"], ["--months", "-3"], ["--months", "500"]]
)
def test_bad_options_are_refused(args):
    with pytest.raises(CommandError):
        call_command("demo", "load", *args)
    assert not Account.objects.exists()
