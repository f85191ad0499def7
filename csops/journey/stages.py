"""Lifecycle stages: onboarding -> adoption -> expansion by rules, renewal and churned by contracts.

Progression rules (``StageRule``) move an account between onboarding, adoption and expansion when
their conditions hold; they must not form a cycle, so that applying them until none matches ends
within a day. Renewal is a window before the next renewal date (``StageSettings``), churned means
no live contract; both follow from the contracts and an account leaves them for the stage its
rules give. A manual override (with a reason) holds against the rules for ``override_days``.

History is the list of ``StageChange`` rows; ``Account.lifecycle_stage`` is its latest value,
kept for the account list. Days already evaluated (``StageDay``) are never recomputed.
"""

from __future__ import annotations

import bisect
import calendar
import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from csops.audit.services import record
from csops.customers.models import Account, Activity, ActivityKind, Contract, LifecycleStage, Product
from csops.customers.services.accounts import do_log_activity
from csops.journey import conditions as C
from csops.journey.evaluate import Evaluator, account_rows
from csops.journey.lake import lake_first_day
from csops.journey.models import (
    FirstValue,
    MaturityChange,
    OnboardingPlan,
    StageChange,
    StageDay,
    StageRule,
    StageSettings,
    StageSource,
)

PROGRESSION = (LifecycleStage.ONBOARDING, LifecycleStage.ADOPTION, LifecycleStage.EXPANSION)
# Facts of the journey itself, evaluated here.
STAGE_TYPES = ("plan_complete", "first_value", "maturity_at_least", "days_since_start", "days_in_stage")
# Plus the conditions of maturity levels (csops.journey.conditions: events, features, traits, contract
# facts, health measures), evaluated per product with evaluate.Evaluator.
RULE_TYPES = STAGE_TYPES + C.TYPES


class StageInvalid(ValueError):
    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


def validate_rule_condition(cond: Any, path: str, products: set[str] | None = None,
                            features: set[tuple[str, str]] | None = None) -> list[str]:
    """Problems of one stage rule condition; ``products`` are the known product codes (default: all).

    A condition of csops.journey.conditions (event, feature, trait, contract, measure) may name the
    ``product`` it reads; without one it holds when it holds for any product of the account. It is
    validated like a maturity condition: unknown measures (of that product, or of any product),
    features or fields are refused with their path.
    """
    if not isinstance(cond, dict) or cond.get("type") not in RULE_TYPES:
        got = cond.get("type") if isinstance(cond, dict) else cond
        return [f"{path}.type: unknown stage condition {got!r} (known: {', '.join(RULE_TYPES)})"]
    kind = cond["type"]
    if kind in C.TYPES:
        known = products if products is not None else set(Product.objects.values_list("code", flat=True))
        code = cond.get("product")
        if code is not None and (not isinstance(code, str) or code not in known):
            return [f"{path}.product: unknown product {code!r} (known: {', '.join(sorted(known)) or 'none'}); "
                    f"leave it out to ask about any product"]
        plain = {k: v for k, v in cond.items() if k != "product"}
        if features is None and kind == "feature_used":
            features = C.known_features()
        if kind == "feature_used" and code is None:
            # Without a product, the feature must exist for at least one of them.
            features = {(None, key) for _p, key in (features or set())}
        return C.validate_condition(plain, path, product=code, features=features,
                                    measures=C.known_measures(code) if kind == "measure" else set())
    allowed = {"type", "label"} | {"maturity_at_least": {"level", "product"}, "days_since_start": {"days"},
                                   "days_in_stage": {"days"}}.get(kind, set())
    errors = [f"{path}.{k}: unknown field for a {kind} condition" for k in sorted(set(cond) - allowed)]
    for name in ({"maturity_at_least": ["level"], "days_since_start": ["days"], "days_in_stage": ["days"]}
                 .get(kind, [])):
        value = cond.get(name)
        if not isinstance(value, int) or isinstance(value, bool) or value < (1 if name == "level" else 0):
            errors.append(f"{path}.{name}: must be a whole number{' from 1' if name == 'level' else ', not negative'}")
    if kind == "maturity_at_least" and "product" in cond:
        known = products if products is not None else set(Product.objects.values_list("code", flat=True))
        code = cond["product"]
        if not isinstance(code, str) or code not in known:
            errors.append(f"{path}.product: unknown product {code!r} (known: {', '.join(sorted(known)) or 'none'}); "
                          f"leave it out to take the highest level across products")
    return errors


