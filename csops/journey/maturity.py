"""Maturity levels: evaluated daily for every account, stored as changes, reported as curves.

An account is at level N on a day when the conditions of levels 1..N all hold that day (a level
is only reached when the lower ones hold). ``evaluate_maturity(first, last)`` computes the whole
accounts x days matrix in one pass (csops.journey.evaluate) and records only the days it has not
evaluated before: a re-run of a day never rewrites its history, a backfill over a range costs a
few queries. The one exception is a change of a model's levels: ``request_rebuild`` forgets the
product's history and ``rebuild_maturity`` recomputes it with the new levels.
"""

from __future__ import annotations

import bisect
import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.db import transaction
from django.utils import timezone

from csops.customers.models import Product
from csops.journey import conditions as C
from csops.journey.evaluate import AccountRow, Evaluator, account_rows
from csops.journey.lake import lake_first_day
from csops.journey.models import EvaluatedDay, MaturityChange, MaturityModel, MaturityState

Progress = Callable[[int, int], None]


@dataclass
class MaturityResult:
    products: int = 0
    days_evaluated: int = 0
    days_skipped: int = 0
    changes: int = 0
    queries: int = 0
    per_product: dict[str, dict[str, int]] = field(default_factory=dict)

    def summary(self) -> str:
        return (f"maturity: {self.products} product(s), {self.days_evaluated} day(s) evaluated, "
                f"{self.days_skipped} already done, {self.changes} level change(s), {self.queries} lake queries")


def _data_first(levels: list[dict[str, Any]], first: dt.date) -> dt.date:
    windows = [c.get("window_days") for lv in levels for c in lv["conditions"] if c["type"] in C.LAKE_TYPES]
    if any(w is None for w in windows):
        return lake_first_day() or first
    longest = max([w for w in windows if w] or [1])
    return first - dt.timedelta(days=longest - 1)


def level_matrix(model: MaturityModel, accounts: list[AccountRow], first: dt.date,
                 last: dt.date) -> tuple[np.ndarray, list[dict[str, Any]], Evaluator]:
    """(levels accounts x days, per-level met/actual of the last day, the evaluator)."""
    levels = [{"number": lv.number, "name": lv.name, "conditions": lv.conditions}
              for lv in model.levels.order_by("number")]
    ev = Evaluator(product=model.product.code, accounts=[
        AccountRow(a.pk, a.external_id, a.fields, a.contracts, anchor=None) for a in accounts
    ], first=first, last=last, data_first=_data_first(levels, first))
    n_acc, n_days = len(accounts), ev.n_days
    holds = np.ones((len(levels), n_acc, n_days), dtype=bool)
    last_details = []
    for k, lv in enumerate(levels):
        conds = []
        for cond in lv["conditions"]:
            met, actual = ev.met(cond)
            holds[k] &= met
            conds.append({"cond": cond, "met": met[:, -1], "actual": actual[:, -1]})
        last_details.append({"number": lv["number"], "name": lv["name"], "conds": conds, "holds": holds[k][:, -1]})
    reached = np.cumprod(holds, axis=0) if len(levels) else np.zeros((0, n_acc, n_days), dtype=bool)
    return reached.sum(axis=0).astype(int) if len(levels) else np.zeros((n_acc, n_days), dtype=int), \
        last_details, ev


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        if value != value:
            return None
        return int(value) if value.is_integer() else round(value, 3)
    return value


def evaluate_maturity(first: dt.date, last: dt.date, *, product: str | None = None,
                      progress: Progress | None = None) -> MaturityResult:
    """Evaluate the levels of every account for the days ``first`` .. ``last`` (inclusive)."""
    result = MaturityResult()
    models = MaturityModel.objects.select_related("product").order_by("product__code")
    if product:
        models = models.filter(product__code=product)
    models_list = list(models)
    for n, model in enumerate(models_list):
        stats = _evaluate_model(model, first, last)
        result.products += 1
        result.days_evaluated += stats["evaluated"]
        result.days_skipped += stats["skipped"]
        result.changes += stats["changes"]
        result.queries += stats["queries"]
        result.per_product[model.product.code] = stats
        if progress:
            progress(n + 1, len(models_list))
    return result


