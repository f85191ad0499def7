"""The journey registers "maturity" and "stages" in the daily pipeline; running a day twice changes nothing."""

from __future__ import annotations

import pytest

from csops.journey.models import MaturityChange, StageChange
from csops.pipeline.registry import ORDER, get_step
from tests.journey.conftest import day

pytestmark = pytest.mark.django_db


def test_the_steps_are_registered_in_their_slots():
    assert get_step("maturity").order == ORDER["maturity"]
    assert get_step("stages").order == ORDER["stages"]


def test_running_a_day_twice_changes_nothing(journey, lake):
    counts = []
    for _ in range(2):
        get_step("maturity").run(day(0), progress=lambda done, total: None)
        get_step("stages").run(day(0), progress=lambda done, total: None)
        counts.append((MaturityChange.objects.count(), StageChange.objects.count()))
    # The first run also builds the new model's history from the lake's first event day (D-40):
    # Acme's four level changes and Globex's two; the second run adds nothing.
    assert counts == [(6, 2), (6, 2)]
