"""What actually happened to the contracts: ARR on any past day, churn dates, renewal outcomes.

A contract row holds its *current* terms. Its past MRR comes from the renewal records on the
timeline (``Activity`` of kind ``system`` with ``data.renewal`` and ``data.mrr = [before, after]``,
as the CRM sync and the demo write them): before a recorded renewal the contract ran at that
renewal's "before" MRR. Without such records a contract is taken to have run at its current MRR
since its start (stated as an assumption on the report). So, by construction, today's ARR is
the sum of the live contracts: the reconciliation the forecast is tested against.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from csops.customers.models import Activity, ActivityKind, Contract, ContractStatus

OUTCOMES = ("renewed", "expanded", "contracted", "churned")


@dataclass
class Book:
    """Contracts (one row each) and their recorded renewals, as pandas frames."""

    contracts: pd.DataFrame  # id, account_id, product, segment, owner_id, start, end, renewal, churned, mrr
    renewals: pd.DataFrame  # contract_id, account_id, product, segment, date, outcome, mrr_before, mrr_after

    def mrr_on(self, day: dt.date) -> pd.Series:
        """Each contract's MRR on ``day`` (0 when not running that day), indexed by contract id."""
        c = self.contracts
        ts = pd.Timestamp(day)
        live = (c["start"] <= ts) & (c["end"].isna() | (c["end"] > ts))
        mrr = c["mrr"].copy()
        later = self.renewals[self.renewals["date"] > ts]
        if not later.empty:
            first = later.sort_values("date").drop_duplicates("contract_id")
            mrr.loc[first["contract_id"].to_numpy()] = first["mrr_before"].to_numpy()
        return mrr.where(live, 0.0)

    def arr_by_account(self, day: dt.date) -> pd.Series:
        return (self.mrr_on(day) * 12).groupby(self.contracts["account_id"]).sum()

    def churn_dates(self, product: str | None = None) -> pd.Series:
        """Per account, the day its last contract (of ``product``) ended without renewal; only accounts
        with nothing live left count as churned."""
        c = self.contracts if product is None else self.contracts[self.contracts["product"] == product]
        live = c[~c["churned"]].groupby("account_id").size()
        ended = c[c["churned"] & c["end"].notna()].groupby("account_id")["end"].max()
        return ended[~ended.index.isin(live.index)]


def load_book(*, product: str | None = None) -> Book:
    rows = Contract.objects.select_related("account")
    if product:
        rows = rows.filter(product__code=product)
    contracts = pd.DataFrame.from_records(
        list(rows.values_list("id", "account_id", "product__code", "account__segment", "account__owner_id",
                              "start_date", "end_date", "renewal_date", "status", "mrr")),
        columns=["id", "account_id", "product", "segment", "owner_id", "start", "end", "renewal", "status", "mrr"],
    )
    if contracts.empty:
        contracts = contracts.astype({"mrr": float})
    contracts["start"] = pd.to_datetime(contracts["start"])
    contracts["end"] = pd.to_datetime(contracts["end"])
    contracts["renewal"] = pd.to_datetime(contracts["renewal"])
    contracts["mrr"] = contracts["mrr"].astype(float)
    contracts["churned"] = contracts["status"] == ContractStatus.CHURNED
    # A churned contract without an end date ended on its renewal date at the latest; keep it open-ended
    # rather than guess (it then counts as running, which understates churn, never invents it).
    contracts = contracts.set_index("id", drop=False)
    renewals = _renewals(contracts)
    return Book(contracts, renewals)


def _renewals(contracts: pd.DataFrame) -> pd.DataFrame:
    columns = ["contract_id", "account_id", "product", "segment", "date", "outcome", "mrr_before", "mrr_after"]
    if contracts.empty:
        return pd.DataFrame(columns=columns)
    by_key: dict[tuple[int, str], list[tuple[pd.Timestamp, pd.Timestamp | None, int]]] = {}
    keys = contracts[["id", "account_id", "product", "start", "end"]]
    for cid, acc, prod, start, end in keys.itertuples(index=False):
        by_key.setdefault((acc, prod), []).append((start, end, cid))
    out = []
    acts = Activity.objects.filter(kind=ActivityKind.SYSTEM, data__has_key="renewal").values_list(
        "account_id", "occurred_at", "data")
    for account_id, when, data in acts.iterator():
        outcome = data.get("renewal")
        mrr = data.get("mrr")
        if outcome not in OUTCOMES or not isinstance(mrr, list) or len(mrr) != 2:
            continue
        day = pd.Timestamp(when.date())
        candidates = by_key.get((account_id, data.get("product")), [])
        # The contract running on the renewal day (a churned one ends on it).
        match = [cid for start, end, cid in candidates if start <= day and (pd.isna(end) or end >= day)]
        if not match:
            continue
        out.append((match[0], account_id, data.get("product"), contracts.at[match[0], "segment"], day, outcome,
                    float(mrr[0]), float(mrr[1])))
    return pd.DataFrame(out, columns=columns)


def month_starts(first: dt.date, last: dt.date) -> list[dt.date]:
    out, day = [], first.replace(day=1)
    while day <= last:
        out.append(day)
        day = (day + dt.timedelta(days=32)).replace(day=1)
    return out


def add_months(day: dt.date, months: int) -> dt.date:
    y, m = divmod(day.month - 1 + months, 12)
    return dt.date(day.year + y, m + 1, 1)


def retention(book: Book, start: dt.date, end: dt.date) -> dict[str, float]:
    """GRR and NRR from ``start`` to ``end`` for the accounts paying on ``start``."""
    a, b = book.arr_by_account(start), book.arr_by_account(end)
    cohort = a[a > 0]
    if cohort.empty:
        return {"grr": float("nan"), "nrr": float("nan"), "arr_start": 0.0}
    later = b.reindex(cohort.index).fillna(0.0)
    return {"grr": float(np.minimum(later, cohort).sum() / cohort.sum()),
            "nrr": float(later.sum() / cohort.sum()), "arr_start": float(cohort.sum())}