def validate_rules(rules: list[dict[str, Any]], path: str = "stages.rules",
                   products: set[str] | None = None) -> list[str]:
    """Every problem of a list of rules, including a cycle among their stages."""
    if products is None:
        products = set(Product.objects.values_list("code", flat=True))
    errors: list[str] = []
    features: set[tuple[str, str]] | None = None
    if any(isinstance(r, dict) and isinstance(r.get("conditions"), list)
           and any(isinstance(c, dict) and c.get("type") == "feature_used" for c in r["conditions"]) for r in rules):
        features = C.known_features()
    keys: set[str] = set()
    edges: dict[str, set[str]] = defaultdict(set)
    for k, rule in enumerate(rules):
        where = f"{path}[{k}]"
        if not isinstance(rule, dict):
            errors.append(f"{where}: a rule must be a mapping")
            continue
        unknown = set(rule) - {"key", "from", "to", "match", "conditions"}
        errors += [f"{where}.{u}: unknown field" for u in sorted(unknown)]
        key = rule.get("key")
        if not isinstance(key, str) or not key.strip():
            errors.append(f"{where}.key: required")
        elif key in keys:
            errors.append(f"{where}.key: {key!r} is used twice")
        else:
            keys.add(key)
        for side in ("from", "to"):
            if rule.get(side) not in PROGRESSION:
                errors.append(f"{where}.{side}: must be one of {', '.join(PROGRESSION)} (renewal and churned follow "
                              f"from the contracts), got {rule.get(side)!r}")
        if rule.get("from") == rule.get("to") and rule.get("from") in PROGRESSION:
            errors.append(f"{where}: a rule must change the stage ({rule.get('from')} -> {rule.get('to')})")
        if rule.get("match", "all") not in ("all", "any"):
            errors.append(f"{where}.match: must be all or any")
        conds = rule.get("conditions")
        if not isinstance(conds, list) or not conds:
            errors.append(f"{where}.conditions: at least one condition is required")
        else:
            for j, cond in enumerate(conds):
                errors += validate_rule_condition(cond, f"{where}.conditions[{j}]", products, features)
        if rule.get("from") in PROGRESSION and rule.get("to") in PROGRESSION and rule["from"] != rule["to"]:
            edges[rule["from"]].add(rule["to"])
    cycle = _find_cycle(edges)
    if cycle:
        errors.append(f"{path}: the rules form a cycle ({' -> '.join(cycle)}); stages must only move forward")
    return errors


def _find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def settings_row() -> StageSettings:
    row = StageSettings.objects.order_by("pk").first()
    return row or StageSettings.objects.create()


# --- evaluation ------------------------------------------------------------------------------


def _years_back(day: dt.date, years: int) -> dt.date:
    year = day.year - years
    return day.replace(year=year, day=min(day.day, calendar.monthrange(year, day.month)[1]))


@dataclass
class _Facts:
    live: np.ndarray
    ever_live_before: np.ndarray  # a contract had started by that day
    renewal: np.ndarray
    first_start: dt.date | None
    plan_complete: dt.date | None
    first_value: dt.date | None
    maturity: np.ndarray  # highest level over products, per day
    by_product: dict[str, np.ndarray]  # level per day, per product code


