"""The demo company, generated from a seed: plain dataclasses and numpy arrays, no Django.

A Japanese B2B SaaS vendor sells "Document Delivery" (invoices and other business
documents sent electronically instead of by post) and an "Analytics Add-on".
Each customer account draws latent behaviour factors once; those factors then drive
everything that can be observed about it: product usage (csops.demo.events), the
support tickets and NPS answers on its timeline, the sales handoff's risks and, at
each yearly renewal, whether it churns, expands, contracts or simply renews
(logistic models with the coefficients below, documented in docs/demo.md).

Everything comes from ``numpy.random.default_rng`` streams spawned from the seed,
one stream per part, so the same ``DemoConfig`` always gives the same company, and
skipping events (``--no-events``) does not change the database content.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from csops.demo import vocab

DEFAULT_SEED = 42
DEFAULT_ACCOUNTS = 400
DEFAULT_MONTHS = 18
# A fixed "today" (not the real date) so that a seed always gives the same company.
DEFAULT_TODAY = dt.date(2026, 11, 1)
JST = dt.timezone(dt.timedelta(hours=9), "JST")
DEMO_DOMAIN = "demo.csops.example"

SEGMENTS = ("enterprise", "mid_market", "smb")
SEGMENT_SHARE = (0.15, 0.35, 0.50)

# Logistic models of the renewal outcome. Features: usage_depth, onboarding_speed,
# support_friction and breadth are standardised latent factors (mean 0, sd about 1,
# higher = more of it); no_promoter and promoter_is_operator are 0/1. Each renewal
# adds Gaussian noise with sd NOISE_SD to the logit. Keep docs/demo.md in step.
CHURN_COEF = {
    "intercept": -3.3, "usage_depth": -1.0, "onboarding_speed": -0.5, "no_promoter": 1.4,
    "promoter_is_operator": 0.7, "support_friction": 0.8, "breadth": -0.5,
}
EXPANSION_COEF = {
    "intercept": -1.3, "usage_depth": 0.8, "breadth": 0.7, "no_promoter": -0.6, "support_friction": -0.4,
}
CONTRACTION_COEF = {"intercept": -2.2, "usage_depth": -0.6, "breadth": -0.4, "support_friction": 0.5}
ADDON_COEF = {
    "intercept": -1.6, "usage_depth": 0.9, "breadth": 0.7, "no_promoter": -0.5, "support_friction": -0.3,
    "enterprise": 0.5,
}
ADDON_CHURN_OFFSET = 0.3  # the add-on churns a little more easily than the main product
NOISE_SD = 0.6

# plan, monthly platform fee, monthly price per seat (JPY), seats: median and log-sd, min, max
PLANS = {
    "enterprise": ("Enterprise", 200_000, 1_500, 80, 0.6, 30, 600),
    "mid_market": ("Business", 50_000, 1_800, 25, 0.5, 8, 120),
    "smb": ("Starter", 10_000, 2_000, 6, 0.45, 2, 25),
}
ADDON_PLANS = {
    "enterprise": ("Analytics Enterprise", 150_000),
    "mid_market": ("Analytics Business", 60_000),
    "smb": ("Analytics Starter", 20_000),
}

NEVER = 10**7  # a day number later than any demo date


@dataclass(frozen=True)
class DemoConfig:
    seed: int = DEFAULT_SEED
    accounts: int = DEFAULT_ACCOUNTS
    months: int = DEFAULT_MONTHS
    today: dt.date = DEFAULT_TODAY

    def __post_init__(self) -> None:
        if self.accounts < 1:
            raise ValueError("accounts must be at least 1")
        if not 1 <= self.months <= 120:
            raise ValueError("months must be between 1 and 120")

    @property
    def window_start(self) -> dt.date:
        """The first day of the event history: ``months`` before ``today``."""
        return add_months(self.today, -self.months)

    @property
    def calendar_months(self) -> int:
        """How many calendar months the history touches (one event table each)."""
        last = self.today - dt.timedelta(days=1)
        return (last.year - self.window_start.year) * 12 + last.month - self.window_start.month + 1


@dataclass(frozen=True)
class ProductSpec:
    code: str
    name: str
    description: str


PRODUCTS = (
    ProductSpec("delivery", "Document Delivery", "請求書・納品書などの帳票を郵送の代わりに電子で送付・保管する"),
    ProductSpec("analytics", "Analytics Add-on", "送付状況・コスト削減効果・取引先の開封状況を分析するダッシュボード"),
)


@dataclass
class AccountSpec:
    external_id: str
    name: str
    industry: str
    employees: int
    segment: str
    owner: int  # index into DemoCompany.csms
    website: str
    domain: str
    since: dt.date
    lifecycle_stage: str
    traits: dict[str, Any]
    churned_on: dt.date | None = None
    expanded: bool = False
    has_addon: bool = False

    @property
    def created_at(self) -> dt.datetime:
        # Early in the morning, before any event of that day (events start at 06:30 Tokyo time).
        return at_jst(self.since, 6)


@dataclass
class ContractSpec:
    external_id: str
    account: int
    product: str
    plan: str
    seats: int
    mrr: int  # JPY, no minor unit
    start_date: dt.date
    renewal_date: dt.date | None
    end_date: dt.date | None
    status: str


@dataclass
class RenewalSpec:
    account: int
    product: str
    date: dt.date
    outcome: str  # renewed | expanded | contracted | churned
    seats_before: int
    seats_after: int
    mrr_before: int
    mrr_after: int
    p_churn: float


@dataclass
class ContactSpec:
    external_id: str
    account: int
    name: str
    email: str
    title: str
    department: str
    role: str
    phone: str
    created_at: dt.datetime
    traits: dict[str, Any] = field(default_factory=dict)


@dataclass
class ActivitySpec:
    external_id: str
    account: int
    kind: str
    occurred_at: dt.datetime
    author: int | None  # index into DemoCompany.csms
    summary: str
    body: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    contacts: tuple[int, ...] = ()  # indexes into DemoCompany.contacts


@dataclass
class HandoffSpec:
    account: int
    seller_name: str
    deal_goals: str
    promised_items: str
    key_stakeholders: str
    risks: str
    expected_go_live: dt.date
    status: str  # submitted | accepted
    created_at: dt.datetime
    accepted_at: dt.datetime | None


@dataclass
class Factors:
    """The latent behaviour of each account (arrays indexed like DemoCompany.accounts)."""

    usage_depth: np.ndarray
    onboarding_speed: np.ndarray
    promoter: np.ndarray  # bool: someone at the customer champions the product
    promoter_is_operator: np.ndarray  # bool: the champion is also the only administrator
    support_friction: np.ndarray
    breadth: np.ndarray

    def features(self) -> dict[str, np.ndarray]:
        return {
            "usage_depth": self.usage_depth,
            "onboarding_speed": self.onboarding_speed,
            "no_promoter": (~self.promoter).astype(float),
            "promoter_is_operator": self.promoter_is_operator.astype(float),
            "support_friction": self.support_friction,
            "breadth": self.breadth,
        }


@dataclass
class UsageInputs:
    """What csops.demo.events needs to draw product usage; day numbers count from 1970-01-01 (JST dates)."""

    since: np.ndarray  # first contract day
    churn: np.ndarray  # churn day, or NEVER
    ttfv: np.ndarray  # days from start to the first document sent
    adoption: np.ndarray  # share of seats that become active users
    seat_days: list[np.ndarray]  # per account: days on which the seat count changes
    seat_counts: list[np.ndarray]  # per account: the seat count from that day on
    addon_start: np.ndarray  # add-on sale day, or NEVER
    addon_end: np.ndarray  # add-on end day, or NEVER
    addon_seats: np.ndarray
    sso: np.ndarray  # bool: logs in with single sign-on
    pool_offset: np.ndarray  # where each account's product users start in ``pool``
    pool_size: np.ndarray
    pool_fixed: np.ndarray  # operators and promoter, active from day one
    pool: np.ndarray  # contact indexes of product users, account by account, most active first
    departments: list[tuple[str, ...]]  # per account, in rollout order


@dataclass
class DemoCompany:
    config: DemoConfig
    csms: tuple[tuple[str, str], ...]
    products: tuple[ProductSpec, ...]
    accounts: list[AccountSpec]
    contracts: list[ContractSpec]
    renewals: list[RenewalSpec]
    contacts: list[ContactSpec]
    activities: list[ActivitySpec]
    handoffs: list[HandoffSpec]
    factors: Factors
    usage: UsageInputs
    event_seed: np.random.SeedSequence

    @property
    def churned(self) -> np.ndarray:
        return np.array([a.churned_on is not None for a in self.accounts])

    @property
    def expanded(self) -> np.ndarray:
        return np.array([a.expanded for a in self.accounts])


# --- dates -------------------------------------------------------------------------------------

_EPOCH = dt.date(1970, 1, 1).toordinal()


def day_number(d: dt.date) -> int:
    return d.toordinal() - _EPOCH


def from_day_number(n: int) -> dt.date:
    return dt.date.fromordinal(int(n) + _EPOCH)


def add_months(d: dt.date, months: int) -> dt.date:
    index = d.year * 12 + d.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    for day in (d.day, 30, 29, 28):
        try:
            return dt.date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def add_years(d: dt.date, years: int) -> dt.date:
    return add_months(d, 12 * years)


def at_jst(d: dt.date, hour: float) -> dt.datetime:
    """An aware datetime (in UTC) at ``hour`` o'clock Tokyo time on ``d``."""
    local = dt.datetime(d.year, d.month, d.day, tzinfo=JST) + dt.timedelta(seconds=round(hour * 3600))
    return local.astimezone(dt.UTC)