def _evaluate_model(model: MaturityModel, first: dt.date, last: dt.date) -> dict[str, int]:
    accounts = account_rows(model.product.code)
    done_days = set(EvaluatedDay.objects.filter(product=model.product, day__gte=first, day__lte=last)
                    .values_list("day", flat=True))
    n_days = (last - first).days + 1
    if not accounts or len(done_days) == n_days:
        _record_days(model.product, first, last, done_days, None)
        return {"evaluated": 0 if len(done_days) == n_days else n_days - len(done_days),
                "skipped": len(done_days), "changes": 0, "queries": 0}
    levels, details, ev = level_matrix(model, accounts, first, last)
    live = ev.live()
    stored: dict[int, list[tuple[dt.date, int]]] = defaultdict(list)
    for account_id, day, level_to in (MaturityChange.objects.filter(product=model.product, day__lte=last)
                                      .order_by("day").values_list("account_id", "day", "level_to")):
        stored[account_id].append((day, level_to))

    def stored_level(account_id: int, day: dt.date) -> int:
        history = stored.get(account_id, [])
        k = bisect.bisect_right(history, (day, 10**6))
        return history[k - 1][1] if k else 0

    new: list[MaturityChange] = []
    for i, account in enumerate(accounts):
        prev = stored_level(account.pk, first - dt.timedelta(days=1))
        for j in range(n_days):
            day = ev.days[j]
            if day in done_days:
                prev = stored_level(account.pk, day)
                continue
            if not live[i, j]:
                continue
            level = int(levels[i, j])
            if level != prev:
                new.append(MaturityChange(account_id=account.pk, product=model.product, day=day,
                                          level_from=prev, level_to=level))
                prev = level
    with transaction.atomic():
        MaturityChange.objects.bulk_create(new, batch_size=2000, ignore_conflicts=True)
        _record_days(model.product, first, last, done_days, live)
        _snapshot(model, accounts, levels, details, live, last)
    return {"evaluated": n_days - len(done_days), "skipped": len(done_days), "changes": len(new),
            "queries": ev.queries}


def _record_days(product: Product, first: dt.date, last: dt.date, done: set[dt.date],
                 live: np.ndarray | None) -> None:
    rows = []
    for j in range((last - first).days + 1):
        day = first + dt.timedelta(days=j)
        if day not in done:
            count = int(live[:, j].sum()) if live is not None else 0
            rows.append(EvaluatedDay(product=product, day=day, accounts=count))
    EvaluatedDay.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)


def _snapshot(model: MaturityModel, accounts: list[AccountRow], levels: np.ndarray, details: list[dict[str, Any]],
              live: np.ndarray, last: dt.date) -> None:
    """The account page's "why": for the last day, each level's conditions met and missing."""
    since: dict[int, dt.date] = dict(
        MaturityChange.objects.filter(product=model.product, day__lte=last).order_by("account_id", "day")
        .values_list("account_id", "day"))  # the last one per account wins
    keep = []
    rows = []
    for i, account in enumerate(accounts):
        if not live[i, -1]:
            continue
        keep.append(account.pk)
        per_level = []
        for lv in details:
            per_level.append({
                "level": lv["number"], "name": lv["name"], "holds": bool(lv["holds"][i]),
                "conditions": [{"label": C.describe(c["cond"]), "met": bool(c["met"][i]),
                                "actual": _plain(c["actual"][i]), "op": c["cond"].get("op", ">="),
                                "value": c["cond"].get("value", 1)} for c in lv["conds"]],
            })
        rows.append(MaturityState(account_id=account.pk, product=model.product, level=int(levels[i, -1]),
                                  since=since.get(account.pk), evaluated_on=last, details=per_level))
    MaturityState.objects.filter(product=model.product).exclude(account_id__in=keep).delete()
    MaturityState.objects.filter(product=model.product, account_id__in=keep).delete()
    MaturityState.objects.bulk_create(rows, batch_size=1000)


