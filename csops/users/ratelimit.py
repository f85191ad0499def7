"""A fixed-window counter of failed attempts, kept in Django's cache."""

from __future__ import annotations

from django.core.cache import cache

WINDOW_SECONDS = 15 * 60


def _key(scope: str, ident: str) -> str:
    return f"csops:rl:{scope}:{ident}"


def is_blocked(scope: str, ident: str, limit: int) -> bool:
    return int(cache.get(_key(scope, ident), 0)) >= limit


def hit(scope: str, ident: str) -> int:
    key = _key(scope, ident)
    if cache.add(key, 1, WINDOW_SECONDS):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, WINDOW_SECONDS)
        return 1


def reset(scope: str, ident: str) -> None:
    cache.delete(_key(scope, ident))
