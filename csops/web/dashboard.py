"""The CS leadership dashboard as plain functions: ARR, its movement, retention, renewals, risk.

Definitions (also in docs/dashboard.md):

* **ARR of an account on a day** is the sum of ``mrr * 12`` of its contracts running that day
  (of one product when the product filter is set). A contract runs from its ``start_date`` (a
  live contract that starts later counts from today, so that today's ARR is what was signed) to
  its ``end_date``, exclusive; only a churned contract ends. A churned contract without an end
  date has no known history and is left out.
* Contract rows hold today's terms. A change of terms at a renewal (more or fewer seats) is
  known from the system activity that records it (``data: {"renewal": "expanded"|"contracted",
  "product": <code>, "mrr": [before, after]}``), which the demo writes; before that day the
  contract counts at the ``before`` price. Without such records a contract counts at today's
  terms for its whole life.
* **Month-end ARR** is the ARR on the last day of the month, or today for the current month:
  so this month's ARR is exactly the sum of the live contracts (``reconciles()`` checks it).
* **Movement** of a month compares each account's month-end ARR with the month before:
  from zero is *new*, to zero is *churn*, up is *expansion*, down is *contraction*. So
  ``end = start + new + expansion - contraction - churn`` holds for every month.
* **GRR and NRR** of a month are trailing twelve months: among accounts with ARR twelve month-ends
  earlier, NRR = their ARR now / their ARR then; GRR counts each at most at its earlier ARR.
* **Renewals in N days**: live contracts whose ``renewal_date`` is between today and today + N.
* **Health** is the latest daily snapshots (csops.health): the worst of an account's grades on
  each active scorecard's latest scored day. **At-risk ARR** is the ARR of accounts graded red.

Money is summed as stored, in integer minor units (no float rounding); the company reports in one
currency (CSOPS_CURRENCY), as the feedback ranking does.
"""

from __future__ import annotations

import bisect
import calendar
import datetime as dt
import importlib.util
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
from django.core.cache import cache
from django.db.models import Max, QuerySet
from django.utils import timezone

from csops.customers.models import Account, Activity, ActivityKind, Contract, ContractStatus

MONTHS_SHOWN = 12
MOVEMENT_KINDS = ("new", "expansion", "contraction", "churn")
RENEWAL_WINDOWS = (30, 90, 180)
GRADES = ("red", "yellow", "green")
NOT_SCORED = "none"
_CHANGE_OUTCOMES = ("expanded", "contracted")
CACHE_SECONDS = 600

OWNER_MINE = "mine"
OWNER_NONE = "none"


@dataclass(frozen=True)
class DashboardFilters:
    product: str = ""  # a Product.code
    segment: str = ""
    owner: str = ""  # "", "mine", "none" or a user pk

    def as_query(self) -> dict[str, str]:
        """The same filters as account-list query parameters, for drill-down links."""
        return {k: v for k, v in (("product", self.product), ("segment", self.segment), ("owner", self.owner)) if v}


# ----------------------------------------------------------------------------- calendar helpers


def month_start(d: dt.date) -> dt.date:
    return d.replace(day=1)


