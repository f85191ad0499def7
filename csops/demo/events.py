"""Product-usage events of the demo company, drawn with numpy (no loop per event), month by month.

For every account and day the expected number of events is

    active users x per-user rate (deeper usage, more events) x calendar (weekdays, Japanese
    holidays, month-end invoicing peak, fiscal year end) x onboarding ramp x decline before
    churn x monthly noise

and the count is Poisson. Each event then gets a kind from a mix that depends on the
account's phase (setting up before its first document is sent, early, steady) and depth,
a user (the account's admins and champion most often), a Tokyo office-hours time, and
properties such as department and document type. The result is a stream of pyarrow
tables in ``csops.usage.lake.EVENT_SCHEMA``, one per calendar month, sorted by time.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from csops.demo import vocab
from csops.demo.generate import (
    JST,
    DemoCompany,
    active_users_on,
    add_months,
    day_number,
    from_day_number,
)
from csops.usage.lake import EVENT_SCHEMA, EVENT_TYPES

DELIVERY_RATE = 0.5  # events per active user per ordinary working day, for an account of average depth
SETUP_BOOST = 2.0  # admins are busy while setting up
ANALYTICS_RATE = 0.35
DECLINE_DAYS = 120  # usage fades over the last four months before a churn
DECLINE_FLOOR = 0.2
RECIPIENTS_PER_ACCOUNT = 30  # anonymous partners who open the documents an account sends

_JSON = {"ensure_ascii": False, "separators": (",", ":"), "sort_keys": True}


@dataclass(frozen=True)
class Field:
    """One property of an event: fragments merged into the properties object, and how likely each is.

    ``source`` is "random" (drawn with ``weights``), "department" (the user's department)
    or "login" (single sign-on for accounts that use it).
    """

    values: tuple[dict[str, Any], ...]
    weights: tuple[float, ...] = ()
    source: str = "random"


@dataclass(frozen=True)
class Kind:
    event: str | None  # track event name; None for page and screen calls
    type: str
    weights: tuple[float, float, float]  # share while setting up, early (first 60 days of value), steady
    depth: float = 0.0  # how much more common it is in deeply-using accounts: x exp(depth * usage_depth)
    fields: tuple[Field, ...] = ()
    anonymous: bool = False
    channel: str = "web"  # which context: web, mobile


def _department() -> Field:
    return Field(tuple({"department": d} for d in vocab.DEPARTMENTS), source="department")


def _choice(key: str, values: tuple[str, ...], weights: tuple[float, ...] | None = None) -> Field:
    return Field(tuple({key: v} for v in values), weights or tuple(1.0 for _ in values))


_DOC_TYPE = _choice("document_type", vocab.DOCUMENT_TYPES, (0.55, 0.15, 0.1, 0.08, 0.1, 0.02))
_DOCUMENTS = Field(tuple({"documents": k} for k in range(1, 31)), tuple(0.82**k for k in range(1, 31)))
_PAGES = Field(
    (
        {"path": "/documents", "title": "送付書類一覧"}, {"path": "/documents/new", "title": "書類の送付"},
        {"path": "/templates", "title": "テンプレート"}, {"path": "/partners", "title": "取引先"},
        {"path": "/reports", "title": "レポート"}, {"path": "/settings", "title": "設定"},
    ),
    (0.35, 0.2, 0.1, 0.15, 0.12, 0.08),
)
_DASHBOARD = _choice("dashboard", ("delivery_kpi", "cost_savings", "partner_engagement", "department_usage"))

DELIVERY_KINDS = (
    Kind("document_sent", "track", (0.0, 0.30, 0.40), 0.0,
         (_department(), _DOC_TYPE, _choice("channel", ("web", "email", "postal"), (0.55, 0.4, 0.05)), _DOCUMENTS)),
    Kind("document_opened", "track", (0.0, 0.02, 0.03), 0.0, (_DOC_TYPE,), anonymous=True),
    Kind("login", "track", (0.28, 0.18, 0.15), 0.0,
         (Field(({"method": "password"}, {"method": "sso"}), source="login"),)),
    Kind(None, "page", (0.25, 0.16, 0.13), 0.0, (_PAGES,)),
    Kind("report_viewed", "track", (0.04, 0.07, 0.08), 0.3,
         (_department(), _choice("report", ("delivery_status", "unopened_documents", "monthly_summary")))),
    Kind("approval_completed", "track", (0.0, 0.05, 0.07), 0.4, (_department(), _DOC_TYPE)),
    Kind("template_created", "track", (0.16, 0.06, 0.02), 0.0, (_department(), _DOC_TYPE)),
    Kind("partner_invited", "track", (0.15, 0.08, 0.03), 0.0,
         (_department(), _choice("method", ("email", "csv"), (0.7, 0.3)))),
    Kind("department_added", "track", (0.04, 0.02, 0.004), 0.3, (_department(),)),
    Kind("bulk_upload", "track", (0.08, 0.04, 0.03), 0.6,
         (_department(), _DOC_TYPE, _choice("format", ("csv", "pdf_zip"), (0.6, 0.4)))),
    Kind(None, "screen", (0.0, 0.01, 0.02), 0.2,
         (_choice("name", ("承認一覧", "書類詳細", "通知"), (0.5, 0.3, 0.2)),), channel="mobile"),
)
ANALYTICS_KINDS = (
    Kind("dashboard_viewed", "track", (0.45, 0.45, 0.45), 0.0, (_department(), _DASHBOARD)),
    Kind("query_run", "track", (0.2, 0.2, 0.2), 0.5,
         (_department(), _choice("dataset", ("documents", "partners", "costs")))),
    Kind("report_exported", "track", (0.2, 0.2, 0.2), 0.2,
         (_department(), _choice("format", ("xlsx", "csv", "pdf"), (0.6, 0.3, 0.1)))),
    Kind("alert_created", "track", (0.05, 0.05, 0.05), 0.3,
         (_department(), _choice("metric", ("unopened_rate", "monthly_volume", "bounce_rate")))),
    Kind("dashboard_shared", "track", (0.1, 0.1, 0.1), 0.3, (_department(), _DASHBOARD)),
)

_USER_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0 Safari/537.36 "
    "Edg/141.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.5 "
    "Safari/605.1.15",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:144.0) Gecko/20100101 Firefox/144.0",
)
_CONTEXTS = (
    *({"library": {"name": "analytics.js", "version": "5.2.0"}, "locale": "ja-JP", "timezone": "Asia/Tokyo",
       "userAgent": ua} for ua in _USER_AGENTS),
    {"library": {"name": "analytics-ios", "version": "4.1.8"}, "app": {"name": "Document Delivery", "version": "3.4.1"},
     "os": {"name": "iOS"}, "locale": "ja-JP", "timezone": "Asia/Tokyo"},
    {"library": {"name": "analytics-android", "version": "4.11.3"},
     "app": {"name": "Document Delivery", "version": "3.4.1"}, "os": {"name": "Android"}, "locale": "ja-JP",
     "timezone": "Asia/Tokyo"},
    {"library": {"name": "analytics-python", "version": "2.3.3"}},
)
_MOBILE, _SERVER = len(_USER_AGENTS), len(_USER_AGENTS) + 2


# --- the calendar ------------------------------------------------------------------------------


def japanese_holidays(year: int) -> set[dt.date]:
    """Japan's public holidays in ``year`` (fixed and Monday holidays, equinoxes by the usual
    approximation, substitute holidays), close enough for usage patterns."""

    def monday(month: int, nth: int) -> dt.date:
        first = dt.date(year, month, 1)
        return first + dt.timedelta(days=(7 - first.weekday()) % 7 + 7 * (nth - 1))

    offset = year - 1980
    days = {
        dt.date(year, 1, 1), dt.date(year, 2, 11), dt.date(year, 2, 23), dt.date(year, 4, 29),
        dt.date(year, 5, 3), dt.date(year, 5, 4), dt.date(year, 5, 5), dt.date(year, 8, 11),
        dt.date(year, 11, 3), dt.date(year, 11, 23), monday(1, 2), monday(7, 3), monday(9, 3), monday(10, 2),
        dt.date(year, 3, int(20.8431 + 0.242194 * offset - offset // 4)),
        dt.date(year, 9, int(23.2488 + 0.242194 * offset - offset // 4)),
    }
    for day in sorted(days):
        if day.weekday() == 6:
            substitute = day + dt.timedelta(days=1)
            while substitute in days:
                substitute += dt.timedelta(days=1)
            days.add(substitute)
    return days


def calendar_factor(days: np.ndarray) -> np.ndarray:
    """How busy a Japanese back office is on each day, relative to an ordinary weekday."""
    dates = [from_day_number(d) for d in days]
    holidays: set[dt.date] = set()
    for year in sorted({d.year for d in dates}):
        holidays |= japanese_holidays(year)
    out = np.empty(len(days))
    for k, d in enumerate(dates):
        if d in holidays or (d.month, d.day) >= (12, 29) or (d.month, d.day) <= (1, 3) or d.weekday() == 5:
            f = 0.06
        elif d.weekday() == 6:
            f = 0.03
        else:
            f = 1.0
            if d.month == 8 and 13 <= d.day <= 16:
                f = 0.45  # Obon
        f *= 1.5 if d.day >= 25 or d.day <= 5 else 0.8  # invoices go out around the month end
        f *= 1.15 if d.month == 3 else 1.0  # fiscal year end
        out[k] = f
    return out


# --- expected volumes --------------------------------------------------------------------------


@dataclass
class _Plan:
    days: np.ndarray
    delivery: np.ndarray  # expected events, accounts x days
    analytics: np.ndarray
    active: np.ndarray  # active product users, accounts x days
    phase: np.ndarray  # 0 setting up, 1 early, 2 steady; accounts x days


def _plan(company: DemoCompany, rng: np.random.Generator) -> _Plan:
    usage, factors = company.usage, company.factors
    config = company.config
    days = np.arange(day_number(config.window_start), day_number(config.today))
    active = active_users_on(usage, days)
    tenure = days[None, :] - usage.since[:, None]
    after_ttfv = tenure - usage.ttfv[:, None]
    phase = np.where(after_ttfv < 0, 0, np.where(after_ttfv < 60, 1, 2))
    to_churn = usage.churn[:, None] - days[None, :]
    decline = np.where(
        to_churn <= 0, 0.0,
        np.where(to_churn < DECLINE_DAYS, DECLINE_FLOOR + (1 - DECLINE_FLOOR) * to_churn / DECLINE_DAYS, 1.0),
    )
    month_of_day = np.array([(d.year * 12 + d.month) for d in map(from_day_number, days)])
    month_index = month_of_day - month_of_day[0]
    noise = rng.lognormal(0.0, 0.15, (len(usage.since), int(month_index[-1]) + 1))[:, month_index]
    calendar = calendar_factor(days)[None, :]
    depth = np.exp(0.5 * factors.usage_depth)[:, None]
    delivery = active * DELIVERY_RATE * depth * calendar * decline * noise * np.where(phase == 0, SETUP_BOOST, 1.0)
    has_addon = (days[None, :] >= usage.addon_start[:, None]) & (days[None, :] < usage.addon_end[:, None])
    analysts = np.minimum(usage.addon_seats[:, None], active)
    analytics = (analysts * ANALYTICS_RATE * np.exp(0.3 * factors.usage_depth)[:, None] * calendar * decline
                 * noise * has_addon)
    return _Plan(days=days, delivery=delivery, analytics=analytics, active=active, phase=phase)


def expected_event_count(company: DemoCompany) -> float:
    """About how many events ``generate_events`` writes for this company (without drawing them)."""
    plan = _plan(company, np.random.default_rng(company.event_seed))
    return float(plan.delivery.sum() + plan.analytics.sum())


# --- drawing events ----------------------------------------------------------------------------


class _Dictionary:
    """Strings collected once, referred to by integer codes; the arrow column is a take()."""

    def __init__(self) -> None:
        self.values: list[str] = []
        self._array: pa.Array | None = None

    def add(self, value: str) -> int:
        self.values.append(value)
        return len(self.values) - 1

    def extend(self, values: list[str]) -> int:
        start = len(self.values)
        self.values.extend(values)
        return start

    def column(self, codes: np.ndarray) -> pa.Array:
        if self._array is None or len(self._array) != len(self.values):
            self._array = pa.array(self.values, pa.string())
        return self._array.take(pa.array(codes, pa.int64(), mask=codes < 0))


def _entries(kind: Kind) -> list[str]:
    out = []
    for combo in itertools.product(*(f.values for f in kind.fields)):
        merged: dict[str, Any] = {}
        for fragment in combo:
            merged.update(fragment)
        out.append(json.dumps(merged, **_JSON))
    return out


@dataclass
class _Columns:
    """The events of one chunk as integer codes (-1 = null) and microsecond timestamps."""

    type: np.ndarray
    event: np.ndarray
    user: np.ndarray
    anonymous: np.ndarray
    account: np.ndarray
    timestamp: np.ndarray
    properties: np.ndarray
    context: np.ndarray

    @classmethod
    def concat(cls, parts: list[_Columns]) -> _Columns:
        return cls(*(np.concatenate([getattr(p, f) for p in parts]) for f in cls.__dataclass_fields__))

    def take(self, order: np.ndarray) -> _Columns:
        return _Columns(*(getattr(self, f)[order] for f in self.__dataclass_fields__))


def _office_time_us(rng: np.random.Generator, day: np.ndarray) -> np.ndarray:
    """UTC microseconds for moments in Tokyo office hours (a morning and an afternoon peak) on JST ``day``."""
    n = len(day)
    hours = np.where(rng.random(n) < 0.65, rng.normal(10.5, 1.5, n), rng.normal(15.0, 1.8, n))
    seconds = np.clip(hours, 6.5, 23.5) * 3600
    return ((day * 86_400 + seconds.astype(np.int64) - 9 * 3600) * 1_000_000
            + rng.integers(0, 1_000_000, n))


class _Generator:
    def __init__(self, company: DemoCompany) -> None:
        self.company = company
        self.rng = np.random.default_rng(company.event_seed)
        self.plan = _plan(company, self.rng)
        usage = company.usage
        n_accounts = len(company.accounts)

        self.types = _Dictionary()
        self.type_code = {t: self.types.add(t) for t in EVENT_TYPES}
        self.names = _Dictionary()
        self.users = _Dictionary()
        self.users.extend([c.external_id for c in company.contacts])
        self.accounts = _Dictionary()
        self.accounts.extend([a.external_id for a in company.accounts])
        recipient_ids = self.rng.integers(0, 2**62, n_accounts * RECIPIENTS_PER_ACCOUNT)
        self.anonymous = _Dictionary()
        self.anonymous.extend([f"anon-{x:016x}" for x in recipient_ids])
        self.contexts = _Dictionary()
        self.contexts.extend([json.dumps(c, **_JSON) for c in _CONTEXTS])
        self.properties = _Dictionary()

        department_code = {d: k for k, d in enumerate(vocab.DEPARTMENTS)}
        self.pool_department = np.array([department_code[company.contacts[c].department] for c in usage.pool])
        self.products = []
        for kinds in (DELIVERY_KINDS, ANALYTICS_KINDS):
            weights = np.array([k.weights for k in kinds]).T  # phase x kind
            depth = np.array([k.depth for k in kinds])
            mix = weights[None, :, :] * np.exp(np.outer(company.factors.usage_depth, depth))[:, None, :]
            cdf = np.cumsum(mix / mix.sum(axis=2, keepdims=True), axis=2)  # account x phase x kind
            bases = [self.properties.extend(_entries(k)) for k in kinds]
            names = [self.names.add(k.event) if k.event else -1 for k in kinds]
            self.products.append((kinds, cdf, bases, names))
        self.extras = self._identify_and_group()
        self.counter = 0

    def _identify_and_group(self) -> _Columns:
        """identify calls when product users first appear, group calls when accounts start (in the window)."""
        company, usage = self.company, self.company.usage
        start = day_number(company.config.window_start)
        rows: list[tuple[int, int, int, int, str]] = []  # type, user, account, timestamp, traits
        for c in usage.pool:
            contact = company.contacts[c]
            if contact.created_at.astimezone(JST).date() < company.config.window_start:
                continue
            traits = {"name": contact.name, "email": contact.email, "title": contact.title}
            rows.append((self.type_code["identify"], int(c), contact.account, _micros(contact.created_at),
                         json.dumps(traits, **_JSON)))
        main = {c.account: c for c in company.contracts if c.product == "delivery"}
        for i, account in enumerate(company.accounts):
            if day_number(account.since) < start:
                continue
            traits = {"name": account.name, "industry": account.industry, "employees": account.employees,
                      "plan": main[i].plan}
            first_user = int(usage.pool[usage.pool_offset[i]])
            rows.append((self.type_code["group"], first_user, i, _micros(account.created_at) + 300_000_000,
                         json.dumps(traits, **_JSON)))
        n = len(rows)
        base = self.properties.extend([r[4] for r in rows])
        return _Columns(
            type=np.array([r[0] for r in rows], dtype=np.int64), event=np.full(n, -1),
            user=np.array([r[1] for r in rows], dtype=np.int64), anonymous=np.full(n, -1),
            account=np.array([r[2] for r in rows], dtype=np.int64),
            timestamp=np.array([r[3] for r in rows], dtype=np.int64), properties=base + np.arange(n),
            context=np.full(n, _SERVER),
        )

    def _draw(self, product: int, lo: int, hi: int) -> _Columns:
        rng, plan, usage = self.rng, self.plan, self.company.usage
        kinds, cdf, bases, names = self.products[product]
        expected = (plan.delivery if product == 0 else plan.analytics)[:, lo:hi]
        counts = rng.poisson(expected)
        cells = np.flatnonzero(counts)
        reps = counts.ravel()[cells]
        account, col = np.divmod(np.repeat(cells, reps), hi - lo)
        col += lo
        n = len(account)
        day = plan.days[col]
        phase = plan.phase[account, col]
        kind = (rng.random(n)[:, None] > cdf[account, phase]).sum(axis=1)
        kind = np.minimum(kind, len(kinds) - 1)

        # Admins and champions come first in each pool, so a skewed draw favours them.
        active = plan.active[account, col]
        if product == 1:
            active = np.minimum(active, usage.addon_seats[account])
        slot = usage.pool_offset[account] + np.floor(active * rng.random(n) ** 1.7).astype(np.int64)
        user = usage.pool[slot]
        anonymous_kind = np.array([k.anonymous for k in kinds])[kind]
        recipient = account * RECIPIENTS_PER_ACCOUNT + rng.integers(0, RECIPIENTS_PER_ACCOUNT, n)

        properties = np.zeros(n, dtype=np.int64)
        context = (slot * 7) % len(_USER_AGENTS)  # each person keeps a browser
        for k, spec in enumerate(kinds):
            mask = kind == k
            m = int(mask.sum())
            if not m:
                continue
            code = np.zeros(m, dtype=np.int64)
            for f in spec.fields:
                if f.source == "department":
                    index = self.pool_department[slot[mask]]
                elif f.source == "login":
                    index = (usage.sso[account[mask]] & (rng.random(m) < 0.95)).astype(np.int64)
                else:
                    p = np.asarray(f.weights, dtype=float)
                    index = rng.choice(len(f.values), size=m, p=p / p.sum())
                code = code * len(f.values) + index
            properties[mask] = bases[k] + code
            if spec.channel == "mobile":
                context[mask] = _MOBILE + rng.integers(0, 2, m)
            elif spec.anonymous:
                context[mask] = rng.integers(0, len(_USER_AGENTS), m)
        return _Columns(
            type=np.array([self.type_code[k.type] for k in kinds])[kind], event=np.array(names)[kind],
            user=np.where(anonymous_kind, -1, user), anonymous=np.where(anonymous_kind, recipient, -1),
            account=account, timestamp=_office_time_us(rng, day), properties=properties, context=context,
        )

    def month(self, lo: int, hi: int) -> pa.Table:
        days = self.plan.days
        parts = [self._draw(0, lo, hi), self._draw(1, lo, hi)]
        first_us, end_us = _day_start_us(days[lo]), _day_start_us(days[hi - 1] + 1)
        extras = self.extras.take(np.flatnonzero((self.extras.timestamp >= first_us)
                                                 & (self.extras.timestamp < end_us)))
        cols = _Columns.concat([*parts, extras])
        cols = cols.take(np.argsort(cols.timestamp, kind="stable"))
        n = len(cols.timestamp)
        delay = np.exp(self.rng.normal(np.log(0.5), 0.8, n))
        late = self.rng.random(n) < 0.01  # phones offline, retries
        delay = np.where(late, delay + self.rng.uniform(60, 7200, n), delay)
        received = cols.timestamp + (delay * 1_000_000).astype(np.int64)
        serial = pc.cast(pa.array(np.arange(self.counter, self.counter + n)), pa.string())
        self.counter += n
        message_id = pc.binary_join_element_wise(f"demo-{self.company.config.seed}-", pc.utf8_lpad(serial, 9, "0"), "")
        ts = pa.timestamp("us", tz="UTC")
        return pa.Table.from_arrays(
            [
                message_id, self.types.column(cols.type), self.names.column(cols.event),
                self.users.column(cols.user), self.anonymous.column(cols.anonymous),
                self.accounts.column(cols.account), pa.array(cols.timestamp, ts), pa.array(received, ts),
                self.properties.column(cols.properties), self.contexts.column(cols.context),
            ],
            schema=EVENT_SCHEMA,
        )


def _micros(moment: dt.datetime) -> int:
    return int(moment.timestamp()) * 1_000_000 + moment.microsecond


def _day_start_us(day: int) -> int:
    """The first microsecond of JST day ``day``, in UTC microseconds."""
    return (int(day) * 86_400 - 9 * 3600) * 1_000_000


def generate_events(company: DemoCompany) -> Iterator[pa.Table]:
    """The company's events, one table per calendar month (JST), oldest first, in EVENT_SCHEMA."""
    gen = _Generator(company)
    days = gen.plan.days
    month = company.config.window_start.replace(day=1)
    while True:
        lo = int(np.searchsorted(days, day_number(month)))
        month = add_months(month, 1)
        hi = int(np.searchsorted(days, day_number(month)))
        if lo >= len(days):
            break
        if hi > lo:
            yield gen.month(lo, hi)