# --- rebuilding a product's history after its model changed -------------------------------


def request_rebuild(model: MaturityModel) -> None:
    """The model's levels changed: forget the product's recorded levels now (they follow the old
    definition), and ask for its history to be recomputed (``rebuild_pending``). Call it in the
    transaction of the change."""
    until = _last_evaluated(model.product)
    clear_history(model.product)
    MaturityModel.objects.filter(pk=model.pk).update(rebuild_requested_at=timezone.now(), rebuild_until=until)


def _last_evaluated(product: Product) -> dt.date | None:
    """The product's last evaluated day, else the last day evaluated for any product."""
    own = EvaluatedDay.objects.filter(product=product).order_by("-day").values_list("day", flat=True).first()
    return own or EvaluatedDay.objects.order_by("-day").values_list("day", flat=True).first()


def clear_history(product: Product) -> None:
    MaturityChange.objects.filter(product=product).delete()
    EvaluatedDay.objects.filter(product=product).delete()
    MaturityState.objects.filter(product=product).delete()


def rebuild_range(model: MaturityModel) -> tuple[dt.date, dt.date]:
    """From the lake's first event day to the last day evaluated before the change (else today)."""
    last = model.rebuild_until or _last_evaluated(model.product) or timezone.localdate()
    first = lake_first_day() or last
    return min(first, last), last


def rebuild_maturity(product_code: str, *, last: dt.date | None = None, progress: Progress | None = None,
                     only_if_requested: bool = False) -> MaturityResult | None:
    """Clear the product's recorded levels and recompute them from the lake's first event day to
    ``last`` (default: the last evaluated day), with the model as it is now. The request flag is
    claimed by a row-count update, so two workers never rebuild a model twice (``only_if_requested``:
    None when nobody asks for it any more)."""
    model = MaturityModel.objects.select_related("product").get(product__code=product_code)
    first, default_last = rebuild_range(model)
    last = last or default_last
    first = min(first, last)
    # Claim and clear in a short transaction; the evaluation computes outside any write lock and
    # writes in its own transaction. Should it fail, the request is put back for the next try.
    with transaction.atomic():
        claimed = MaturityModel.objects.filter(pk=model.pk, rebuild_requested_at__isnull=False).update(
            rebuild_requested_at=None, rebuild_until=None)
        if only_if_requested and not claimed:
            return None
        clear_history(model.product)
    try:
        return evaluate_maturity(first, last, product=product_code, progress=progress)
    except BaseException:
        MaturityModel.objects.filter(pk=model.pk).update(rebuild_requested_at=timezone.now(), rebuild_until=last)
        raise


def rebuild_pending(*, should_stop: Callable[[], bool] = lambda: False) -> list[str]:
    """Rebuild every model whose levels changed since its history was computed; the products done."""
    done = []
    for code in (MaturityModel.objects.filter(rebuild_requested_at__isnull=False)
                 .order_by("product__code").values_list("product__code", flat=True)):
        if should_stop():
            break
        if rebuild_maturity(code, only_if_requested=True) is not None:
            done.append(code)
    return done


def rebuild_pass(*, worker_id: str = "", should_stop: Callable[[], bool] = lambda: False) -> dict[str, int]:
    """The worker's pass (csops worker): rebuild the models awaiting it."""
    return {"maturity histories rebuilt": len(rebuild_pending(should_stop=should_stop))}


# --- reports ---------------------------------------------------------------------------------


def level_history(product: Product) -> dict[int, list[tuple[dt.date, int]]]:
    history: dict[int, list[tuple[dt.date, int]]] = defaultdict(list)
    for account_id, day, level in (MaturityChange.objects.filter(product=product).order_by("day")
                                   .values_list("account_id", "day", "level_to")):
        history[account_id].append((day, level))
    return history