def sigmoid(x: np.ndarray | float) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=float)))


def logit(coef: dict[str, float], features: dict[str, np.ndarray], extra: dict[str, np.ndarray] | None = None
          ) -> np.ndarray:
    """The linear predictor of a logistic model, for every account."""
    values = {**features, **(extra or {})}
    out = np.full(len(features["usage_depth"]), coef["intercept"], dtype=float)
    for name, weight in coef.items():
        if name != "intercept":
            out += weight * values[name]
    return out


# --- the company -------------------------------------------------------------------------------


def generate_company(config: DemoConfig) -> DemoCompany:
    streams = np.random.SeedSequence(config.seed).spawn(7)
    r_accounts, r_factors, r_contracts, r_people, r_activities, r_handoffs = (
        np.random.default_rng(s) for s in streams[:6]
    )
    n = config.accounts
    today, start = day_number(config.today), day_number(config.window_start)

    segment = r_accounts.choice(len(SEGMENTS), size=n, p=SEGMENT_SHARE)
    factors = _draw_factors(r_factors, segment)
    accounts = _draw_accounts(r_accounts, segment, config)
    since = np.array([day_number(a.since) for a in accounts])
    ttfv = np.clip(np.round(21 * np.exp(-0.5 * factors.onboarding_speed)), 5, 150).astype(int)

    contracts, renewals, seat_days, seat_counts, addon = _draw_contracts(
        r_contracts, accounts, segment, factors, config
    )
    churn = np.array([day_number(a.churned_on) if a.churned_on else NEVER for a in accounts])
    adoption = sigmoid(0.6 + 0.9 * factors.usage_depth)
    main_contract = {c.account: c for c in contracts if c.product == "delivery"}
    last_expansion: dict[int, int] = {}
    for r in renewals:
        if r.outcome == "expanded":
            last_expansion[r.account] = day_number(r.date)
    for i, account in enumerate(accounts):
        account.lifecycle_stage = _lifecycle_stage(
            account, tenure=today - int(since[i]), ttfv=int(ttfv[i]), renewal=main_contract[i].renewal_date,
            last_expansion=last_expansion.get(i), addon_start=int(addon["start"][i]), today=today,
        )

    usage = UsageInputs(
        since=since, churn=churn, ttfv=ttfv, adoption=adoption, seat_days=seat_days, seat_counts=seat_counts,
        addon_start=addon["start"], addon_end=addon["end"], addon_seats=addon["seats"],
        sso=(segment == 0) & (r_accounts.random(n) < 0.7),
        pool_offset=np.zeros(n, dtype=int), pool_size=np.zeros(n, dtype=int), pool_fixed=np.zeros(n, dtype=int),
        pool=np.zeros(0, dtype=int), departments=[],
    )
    contacts = _draw_contacts(r_people, accounts, segment, factors, usage, config)  # also fills usage.pool*
    csms = vocab.CSMS
    activities = _draw_activities(
        r_activities, accounts, segment, factors, usage, contacts, renewals, contracts, config
    )
    handoffs = _draw_handoffs(r_handoffs, accounts, segment, factors, usage, contacts, contracts, start, today)
    return DemoCompany(
        config=config, csms=csms, products=PRODUCTS, accounts=accounts, contracts=contracts, renewals=renewals,
        contacts=contacts, activities=activities, handoffs=handoffs, factors=factors, usage=usage,
        event_seed=streams[6],
    )


