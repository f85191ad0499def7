"""Conditions evaluated for many accounts over many days at once, as numpy matrices.

``Evaluator`` holds the accounts (rows) and the days (columns) of one evaluation. Each condition
becomes a matrix of actual values and a matrix of "met"; event conditions read one daily
aggregate per distinct ``AggSpec`` (cached, so two levels asking about ``document_sent`` share a
query), database conditions read the accounts, contracts and health snapshots in bulk.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from csops.journey import conditions as C
from csops.journey.lake import DailyAggregate, daily_aggregate


@dataclass
class ContractFact:
    start: dt.date
    end: dt.date | None
    seats: int
    mrr: float
    plan: str
    status: str

    def live_on(self, day: dt.date) -> bool:
        return self.start <= day and (self.end is None or day < self.end)


@dataclass
class AccountRow:
    pk: int
    external_id: str
    fields: dict[str, Any]  # segment, industry, employees, country, traits
    contracts: list[ContractFact] = field(default_factory=list)  # of the product, oldest first
    anchor: dt.date | None = None  # "since the start" means since this day (contract or plan start)


def _compare(actual: np.ndarray, op: str, value: float) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        out = C.OPS[op](actual, value)
    return np.where(np.isnan(actual), False, out)


class Evaluator:
    def __init__(self, *, product: str, accounts: list[AccountRow], first: dt.date, last: dt.date,
                 data_first: dt.date | None = None) -> None:
        if last < first:
            raise ValueError("the last day comes before the first")
        self.product = product
        self.accounts = accounts
        self.first, self.last = first, last
        self.n_days = (last - first).days + 1
        self.days = [first + dt.timedelta(days=i) for i in range(self.n_days)]
        self.data_first = min(data_first or first, first)
        self.offset = (first - self.data_first).days
        self._aggregates: dict[C.AggSpec, DailyAggregate] = {}
        self.queries = 0

    # --- helpers ------------------------------------------------------------------------------

    def live(self) -> np.ndarray:
        """accounts x days: whether the account has a live contract of the product that day."""
        out = np.zeros((len(self.accounts), self.n_days), dtype=bool)
        for i, account in enumerate(self.accounts):
            for fact in account.contracts:
                lo = max(0, (fact.start - self.first).days)
                hi = self.n_days if fact.end is None else min(self.n_days, (fact.end - self.first).days)
                if hi > lo:
                    out[i, lo:hi] = True
        return out

    def _aggregate(self, spec: C.AggSpec) -> DailyAggregate:
        found = self._aggregates.get(spec)
        if found is None:
            found = self._aggregates[spec] = daily_aggregate(spec, self.data_first, self.last)
            self.queries += 1
        return found

    def _starts(self, window: int | None) -> np.ndarray:
        """accounts x days: the first data index (inclusive) the window of each cell covers."""
        ends = self.offset + np.arange(self.n_days) + 1  # exclusive end of each day, in data indexes
        if window is not None:
            return np.broadcast_to(np.maximum(ends - window, 0), (len(self.accounts), self.n_days))
        anchors = np.array([
            max(0, (a.anchor - self.data_first).days) if a.anchor is not None else 0 for a in self.accounts
        ], dtype=np.int64)
        return np.minimum(anchors[:, None], ends[None, :])

    # --- conditions ---------------------------------------------------------------------------

    def actual(self, cond: dict[str, Any]) -> np.ndarray:
        """accounts x days of the condition's measured value (NaN where unknown)."""
        kind = cond["type"]
        if kind in C.LAKE_TYPES:
            return self._lake_values(cond)
        if kind == "trait":
            return self._trait_values(cond)
        if kind == "contract":
            return self._contract_values(cond)
        return self._measure_values(cond)

    def met(self, cond: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
        """(met, actual): accounts x days booleans and the values they were judged on."""
        actual = self.actual(cond)
        op, value = cond.get("op", ">="), cond.get("value", 1)
        if actual.dtype == object:
            met = np.vectorize(lambda a: a is not None and _loose(C.OPS[op], a, value), otypes=[bool])(actual)
            return met, actual
        try:
            number = float(value)
        except (TypeError, ValueError):
            return np.zeros(actual.shape, dtype=bool), actual
        return _compare(actual.astype(float), op, number), actual

    def _lake_values(self, cond: dict[str, Any]) -> np.ndarray:
        spec = C.lake_spec(cond, product=self.product)
        assert spec is not None
        agg = self._aggregate(spec)
        ends = self.offset + np.arange(self.n_days) + 1
        starts = self._starts(cond.get("window_days"))
        out = np.zeros((len(self.accounts), self.n_days))
        for i, account in enumerate(self.accounts):
            if spec.kind == "count":
                counts = agg.counts.get(account.external_id)
                if counts is None:
                    continue
                cum = np.concatenate([[0], np.cumsum(counts)])
                out[i] = cum[ends] - cum[starts[i]]
            else:
                values = agg.values.get(account.external_id)
                if not values:
                    continue
                total = np.zeros(self.n_days)
                for seen in values.values():
                    cum = np.concatenate([[0], np.cumsum(seen)])
                    total += (cum[ends] - cum[starts[i]]) > 0
                out[i] = total
        return out

    def _trait_values(self, cond: dict[str, Any]) -> np.ndarray:
        name = cond["field"]
        values = []
        for account in self.accounts:
            if name.startswith("traits."):
                values.append((account.fields.get("traits") or {}).get(name[7:]))
            else:
                values.append(account.fields.get(name))
        return np.array([[v] * self.n_days for v in values], dtype=object).reshape(len(values), self.n_days)

    def _contract_values(self, cond: dict[str, Any]) -> np.ndarray:
        name = cond["field"]
        numeric = name in ("seats", "mrr", "months_active")
        out = np.full((len(self.accounts), self.n_days), np.nan) if numeric else np.full(
            (len(self.accounts), self.n_days), None, dtype=object)
        for i, account in enumerate(self.accounts):
            if not account.contracts:
                continue
            first_start = min(f.start for f in account.contracts)
            for j, day in enumerate(self.days):
                live = [f for f in account.contracts if f.live_on(day)]
                if not live:
                    continue
                fact = live[-1]
                if name == "months_active":
                    out[i, j] = (day.year - first_start.year) * 12 + day.month - first_start.month - (
                        1 if day.day < first_start.day else 0)
                else:
                    out[i, j] = getattr(fact, name)
        return out

    def _measure_values(self, cond: dict[str, Any]) -> np.ndarray:
        out = np.full((len(self.accounts), self.n_days), np.nan)
        if not C.health_installed():
            return out
        from csops.health.models import HealthScore

        key, part = cond["measure"], cond.get("field", "raw")
        index = {a.pk: i for i, a in enumerate(self.accounts)}
        rows = (HealthScore.objects.filter(account_id__in=list(index), day__lte=self.last,
                                           scorecard__product__code=self.product)
                .order_by("account_id", "day").values_list("account_id", "day", "breakdown"))
        # The latest snapshot on or before each day carries the value forward.
        for account_id, day, breakdown in rows.iterator(chunk_size=2000):
            entry = (breakdown or {}).get(key)
            value = entry.get(part) if isinstance(entry, dict) else None
            col = max(0, (day - self.first).days)
            out[index[account_id], col:] = np.nan if value is None else float(value)
        return out


def _loose(op: Any, actual: Any, value: Any) -> bool:
    """Compare a trait or contract fact: numbers as numbers, anything else as text."""
    try:
        return bool(op(float(actual), float(value)))
    except (TypeError, ValueError):
        return bool(op(str(actual), str(value))) if op in (C.OPS["=="], C.OPS["!="]) else False


def account_rows(product: str, *, account_ids: list[int] | None = None) -> list[AccountRow]:
    """Every account with a contract of ``product`` (or only ``account_ids``), with its contract facts."""
    from csops.customers.models import Account, Contract

    contracts = Contract.objects.filter(product__code=product).order_by("start_date", "id")
    if account_ids is not None:
        contracts = contracts.filter(account_id__in=account_ids)
    facts: dict[int, list[ContractFact]] = {}
    for c in contracts.values("account_id", "start_date", "end_date", "seats", "mrr", "plan", "status"):
        end = c["end_date"]
        if end is None and c["status"] == "churned":
            end = c["start_date"]  # an ended contract without a date: count it as never live
        facts.setdefault(c["account_id"], []).append(ContractFact(
            start=c["start_date"], end=end, seats=c["seats"], mrr=float(c["mrr"]), plan=c["plan"],
            status=c["status"]))
    accounts = Account.objects.filter(pk__in=list(facts)).order_by("pk").values(
        "pk", "external_id", "segment", "industry", "employees", "country", "traits")
    return [
        AccountRow(pk=a["pk"], external_id=a["external_id"], contracts=facts[a["pk"]],
                   fields={k: a[k] for k in ("segment", "industry", "employees", "country", "traits")},
                   anchor=facts[a["pk"]][0].start)
        for a in accounts
    ]