def add_months(d: dt.date, months: int) -> dt.date:
    total = d.year * 12 + d.month - 1 + months
    return dt.date(total // 12, total % 12 + 1, 1)


def month_end(month: dt.date, *, today: dt.date) -> dt.date:
    """The day a month's ARR is read: its last day, or today for the month still running."""
    last = month.replace(day=calendar.monthrange(month.year, month.month)[1])
    return min(last, today)


def parse_month(raw: str) -> dt.date | None:
    """``"2026-10"`` -> 2026-10-01; None for anything else."""
    try:
        return dt.datetime.strptime(raw, "%Y-%m").date()
    except (TypeError, ValueError):
        return None


# ----------------------------------------------------------------------------- account scope


def scoped_accounts(filters: DashboardFilters, *, user: Any) -> QuerySet[Account]:
    """The accounts the segment and owner filters keep (the product filter applies to contracts)."""
    qs = Account.objects.all()
    if filters.segment:
        qs = qs.filter(segment=filters.segment)
    if filters.owner == OWNER_MINE:
        qs = qs.filter(owner_id=user.pk)
    elif filters.owner == OWNER_NONE:
        qs = qs.filter(owner__isnull=True)
    elif filters.owner.isdigit():
        qs = qs.filter(owner_id=int(filters.owner))
    return qs


def _contracts(filters: DashboardFilters, *, user: Any) -> QuerySet[Contract]:
    qs = Contract.objects.all()
    if filters.segment or filters.owner:
        qs = qs.filter(account__in=scoped_accounts(filters, user=user))
    if filters.product:
        qs = qs.filter(product__code=filters.product)
    return qs


def _live(status: str) -> bool:
    return status in Contract.LIVE_STATUSES


def _cents(amount: Decimal) -> int:
    return int(amount * 100)


def _money(cents: int | np.integer) -> Decimal:
    return (Decimal(int(cents)) / 100).quantize(Decimal("0.01"))


# ----------------------------------------------------------------------------- ARR history


@dataclass
class ArrHistory:
    """ARR per account at a row of reading days (month ends), in minor units."""

    days: list[dt.date]
    account_ids: list[int]
    cents: np.ndarray  # shape (accounts, days)

    def total(self, k: int) -> int:
        return int(self.cents[:, k].sum())


def arr_history(filters: DashboardFilters, *, user: Any, days: list[dt.date], today: dt.date) -> ArrHistory:
    """Each account's ARR on each of ``days`` (sorted), rebuilt from contracts and recorded changes."""
    rows = list(
        _contracts(filters, user=user).values_list(
            "pk", "account_id", "product__code", "mrr", "start_date", "end_date", "renewal_date", "status"
        )
    )
    spans: list[tuple[int, int, int, dt.date, dt.date | None]] = []  # contract, account, arr, start, end
    by_key: dict[tuple[int, str], list[tuple[dt.date, int]]] = defaultdict(list)
    index_of: dict[int, int] = {}
    for pk, account_id, product, mrr, start, end, renewal, status in rows:
        if _live(status):
            start, end = min(start, today), None
        elif status == ContractStatus.CHURNED:
            end = end or renewal
            if end is None:
                continue  # ended at an unknown time: no history to draw
        else:
            continue
        index_of.setdefault(account_id, len(index_of))
        spans.append((pk, account_id, _cents(mrr) * 12, start, end))
        by_key[(account_id, product)].append((start, pk))

    # Changes of terms, each attributed to the contract of that account and product running then.
    deltas: dict[int, list[tuple[dt.date, int]]] = defaultdict(list)
    if spans:
        for account_id, product, day, delta in recorded_changes():
            candidates = by_key.get((account_id, product))
            if not candidates:
                continue  # outside the filters, or no such contract
            running = [pk for start, pk in sorted(candidates) if start <= day]
            if running:
                deltas[running[-1]].append((day, delta))

    cents = np.zeros((len(index_of), len(days)), dtype=np.int64)
    for pk, account_id, arr, start, end in spans:
        lo = bisect.bisect_left(days, start)
        hi = len(days) if end is None else bisect.bisect_left(days, end)
        if lo >= hi:
            continue
        row = index_of[account_id]
        cents[row, lo:hi] += arr
        for day, delta in deltas.get(pk, ()):
            # Before the change the contract ran at the old price.
            cut = min(hi, bisect.bisect_left(days, day))
            if cut > lo:
                cents[row, lo:cut] -= delta
    ids = [0] * len(index_of)
    for account_id, row in index_of.items():
        ids[row] = account_id
    return ArrHistory(days=days, account_ids=ids, cents=np.maximum(cents, 0))


def _last_change_pk() -> int:
    # Walks the primary key backwards to the newest system activity: cheap, as they are frequent.
    return Activity.objects.filter(kind=ActivityKind.SYSTEM).order_by("-pk").values_list("pk", flat=True).first() or 0


def recorded_changes() -> list[tuple[int, str, dt.date, int]]:
    """Every recorded change of contract terms: (account, product code, day, ARR delta in minor units).

    Reading them scans the timeline (the largest table), so the list is cached and read again
    only when a newer system activity exists: logging a meeting does not invalidate it.
    """
    stamp = _last_change_pk()
    key = f"web-dashboard-changes:{stamp}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    out = []
    changes = Activity.objects.filter(kind=ActivityKind.SYSTEM, data__renewal__in=_CHANGE_OUTCOMES)
    for account_id, occurred_at, data in changes.values_list("account_id", "occurred_at", "data").iterator():
        mrr = data.get("mrr")
        if not isinstance(mrr, list) or len(mrr) != 2:
            continue
        try:
            delta = _cents(Decimal(str(mrr[1])) - Decimal(str(mrr[0]))) * 12
        except ArithmeticError:
            continue
        out.append((account_id, str(data.get("product", "")), timezone.localtime(occurred_at).date(), delta))
    cache.set(key, out, CACHE_SECONDS)
    return out


# ----------------------------------------------------------------------------- months


@dataclass
class MonthFigures:
    month: dt.date
    start_arr: Decimal
    new: Decimal
    expansion: Decimal
    contraction: Decimal
    churn: Decimal
    end_arr: Decimal
    grr: float | None
    nrr: float | None
    accounts: dict[str, int] = field(default_factory=dict)  # how many accounts moved, per kind

    @property
    def label(self) -> str:
        return self.month.strftime("%Y-%m")

    @property
    def net(self) -> Decimal:
        return self.new + self.expansion - self.contraction - self.churn


def _month_days(today: dt.date, months: int) -> tuple[list[dt.date], list[dt.date]]:
    """The months shown and the reading days: 12 months before the first shown one, for retention."""
    current = month_start(today)
    all_months = [add_months(current, k) for k in range(-(months + 11), 1)]
    return all_months, [month_end(m, today=today) for m in all_months]


def _movement_masks(before: np.ndarray, after: np.ndarray) -> dict[str, np.ndarray]:
    both = (before > 0) & (after > 0)
    return {
        "new": (before == 0) & (after > 0),
        "expansion": both & (after > before),
        "contraction": both & (after < before),
        "churn": (before > 0) & (after == 0),
    }


def monthly_figures(history: ArrHistory, months: list[dt.date]) -> list[MonthFigures]:
    """Movement, GRR and NRR for the last ``len(months) - 12`` months of ``history``."""
    out = []
    c = history.cents
    for k in range(12, len(months)):
        before, after = c[:, k - 1], c[:, k]
        masks = _movement_masks(before, after)
        sums = {
            "new": int(after[masks["new"]].sum()),
            "expansion": int((after - before)[masks["expansion"]].sum()),
            "contraction": int((before - after)[masks["contraction"]].sum()),
            "churn": int(before[masks["churn"]].sum()),
        }
        base = c[:, k - 12]
        cohort = base > 0
        denominator = int(base[cohort].sum())
        grr = nrr = None
        if denominator:
            nrr = int(after[cohort].sum()) / denominator
            grr = int(np.minimum(after, base)[cohort].sum()) / denominator
        out.append(MonthFigures(
            month=months[k], start_arr=_money(before.sum()), end_arr=_money(after.sum()),
            new=_money(sums["new"]), expansion=_money(sums["expansion"]),
            contraction=_money(sums["contraction"]), churn=_money(sums["churn"]), grr=grr, nrr=nrr,
            accounts={kind: int(mask.sum()) for kind, mask in masks.items()},
        ))
    return out


def movement_account_ids(
    filters: DashboardFilters, *, user: Any, month: dt.date, kind: str, today: dt.date
) -> list[int]:
    """The accounts behind one bar of the movement chart (drill-down)."""
    if kind not in MOVEMENT_KINDS or month > month_start(today):
        return []
    days = [month_end(add_months(month, -1), today=today), month_end(month, today=today)]
    history = arr_history(filters, user=user, days=days, today=today)
    if not history.account_ids:
        return []
    mask = _movement_masks(history.cents[:, 0], history.cents[:, 1])[kind]
    return [history.account_ids[i] for i in np.flatnonzero(mask)]


def live_contract_arr(filters: DashboardFilters, *, user: Any) -> Decimal:
    """The sum of the live contracts' ARR: what this month's ARR must equal."""
    total = sum(
        (_cents(mrr) * 12 for mrr, status in _contracts(filters, user=user).values_list("mrr", "status")
         if _live(status)),
        0,
    )
    return _money(total)


# ----------------------------------------------------------------------------- health (csops.health)


def health_available() -> bool:
    return importlib.util.find_spec("csops.health.models") is not None


def _health_scores(filters: DashboardFilters) -> tuple[QuerySet[Any], dt.date | None]:
    """The snapshots of each active scorecard's latest scored day, and the latest of those days.

    One MAX per scorecard walks the (scorecard, day) index: a year of daily snapshots for 10k
    accounts is millions of rows, none of which need reading to find the day.
    """
    from django.db.models import Q

    from csops.health.models import HealthScore, Scorecard

    scorecards = Scorecard.objects.filter(is_active=True)
    if filters.product:
        scorecards = scorecards.filter(product__code=filters.product)
    latest_days = Q()
    latest = None
    for scorecard_id in scorecards.values_list("pk", flat=True):
        day = HealthScore.objects.filter(scorecard_id=scorecard_id).aggregate(day=Max("day"))["day"]
        if day is not None:
            latest_days |= Q(scorecard_id=scorecard_id, day=day)
            latest = day if latest is None else max(latest, day)
    if latest is None:
        return HealthScore.objects.none(), None
    return HealthScore.objects.filter(latest_days).exclude(grade=""), latest


def latest_grades(filters: DashboardFilters) -> dict[int, str]:
    """Each scored account's grade on the latest scored day: the worst of its scorecards."""
    if not health_available():
        return {}
    qs, latest = _health_scores(filters)
    if latest is None:
        return {}
    rank = {g: i for i, g in enumerate(GRADES)}
    out: dict[int, str] = {}
    for account_id, grade in qs.values_list("account_id", "grade"):
        if grade in rank and (account_id not in out or rank[grade] < rank[out[account_id]]):
            out[account_id] = grade
    return out


def filter_by_grade(qs: QuerySet[Account], grade: str, *, product: str = "") -> QuerySet[Account]:
    """Accounts whose latest grade is ``grade`` ("none": not scored), as ``latest_grades`` decides."""
    if not health_available():
        return qs
    scores, latest = _health_scores(DashboardFilters(product=product))
    if latest is None:
        return qs if grade == NOT_SCORED else qs.none()

    def graded(*grades: str) -> QuerySet[Any]:
        return scores.filter(grade__in=grades).values("account_id")

    if grade == "red":
        return qs.filter(pk__in=graded("red"))
    if grade == "yellow":
        return qs.filter(pk__in=graded("yellow")).exclude(pk__in=graded("red"))
    if grade == "green":
        return qs.filter(pk__in=graded("green")).exclude(pk__in=graded("red", "yellow"))
    if grade == NOT_SCORED:
        return qs.exclude(pk__in=scores.values("account_id"))
    return qs


# ----------------------------------------------------------------------------- renewals


@dataclass
class RenewalWindow:
    days: int
    accounts: int
    arr: Decimal
    by_grade: dict[str, Decimal]  # grade (or "none") -> ARR renewing
    accounts_by_grade: dict[str, int]


def renewal_windows(
    filters: DashboardFilters, *, user: Any, today: dt.date, grades: dict[int, str]
) -> list[RenewalWindow]:
    horizon = today + dt.timedelta(days=max(RENEWAL_WINDOWS))
    rows = list(
        _contracts(filters, user=user)
        .filter(status__in=Contract.LIVE_STATUSES, renewal_date__gte=today, renewal_date__lte=horizon)
        .values_list("account_id", "mrr", "renewal_date")
    )
    out = []
    for days in RENEWAL_WINDOWS:
        end = today + dt.timedelta(days=days)
        per_account: dict[int, int] = defaultdict(int)
        for account_id, mrr, renewal in rows:
            if renewal <= end:
                per_account[account_id] += _cents(mrr) * 12
        by_grade: dict[str, int] = defaultdict(int)
        counts: dict[str, int] = defaultdict(int)
        for account_id, cents in per_account.items():
            grade = grades.get(account_id, NOT_SCORED)
            by_grade[grade] += cents
            counts[grade] += 1
        out.append(RenewalWindow(
            days=days, accounts=len(per_account), arr=_money(sum(per_account.values())),
            by_grade={g: _money(v) for g, v in by_grade.items()}, accounts_by_grade=dict(counts),
        ))
    return out


# ----------------------------------------------------------------------------- health distribution


@dataclass
class GradeBucket:
    grade: str  # red, yellow, green or "none"
    accounts: int
    arr: Decimal


def health_distribution(history: ArrHistory, grades: dict[int, str]) -> list[GradeBucket]:
    """Paying accounts (ARR today > 0) by latest grade, with their ARR."""
    counts: dict[str, int] = defaultdict(int)
    cents: dict[str, int] = defaultdict(int)
    now = history.cents[:, -1] if history.account_ids else np.zeros(0, dtype=np.int64)
    for i, account_id in enumerate(history.account_ids):
        if now[i] <= 0:
            continue
        grade = grades.get(account_id, NOT_SCORED)
        counts[grade] += 1
        cents[grade] += int(now[i])
    return [GradeBucket(g, counts.get(g, 0), _money(cents.get(g, 0))) for g in (*GRADES, NOT_SCORED)]


# ----------------------------------------------------------------------------- the whole dashboard


@dataclass
class Section:
    """One panel of the dashboard; ``build`` returns None when its app has no data model yet."""

    key: str
    app: str
    build: Callable[[DashboardFilters, Any, dt.date], Any]


SECTIONS: list[Section] = []


def register_section(key: str, app: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Panels that come from other apps (journey, playbooks) register here when their models land."""

    def wrap(fn: Callable[..., Any]) -> Callable[..., Any]:
        SECTIONS[:] = [s for s in SECTIONS if s.key != key]
        SECTIONS.append(Section(key=key, app=app, build=fn))
        return fn

    return wrap


@dataclass
class Dashboard:
    filters: DashboardFilters
    today: dt.date
    arr: Decimal
    accounts_paying: int
    months: list[MonthFigures]
    renewals: list[RenewalWindow]
    health: list[GradeBucket] | None  # None until csops.health has scores
    at_risk_arr: Decimal | None
    at_risk_accounts: int | None
    health_day: dt.date | None
    sections: dict[str, Any]  # key -> the panel's data, or None when its app is not ready

    @property
    def current(self) -> MonthFigures | None:
        return self.months[-1] if self.months else None


def build_dashboard(filters: DashboardFilters, *, user: Any, today: dt.date) -> Dashboard:
    months, days = _month_days(today, MONTHS_SHOWN)
    history = arr_history(filters, user=user, days=days, today=today)
    figures = monthly_figures(history, months)
    grades = latest_grades(filters)
    now = history.cents[:, -1] if history.account_ids else np.zeros(0, dtype=np.int64)
    health = at_risk = at_risk_n = health_day = None
    if grades:
        health = health_distribution(history, grades)
        red = next(b for b in health if b.grade == "red")
        at_risk, at_risk_n = red.arr, red.accounts
        health_day = _health_scores(filters)[1]
    sections = {}
    for section in SECTIONS:
        sections[section.key] = section.build(filters, user, today)
    return Dashboard(
        filters=filters, today=today, arr=_money(now.sum()), accounts_paying=int((now > 0).sum()),
        months=figures, renewals=renewal_windows(filters, user=user, today=today, grades=grades),
        health=health, at_risk_arr=at_risk, at_risk_accounts=at_risk_n, health_day=health_day,
        sections=sections,
    )


def data_stamp() -> tuple[Any, ...]:
    """Changes whenever a figure could: for caching a built dashboard without serving stale data."""
    stamp: list[Any] = [
        Contract.objects.aggregate(n=Max("pk"), t=Max("updated_at")).values(),
        Contract.objects.count(),
        _last_change_pk(),
        Account.objects.aggregate(t=Max("updated_at"))["t"],
    ]
    if health_available():
        from csops.health.models import HealthScore

        # The newest snapshot's id: O(1). A same-day re-score that updates rows in place shows
        # when the cached figures expire (CACHE_SECONDS of the page cache, five minutes).
        stamp.append(HealthScore.objects.aggregate(n=Max("pk"))["n"])
    try:
        from csops.journey.models import MaturityState
        from csops.playbooks.models import AccountTouch, Cta

        stamp.append(MaturityState.objects.aggregate(n=Max("pk"), t=Max("evaluated_on")).values())
        stamp.append(AccountTouch.objects.aggregate(n=Max("pk"), t=Max("since")).values())
        stamp.append(Cta.objects.aggregate(n=Max("pk"), t=Max("closed_at")).values())
        stamp.append(Cta.objects.exclude(status="closed").count())
    except ImportError:
        pass
    try:
        from csops.insights.models import RevenueForecast

        stamp.append(RevenueForecast.objects.aggregate(t=Max("computed_at"))["t"])
    except ImportError:
        pass
    return tuple(tuple(s) if not isinstance(s, int | str | dt.datetime | type(None)) else s for s in stamp)



# ----------------------------------------------------------------------------- panels from other apps
# Each returns None while its app has no such model (the dashboard then shows the panel as pending).


def product_accounts(qs: QuerySet[Account], product: str) -> QuerySet[Account]:
    """Accounts with a live contract of ``product`` (all of ``qs`` without a product)."""
    if not product:
        return qs
    live = Contract.objects.filter(product__code=product, status__in=Contract.LIVE_STATUSES)
    return qs.filter(pk__in=live.values("account_id"))


def paying_accounts(qs: QuerySet[Account], product: str = "") -> QuerySet[Account]:
    """Paying accounts of ``qs``: ARR today > 0, of ``product``'s live contracts when one is given.

    The same test as the ARR card and the health distribution (ARR today from live contracts), so
    that a drill-down with ``paying=1`` lists exactly the accounts a panel counts. MRR is never
    negative, so "some live contract with MRR > 0" is "ARR > 0".
    """
    if not product:
        return qs.filter(arr__gt=0)
    live = Contract.objects.filter(product__code=product, status__in=Contract.LIVE_STATUSES, mrr__gt=0)
    return qs.filter(pk__in=live.values("account_id"))


def _paying(filters: DashboardFilters, user: Any) -> QuerySet[Account]:
    return paying_accounts(product_accounts(scoped_accounts(filters, user=user), filters.product), filters.product)


@dataclass
class MaturityLevelRow:
    level: int
    name: str
    accounts: int
    arr: Decimal


@dataclass
class MaturityProduct:
    code: str
    name: str
    levels: list[MaturityLevelRow]


@register_section("maturity", "journey")
def maturity_section(filters: DashboardFilters, user: Any, today: dt.date) -> list[MaturityProduct] | None:
    """Paying accounts per product by their current maturity level (csops.journey)."""
    try:
        from csops.journey.models import MaturityLevel, MaturityState
    except ImportError:
        return None
    from django.db.models import Count, Exists, OuterRef, Sum

    # Each row's drill-down lists its product's paying accounts (``product=<code>&paying=1``), so a
    # row counts the accounts paying for that product, whatever product the filter names.
    paying_for_product = Contract.objects.filter(
        account_id=OuterRef("account_id"), product_id=OuterRef("product_id"),
        status__in=Contract.LIVE_STATUSES, mrr__gt=0,
    )
    states = MaturityState.objects.filter(account__in=scoped_accounts(filters, user=user)).filter(
        Exists(paying_for_product)
    )
    if filters.product:
        states = states.filter(product__code=filters.product)
    names = {
        (code, number): name
        for code, number, name in MaturityLevel.objects.values_list("model__product__code", "number", "name")
    }
    products: dict[str, MaturityProduct] = {}
    rows = (states.values("product__code", "product__name", "level")
            .annotate(n=Count("pk"), arr=Sum("account__arr")).order_by("product__name", "level"))
    for row in rows:
        code = row["product__code"]
        product = products.setdefault(code, MaturityProduct(code=code, name=row["product__name"], levels=[]))
        product.levels.append(MaturityLevelRow(
            level=row["level"], name=names.get((code, row["level"]), ""), accounts=row["n"],
            arr=row["arr"] or Decimal(0),
        ))
    return list(products.values())


def filter_by_maturity(qs: QuerySet[Account], level: int, *, product: str) -> QuerySet[Account]:
    try:
        from csops.journey.models import MaturityState
    except ImportError:
        return qs
    states = MaturityState.objects.filter(level=level)
    if product:
        states = states.filter(product__code=product)
    return qs.filter(pk__in=states.values("account_id"))


@dataclass
class TouchRow:
    touch_model: str  # a playbooks TouchModel value, or NOT_SCORED when none is assigned
    label: str
    accounts: int
    arr: Decimal


@register_section("touch", "playbooks")
def touch_section(filters: DashboardFilters, user: Any, today: dt.date) -> list[TouchRow] | None:
    """Paying accounts by the touch model their segment rule gave them (csops.playbooks)."""
    try:
        from csops.playbooks.models import AccountTouch, TouchModel
    except ImportError:
        return None
    from django.db.models import Count, Sum

    accounts = _paying(filters, user)
    counts = {
        row["touch__touch_model"]: row
        for row in accounts.values("touch__touch_model").annotate(n=Count("pk"), arr=Sum("arr"))
    }
    del AccountTouch  # imported to know the model exists; the reverse accessor does the join
    out = []
    for value, label in [*TouchModel.choices, (NOT_SCORED, None)]:
        row = counts.get(None if value == NOT_SCORED else value, {})
        out.append(TouchRow(touch_model=value, label=str(label) if label else "", accounts=row.get("n", 0),
                            arr=row.get("arr") or Decimal(0)))
    return out


def filter_by_touch(qs: QuerySet[Account], touch: str) -> QuerySet[Account]:
    try:
        from csops.playbooks.models import AccountTouch
    except ImportError:
        return qs
    if touch == NOT_SCORED:
        return qs.exclude(pk__in=AccountTouch.objects.values("account_id"))
    return qs.filter(pk__in=AccountTouch.objects.filter(touch_model=touch).values("account_id"))


@dataclass
class CtaMonth:
    month: dt.date
    created: int
    closed: int

    @property
    def label(self) -> str:
        return self.month.strftime("%Y-%m")


@dataclass
class CtaThroughput:
    months: list[CtaMonth]
    open: int
    overdue: int


@register_section("ctas", "playbooks")
def cta_section(filters: DashboardFilters, user: Any, today: dt.date) -> CtaThroughput | None:
    """CTAs created and closed per month, open and overdue today (csops.playbooks)."""
    try:
        from csops.playbooks.models import Cta, CtaStatus
    except ImportError:
        return None
    ctas = Cta.objects.all()
    if filters.segment or filters.owner or filters.product:
        ctas = ctas.filter(account__in=product_accounts(scoped_accounts(filters, user=user), filters.product))
    first = add_months(month_start(today), -(MONTHS_SHOWN - 1))
    months = {add_months(first, k): CtaMonth(add_months(first, k), 0, 0) for k in range(MONTHS_SHOWN)}
    for created in ctas.filter(created_on__gte=first).values_list("created_on", flat=True):
        months[month_start(created)].created += 1
    start = timezone.make_aware(dt.datetime.combine(first, dt.time.min))
    for closed in ctas.filter(status=CtaStatus.CLOSED, closed_at__gte=start).values_list("closed_at", flat=True):
        month = month_start(timezone.localtime(closed).date())
        if month in months:
            months[month].closed += 1
    open_ = ctas.exclude(status=CtaStatus.CLOSED)
    return CtaThroughput(
        months=list(months.values()), open=open_.count(),
        overdue=open_.filter(status=CtaStatus.OPEN, due_on__lt=today).count(),
    )


def filter_by_cta(qs: QuerySet[Account], which: str, *, today: dt.date) -> QuerySet[Account]:
    """Accounts with "open" or "overdue" CTAs, or CTAs "created-YYYY-MM" / "closed-YYYY-MM"."""
    try:
        from csops.playbooks.models import Cta, CtaStatus
    except ImportError:
        return qs
    kind, _, raw_month = which.partition("-")
    month = parse_month(raw_month)
    if kind in ("created", "closed") and month is not None:
        end = add_months(month, 1)
        if kind == "created":
            ctas = Cta.objects.filter(created_on__gte=month, created_on__lt=end)
        else:
            bounds = [timezone.make_aware(dt.datetime.combine(d, dt.time.min)) for d in (month, end)]
            ctas = Cta.objects.filter(status=CtaStatus.CLOSED, closed_at__gte=bounds[0], closed_at__lt=bounds[1])
        return qs.filter(pk__in=ctas.values("account_id"))
    ctas = Cta.objects.exclude(status=CtaStatus.CLOSED)
    if which == "overdue":
        ctas = ctas.filter(status=CtaStatus.OPEN, due_on__lt=today)
    return qs.filter(pk__in=ctas.values("account_id"))


@dataclass
class ForecastPanel:
    """Next quarter as the daily forecast (csops.insights) sees it, for the slice the filters select."""

    day: dt.date | None  # None: no forecast recorded yet
    scope: str = "company"  # "company", "segment", "owner" or "product"; "company" too when filters combine
    combined_filters: bool = False
    end: dt.date | None = None  # the day the quarter ends
    arr_now: float = 0.0
    arr: float = 0.0
    arr_low: float | None = None  # intervals are recorded for the whole company only
    arr_high: float | None = None
    grr: float | None = None
    grr_low: float | None = None
    grr_high: float | None = None
    nrr: float | None = None
    nrr_low: float | None = None
    nrr_high: float | None = None


@register_section("forecast", "insights")
def forecast_section(filters: DashboardFilters, user: Any, today: dt.date) -> ForecastPanel | None:
    try:
        from csops.insights.revenue import latest_forecast
    except ImportError:
        return None
    row = latest_forecast()
    if row is None or not row.next_quarter:
        return ForecastPanel(day=None)
    q = row.next_quarter
    end = dt.date.fromisoformat(q["end"])
    owner: int | None | str = filters.owner
    if owner == "mine":
        owner = getattr(user, "pk", None)
    elif owner == "none":
        owner = None
    elif owner:
        owner = int(owner) if str(owner).isdigit() else owner
    chosen = [(dim, value) for dim, value in (("segment", filters.segment), ("owner", owner if filters.owner else ""),
                                              ("product", filters.product)) if value != ""]
    if len(chosen) == 1:
        dim, value = chosen[0]
        rows = {"segment": row.by_segment, "owner": row.by_owner, "product": row.by_product}[dim]
        match = next((r for r in rows if r["key"] == value), None)
        if match is None:  # nothing live in that slice
            return ForecastPanel(day=row.day, scope=dim, end=end)
        return ForecastPanel(day=row.day, scope=dim, end=end, arr_now=match["arr"], arr=match["next_quarter"],
                             grr=match.get("grr"), nrr=match.get("nrr"))
    return ForecastPanel(
        day=row.day, combined_filters=len(chosen) > 1, end=end, arr_now=row.arr_now, arr=q["arr"],
        arr_low=q["arr_low"], arr_high=q["arr_high"], grr=q["grr"], grr_low=q["grr_low"], grr_high=q["grr_high"],
        nrr=q["nrr"], nrr_low=q["nrr_low"], nrr_high=q["nrr_high"],
    )
