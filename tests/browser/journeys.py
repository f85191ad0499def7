"""Steps shared by the browser journeys, written as a person would do them."""

from __future__ import annotations

from django.utils import translation
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD


def t(language: str, text: str) -> str:
    """The UI text in ``language`` from the shipped catalogue (so a missing translation shows)."""
    with translation.override(language):
        return translation.gettext(text)


def log_in(page: Page, email: str) -> None:
    page.goto("/login/")
    page.fill("#id_email", email)
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("header .usermenu__me")).to_be_visible()


def search_and_open(page: Page, query: str, account_name: str) -> None:
    page.fill("#top-search", query)
    page.press("#top-search", "Enter")
    page.locator('[data-kind="accounts"] a', has_text=account_name).click()
    expect(page.locator("h1#account-name")).to_have_text(account_name)
