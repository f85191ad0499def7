"""Read-side queries for the web pages: plain functions over plain arguments, no HTTP.

The account list must stay fast at 10k accounts, so every page costs a fixed number
of queries whatever its size: one COUNT, one SELECT for the page (owner joined), one
grouped COUNT of the page's contacts. Sorts end on the primary key so that paging is
stable and each sort can walk an index (``name``, ``owner, name``, ``arr``...).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, F, OrderBy, Q, QuerySet

from csops.customers.models import Account, Activity, Contact, ContactRole
from csops.users.models import Role, User

PAGE_SIZE = 50
TIMELINE_PAGE_SIZE = 50
RENEWAL_WINDOWS = (30, 90, 180)

# The whitelist of sorts: a request can only pick one of these keys.
SORTS: dict[str, tuple[str | OrderBy, ...]] = {
    "name": ("name", "pk"),
    "-name": ("-name", "-pk"),
    "arr": ("arr", "pk"),
    "-arr": ("-arr", "-pk"),
    "renewal": (F("next_renewal_date").asc(nulls_last=True), "pk"),
    "-renewal": (F("next_renewal_date").desc(nulls_last=True), "-pk"),
    "owner": (F("owner__name").asc(nulls_last=True), "name", "pk"),
    "-owner": (F("owner__name").desc(nulls_last=True), "name", "pk"),
}
DEFAULT_SORT = "name"

OWNER_MINE = "mine"
OWNER_NONE = "none"


def assignable_owners() -> QuerySet[User]:
    """People who can own an account: active CSMs, CS Ops and admins."""
    return User.objects.filter(is_active=True, role__in=(Role.CSM, Role.CS_OPS, Role.ADMIN)).only(
        "pk", "name", "email", "role"
    )


@dataclass
class AccountFilters:
    q: str = ""
    owner: str = ""  # "", "mine", "none" or a user pk
    segment: str = ""
    stage: str = ""
    renewal_days: int | None = None
    sort: str = DEFAULT_SORT


def filter_accounts(filters: AccountFilters, *, user: Any, today: dt.date) -> QuerySet[Account]:
    qs = Account.objects.select_related("owner")
    if filters.q:
        qs = qs.filter(Q(name__icontains=filters.q) | Q(external_id__icontains=filters.q))
    if filters.owner == OWNER_MINE:
        qs = qs.filter(owner_id=user.pk)
    elif filters.owner == OWNER_NONE:
        qs = qs.filter(owner__isnull=True)
    elif filters.owner.isdigit():
        qs = qs.filter(owner_id=int(filters.owner))
    if filters.segment:
        qs = qs.filter(segment=filters.segment)
    if filters.stage:
        qs = qs.filter(lifecycle_stage=filters.stage)
    if filters.renewal_days:
        qs = qs.filter(
            next_renewal_date__gte=today, next_renewal_date__lte=today + dt.timedelta(days=filters.renewal_days)
        )
    return qs.order_by(*SORTS.get(filters.sort, SORTS[DEFAULT_SORT]))


def account_page(filters: AccountFilters, *, user: Any, today: dt.date, page: Any) -> Page:
    """One page of the filtered accounts, each with ``contact_count`` (contacts still at the customer)."""
    paginator = Paginator(filter_accounts(filters, user=user, today=today), PAGE_SIZE)
    page_obj = paginator.get_page(page)
    accounts = list(page_obj.object_list)
    counts = dict(
        Contact.objects.filter(account_id__in=[a.pk for a in accounts], is_active=True)
        .values("account_id")
        .annotate(n=Count("pk"))
        .values_list("account_id", "n")
    )
    for account in accounts:
        account.contact_count = counts.get(account.pk, 0)  # type: ignore[attr-defined]
    page_obj.object_list = accounts
    return page_obj


@dataclass
class ContactWarnings:
    no_promoter: bool = False
    promoter_is_operator: list[str] = field(default_factory=list)


def contact_warnings(contacts: list[Contact]) -> ContactWarnings:
    """Gaps in the people map: nobody champions the product, or one person both champions and runs it.

    A contact has one role, so "the same person" shows up as two contact rows (one
    promoter, one operator) with the same email or the same name.
    """
    active = [c for c in contacts if c.is_active]
    promoters = [c for c in active if c.role == ContactRole.PROMOTER]
    operators = [c for c in active if c.role == ContactRole.OPERATOR]
    warnings = ContactWarnings(no_promoter=not promoters)

    def keys(c: Contact) -> set[str]:
        out = {"name:" + " ".join(c.name.split()).casefold()}
        if c.email:
            out.add("email:" + c.email.strip().casefold())
        return out

    operator_keys = set().union(*(keys(o) for o in operators)) if operators else set()
    for p in promoters:
        if keys(p) & operator_keys:
            warnings.promoter_is_operator.append(p.name)
    return warnings


@dataclass
class TimelineSlice:
    activities: list[Activity]
    next_cursor: int | None  # the id of the last activity shown, when older ones exist


def timeline(account: Account, *, before: int | None = None, size: int = TIMELINE_PAGE_SIZE) -> TimelineSlice:
    """Newest first; ``before`` is the id of the last activity already shown (keyset paging).

    Keyset rather than page numbers, so that an activity logged meanwhile does not
    shift the next slice and show an entry twice.
    """
    qs = account.activities.select_related("author").prefetch_related("contacts")
    if before is not None:
        anchor = account.activities.filter(pk=before).values_list("occurred_at", flat=True).first()
        if anchor is not None:
            qs = qs.filter(Q(occurred_at__lt=anchor) | Q(occurred_at=anchor, pk__lt=before))
    rows = list(qs.order_by("-occurred_at", "-pk")[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return TimelineSlice(activities=rows, next_cursor=rows[-1].pk if more and rows else None)