def _draw_factors(rng: np.random.Generator, segment: np.ndarray) -> Factors:
    n = len(segment)
    p_promoter = np.array([0.80, 0.72, 0.62])[segment]
    p_same = np.array([0.15, 0.25, 0.45])[segment]
    promoter = rng.random(n) < p_promoter
    promoter_is_operator = promoter & (rng.random(n) < p_same)
    onboarding = rng.standard_normal(n)
    # A champion and a quick start both deepen usage; friction and breadth follow usage a little.
    usage = 0.35 * onboarding + 0.9 * (promoter - p_promoter) + 0.8 * rng.standard_normal(n)
    friction = -0.25 * usage + 0.95 * rng.standard_normal(n)
    breadth = 0.45 * usage + 0.85 * rng.standard_normal(n)
    return Factors(
        usage_depth=usage, onboarding_speed=onboarding, promoter=promoter,
        promoter_is_operator=promoter_is_operator, support_friction=friction, breadth=breadth,
    )


def _company_names(rng: np.random.Generator, industry: np.ndarray, segment: np.ndarray
                   ) -> list[tuple[str, str]]:
    """(name, domain slug) per account, unique, from head + industry word (+ a middle word when needed)."""
    used: set[str] = set()
    out = []
    heads, middles = vocab.COMPANY_HEADS, vocab.COMPANY_MIDDLES
    for i, ind in enumerate(industry):
        cores = vocab.INDUSTRIES[ind][1]
        for attempt in range(200):
            head = heads[rng.integers(len(heads))]
            core = cores[rng.integers(len(cores))]
            middle = middles[rng.integers(len(middles))] if attempt >= 40 else ("", "")
            slug = "-".join(p for p in (head[1], middle[1], core[1]) if p)
            if attempt >= 150:
                slug, middle = f"{slug}{i}", (f"{middle[0]}{i}", "")
            if slug not in used:
                break
        used.add(slug)
        word = f"{head[0]}{middle[0]}{core[0]}"
        if segment[i] == 0 and rng.random() < 0.25:
            word += "ホールディングス"
        name = f"株式会社{word}" if rng.random() < 0.5 else f"{word}株式会社"
        out.append((name, slug))
    return out


_INDUSTRY_SHARE = np.array([0.22, 0.10, 0.15, 0.07, 0.10, 0.08, 0.05, 0.07, 0.08, 0.05, 0.03])
_OWNER_SHARE = np.array([
    [0.40, 0.40, 0.20, 0.00, 0.00, 0.00, 0.00],  # enterprise: two senior CSMs
    [0.15, 0.10, 0.25, 0.25, 0.25, 0.00, 0.00],  # mid-market
    [0.05, 0.00, 0.00, 0.10, 0.10, 0.40, 0.35],  # SMB: pooled, low touch
])


