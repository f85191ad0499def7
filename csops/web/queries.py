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
from django.db.models import Count, F, Max, OrderBy, Q, QuerySet

from csops.customers.models import Account, Activity, Contact, ContactRole, Contract
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
    # Drill-downs from the dashboard: a product, a health grade, one month's ARR movement.
    product: str = ""
    health: str = ""
    movement: str = ""
    month: dt.date | None = None
    maturity: int | None = None  # a maturity level of ``product`` (csops.journey)
    touch: str = ""  # a touch model, or "none" (csops.playbooks)
    cta: str = ""  # "open" or "overdue": accounts with such CTAs (csops.playbooks)
    paying: bool = False  # ARR today > 0 (of ``product`` when set), as the dashboard's panels count

    def dashboard_filters(self) -> Any:
        from csops.web.dashboard import DashboardFilters

        return DashboardFilters(product=self.product, segment=self.segment, owner=self.owner)


def filter_accounts(filters: AccountFilters, *, user: Any, today: dt.date) -> QuerySet[Account]:
    qs = Account.objects.select_related("owner")
    if filters.q:
        # As the top bar's search: NFKC-folded (full-width ＡＣＭＥ finds ACME), every word must match.
        from csops.web.search import account_match, normalise

        terms = normalise(filters.q)
        if terms:
            qs = qs.filter(account_match(terms))
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
    renewal_range = (today, today + dt.timedelta(days=filters.renewal_days or 0))
    if filters.product:
        # With a product, "renews soon" means that product's contract does (as on the dashboard).
        contracts = Contract.objects.filter(product__code=filters.product, status__in=Contract.LIVE_STATUSES)
        if filters.renewal_days:
            contracts = contracts.filter(renewal_date__range=renewal_range)
        if not filters.movement:  # a movement already speaks of the product (and churn leaves none live)
            qs = qs.filter(pk__in=contracts.values("account_id"))
    elif filters.renewal_days:
        # The account's next renewal is its earliest live one, even a date already past (stale data);
        # a second contract renewing within the window still counts, as on the dashboard.
        renewing = Contract.objects.filter(status__in=Contract.LIVE_STATUSES, renewal_date__range=renewal_range)
        qs = qs.filter(Q(next_renewal_date__range=renewal_range) | Q(pk__in=renewing.values("account_id")))
    if filters.paying:
        from csops.web.dashboard import paying_accounts

        qs = paying_accounts(qs, filters.product)
    if filters.health:
        from csops.web.dashboard import filter_by_grade

        qs = filter_by_grade(qs, filters.health, product=filters.product)
    if filters.maturity is not None:
        from csops.web.dashboard import filter_by_maturity

        qs = filter_by_maturity(qs, filters.maturity, product=filters.product)
    if filters.touch:
        from csops.web.dashboard import filter_by_touch

        qs = filter_by_touch(qs, filters.touch)
    if filters.cta:
        from csops.web.dashboard import filter_by_cta

        qs = filter_by_cta(qs, filters.cta, today=today)
    if filters.movement and filters.month:
        from csops.web.dashboard import movement_account_ids

        ids = movement_account_ids(
            filters.dashboard_filters(), user=user, month=filters.month, kind=filters.movement, today=today
        )
        qs = qs.filter(pk__in=ids)
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


# A decision maker or promoter not met for this long is a gap the CSM should close.
STALE_TOUCH_DAYS = 90
_INFLUENCE_ROWS = ("high", "medium", "low", "")


@dataclass
class PowerMap:
    rows: list[tuple[str, list[Contact]]]  # influence ("" = not judged yet) -> key people
    others: list[Contact]  # plain users nobody has placed yet: listed compactly, not as cards
    former: list[Contact]  # people who left: kept for the history, apart from the map
    stale: list[Contact]  # key people (decision makers, promoters) not touched for STALE_TOUCH_DAYS
    detractors: list[Contact]  # high-influence people with a negative sentiment


def contacts_with_last_touch(account: Account) -> list[Contact]:
    """The account's contacts, each with ``last_touch``: the newest activity they took part in."""
    return list(account.contacts.annotate(last_touch=Max("activities__occurred_at")))


def _is_key(contact: Contact) -> bool:
    # An enterprise customer has a hundred users; the map shows who decides, champions and runs
    # the product, plus anyone the CSM has judged.
    return contact.role != ContactRole.USER or bool(contact.influence or contact.sentiment)


def power_map(contacts: list[Contact], *, now: dt.datetime) -> PowerMap:
    """Arrange key people by influence; flag key people out of touch and influential detractors."""
    active = [c for c in contacts if c.is_active]
    order = {ContactRole.DECISION_MAKER: 0, ContactRole.PROMOTER: 1, ContactRole.OPERATOR: 2, ContactRole.USER: 3}
    key = [c for c in active if _is_key(c)]
    rows = []
    for influence in _INFLUENCE_ROWS:
        people = sorted((c for c in key if c.influence == influence), key=lambda c: (order.get(c.role, 9), c.name))
        if people:
            rows.append((influence, people))
    cutoff = now - dt.timedelta(days=STALE_TOUCH_DAYS)
    stale = [
        c for c in active
        if c.role in (ContactRole.DECISION_MAKER, ContactRole.PROMOTER)
        and (getattr(c, "last_touch", None) is None or c.last_touch < cutoff)
    ]
    return PowerMap(
        rows=rows,
        others=sorted((c for c in active if not _is_key(c)), key=lambda c: c.name),
        former=sorted((c for c in contacts if not c.is_active), key=lambda c: c.name),
        stale=stale,
        detractors=[c for c in active if c.influence == "high" and c.sentiment == "negative"],
    )


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
