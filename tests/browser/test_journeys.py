"""The day's work in the browser, in Japanese and in English.

A CSM signs in, finds her account from the top bar, reads its page, logs a meeting, records the
customer's feature request and closes a CTA from her day; a CS leader reads the dashboard and
follows a chart to the accounts behind it; a viewer reads without any way to write.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from csops.customers.models import Activity, Contract
from csops.feedback.models import Feedback
from tests.browser.journeys import log_in, search_and_open, t

LANGUAGES = ["ja", "en"]
NAV_DASHBOARD = {"ja": "ダッシュボード", "en": "Dashboard"}


@pytest.mark.parametrize("persona_language", LANGUAGES)
def test_a_csm_finds_her_account_logs_a_meeting_and_records_feedback(
    page: Page, persona_language, alice, acme
):
    lang = persona_language
    log_in(page, alice.email)
    expect(page.locator("html")).to_have_attribute("lang", lang)
    search_and_open(page, "acme", "Acme")

    # The page reads whole: contract money without decimals, the contact on the power map.
    expect(page.locator(".account-head")).to_contain_text("¥6,000,000")
    expect(page.locator(".powermap")).to_contain_text("Sato Hanako")

    page.locator("#timeline summary").click()
    page.fill("#activity-form [name=summary]", f"Kickoff ({lang})")
    page.locator("#activity-form").get_by_label("Sato Hanako", exact=False).check()
    page.locator("#activity-form button[type=submit]").click()
    expect(page.locator("#timeline-list")).to_contain_text(f"Kickoff ({lang})")
    activity = Activity.objects.get(summary=f"Kickoff ({lang})")
    assert activity.author == alice and [c.name for c in activity.contacts.all()] == ["Sato Hanako"]

    # After the meeting she places Sato on the power map: high influence, positive.
    page.locator(".stance summary").click()
    stance = page.locator(".stance-form")
    stance.get_by_label(t(lang, "Person")).select_option(label="Sato Hanako")
    stance.get_by_label(t(lang, "Influence")).select_option("high")
    stance.get_by_label(t(lang, "Sentiment")).select_option("positive")
    stance.locator("button[type=submit]").click()
    expect(page.locator('.powermap__row[data-influence="high"] .person.sentiment-positive')).to_contain_text(
        "Sato Hanako"
    )

    panel = page.locator("#feedback-panel")
    panel.locator("summary").click()
    panel.locator("[name=kind]").select_option("feature_request")
    panel.locator("[name=title]").fill(f"CSV export of invoices ({lang})")
    panel.locator("button[type=submit]").click()
    expect(panel).to_contain_text(t(lang, "Feedback recorded."))
    expect(panel).to_contain_text(f"CSV export of invoices ({lang})")
    assert Feedback.objects.get(title=f"CSV export of invoices ({lang})").author == alice


@pytest.mark.parametrize("persona_language", LANGUAGES)
def test_a_cs_leader_reads_the_dashboard_and_follows_a_bar_to_the_accounts(
    page: Page, persona_language, carol, acme, globex
):
    lang = persona_language
    Contract.objects.filter(account=acme).update(renewal_date=timezone.localdate() + dt.timedelta(days=40))
    log_in(page, carol.email)
    page.locator("nav.mainnav a", has_text=NAV_DASHBOARD[lang]).click()
    expect(page.locator("h1")).to_have_text(NAV_DASHBOARD[lang])
    expect(page.locator('[data-kpi="arr"]')).to_contain_text("¥6,000,000")
    for chart in ("arr-movement", "retention", "renewals"):
        expect(page.locator(f'[data-chart="{chart}"]')).to_have_attribute("data-ready", "true")

    # Plotly draws the 90-day window's bar; clicking it lists the accounts renewing then.
    page.locator('[data-chart="renewals"] g.point path').nth(1).click(force=True)
    expect(page).to_have_url(re.compile(r"[?&]renewal=90\b"))
    expect(page.locator("#account-table")).to_contain_text("Acme")
    expect(page.locator("#account-table")).not_to_contain_text("Globex")


@pytest.mark.parametrize("persona_language", LANGUAGES)
def test_a_viewer_reads_an_account_without_any_way_to_change_it(page: Page, persona_language, victor, acme):
    log_in(page, victor.email)
    search_and_open(page, "ACME-1", "Acme")
    expect(page.locator("#activity-form")).to_have_count(0)
    expect(page.locator(".stance")).to_have_count(0)
    expect(page.locator("#feedback-panel")).to_contain_text(t(persona_language, "Product feedback"))
    expect(page.locator("#feedback-panel form")).to_have_count(0)


@pytest.mark.parametrize("persona_language", LANGUAGES)
def test_a_csm_closes_a_cta_from_her_day(page: Page, persona_language, alice, acme):
    from django.urls import reverse

    from csops.playbooks.models import Cta

    cta = Cta.objects.create(account=acme, title=f"Renewal call ({persona_language})", responsibility="renewal",
                             assignee=alice, due_on=timezone.localdate(), created_on=timezone.localdate())
    log_in(page, alice.email)
    page.locator("nav.mainnav a", has_text=t(persona_language, "My day")).click()
    page.locator(f'a[href="{reverse("playbooks-cta", args=[cta.pk])}"]').click()
    close = page.locator(f'form[action="{reverse("playbooks-cta-close", args=[cta.pk])}"]')
    close.locator("select[name=outcome]").select_option("resolved")
    close.locator("input[name=note]").fill("Renewed for two years")
    close.locator("button[type=submit]").click()
    page.wait_for_load_state()
    cta.refresh_from_db()
    assert (cta.status, cta.outcome, cta.closed_by) == ("closed", "resolved", alice)
    page.goto(reverse("playbooks-cockpit"))
    expect(page.locator("main")).not_to_contain_text(f"Renewal call ({persona_language})")