def _draw_accounts(rng: np.random.Generator, segment: np.ndarray, config: DemoConfig) -> list[AccountSpec]:
    n = len(segment)
    industry = rng.choice(len(vocab.INDUSTRIES), size=n, p=_INDUSTRY_SHARE / _INDUSTRY_SHARE.sum())
    names = _company_names(rng, industry, segment)
    log_emp = np.where(
        segment == 0, rng.normal(math.log(3000), 0.8, n),
        np.where(segment == 1, rng.uniform(math.log(100), math.log(999), n),
                 rng.uniform(math.log(10), math.log(99), n)),
    )
    employees = np.clip(np.exp(log_emp).round().astype(int), np.array([1000, 100, 10])[segment],
                        np.array([80000, 999, 99])[segment])
    owner = np.array([rng.choice(len(vocab.CSMS), p=_OWNER_SHARE[s]) for s in segment])
    today, start = day_number(config.today), day_number(config.window_start)
    new = rng.random(n) < 0.4  # became customers during the window
    since = np.where(new, rng.integers(start, max(start + 1, today - 10), n), rng.integers(start - 3 * 365, start, n))
    pref_names = [p for p, _ in vocab.PREFECTURES]
    pref_w = np.array([w for _, w in vocab.PREFECTURES], dtype=float)
    prefecture = rng.choice(len(pref_names), size=n, p=pref_w / pref_w.sum())
    source = rng.integers(len(vocab.LEAD_SOURCES), size=n)
    fiscal_year_end = np.where(rng.random(n) < 0.7, 3, rng.choice([6, 9, 12], size=n))
    accounts = []
    for i in range(n):
        name, slug = names[i]
        domain = f"{slug}.example"  # reserved top-level domain: demo e-mails can never reach anyone
        accounts.append(AccountSpec(
            external_id=f"ACC-{10001 + i}", name=name, industry=vocab.INDUSTRIES[industry[i]][0],
            employees=int(employees[i]), segment=SEGMENTS[segment[i]], owner=int(owner[i]),
            website=f"https://www.{domain}", domain=domain, since=from_day_number(since[i]), lifecycle_stage="",
            traits={
                "prefecture": pref_names[prefecture[i]], "lead_source": vocab.LEAD_SOURCES[source[i]],
                "fiscal_year_end_month": int(fiscal_year_end[i]),
            },
        ))
    return accounts


def _price(segment: int, seats: int, discount: float) -> int:
    _, fee, per_seat, *_ = PLANS[SEGMENTS[segment]]
    return int(round((fee + per_seat * seats) * (1 - discount) / 100) * 100)


