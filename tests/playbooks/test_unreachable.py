"""Over-contact: N touches without an answer opens an "unreachable" episode, counted per CSM."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from csops.customers.services.accounts import do_log_activity
from csops.outreach.touches import record_touch
from csops.playbooks.engine import run_rules_day, unreachable_per_csm
from csops.playbooks.models import PlaybookSettings, Unreachable
from tests.playbooks.conftest import DAY

pytestmark = pytest.mark.django_db


def _at(offset: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(DAY + dt.timedelta(days=offset), dt.time(10)))


def test_n_touches_without_an_answer_make_the_contact_unreachable_until_they_answer(acme, alice):
    PlaybookSettings.objects.create(unreachable_after=3)
    promoter = acme.contacts.get()
    for offset in (-20, -10, -1):
        record_touch(promoter, channel="email", source="outreach", at=_at(offset))
    run_rules_day(DAY)
    run_rules_day(DAY)
    episode = Unreachable.objects.get()
    assert (episode.contact, episode.csm, episode.touches, episode.ended_on) == (promoter, alice, 3, None)
    assert unreachable_per_csm() == {alice.pk: 1}
    do_log_activity(acme, kind="call", summary="Talked to Sato", actor=alice, contacts=[promoter],
                    occurred_at=_at(1))
    run_rules_day(DAY + dt.timedelta(days=1))
    episode.refresh_from_db()
    assert episode.ended_on == DAY + dt.timedelta(days=1)


def test_an_answer_between_touches_resets_the_count(acme, alice):
    PlaybookSettings.objects.create(unreachable_after=3)
    promoter = acme.contacts.get()
    record_touch(promoter, channel="email", source="outreach", at=_at(-20))
    do_log_activity(acme, kind="meeting", summary="Met", actor=alice, contacts=[promoter], occurred_at=_at(-15))
    for offset in (-10, -1):
        record_touch(promoter, channel="email", source="outreach", at=_at(offset))
    run_rules_day(DAY)
    assert not Unreachable.objects.exists()
