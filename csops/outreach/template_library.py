"""The only tags and filters a message template may use: a safe subset of Django's built-ins.

No ``include``, ``extends``, ``load``, ``url``, ``debug``, ``csrf_token`` or ``static``: a
template written by CS Ops cannot read files, reach other templates or dump its context.
"""

from __future__ import annotations

from django.template import Library, defaultfilters, defaulttags

register = Library()

SAFE_TAGS = ("if", "for", "with", "firstof", "comment", "spaceless", "now", "cycle", "verbatim")
SAFE_FILTERS = (
    "default", "default_if_none", "upper", "lower", "title", "capfirst", "truncatechars", "truncatewords",
    "date", "floatformat", "length", "first", "last", "join", "yesno", "linebreaksbr", "cut", "add",
    "pluralize", "urlencode", "escape", "striptags", "wordwrap", "center", "ljust", "rjust",
)

for _name in SAFE_TAGS:
    register.tags[_name] = defaulttags.register.tags[_name]
for _name in SAFE_FILTERS:
    register.filters[_name] = defaultfilters.register.filters[_name]