def _draw_contracts(
    rng: np.random.Generator, accounts: list[AccountSpec], segment: np.ndarray, factors: Factors, config: DemoConfig
) -> tuple[list[ContractSpec], list[RenewalSpec], list[np.ndarray], list[np.ndarray], dict[str, np.ndarray]]:
    n = len(accounts)
    today, start = day_number(config.today), day_number(config.window_start)
    feats = factors.features()
    churn_logit = logit(CHURN_COEF, feats)
    expand_logit = logit(EXPANSION_COEF, feats)
    contract_logit = logit(CONTRACTION_COEF, feats)
    addon_p = sigmoid(logit(ADDON_COEF, feats, {"enterprise": (segment == 0).astype(float)}))

    contracts: list[ContractSpec] = []
    renewals: list[RenewalSpec] = []
    seat_days: list[np.ndarray] = []
    seat_counts: list[np.ndarray] = []
    addon = {"start": np.full(n, NEVER), "end": np.full(n, NEVER), "seats": np.zeros(n, dtype=int)}
    for i, account in enumerate(accounts):
        seg = int(segment[i])
        plan, _, _, median, sd, lo, hi = PLANS[SEGMENTS[seg]]
        seats = int(np.clip(round(median * math.exp(rng.normal(0, sd))), lo, hi))
        discount = float(rng.uniform(0, 0.15)) if seg == 0 else 0.0
        mrr = _price(seg, seats, discount)
        days, counts = [day_number(account.since)], [seats]
        status, churned_on, next_renewal = "active", None, None
        k = 1
        while True:
            anniversary = add_years(account.since, k)
            d = day_number(anniversary)
            if d >= today:
                next_renewal = anniversary
                break
            k += 1
            if d <= start:
                continue  # renewals before the window: the account is here because it stayed
            noise = rng.normal(0, NOISE_SD, 3)
            p_churn = float(sigmoid(churn_logit[i] + noise[0]))
            before_seats, before_mrr = seats, mrr
            if rng.random() < p_churn:
                outcome = "churned"
            elif rng.random() < sigmoid(expand_logit[i] + noise[1]):
                outcome, seats = "expanded", int(min(hi * 2, math.ceil(seats * rng.uniform(1.2, 1.6))))
            elif rng.random() < sigmoid(contract_logit[i] + noise[2]):
                outcome, seats = "contracted", int(max(lo // 2 or 1, math.floor(seats * rng.uniform(0.6, 0.85))))
            else:
                outcome = "renewed"
            mrr = _price(seg, seats, discount)
            renewals.append(RenewalSpec(
                account=i, product="delivery", date=anniversary, outcome=outcome, seats_before=before_seats,
                seats_after=seats if outcome != "churned" else 0, mrr_before=before_mrr,
                mrr_after=mrr if outcome != "churned" else 0, p_churn=p_churn,
            ))
            status = outcome
            if outcome == "churned":
                churned_on = anniversary
                break
            account.expanded = account.expanded or outcome == "expanded"
            if seats != counts[-1]:
                days.append(d)
                counts.append(seats)
        account.churned_on = churned_on
        seat_days.append(np.array(days))
        seat_counts.append(np.array(counts))
        contracts.append(ContractSpec(
            external_id=f"CTR-{20001 + len(contracts)}", account=i, product="delivery", plan=plan, seats=seats,
            mrr=mrr, start_date=account.since, renewal_date=churned_on or next_renewal, end_date=churned_on,
            status=status,
        ))

        # The add-on is sold to accounts doing well, at least four months into their contract.
        churn_day = day_number(churned_on) if churned_on else NEVER
        lo_day = max(day_number(account.since) + 120, start - 180)
        hi_day = min(today - 14, churn_day - 60)
        wants = rng.random() < addon_p[i]
        if not wants or lo_day >= hi_day:
            continue
        sold = int(rng.integers(lo_day, hi_day))
        a_plan, a_mrr = ADDON_PLANS[SEGMENTS[seg]]
        a_seats = max(2, round(seats * 0.15))
        a_status, a_end, a_next = "active", churned_on, None
        k = 1
        while True:
            anniversary = add_years(from_day_number(sold), k)
            d = day_number(anniversary)
            if d >= min(today, churn_day):
                a_next = anniversary if d >= today and churned_on is None else None
                break
            k += 1
            if d <= start:
                continue
            p_churn = float(sigmoid(churn_logit[i] + ADDON_CHURN_OFFSET + rng.normal(0, NOISE_SD)))
            outcome = "churned" if rng.random() < p_churn else "renewed"
            renewals.append(RenewalSpec(
                account=i, product="analytics", date=anniversary, outcome=outcome, seats_before=a_seats,
                seats_after=0 if outcome == "churned" else a_seats, mrr_before=a_mrr,
                mrr_after=0 if outcome == "churned" else a_mrr, p_churn=p_churn,
            ))
            a_status = outcome
            if outcome == "churned":
                a_end = anniversary
                break
        if churned_on is not None and a_end == churned_on:
            a_status = "churned"  # ends with the main contract
        account.has_addon = True
        addon["start"][i], addon["seats"][i] = sold, a_seats
        addon["end"][i] = day_number(a_end) if a_end else NEVER
        contracts.append(ContractSpec(
            external_id=f"CTR-{20001 + len(contracts)}", account=i, product="analytics", plan=a_plan,
            seats=a_seats, mrr=a_mrr, start_date=from_day_number(sold),
            renewal_date=a_end or a_next, end_date=a_end, status=a_status,
        ))
    return contracts, renewals, seat_days, seat_counts, addon


def _lifecycle_stage(
    account: AccountSpec, *, tenure: int, ttfv: int, renewal: dt.date | None, last_expansion: int | None,
    addon_start: int, today: int,
) -> str:
    if account.churned_on is not None:
        return "churned"
    if tenure < max(90, ttfv + 30):
        return "onboarding"
    if renewal and day_number(renewal) - today <= 90:
        return "renewal"
    if (last_expansion is not None and today - last_expansion <= 180) or 0 <= today - addon_start <= 180:
        return "expansion"
    return "adoption"


# --- people ------------------------------------------------------------------------------------


def seats_on(usage: UsageInputs, days: np.ndarray) -> np.ndarray:
    """Seat counts, accounts x days (0 before the start and from the churn day)."""
    out = np.zeros((len(usage.since), len(days)))
    for i, (change_days, counts) in enumerate(zip(usage.seat_days, usage.seat_counts, strict=True)):
        idx = np.searchsorted(change_days, days, side="right") - 1
        out[i] = np.where(idx >= 0, counts[np.maximum(idx, 0)], 0)
    out[days[None, :] >= usage.churn[:, None]] = 0
    return out


def ramp_on(usage: UsageInputs, days: np.ndarray) -> np.ndarray:
    """How far each account has ramped up, accounts x days: 0 before the start, 0.3 until the
    first document is sent (time to first value), then linearly to 1 over 60 days."""
    tenure = days[None, :] - usage.since[:, None]
    after_ttfv = tenure - usage.ttfv[:, None]
    ramp = np.where(after_ttfv < 0, 0.3, 0.3 + 0.7 * np.clip(after_ttfv / 60, 0, 1))
    return np.where(tenure < 0, 0.0, ramp)


def active_users_on(usage: UsageInputs, days: np.ndarray) -> np.ndarray:
    """How many of each account's product users (the first n of its pool) are active, accounts x days."""
    tenure = days[None, :] - usage.since[:, None]
    wanted = np.ceil(seats_on(usage, days) * usage.adoption[:, None] * ramp_on(usage, days))
    wanted = np.where(tenure < usage.ttfv[:, None], 0, wanted)  # only the admins until first value
    n = np.clip(wanted, usage.pool_fixed[:, None], usage.pool_size[:, None]).astype(int)
    return np.where(tenure < 0, 0, n)


def _person(rng: np.random.Generator, taken: set[str], domain: str) -> tuple[str, str]:
    family = vocab.FAMILY_NAMES[rng.integers(len(vocab.FAMILY_NAMES))]
    given = vocab.GIVEN_NAMES[rng.integers(len(vocab.GIVEN_NAMES))]
    local = f"{given[1]}.{family[1]}"
    candidate, k = local, 1
    while candidate in taken:
        k += 1
        candidate = f"{local}{k}"
    taken.add(candidate)
    return f"{family[0]} {given[0]}", f"{candidate}@{domain}"


def _add_contact(
    rng: np.random.Generator, contacts: list[ContactSpec], i: int, account: AccountSpec, taken: set[str], area: str,
    role: str, title: str, department: str, created: dt.datetime, traits: dict[str, Any] | None = None,
) -> int:
    name, email = _person(rng, taken, account.domain)
    local = rng.integers(1000, 9999, 2)
    contacts.append(ContactSpec(
        external_id=f"USR-{100001 + len(contacts)}", account=i, name=name, email=email, title=title,
        department=department, role=role, phone=f"{area}-{local[0]}-{local[1]}", created_at=created,
        traits=traits or {},
    ))
    return len(contacts) - 1


_AREA_CODES = {"東京都": "03", "大阪府": "06", "神奈川県": "045", "愛知県": "052", "福岡県": "092"}


def _draw_contacts(
    rng: np.random.Generator, accounts: list[AccountSpec], segment: np.ndarray, factors: Factors,
    usage: UsageInputs, config: DemoConfig,
) -> list[ContactSpec]:
    n = len(accounts)
    today = day_number(config.today)
    first_day = int(usage.since.min())
    days = np.arange(first_day, today + 1)
    max_seats = np.array([c.max() for c in usage.seat_counts])
    breadth_base = np.array([5.0, 2.5, 1.3])[segment]
    breadth_n = np.clip(np.round(breadth_base * np.exp(0.45 * factors.breadth)), 1, len(vocab.DEPARTMENTS))
    n_ops = np.where(segment == 0, 2, np.where(segment == 1, rng.integers(1, 3, n), 1))
    n_ops = np.where(factors.promoter_is_operator, 1, n_ops)
    usage.pool_fixed = n_ops + (factors.promoter & ~factors.promoter_is_operator)
    usage.pool_size = np.maximum(usage.pool_fixed, np.ceil(max_seats * usage.adoption)).astype(int)
    usage.pool_offset = np.concatenate([[0], np.cumsum(usage.pool_size)[:-1]]).astype(int)
    # When each product user first becomes active: the first day the active count passes them.
    reach = np.maximum.accumulate(active_users_on(usage, days), axis=1)

    contacts: list[ContactSpec] = []
    pool: list[int] = []
    for i, account in enumerate(accounts):
        seg = SEGMENTS[segment[i]]
        rest = vocab.DEPARTMENTS[1:]
        extra = rng.choice(len(rest), size=int(breadth_n[i]) - 1, replace=False)
        departments = (vocab.DEPARTMENTS[0], *(rest[j] for j in extra))
        usage.departments.append(departments)
        taken: set[str] = set()
        since_at = account.created_at
        area = _AREA_CODES.get(account.traits["prefecture"], "03")

        add = functools.partial(_add_contact, rng, contacts, i, account, taken, area)

        dm_title = vocab.DECISION_MAKER_TITLES[seg][rng.integers(len(vocab.DECISION_MAKER_TITLES[seg]))]
        add("decision_maker", dm_title, "経営管理本部" if seg == "enterprise" else "管理部", since_at)
        members: list[int] = []
        ops_department = "情報システム部" if seg == "enterprise" else "経理部"
        if factors.promoter_is_operator[i]:
            # One person both champions and administers the product: a single point of failure.
            members.append(add("promoter", vocab.PROMOTER_TITLES[rng.integers(len(vocab.PROMOTER_TITLES))],
                               "経理部", since_at, {"also_operator": True}))
        else:
            for _ in range(int(n_ops[i])):
                members.append(add("operator", vocab.OPERATOR_TITLES[rng.integers(len(vocab.OPERATOR_TITLES))],
                                   ops_department, since_at))
            if factors.promoter[i]:
                members.append(add("promoter", vocab.PROMOTER_TITLES[rng.integers(len(vocab.PROMOTER_TITLES))],
                                   "経理部", since_at))
        n_users = int(usage.pool_size[i]) - len(members)
        row = reach[i]
        for j in range(n_users):
            k = len(members)
            first = int(np.searchsorted(row, k + 1))  # first day with more than k active users
            day = days[first] if first < len(days) else usage.since[i] + usage.ttfv[i]
            department = departments[min(len(departments) - 1, j * len(departments) // max(1, n_users))]
            title = vocab.USER_TITLES[rng.integers(len(vocab.USER_TITLES))]
            created = at_jst(from_day_number(day), 6 + rng.random() / 2)  # before their first event that day
            members.append(add("user", title, department, created))
        pool.extend(members)
    usage.pool = np.array(pool, dtype=int)
    return contacts


# --- timeline ----------------------------------------------------------------------------------

# Touches per month while the account is a customer: meeting, call, email, note.
_TOUCH_RATES = {
    "enterprise": (0.6, 1.0, 2.0, 0.5),
    "mid_market": (0.3, 0.6, 1.2, 0.3),
    "smb": (0.05, 0.2, 0.6, 0.1),
}
_TICKET_RATES = {"enterprise": 0.8, "mid_market": 0.4, "smb": 0.15}


def _work_time(rng: np.random.Generator, day: int) -> dt.datetime:
    """A moment in Tokyo office hours on ``day``, moved off the weekend."""
    weekday = from_day_number(day).weekday()
    if weekday >= 5:
        day += 7 - weekday
    return at_jst(from_day_number(day), 9.0 + rng.random() * 9.0)


def _add_activity(
    rng: np.random.Generator, acts: list[ActivitySpec], i: int, owner: int, kind: str, day: int, summary: str,
    body: str = "", data: dict[str, Any] | None = None, who: tuple[int | None, ...] = (), *, by_owner: bool = True,
) -> None:
    acts.append(ActivitySpec(
        external_id="", account=i, kind=kind, occurred_at=_work_time(rng, day), author=owner if by_owner else None,
        summary=summary, body=body, data=data or {}, contacts=tuple(k for k in who if k is not None),
    ))


def health_of(factors: Factors) -> np.ndarray:
    """How well each account is doing underneath: what NPS answers and CSM notes reflect."""
    return (0.5 * factors.usage_depth + 0.4 * factors.breadth - 0.6 * factors.support_friction
            + 0.6 * factors.promoter - 0.3 * factors.promoter_is_operator)


def _churn_reason(i: int, factors: Factors) -> str:
    scores = {
        "no_promoter": CHURN_COEF["no_promoter"] * (not factors.promoter[i]),
        "support_friction": CHURN_COEF["support_friction"] * factors.support_friction[i],
        "usage_depth": CHURN_COEF["usage_depth"] * factors.usage_depth[i],
        "breadth": CHURN_COEF["breadth"] * factors.breadth[i],
    }
    top = max(scores, key=lambda k: scores[k])
    return vocab.CHURN_REASONS[top if scores[top] > 0.3 else "other"]


def _draw_activities(
    rng: np.random.Generator, accounts: list[AccountSpec], segment: np.ndarray, factors: Factors,
    usage: UsageInputs, contacts: list[ContactSpec], renewals: list[RenewalSpec], contracts: list[ContractSpec],
    config: DemoConfig,
) -> list[ActivitySpec]:
    today, start = day_number(config.today), day_number(config.window_start)
    health = health_of(factors)
    by_account: dict[int, list[int]] = {}
    for k, c in enumerate(contacts):
        by_account.setdefault(c.account, []).append(k)
    addons = {c.account: c for c in contracts if c.product == "analytics"}
    renewals_by_account: dict[int, list[RenewalSpec]] = {}
    for r in renewals:
        renewals_by_account.setdefault(r.account, []).append(r)
    survey_days = [
        day_number(dt.date(y, m, 15))
        for y in range(config.window_start.year, config.today.year + 1) for m in (6, 12)
        if start <= day_number(dt.date(y, m, 15)) < today
    ]
    out: list[ActivitySpec] = []

    for i, account in enumerate(accounts):
        seg = account.segment
        owner = account.owner
        people = by_account[i]
        role_of = {k: contacts[k].role for k in people}
        dm = next(k for k in people if role_of[k] == "decision_maker")
        promoter = next((k for k in people if role_of[k] == "promoter"), None)
        ops = [k for k in people if role_of[k] == "operator"] or ([promoter] if promoter is not None else [])
        users = [k for k in people if role_of[k] == "user"] or ops or [dm]
        champion = promoter if promoter is not None else (ops[0] if ops else dm)
        since, end = int(usage.since[i]), int(min(usage.churn[i], today))
        acts: list[ActivitySpec] = []

        act = functools.partial(_add_activity, rng, acts, i, owner)

        kickoff = since + int(rng.integers(3, 11))
        names = "、".join(contacts[k].name for k in (dm, champion, *ops[:1]) if k is not None)
        act("meeting", kickoff, "キックオフミーティング",
            f"導入目的・稼働目標日・役割分担を確認。参加: {names}", {"type": "kickoff"},
            (dm, champion, *ops[:1]))
        if since >= start:
            act("email", since + 1, "ご契約ありがとうございます（導入のご案内）", who=(champion,))

        lo = max(since, start)
        months = max(0.0, (end - lo) / 30.44)
        meeting_r, call_r, email_r, note_r = _TOUCH_RATES[seg]
        for kind, rate, choices in (
            ("meeting", meeting_r, vocab.MEETING_SUMMARIES), ("call", call_r, vocab.CALL_SUMMARIES),
            ("email", email_r, vocab.EMAIL_SUMMARIES), ("note", note_r, vocab.NOTE_SUMMARIES),
        ):
            for day in np.sort(rng.integers(lo, max(lo + 1, end), rng.poisson(rate * months))):
                who = (champion,) if rng.random() < 0.7 else (dm,)
                act(kind, int(day), choices[rng.integers(len(choices))], who=who)
        if seg == "enterprise":
            for q in range(1, 40):
                day = day_number(add_months(from_day_number(since), 3 * q))
                if day >= end:
                    break
                if day >= start:
                    act("meeting", day, vocab.QBR_SUMMARY, "利用状況・削減効果・次四半期の目標を共有",
                        {"type": "qbr"}, (dm, champion))

        # Support tickets: more, and more severe, where friction is high.
        p_high = float(sigmoid(-1.8 + 0.9 * factors.support_friction[i]))
        n_tickets = rng.poisson(_TICKET_RATES[seg] * math.exp(0.8 * factors.support_friction[i]) * months)
        for day in np.sort(rng.integers(lo, max(lo + 1, end), n_tickets)):
            summary, category = vocab.TICKETS[rng.integers(len(vocab.TICKETS))]
            u = rng.random()
            severity = "high" if u < p_high else ("medium" if u < p_high + (1 - p_high) * 0.45 else "low")
            reporter = users[rng.integers(len(users))] if rng.random() < 0.5 else (ops or users)[0]
            act("ticket", int(day), summary, data={"severity": severity, "category": category, "status": "closed"},
                who=(reporter,))

        # NPS twice a year (15 June, 15 December), answered by a few people.
        for day in survey_days:
            if not since + 30 <= day < end:
                continue
            declining = 1.0 if usage.churn[i] - day < 150 else 0.0
            respondents = []
            if promoter is not None and rng.random() < 0.8:
                respondents.append((promoter, 1.0))
            if rng.random() < 0.4:
                respondents.append((dm, 0.0))
            for k in rng.choice(users, size=min(len(users), int(rng.integers(1, 4))), replace=False):
                respondents.append((int(k), 0.0))
            for who, bonus in respondents:
                score = 7.0 + 1.4 * health[i] + bonus - 1.5 * declining + rng.normal(0, 1.6)
                nps = int(np.clip(round(score), 0, 10))
                band = "promoter" if nps >= 9 else ("passive" if nps >= 7 else "detractor")
                comment = vocab.NPS_COMMENTS[band][rng.integers(2)]
                act("survey", day, f"NPSアンケート回答: {nps}", comment, {"nps": nps}, (who,), by_owner=False)

        for r in renewals_by_account.get(i, []):
            day = day_number(r.date)
            label = "Analytics Add-on" if r.product == "analytics" else "Document Delivery"
            text = {
                "renewed": f"{label} 契約更新（継続: {r.seats_after}席）",
                "expanded": f"{label} 契約更新（増席: {r.seats_before}→{r.seats_after}席）",
                "contracted": f"{label} 契約更新（減席: {r.seats_before}→{r.seats_after}席）",
                "churned": f"{label} 契約終了（解約）",
            }[r.outcome]
            act("system", day, text, data={
                "renewal": r.outcome, "product": r.product, "seats": [r.seats_before, r.seats_after],
                "mrr": [r.mrr_before, r.mrr_after],
            }, by_owner=False)
            if r.outcome == "churned" and r.product == "delivery":
                notice = day - int(rng.integers(20, 46))
                act("note", max(notice, since), "解約のご連絡を受領", _churn_reason(i, factors),
                    {"type": "churn_notice"}, (dm,))
                for _ in range(int(rng.random() < 0.7)):
                    act("note", max(since, day - int(rng.integers(60, 120))),
                        vocab.RISK_NOTE_SUMMARIES[rng.integers(len(vocab.RISK_NOTE_SUMMARIES))], who=(champion,))
        if account.has_addon:
            sold = int(usage.addon_start[i])
            if sold >= start:
                addon = addons[i]
                act("system", sold, "Analytics Add-on 契約開始",
                    data={"product": "analytics", "seats": [0, addon.seats], "mrr": [0, addon.mrr]}, by_owner=False)
        acts.sort(key=lambda a: a.occurred_at)
        out.extend(acts)
    for n, a in enumerate(out):
        a.external_id = f"ACT-{300001 + n}"
    return out


def _draw_handoffs(
    rng: np.random.Generator, accounts: list[AccountSpec], segment: np.ndarray, factors: Factors,
    usage: UsageInputs, contacts: list[ContactSpec], contracts: list[ContractSpec], start: int, today: int,
) -> list[HandoffSpec]:
    """One handoff from sales for every account that became a customer inside the window."""
    first_contact: dict[int, list[ContactSpec]] = {}
    for c in contacts:
        first_contact.setdefault(c.account, []).append(c)
    out = []
    for i, account in enumerate(accounts):
        since = int(usage.since[i])
        if since < start:
            continue
        people = first_contact[i]
        doc = vocab.DOCUMENT_TYPE_NAMES[vocab.DOCUMENT_TYPES[rng.integers(3)]]
        partners = int(rng.integers(3, 60) * (5 if segment[i] == 0 else 1))
        goals = (
            f"紙の{doc}郵送を廃止し、月末の発送作業時間を{int(rng.integers(3, 8)) * 10}%削減する。\n"
            f"取引先{partners}社への電子送付を{int(rng.integers(3, 7))}か月以内に実現する。"
        )
        if factors.breadth[i] > 0.5:
            goals += f"\n初年度中に{len(usage.departments[i])}部門へ展開する。"
        promised = [vocab.PROMISED_ITEMS[0].format(k=int(rng.integers(1, 4))),
                    vocab.PROMISED_ITEMS[1].format(t=int(rng.integers(5, 30)))]
        promised += [p for p in vocab.PROMISED_ITEMS[2:] if rng.random() < 0.4]
        if account.segment == "enterprise":
            promised.append("SSO（SAML）設定支援")
        stakeholders = [f"{c.name}（{c.title}）: "
                        + {"decision_maker": "決裁者", "promoter": "推進担当", "operator": "システム管理者"}[c.role]
                        for c in people if c.role != "user"]
        if not factors.promoter[i]:
            stakeholders.append("推進担当: 未定")
        risks = []
        if not factors.promoter[i]:
            risks.append("社内の推進担当者が決まっていない。")
        if factors.promoter_is_operator[i]:
            risks.append("推進担当者がシステム管理も兼務しており、負荷が集中している。")
        if factors.onboarding_speed[i] < -0.5:
            risks.append("基幹システムからの帳票データ連携に時間がかかる見込み。")
        if factors.support_friction[i] > 0.8:
            risks.append("前任ツールのサポート対応に強い不満があった。")
        if factors.breadth[i] < -0.8:
            risks.append("当面は経理部のみでの利用予定で、他部門への展開は未定。")
        created = at_jst(from_day_number(since - int(rng.integers(3, 10))), 17)
        accepted = since < today - 14
        out.append(HandoffSpec(
            account=i, seller_name=vocab.SELLERS[rng.integers(len(vocab.SELLERS))], deal_goals=goals,
            promised_items="\n".join(f"・{p}" for p in promised), key_stakeholders="\n".join(stakeholders),
            risks="\n".join(risks) or "特になし", expected_go_live=from_day_number(since + int(rng.integers(30, 91))),
            status="accepted" if accepted else "submitted", created_at=created,
            accepted_at=created + dt.timedelta(days=1, hours=1) if accepted else None,
        ))
    return out
