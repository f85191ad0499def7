"""Browser tests: Playwright driving Debian's Chromium (headless) against pytest-django's live server.

Nothing is downloaded: ``executable_path`` points at the system Chromium (see ensure_chromium.py,
which ``make test`` runs first). The live server runs the real middleware, templates, htmx and
plotly.js from the installed package; the test thread seeds data through the ORM.
"""

from __future__ import annotations

import os

import pytest

from tests.browser.ensure_chromium import chromium_path

# Playwright's sync API keeps an event loop in this thread; the ORM calls the tests make here are
# still synchronous and one at a time, which is what Django's guard is protecting.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    if not os.access(path, os.X_OK):
        pytest.fail(f"Chromium not found at {path}: run `python tests/browser/ensure_chromium.py` (make test does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # No sandbox: CI containers run as root, where Chromium's sandbox cannot start.
        browser = playwright.chromium.launch(executable_path=path, headless=True, args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def page(browser, live_server, persona_language):
    context = browser.new_context(
        base_url=live_server.url, locale="ja-JP" if persona_language == "ja" else "en-US",
        viewport={"width": 1440, "height": 1000}, timezone_id="Asia/Tokyo",
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()