def _facts(first: dt.date, last: dt.date, window: int) -> dict[int, _Facts]:
    n = (last - first).days + 1
    contracts: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for c in Contract.objects.values("account_id", "start_date", "end_date", "renewal_date", "status"):
        contracts[c["account_id"]].append(c)
    plans: dict[int, dt.date] = {}
    for account_id, done in OnboardingPlan.objects.filter(completed_on__isnull=False).values_list(
            "account_id", "completed_on"):
        plans[account_id] = min(done, plans.get(account_id, done))
    values: dict[int, dt.date] = {}
    for account_id, day in FirstValue.objects.filter(reached_on__isnull=False).values_list("account_id", "reached_on"):
        values[account_id] = min(day, values.get(account_id, day))
    codes = dict(Product.objects.values_list("pk", "code"))
    levels: dict[int, dict[int, list[tuple[dt.date, int]]]] = defaultdict(lambda: defaultdict(list))
    for account_id, product_id, day, level in (MaturityChange.objects.filter(day__lte=last).order_by("day")
                                               .values_list("account_id", "product_id", "day", "level_to")):
        levels[account_id][product_id].append((day, level))
    out = {}
    for account_id, rows in contracts.items():
        live = np.zeros(n, dtype=bool)
        started = np.zeros(n, dtype=bool)
        renewal = np.zeros(n, dtype=bool)
        for c in rows:
            end = c["end_date"] or (c["start_date"] if c["status"] == "churned" else None)
            lo = max(0, (c["start_date"] - first).days)
            hi = n if end is None else min(n, (end - first).days)
            if hi > lo:
                live[lo:hi] = True
            if lo < n:
                started[lo:] = True
            r = c["renewal_date"]
            if r is None:
                continue
            k = 0
            while True:
                anniversary = _years_back(r, k)
                if anniversary <= c["start_date"] or anniversary < first:
                    break
                a_hi = min(n, (anniversary - first).days + 1)
                a_lo = max(0, (anniversary - first).days - window)
                if a_hi > a_lo:
                    renewal[a_lo:a_hi] = True
                k += 1
        maturity = np.zeros(n, dtype=int)
        by_product = {}
        for product_id, history in levels.get(account_id, {}).items():
            per = np.zeros(n, dtype=int)
            for day, level in history:
                per[max(0, (day - first).days):] = level
            maturity = np.maximum(maturity, per)
            by_product[codes.get(product_id, "")] = per
        out[account_id] = _Facts(live=live, ever_live_before=started, renewal=renewal & live,
                                 first_start=min(c["start_date"] for c in rows),
                                 plan_complete=plans.get(account_id), first_value=values.get(account_id),
                                 maturity=maturity, by_product=by_product)
    return out


def _plain(cond: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in cond.items() if k != "product"}


def _data_first(conds: list[dict[str, Any]], first: dt.date) -> dt.date:
    windows = [c.get("window_days") for c in conds if c["type"] in C.LAKE_TYPES]
    if any(w is None for w in windows):
        return lake_first_day() or first
    longest = max([w for w in windows if w] or [1])
    return first - dt.timedelta(days=longest - 1)


Met = dict[tuple[str, int], dict[int, np.ndarray]]


def _condition_met(rules: list[StageRule], first: dt.date, last: dt.date) -> Met:
    """(rule key, condition index) -> account id -> met per day, for the csops.journey.conditions types.

    Evaluated in bulk as maturity levels are: one ``Evaluator`` per product over every account with a
    contract of it (one query per distinct event aggregate or measure, never one per account). A
    condition without ``product`` holds on a day when it holds for any of the account's products.
    "Since the start" (no ``window_days``) counts from the account's first contract of the product.
    """
    wanted = [(rule.key, m, cond) for rule in rules for m, cond in enumerate(rule.conditions)
              if cond.get("type") in C.TYPES]
    if not wanted:
        return {}
    if all(cond.get("product") for _k, _m, cond in wanted):
        codes = sorted({cond["product"] for _k, _m, cond in wanted})
    else:
        codes = sorted(Product.objects.values_list("code", flat=True))
    out: Met = {}
    for code in codes:
        conds = [(k, m, _plain(cond)) for k, m, cond in wanted if cond.get("product") in (None, "", code)]
        rows = account_rows(code) if conds else []
        if not rows:
            continue
        ev = Evaluator(product=code, accounts=rows, first=first, last=last,
                       data_first=_data_first([c for _k, _m, c in conds], first))
        cache: dict[str, np.ndarray] = {}
        for key, m, cond in conds:
            sig = json.dumps(cond, sort_keys=True, default=str)
            if sig not in cache:
                try:
                    cache[sig] = ev.met(cond)[0]
                except C.ConditionInvalid:  # a feature this product does not have: never met for it
                    cache[sig] = np.zeros((len(rows), ev.n_days), dtype=bool)
            met = cache[sig]
            target = out.setdefault((key, m), {})
            for i, row in enumerate(rows):
                before = target.get(row.pk)
                target[row.pk] = met[i] if before is None else (before | met[i])
    return out


