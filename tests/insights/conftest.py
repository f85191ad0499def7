from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _company_language_english(settings):
    # Command output and page text are in the company's language; these tests read English.
    settings.LANGUAGE_CODE = "en"
