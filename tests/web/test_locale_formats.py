"""Money and dates in the reader's language: JPY without decimals; Y/m/d in Japanese, m/d/Y in English."""

from __future__ import annotations

from django.urls import reverse

from csops.users.models import User


def test_a_japanese_reader_sees_japanese_dates(client_as, victor, acme):
    html = client_as(victor).get(reverse("account-detail", args=[acme.pk])).content.decode()
    assert "2026/04/01" in html and "¥6,000,000" in html and "¥6,000,000.00" not in html


def test_an_english_reader_sees_english_dates(client_as, victor, acme):
    User.objects.filter(pk=victor.pk).update(language="en")
    victor.refresh_from_db()
    html = client_as(victor).get(reverse("account-detail", args=[acme.pk])).content.decode()
    assert "04/01/2026" in html and "¥6,000,000" in html