def _holds(rule: StageRule, facts: _Facts, day: dt.date, j: int, entered: dt.date,
           account_id: int = 0, met: Met | None = None) -> bool:
    results = []
    for m, cond in enumerate(rule.conditions):
        kind = cond["type"]
        if kind in C.TYPES:
            per = (met or {}).get((rule.key, m), {}).get(account_id)
            ok = per is not None and bool(per[j])
        elif kind == "plan_complete":
            ok = facts.plan_complete is not None and facts.plan_complete <= day
        elif kind == "first_value":
            ok = facts.first_value is not None and facts.first_value <= day
        elif kind == "maturity_at_least":
            if cond.get("product"):  # that product's level; an account without it never reaches it
                per = facts.by_product.get(cond["product"])
                ok = per is not None and int(per[j]) >= int(cond["level"])
            else:
                ok = int(facts.maturity[j]) >= int(cond["level"])
        elif kind == "days_since_start":
            ok = facts.first_start is not None and (day - facts.first_start).days >= int(cond["days"])
        else:
            ok = (day - entered).days >= int(cond["days"])
        results.append(ok)
    return all(results) if rule.match == "all" else any(results)


@dataclass
class StageResult:
    days_evaluated: int
    days_skipped: int
    changes: int

    def summary(self) -> str:
        return (f"stages: {self.days_evaluated} day(s) evaluated, {self.days_skipped} already done, "
                f"{self.changes} stage change(s)")


def evaluate_stages(first: dt.date, last: dt.date, *, timeline: bool = True) -> StageResult:
    """Apply the stage rules day by day from ``first`` to ``last`` for every account with a contract."""
    conf = settings_row()
    rules = list(StageRule.objects.order_by("position", "key"))
    n = (last - first).days + 1
    days = [first + dt.timedelta(days=j) for j in range(n)]
    done = set(StageDay.objects.filter(day__gte=first, day__lte=last).values_list("day", flat=True))
    if len(done) == n:
        return StageResult(0, n, 0)
    facts = _facts(first, last, conf.renewal_window_days)
    met = _condition_met(rules, first, last)
    stored: dict[int, list[StageChange]] = defaultdict(list)
    for change in StageChange.objects.filter(day__lte=last).order_by("day", "id"):
        stored[change.account_id].append(change)
    new: list[StageChange] = []
    for account_id, f in facts.items():
        history = stored.get(account_id, [])
        before = [c for c in history if c.day < first]
        shown = before[-1].stage_to if before else None
        progress = [c for c in before if c.stage_to in PROGRESSION]
        prog = progress[-1].stage_to if progress else None
        entered = progress[-1].day if progress else first
        hold: StageChange | None = before[-1] if before and before[-1].source == StageSource.MANUAL else None
        by_day: dict[dt.date, list[StageChange]] = defaultdict(list)
        for c in history:
            if c.day >= first:
                by_day[c.day].append(c)
        for j, day in enumerate(days):
            todays = by_day.get(day, [])
            if day in done:
                for c in todays:
                    shown = c.stage_to
                    if c.stage_to in PROGRESSION:
                        prog, entered = c.stage_to, c.day
                    hold = c if c.source == StageSource.MANUAL else hold
                continue
            manual = [c for c in todays if c.source == StageSource.MANUAL]
            if manual:
                hold = manual[-1]
                shown = hold.stage_to
                if shown in PROGRESSION:
                    prog, entered = shown, day
                continue
            if prog is None:
                if not f.live[j]:
                    continue
                prog, entered = LifecycleStage.ONBOARDING, day
            if hold is not None and hold.hold_until is not None and hold.hold_until >= day:
                continue
            hold = None
            rule_key = ""
            for _round in range(len(rules) + 1):
                moved = next((r for r in rules if r.from_stage == prog
                              and _holds(r, f, day, j, entered, account_id, met)), None)
                if moved is None:
                    break
                prog, entered, rule_key = moved.to_stage, day, moved.key
            if not f.live[j]:
                stage, why = LifecycleStage.CHURNED, "no live contract"
            elif f.renewal[j]:
                stage, why = LifecycleStage.RENEWAL, "renewal window"
            else:
                stage, why = prog, rule_key
            if stage != shown:
                new.append(StageChange(
                    account_id=account_id, day=day, stage_from=shown or "", stage_to=stage,
                    source=StageSource.INITIAL if shown is None else StageSource.RULE,
                    rule=why if shown is not None else "", reason=""))
                shown = stage
    with transaction.atomic():
        StageChange.objects.bulk_create(new, batch_size=2000)
        StageDay.objects.bulk_create([StageDay(day=d) for d in days if d not in done], batch_size=2000,
                                     ignore_conflicts=True)
        _denormalise([c.account_id for c in new])
        if timeline:
            _timeline(new)
    return StageResult(n - len(done), len(done), len(new))


