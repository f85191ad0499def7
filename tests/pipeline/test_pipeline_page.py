"""/pipeline/ shows CS Ops the runs and the failures; others are refused; outsiders go to the login."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django_tasks_db.models import DBTaskResult

from csops.pipeline.models import PipelineRun

pytestmark = pytest.mark.django_db

MAY_SEE = {"alice": False, "bob": False, "carol": True, "dave": True, "victor": False}


@pytest.fixture
def people(alice, bob, carol, dave, victor):
    return {"alice": alice, "bob": bob, "carol": carol, "dave": dave, "victor": victor}


def test_an_outsider_is_sent_to_the_login(client):
    assert "/login/" in client.get("/pipeline/")["Location"]
    assert "/login/" in client.post("/pipeline/run/")["Location"]


@pytest.mark.parametrize("persona", sorted(MAY_SEE))
def test_who_sees_the_pipeline(persona, people, client):
    client.force_login(people[persona])
    assert client.get("/pipeline/").status_code == (200 if MAY_SEE[persona] else 403)


@pytest.mark.parametrize("persona", sorted(MAY_SEE))
def test_who_may_start_a_run(persona, people, client):
    client.force_login(people[persona])
    response = client.post("/pipeline/run/")
    assert response.status_code == (302 if MAY_SEE[persona] else 403)
    assert DBTaskResult.objects.exists() is MAY_SEE[persona]
    assert PipelineRun.objects.exists() is MAY_SEE[persona]


def test_a_failure_is_shown_with_its_step_and_traceback(carol, client, recorder):
    recorder.fail = True
    with pytest.raises(CommandError):
        call_command("pipeline", "run", "--date", dt.date(2026, 11, 2).isoformat())
    client.force_login(carol)
    body = client.get("/pipeline/").content.decode()
    assert "test-measures" in body
    assert "RuntimeError: the warehouse is unreachable" in body
