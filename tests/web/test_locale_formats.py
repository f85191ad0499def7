"""Money and dates in the reader's language: JPY without decimals; Y/m/d in Japanese, m/d/Y in English.

Machine-readable dates stay ISO in ``<time datetime=...>``.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from csops.customers.models import Activity
from csops.feedback.models import Feedback
from csops.feedback.services import do_record_feedback
from csops.users.models import User
from tests.web.conftest import HTMX

# What each language shows: the next renewal (2026-04-01) and a timeline entry at 2025-05-01 00:30 UTC,
# that is 09:30 in the company's timezone (Asia/Tokyo).
FORMATS = {
    "ja": {"renewal": "2026/04/01", "timeline": "2025/05/01 9:30", "day": "2025/05/01"},
    "en": {"renewal": "04/01/2026", "timeline": "05/01/2025 9:30 a.m.", "day": "05/01/2025"},
}


@pytest.fixture(params=sorted(FORMATS))
def reader(request, victor):
    User.objects.filter(pk=victor.pk).update(language=request.param)
    victor.refresh_from_db()
    return victor


def section(html: str, start: str, end: str) -> str:
    return html[html.index(start):html.index(end, html.index(start))]


def test_a_japanese_reader_sees_japanese_dates(client_as, victor, acme):
    html = client_as(victor).get(reverse("account-detail", args=[acme.pk])).content.decode()
    assert "2026/04/01" in html and "¥6,000,000" in html and "¥6,000,000.00" not in html


def test_an_english_reader_sees_english_dates(client_as, victor, acme):
    User.objects.filter(pk=victor.pk).update(language="en")
    victor.refresh_from_db()
    html = client_as(victor).get(reverse("account-detail", args=[acme.pk])).content.decode()
    assert "04/01/2026" in html and "¥6,000,000" in html


def test_the_next_renewal_is_in_the_readers_locale(client_as, reader, acme):
    expected = FORMATS[reader.language]["renewal"]
    client = client_as(reader)
    page = client.get(reverse("account-detail", args=[acme.pk])).content.decode()
    assert expected in section(page, 'class="facts facts--row"', "</dl>")  # the header, not the contracts
    listing = client.get(reverse("account-list")).content.decode()
    assert f'<time datetime="2026-04-01">{expected}</time>' in listing
    assert "2026-04-01</" not in listing


def test_the_timeline_is_in_the_readers_locale(client_as, reader, alice, acme):
    Activity.objects.create(account=acme, kind="call", summary="Call", author=alice,
                            occurred_at=dt.datetime(2025, 5, 1, 0, 30, tzinfo=dt.UTC))
    page = client_as(reader).get(reverse("account-detail", args=[acme.pk])).content.decode()
    timeline = section(page, 'id="timeline-list"', "</ol>")
    assert f'<time datetime="2025-05-01T09:30:00+09:00">{FORMATS[reader.language]["timeline"]}</time>' in timeline


def test_the_feedback_dates_are_in_the_readers_locale(client_as, reader, alice, acme):
    feedback = do_record_feedback(acme, kind="bug", title="Slow search", actor=alice)
    Feedback.objects.filter(pk=feedback.pk).update(created_at=dt.datetime(2025, 4, 30, 15, 30, tzinfo=dt.UTC))
    client = client_as(reader)
    expected = f'<time datetime="2025-05-01">{FORMATS[reader.language]["day"]}</time>'
    assert expected in client.get(reverse("feedback-account", args=[acme.pk]), **HTMX).content.decode()
    assert expected in client.get(reverse("feedback-list")).content.decode()