def _denormalise(account_ids: list[int]) -> None:
    latest: dict[int, str] = {}
    for account_id, stage in (StageChange.objects.filter(account_id__in=set(account_ids)).order_by("day", "id")
                              .values_list("account_id", "stage_to")):
        latest[account_id] = stage
    accounts = [a for a in Account.objects.filter(pk__in=list(latest)).only("pk", "lifecycle_stage")
                if a.lifecycle_stage != latest[a.pk]]
    for a in accounts:
        a.lifecycle_stage = latest[a.pk]
    Account.objects.bulk_update(accounts, ["lifecycle_stage"], batch_size=1000)


def _label(stage: str) -> str:
    return str(LifecycleStage(stage).label) if stage else "—"


def _timeline(changes: list[StageChange]) -> None:
    """A system activity on each account's timeline for each change the rules made."""
    tz = timezone.get_current_timezone()
    rows = [Activity(account_id=c.account_id, kind=ActivityKind.SYSTEM,
                     occurred_at=dt.datetime.combine(c.day, dt.time(6, 0), tzinfo=tz),
                     summary=_("Lifecycle stage: %(old)s → %(new)s") % {"old": _label(c.stage_from),
                                                                       "new": _label(c.stage_to)},
                     data={"journey": "stage", "rule": c.rule})
            for c in changes if c.source == StageSource.RULE]
    Activity.objects.bulk_create(rows, batch_size=2000)


def do_override_stage(account: Account, stage: str, *, reason: str, actor: Any,
                      day: dt.date | None = None, hold_days: int | None = None) -> StageChange:
    """Set the stage by hand, with a reason; the rules leave it alone for ``hold_days``."""
    errors = []
    if stage not in LifecycleStage.values:
        errors.append(_("Unknown stage %(stage)r.") % {"stage": stage})
    if not (reason or "").strip():
        errors.append(_("Give a reason for the override."))
    if hold_days is not None and hold_days < 0:
        errors.append(_("The hold cannot be negative."))
    if errors:
        raise StageInvalid(errors)
    day = day or timezone.localdate()
    hold = settings_row().override_days if hold_days is None else hold_days
    with transaction.atomic():
        change = StageChange.objects.create(
            account=account, day=day, stage_from=account.lifecycle_stage, stage_to=stage, source=StageSource.MANUAL,
            reason=reason.strip(), hold_until=day + dt.timedelta(days=hold), actor=actor if actor else None)
        old = account.lifecycle_stage
        account.lifecycle_stage = stage
        account.save(update_fields=["lifecycle_stage", "updated_at"])
        record(actor, "journey.stage_override", account, {"stage": [old, stage], "reason": reason.strip(),
                                                          "hold_until": change.hold_until.isoformat()})
        do_log_activity(account, kind=ActivityKind.SYSTEM, actor=actor,
                        summary=_("Lifecycle stage set by hand: %(old)s → %(new)s") % {
                            "old": _label(old), "new": _label(stage)}, body=reason.strip())
    return change


def history(account: Account, *, today: dt.date) -> list[dict[str, Any]]:
    """The account's stage changes, newest first, each with how long it lasted."""
    changes = list(account.stage_changes.select_related("actor").order_by("day", "id"))
    out = []
    for k, c in enumerate(changes):
        end = changes[k + 1].day if k + 1 < len(changes) else today
        out.append({"change": c, "days": (end - c.day).days, "current": k + 1 == len(changes)})
    return list(reversed(out))


def time_in_stage(account_ids: list[int], *, today: dt.date) -> dict[int, int]:
    """Days since each account entered its current stage."""
    latest: dict[int, dt.date] = {}
    for account_id, day in StageChange.objects.filter(account_id__in=account_ids).order_by("day", "id").values_list(
            "account_id", "day"):
        latest[account_id] = day
    return {a: (today - d).days for a, d in latest.items()}


def stage_on(changes: list[tuple[dt.date, str]], day: dt.date) -> str | None:
    k = bisect.bisect_right(changes, (day, "~"))
    return changes[k - 1][1] if k else None
