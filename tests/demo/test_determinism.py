from __future__ import annotations

import pytest
from django.core.management import call_command

from csops.audit.models import AuditEntry
from csops.demo.events import generate_events
from csops.demo.generate import DemoConfig, generate_company
from csops.demo.load import clear_customer_data
from csops.users.models import User
from tests.demo.helpers import database_digest, database_rows, lake_events

SMALL = ["--accounts", "30", "--months", "6"]


def _fresh_database(lake_dir):
    clear_customer_data(lake_dir=lake_dir)
    User.objects.all().delete()
    AuditEntry.objects.all().delete()


@pytest.mark.django_db
def test_the_same_seed_loads_identical_rows_and_identical_events(settings, tmp_path):
    settings.CSOPS_LAKE_DIR = tmp_path / "first"
    call_command("demo", "load", *SMALL, "--seed", "7")
    first_rows, first_digest = database_rows(), database_digest()
    first_events = lake_events(tmp_path / "first")

    _fresh_database(settings.CSOPS_LAKE_DIR)
    settings.CSOPS_LAKE_DIR = tmp_path / "second"
    call_command("demo", "load", *SMALL, "--seed", "7")

    assert database_rows() == first_rows
    assert database_digest() == first_digest
    second_events = lake_events(tmp_path / "second")
    assert first_events.num_rows > 1000
    assert second_events.equals(first_events)


@pytest.mark.django_db
def test_another_seed_loads_another_company(settings, tmp_path):
    call_command("demo", "load", *SMALL, "--seed", "7", "--no-events")
    first = database_digest()
    _fresh_database(settings.CSOPS_LAKE_DIR)
    call_command("demo", "load", *SMALL, "--seed", "8", "--no-events")
    assert database_digest() != first


@pytest.mark.django_db
def test_skipping_events_does_not_change_the_database_content(settings):
    call_command("demo", "load", *SMALL, "--seed", "7")
    with_events = database_digest()
    _fresh_database(settings.CSOPS_LAKE_DIR)
    call_command("demo", "load", *SMALL, "--seed", "7", "--no-events")
    assert database_digest() == with_events


def test_generation_does_not_depend_on_the_global_random_state():
    import random

    import numpy as np

    config = DemoConfig(seed=3, accounts=20, months=4)
    random.seed(1)
    np.random.seed(1)  # the point: it must not matter
    first = list(generate_events(generate_company(config)))
    random.seed(2)
    np.random.seed(2)
    second = list(generate_events(generate_company(config)))
    assert len(first) == len(second) and all(a.equals(b) for a, b in zip(first, second, strict=True))