def curve(product: Product, *, sample: str = "month") -> dict[str, Any]:
    """Accounts per level over time: one point per month (its last evaluated day), from stored changes.

    Accounts count only on days they had a live contract of the product; level 0 is "below Lv.1".
    """
    days = sorted(EvaluatedDay.objects.filter(product=product).values_list("day", flat=True))
    model = MaturityModel.objects.filter(product=product).first()
    n_levels = model.levels.count() if model else 0
    if not days:
        return {"points": [], "levels": n_levels}
    points_days: list[dt.date] = []
    for day in days:
        key = (day.year, day.month) if sample == "month" else (day.isocalendar()[0], day.isocalendar()[1])
        if points_days and ((points_days[-1].year, points_days[-1].month) if sample == "month" else
                            (points_days[-1].isocalendar()[0], points_days[-1].isocalendar()[1])) == key:
            points_days[-1] = day
        else:
            points_days.append(day)
    history = level_history(product)
    rows = {a.pk: a for a in account_rows(product.code)}
    points = []
    for day in points_days:
        counts = [0] * (n_levels + 1)
        for pk, account in rows.items():
            if not any(f.live_on(day) for f in account.contracts):
                continue
            h = history.get(pk, [])
            k = bisect.bisect_right(h, (day, 10**6))
            level = h[k - 1][1] if k else 0
            counts[min(level, n_levels)] += 1
        points.append({"day": day, "counts": counts, "total": sum(counts)})
    return {"points": points, "levels": n_levels}


def movers(product: Product, *, since: dt.date, until: dt.date) -> list[dict[str, Any]]:
    """Accounts whose level at ``until`` differs from their level the day before ``since``."""
    from csops.customers.models import Account

    history = level_history(product)
    out = []
    for pk, h in history.items():
        before = [lvl for d, lvl in h if d < since]
        within = [lvl for d, lvl in h if since <= d <= until]
        if not within:
            continue
        start = before[-1] if before else 0
        end = within[-1]
        if start != end:
            out.append({"account_id": pk, "from": start, "to": end, "up": end > start})
    names = dict(Account.objects.filter(pk__in=[m["account_id"] for m in out]).values_list("pk", "name"))
    for m in out:
        m["name"] = names.get(m["account_id"], "")
    out.sort(key=lambda m: (not m["up"], -abs(m["to"] - m["from"]), m["name"]))
    return out


def median_days_between_levels(product: Product) -> list[dict[str, Any]]:
    """Median days from first reaching level N to first reaching N+1, over accounts seen doing it.

    A level an account already held when its history started (the first evaluated day, or its
    contract start) says nothing about how long it took, so such starts are left out.
    """
    first_day = EvaluatedDay.objects.filter(product=product).order_by("day").values_list("day", flat=True).first()
    model = MaturityModel.objects.filter(product=product).first()
    if first_day is None or model is None:
        return []
    starts = {a.pk: max(first_day, a.contracts[0].start) for a in account_rows(product.code)}
    n_levels = model.levels.count()
    gaps: dict[int, list[int]] = defaultdict(list)
    for pk, h in level_history(product).items():
        reached: dict[int, dt.date] = {}
        for day, level in h:
            for lvl in range(1, level + 1):
                reached.setdefault(lvl, day)
        for lvl in range(1, n_levels):
            a, b = reached.get(lvl), reached.get(lvl + 1)
            if a and b and a > starts.get(pk, first_day):
                gaps[lvl].append((b - a).days)
    return [{"from": lvl, "to": lvl + 1, "accounts": len(gaps[lvl]),
             "median_days": statistics.median(gaps[lvl]) if gaps[lvl] else None} for lvl in range(1, n_levels)]


def distribution(product: Product) -> list[int]:
    """Accounts per level (index = level) in the latest snapshot."""
    model = MaturityModel.objects.filter(product=product).first()
    n = model.levels.count() if model else 0
    counts = [0] * (n + 1)
    for level in MaturityState.objects.filter(product=product).values_list("level", flat=True):
        counts[min(level, n)] += 1
    return counts
