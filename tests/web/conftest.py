from __future__ import annotations

import pytest
from django.core.cache import cache
from django.utils import translation


@pytest.fixture(autouse=True)
def _fresh_cache_and_language():
    # The login rate limit lives in the cache; a test must never inherit another's failures.
    cache.clear()
    yield
    cache.clear()
    translation.deactivate()


@pytest.fixture
def persona_language() -> str:
    return "ja"


HTMX = {"HTTP_HX_REQUEST": "true"}
