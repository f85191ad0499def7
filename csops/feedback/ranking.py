"""The ranking of requests by what is at stake: the ARR of the accounts asking.

Definition (also in docs/feedback.md):

* Which feedback: feature requests and bugs (use cases are not asks) whose status is still open
  (new, under review, planned), optionally for one product.
* Groups: requests whose titles are similar form one group: character n-gram TF-IDF, cosine
  similarity, complete-linkage clustering, so every two requests in a group are more similar
  than the threshold (see ``csops.feedback.similarity``). A chain of look-alikes does not merge
  unrelated asks, which would inflate the group's ARR.
* ARR of a group: the sum of ``Account.arr`` over the *distinct* accounts in the group. An
  account that asked three times counts once: the ranking measures revenue, not noise.
* At-risk ARR of a group: the same sum restricted to the accounts whose ``next_renewal_date``
  falls between today and today + 90 days (inclusive). A renewal date already past is not
  counted: it means stale contract data, not a renewal still to win.
* Order: ARR descending (or at-risk ARR first with ``order="at_risk"``), then the number of
  accounts, then the newest request.
* Money is summed as stored; the company reports ARR in one currency (``CSOPS_COMPANY_CURRENCY``,
  JPY in the demo), so no conversion.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from csops.feedback.models import OPEN_STATUSES, REQUEST_KINDS, Feedback
from csops.feedback.similarity import DEFAULT_THRESHOLD, clusters, medoid, similarity_matrix

RENEWAL_RISK_DAYS = 90


@dataclass
class RankedGroup:
    title: str  # the most typical wording among the group's requests
    items: list[Feedback] = field(default_factory=list)
    account_ids: list[int] = field(default_factory=list)
    arr: Decimal = Decimal("0")
    at_risk_arr: Decimal = Decimal("0")
    at_risk_accounts: int = 0

    @property
    def requests(self) -> int:
        return len(self.items)

    @property
    def accounts(self) -> int:
        return len(self.account_ids)

    @property
    def feedback_ids(self) -> list[int]:
        return [f.pk for f in self.items]


def is_renewal_at_risk(renewal: dt.date | None, *, today: dt.date, days: int = RENEWAL_RISK_DAYS) -> bool:
    return renewal is not None and today <= renewal <= today + dt.timedelta(days=days)


def rank_groups(
    items: Iterable[Feedback], *, today: dt.date, threshold: float = DEFAULT_THRESHOLD,
    order: Literal["arr", "at_risk"] = "arr",
) -> list[RankedGroup]:
    """Group ``items`` by similar titles and rank the groups (see the module docstring)."""
    items = list(items)
    if not items:
        return []
    sims = similarity_matrix([f.title for f in items])
    groups: list[RankedGroup] = []
    for members in clusters(sims, threshold=threshold):
        group = RankedGroup(title=items[medoid(members, sims)].title)
        seen: set[int] = set()
        for index in members:
            feedback = items[index]
            group.items.append(feedback)
            account = feedback.account
            if account.pk in seen:
                continue
            seen.add(account.pk)
            group.account_ids.append(account.pk)
            group.arr += account.arr
            if is_renewal_at_risk(account.next_renewal_date, today=today):
                group.at_risk_arr += account.arr
                group.at_risk_accounts += 1
        group.items.sort(key=lambda f: (f.created_at, f.pk), reverse=True)
        groups.append(group)

    def key(g: RankedGroup) -> tuple:
        newest = g.items[0].created_at.timestamp()
        if order == "at_risk":
            return (-g.at_risk_arr, -g.arr, -g.accounts, -newest)
        return (-g.arr, -g.at_risk_arr, -g.accounts, -newest)

    return sorted(groups, key=key)


def rank_requests(
    *, today: dt.date, product_id: int | None = None, kinds: Iterable[str] = REQUEST_KINDS,
    statuses: Iterable[str] = OPEN_STATUSES, threshold: float = DEFAULT_THRESHOLD,
    order: Literal["arr", "at_risk"] = "arr",
) -> list[RankedGroup]:
    """The open requests (optionally of one product) grouped and ranked by ARR."""
    qs = Feedback.objects.select_related("account", "product").filter(kind__in=list(kinds), status__in=list(statuses))
    if product_id is not None:
        qs = qs.filter(product_id=product_id)
    return rank_groups(qs.order_by("id"), today=today, threshold=threshold, order=order)
