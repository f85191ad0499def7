"""The top bar's search: accounts, contacts and feedback from one box, as a plain function.

Each word of the query must match (in any of a record's searched fields), case-insensitively,
after NFKC normalisation so that full-width ``ＡＣＭＥ`` finds ``ACME`` and half-width katakana
finds full-width. Each kind returns at most ``limit`` rows (one more is fetched to know whether
there are more), so a search costs three bounded queries whatever the size of the company.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from functools import reduce
from operator import and_, or_
from typing import Any

from django.db.models import Q, QuerySet

from csops.customers.models import Account, Contact
from csops.customers.permissions import can_view_account
from csops.feedback.models import Feedback
from csops.feedback.permissions import can_read_feedback

DEFAULT_LIMIT = 10
MAX_TERMS = 5
MIN_LENGTH = 1


def normalise(query: str) -> list[str]:
    """The words of a query, NFKC-normalised, at most MAX_TERMS of them."""
    text = unicodedata.normalize("NFKC", query or "").strip()
    return [w for w in text.split() if len(w) >= MIN_LENGTH][:MAX_TERMS]


def _match(terms: list[str], fields: tuple[str, ...]) -> Q:
    return reduce(and_, (reduce(or_, (Q(**{f"{f}__icontains": t}) for f in fields)) for t in terms))


ACCOUNT_FIELDS = ("name", "external_id", "website")


def account_match(terms: list[str]) -> Q:
    """Accounts matching every word: the account list's text filter uses it too, so that "All matching
    accounts" lists the very accounts the search box found."""
    return _match(terms, ACCOUNT_FIELDS)


@dataclass
class Hits:
    items: list[Any] = field(default_factory=list)
    more: bool = False


@dataclass
class SearchResults:
    query: str
    terms: list[str]
    accounts: Hits
    contacts: Hits
    feedback: Hits

    @property
    def empty(self) -> bool:
        return not (self.accounts.items or self.contacts.items or self.feedback.items)


def _take(qs: QuerySet[Any], limit: int) -> Hits:
    rows = list(qs[: limit + 1])
    return Hits(items=rows[:limit], more=len(rows) > limit)


def search(query: str, *, user: Any, limit: int = DEFAULT_LIMIT) -> SearchResults:
    """What ``user`` may read that matches ``query``; nothing at all for someone who may not read."""
    terms = normalise(query)
    none = SearchResults(query=query, terms=terms, accounts=Hits(), contacts=Hits(), feedback=Hits())
    # Every signed-in person reads every account today (customers.permissions); asking the same
    # functions keeps search in step if that rule ever narrows.
    if not terms or not can_view_account(user, None):
        return none
    accounts = Account.objects.select_related("owner").filter(account_match(terms)).order_by("-arr", "name", "pk")
    # Contacts outnumber accounts twenty to one: in primary-key order the scan stops at the
    # limit for a common word instead of sorting every match; the page sorts the few it shows.
    # Two columns scanned (each costs a LIKE per row over 20 contacts per account); a CRM id is
    # looked up whole, through its unique index.
    contacts = Contact.objects.select_related("account").filter(
        _match(terms, ("name", "email")) | Q(external_id=" ".join(terms))
    ).order_by("pk")
    found = _take(contacts, limit)
    found.items.sort(key=lambda c: (not c.is_active, c.name))
    result = SearchResults(
        query=query, terms=terms, accounts=_take(accounts, limit), contacts=found, feedback=Hits()
    )
    if can_read_feedback(user):
        feedback = Feedback.objects.select_related("account").filter(
            _match(terms, ("title", "body"))
        ).order_by("-created_at", "-pk")
        result.feedback = _take(feedback, limit)
    return result
