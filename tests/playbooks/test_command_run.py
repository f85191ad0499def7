"""``csops playbooks run`` evaluates a day; with --dry-run it lists what would fire and changes nothing."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command

from csops.playbooks.models import Cta, Episode
from tests.playbooks.conftest import DAY, make_playbook, make_rule

pytestmark = pytest.mark.django_db


def test_the_dry_run_lists_the_hits_and_the_real_run_creates_them(acme, settings):
    settings.LANGUAGE_CODE = "en"
    acme.next_renewal_date = DAY + dt.timedelta(days=10)
    acme.save()
    make_rule("renewal", {"type": "renewal_in_days", "days": 30}, make_playbook())
    out = StringIO()
    call_command("playbooks", "run", "--date", DAY.isoformat(), "--dry-run", stdout=out)
    assert "renewal: Acme — Renewal on" in out.getvalue()
    assert "1 would fire" in out.getvalue()
    assert not Episode.objects.exists()
    call_command("playbooks", "run", "--date", DAY.isoformat(), stdout=StringIO())
    assert Cta.objects.get().reason.startswith("Renewal on")


def test_a_bad_date_is_refused(db):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="--date must be YYYY-MM-DD"):
        call_command("playbooks", "run", "--date", "tomorrow")
