"""Signed links in messages: one-click unsubscribe and click tracking.

Both are ``django.core.signing`` tokens with their own salt. The click token carries the
destination itself, so the redirect goes only where a message we sent pointed (no open
redirect); anything tampered fails the signature and changes nothing.
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.core import signing

UNSUBSCRIBE_SALT = "csops.outreach.unsubscribe"
CLICK_SALT = "csops.outreach.click"
_HREF = re.compile(r'''(href\s*=\s*)(["'])(https?://[^"'\s<>]+)\2''', re.IGNORECASE)
_BARE_URL = re.compile(r"https?://[^\s<>\"')]+")


def unsubscribe_token(message: Any) -> str:
    return signing.dumps({"m": str(message.public_id), "c": message.contact_id}, salt=UNSUBSCRIBE_SALT)


def read_unsubscribe_token(token: str) -> dict[str, Any]:
    """The token's data; raises ``signing.BadSignature`` when tampered."""
    return signing.loads(token, salt=UNSUBSCRIBE_SALT)


def unsubscribe_url(message: Any) -> str:
    return f"{settings.CSOPS_PUBLIC_URL}/o/u/{unsubscribe_token(message)}/"


def click_token(message: Any, url: str) -> str:
    return signing.dumps({"m": str(message.public_id), "u": url}, salt=CLICK_SALT, compress=True)


def read_click_token(token: str) -> dict[str, Any]:
    data = signing.loads(token, salt=CLICK_SALT)
    if not isinstance(data, dict) or not str(data.get("u", "")).startswith(("https://", "http://")):
        raise signing.BadSignature("not a click token")
    return data


def click_url(message: Any, url: str) -> str:
    return f"{settings.CSOPS_PUBLIC_URL}/o/c/{click_token(message, url)}"


def _own(url: str) -> bool:
    return url.startswith(settings.CSOPS_PUBLIC_URL + "/o/")


def track_html(html: str, message: Any) -> str:
    """Rewrite every http(s) ``href`` to its signed tracking redirect (our own /o/ links stay)."""
    def swap(match: re.Match[str]) -> str:
        url = match.group(3).replace("&amp;", "&")
        if _own(url):
            return match.group(0)
        quote = match.group(2)
        return f"{match.group(1)}{quote}{click_url(message, url)}{quote}"

    return _HREF.sub(swap, html)


def track_text(text: str, message: Any) -> str:
    return _BARE_URL.sub(lambda m: m.group(0) if _own(m.group(0)) else click_url(message, m.group(0)), text)
