"""Time to first value: from the contract start to the product's Wow! moment, per account.

The first value condition (``MaturityModel.first_value``) is an event condition counted since the
contract start (``window_days`` null). Each pending account's first day that meets it is found in
one pass over daily aggregates; once found, it is never recomputed. A contract that started
before the event history gets its day when the history shows it, but no duration: how long it
took is unknown (``measurable`` False).
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from typing import Any

import numpy as np
from django.db import transaction

from csops.journey.evaluate import Evaluator, account_rows
from csops.journey.lake import lake_first_day
from csops.journey.models import FirstValue, MaturityModel


def evaluate_first_value(day: dt.date) -> int:
    """Find first value up to ``day`` for every account still waiting for it; returns how many reached it."""
    history_start = lake_first_day()
    reached = 0
    for model in MaturityModel.objects.select_related("product").exclude(first_value={}):
        cond = dict(model.first_value)
        cond["window_days"] = None
        done = set(FirstValue.objects.filter(product=model.product, reached_on__isnull=False)
                   .values_list("account_id", flat=True))
        accounts = [a for a in account_rows(model.product.code)
                    if a.pk not in done and a.anchor is not None and a.anchor <= day]
        if not accounts or history_start is None:
            _ensure_rows(model, accounts, history_start, {})
            continue
        first = max(history_start, min(a.anchor for a in accounts))  # type: ignore[type-var]
        if first > day:
            _ensure_rows(model, accounts, history_start, {})
            continue
        ev = Evaluator(product=model.product.code, accounts=accounts, first=first, last=day, data_first=first)
        met, _ = ev.met(cond)
        found: dict[int, dt.date] = {}
        for i, account in enumerate(accounts):
            start = max(0, (account.anchor - first).days)  # type: ignore[operator]
            hits = np.flatnonzero(met[i, start:])
            if hits.size:
                found[account.pk] = ev.days[start + int(hits[0])]
        reached += len(found)
        _ensure_rows(model, accounts, history_start, found)
    return reached


def _ensure_rows(model: MaturityModel, accounts: list[Any], history_start: dt.date | None,
                 found: dict[int, dt.date]) -> None:
    existing = {fv.account_id: fv for fv in FirstValue.objects.filter(product=model.product,
                                                                        account_id__in=[a.pk for a in accounts])}
    create, update = [], []
    for account in accounts:
        measurable = history_start is not None and account.anchor >= history_start
        row = existing.get(account.pk)
        if row is None:
            create.append(FirstValue(account_id=account.pk, product=model.product, contract_start=account.anchor,
                                     reached_on=found.get(account.pk), measurable=measurable))
        elif account.pk in found:
            row.reached_on, row.measurable = found[account.pk], measurable
            update.append(row)
    with transaction.atomic():
        FirstValue.objects.bulk_create(create, batch_size=1000)
        FirstValue.objects.bulk_update(update, ["reached_on", "measurable"], batch_size=1000)


def _quantiles(values: list[int]) -> dict[str, Any]:
    if not values:
        return {"n": 0, "median": None, "p25": None, "p75": None, "min": None, "max": None}
    ordered = sorted(values)
    q = statistics.quantiles(ordered, n=4) if len(ordered) > 1 else [ordered[0]] * 3
    return {"n": len(ordered), "median": statistics.median(ordered), "p25": q[0], "p75": q[2],
            "min": ordered[0], "max": ordered[-1]}


def distribution(product_code: str, *, by: str = "cohort") -> list[dict[str, Any]]:
    """TTFV in days per cohort (quarter of the contract start) or per segment, with those still waiting."""
    rows = FirstValue.objects.filter(product__code=product_code, measurable=True).select_related("account")
    groups: dict[str, list[int]] = defaultdict(list)
    waiting: dict[str, int] = defaultdict(int)
    for fv in rows:
        if by == "segment":
            key = fv.account.segment or "-"
        else:
            key = f"{fv.contract_start.year} Q{(fv.contract_start.month - 1) // 3 + 1}"
        if fv.days is None:
            waiting[key] += 1
        else:
            groups[key].append(fv.days)
    keys = sorted(set(groups) | set(waiting))
    return [{"group": k, **_quantiles(groups[k]), "waiting": waiting[k], "days": sorted(groups[k])} for k in keys]


def overall(product_code: str) -> dict[str, Any]:
    days = [fv.days for fv in FirstValue.objects.filter(product__code=product_code, measurable=True,
                                                        reached_on__isnull=False)]
    waiting = FirstValue.objects.filter(product__code=product_code, reached_on__isnull=True).count()
    return {**_quantiles([d for d in days if d is not None]), "waiting": waiting}
