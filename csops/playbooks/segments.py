"""Touch models: rules over ARR, employees, product, plan, stage, segment and traits pick how an account is served.

A rule is a list of conditions ``{"field": "arr", "op": ">=", "value": 10000000}``; every condition
must hold, and the first rule by position that matches gives the account its touch model.
Accounts no rule matches are tech touch (one to many), the cheapest way to serve someone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Sum

from csops.customers.models import Account, Contract, LifecycleStage, Segment
from csops.playbooks.models import AccountTouch, SegmentRule, TouchModel

DEFAULT_TOUCH = TouchModel.TECH

# field -> kind; "trait.<name>" reads Account.traits[name]
FIELDS = {
    "arr": "number", "employees": "number", "seats": "number",
    "segment": "choice", "stage": "choice", "industry": "text", "country": "text",
    "product": "set", "plan": "set",
}
OPS = {"=", "!=", "<", "<=", ">", ">=", "in", "not_in"}
NUMBER_OPS = {"<", "<=", ">", ">="}


@dataclass
class Facts:
    """What the rules read about one account, gathered in a few queries for every account."""

    arr: Decimal
    employees: int | None
    seats: int
    segment: str
    stage: str
    industry: str
    country: str
    products: set[str]
    plans: set[str]
    traits: dict[str, Any]

    def value(self, name: str) -> Any:
        if name.startswith("trait."):
            return self.traits.get(name[6:])
        return {"product": self.products, "plan": self.plans}.get(name, getattr(self, name, None))


def condition_errors(conditions: Any, where: str = "conditions") -> list[str]:
    if not isinstance(conditions, list):
        return [f"{where}: must be a list"]
    errors: list[str] = []
    for i, c in enumerate(conditions, 1):
        at = f"{where}[{i}]"
        if not isinstance(c, dict):
            errors.append(f"{at}: must be a mapping with field, op and value")
            continue
        extra = set(c) - {"field", "op", "value"}
        if extra:
            errors.append(f"{at}: unknown key(s) {', '.join(sorted(extra))}")
        name = c.get("field")
        if not isinstance(name, str) or (name not in FIELDS and not (name.startswith("trait.") and len(name) > 6)):
            errors.append(f"{at}: unknown field {name!r}; known: {', '.join(FIELDS)}, trait.<name>")
            continue
        op = c.get("op")
        if op not in OPS:
            errors.append(f"{at}: unknown op {op!r}; known: {', '.join(sorted(OPS))}")
            continue
        if "value" not in c:
            errors.append(f"{at}: value is required")
            continue
        value, kind = c["value"], FIELDS.get(name, "text")
        if op in ("in", "not_in") and not isinstance(value, list):
            errors.append(f"{at}: {op} needs a list of values")
        elif op in NUMBER_OPS and (kind != "number" or isinstance(value, bool) or not isinstance(value, int | float)):
            errors.append(f"{at}: {op} compares numbers; {name} is {kind}" if kind != "number"
                          else f"{at}: value must be a number")
        choices = {"segment": Segment.values, "stage": LifecycleStage.values}.get(name)
        if choices:
            bad = [v for v in (value if isinstance(value, list) else [value]) if v not in choices]
            if bad:
                errors.append(f"{at}: unknown {name} {', '.join(map(str, bad))}; known: {', '.join(choices)}")
    return errors


def _holds(condition: dict[str, Any], facts: Facts) -> bool:
    actual, op, value = facts.value(condition["field"]), condition["op"], condition["value"]
    if isinstance(actual, set):  # product, plan: does the account have it?
        values = set(value if isinstance(value, list) else [value])
        has = bool(actual & values)
        return has if op in ("=", "in") else (not has if op in ("!=", "not_in") else False)
    if op in NUMBER_OPS:
        if actual is None:
            return False
        compare: dict[str, Callable[[Any, Any], bool]] = {
            "<": lambda a, b: a < b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b}
        return compare[op](Decimal(str(actual)), Decimal(str(value)))
    if op == "in":
        return actual in value
    if op == "not_in":
        return actual not in value
    return (actual == value) if op == "=" else (actual != value)


def gather_facts(account_ids: list[int] | None = None) -> dict[int, Facts]:
    accounts = Account.objects.all() if account_ids is None else Account.objects.filter(pk__in=account_ids)
    facts = {
        a.pk: Facts(arr=a.arr, employees=a.employees, seats=0, segment=a.segment, stage=a.lifecycle_stage,
                    industry=a.industry, country=a.country, products=set(), plans=set(), traits=a.traits or {})
        for a in accounts.only("pk", "arr", "employees", "segment", "lifecycle_stage", "industry", "country",
                               "traits")
    }
    live = Contract.objects.filter(account_id__in=facts, status__in=Contract.LIVE_STATUSES)
    for account_id, code, plan, seats in live.values_list("account_id", "product__code", "plan", "seats"):
        f = facts[account_id]
        f.products.add(code)
        if plan:
            f.plans.add(plan)
        f.seats += seats
    return facts


def assign(facts: dict[int, Facts], rules: list[SegmentRule]) -> dict[int, tuple[str, str]]:
    """account id -> (touch model, rule key); pure, so a dry run sees what a real run would store."""
    result: dict[int, tuple[str, str]] = {}
    for pk, f in facts.items():
        rule = next((r for r in rules if all(_holds(c, f) for c in r.conditions)), None)
        result[pk] = (rule.touch_model, rule.key) if rule else (DEFAULT_TOUCH, "")
    return result


def compute_touch_models() -> dict[int, tuple[str, str]]:
    return assign(gather_facts(), list(SegmentRule.objects.order_by("position", "key")))


def store_touch_models(assignments: dict[int, tuple[str, str]], day: dt.date) -> int:
    """Write the assignments; ``since`` only moves when the model changed. Returns how many changed."""
    current = {t.account_id: t for t in AccountTouch.objects.all()}
    new, changed = [], []
    for pk, (model, rule_key) in assignments.items():
        row = current.get(pk)
        if row is None:
            new.append(AccountTouch(account_id=pk, touch_model=model, rule_key=rule_key, since=day))
        elif row.touch_model != model or row.rule_key != rule_key:
            if row.touch_model != model:
                row.since, row.previous = day, row.touch_model
            row.touch_model, row.rule_key = model, rule_key
            changed.append(row)
    AccountTouch.objects.bulk_create(new, batch_size=500, ignore_conflicts=True)
    AccountTouch.objects.bulk_update(changed, ["touch_model", "rule_key", "since", "previous"], batch_size=500)
    return len(new) + len(changed)


def coverage() -> list[dict[str, Any]]:
    """Accounts and ARR per touch model per CSM (owner), for the coverage report."""
    rows = (Account.objects.exclude(lifecycle_stage=LifecycleStage.CHURNED)
            .values("owner_id", "owner__name", "owner__email", "touch__touch_model")
            .annotate(accounts=Count("pk"), arr=Sum("arr")).order_by("owner__name", "touch__touch_model"))
    return [{"owner_id": r["owner_id"], "owner": r["owner__name"] or r["owner__email"] or "",
             "touch_model": r["touch__touch_model"] or "", "accounts": r["accounts"], "arr": r["arr"] or Decimal(0),
             "label": str(TouchModel(r["touch__touch_model"]).label) if r["touch__touch_model"] else ""}
            for r in rows]


def capacity(target: int) -> list[dict[str, Any]]:
    """Accounts per CSM against the target (high-touch accounts count in full, others as the same one)."""
    from csops.users.models import Role, User

    counts = dict(Account.objects.exclude(lifecycle_stage=LifecycleStage.CHURNED).filter(owner__isnull=False)
                  .values("owner_id").annotate(n=Count("pk")).values_list("owner_id", "n"))
    high = dict(Account.objects.exclude(lifecycle_stage=LifecycleStage.CHURNED)
                .filter(owner__isnull=False, touch__touch_model=TouchModel.HIGH)
                .values("owner_id").annotate(n=Count("pk")).values_list("owner_id", "n"))
    people = User.objects.filter(Q(role=Role.CSM) | Q(pk__in=counts), is_active=True).order_by("name", "email")
    return [{"user": u, "accounts": counts.get(u.pk, 0), "high": high.get(u.pk, 0), "target": target,
             "load": round(100 * counts.get(u.pk, 0) / target) if target else None} for u in people]
