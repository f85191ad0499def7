"""Trigger types: what a rule watches, as a registry that other apps plug into.

A trigger is data, e.g. ``{"type": "health_score_dropped", "points": 10, "days": 7}``. Its type
evaluates a whole population at once (``evaluate(params, ctx) -> {account_id: reason}``), so that
a usage trigger asks the event lake one question for every account, never one per account. A
reason is a small JSON dict with the numbers that made it hold; ``explain`` turns it into the
sentence a CSM reads on the CTA, in the reader's language.

A rule fires once per *episode*: while its trigger keeps holding for an account nothing new
happens; after it stopped holding it may fire again. So every trigger is a state ("the grade is
red", "renewal is within 120 days"), and the change that starts an episode is its first day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

Reason = dict[str, Any]
MAX_DAYS = 3650  # ten years: any longer window is a typo


@dataclass
class TriggerContext:
    """One evaluation: the day, the candidate accounts (after the segment filter), a per-run cache."""

    day: dt.date
    account_ids: set[int]
    cache: dict[Any, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Param:
    name: str
    kind: type | tuple[type, ...]
    required: bool = False
    choices: Callable[[], list[str]] | None = None  # for str or list-of-str params
    minimum: float | None = None
    maximum: float | None = None


@dataclass(frozen=True)
class TriggerType:
    name: str
    label: Any
    event: str  # the stable outgoing-webhook event name, e.g. customer.health_score_dropped
    params: tuple[Param, ...]
    evaluate: Callable[[dict[str, Any], TriggerContext], dict[int, Reason]]
    explain: Callable[[Reason], str]
    # What would make it hold, as effect names an action may produce ("stage:renewal"): used to
    # refuse a playbook whose action re-triggers its own rule.
    watches: Callable[[dict[str, Any]], set[str]] = lambda params: set()
    validate: Callable[[dict[str, Any]], list[str]] = lambda params: []


_types: dict[str, TriggerType] = {}


def register_trigger_type(trigger: TriggerType) -> None:
    """Add (or replace) a trigger type; journey, health or a plug-in call this from ``ready()``."""
    _types[trigger.name] = trigger


def trigger_types() -> list[TriggerType]:
    return sorted(_types.values(), key=lambda t: t.name)


def get_trigger_type(name: str) -> TriggerType | None:
    return _types.get(name)


def _type_name(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    names = {int: "a whole number", float: "a number", str: "text", list: "a list", bool: "true or false"}
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def validate_trigger(trigger: Any) -> list[str]:
    """Why ``trigger`` cannot be saved (unknown type, unknown or missing fields, bad values); empty when fine."""
    if not isinstance(trigger, dict) or not trigger.get("type"):
        return ["trigger: must be a mapping with a type"]
    kind = _types.get(trigger["type"])
    if kind is None:
        return [f"trigger: unknown type {trigger['type']!r}; known: {', '.join(t.name for t in trigger_types())}"]
    where = f"trigger ({kind.name})"
    known = {p.name for p in kind.params}
    errors = [f"{where}: unknown field {name!r}; known: {', '.join(sorted(known)) or 'none'}"
              for name in trigger if name != "type" and name not in known]
    for param in kind.params:
        if param.name not in trigger:
            if param.required:
                errors.append(f"{where}: {param.name} is required")
            continue
        value = trigger[param.name]
        if isinstance(value, bool) and bool not in (param.kind if isinstance(param.kind, tuple) else (param.kind,)):
            errors.append(f"{where}: {param.name} must be {_type_name(param.kind)}")
            continue
        if not isinstance(value, param.kind):
            errors.append(f"{where}: {param.name} must be {_type_name(param.kind)}")
            continue
        if param.minimum is not None and isinstance(value, int | float) and value < param.minimum:
            errors.append(f"{where}: {param.name} must be at least {param.minimum:g}")
        maximum = param.maximum if param.maximum is not None else (MAX_DAYS if "days" in param.name else None)
        if maximum is not None and isinstance(value, int | float) and value > maximum:
            errors.append(f"{where}: {param.name} must be at most {maximum:g}")
        if param.choices is not None:
            allowed = param.choices()
            values = value if isinstance(value, list) else [value]
            bad = [v for v in values if v not in allowed]
            if bad:
                errors.append(f"{where}: {param.name}: unknown value(s) {', '.join(map(str, bad))}; "
                              f"known: {', '.join(allowed)}")
    if not errors:
        errors += [f"{where}: {e}" for e in kind.validate(trigger)]
    return errors


# --- health -------------------------------------------------------------------------------------


def _latest_scores(ctx: TriggerContext) -> list[Any]:
    """Each (account, scorecard)'s latest snapshot on or before the day (within a week)."""
    key = ("health_latest", ctx.day)
    if key not in ctx.cache:
        from csops.health.models import HealthScore

        rows = (HealthScore.objects.filter(day__lte=ctx.day, day__gt=ctx.day - dt.timedelta(days=7))
                .select_related("scorecard").order_by("account_id", "scorecard_id", "-day"))
        latest: dict[tuple[int, int], Any] = {}
        for row in rows.iterator(chunk_size=2000):
            latest.setdefault((row.account_id, row.scorecard_id), row)
        ctx.cache[key] = list(latest.values())
    return [s for s in ctx.cache[key] if s.account_id in ctx.account_ids]


def _grades() -> list[str]:
    return ["red", "yellow", "green"]


def _health_grade(params: dict[str, Any], ctx: TriggerContext) -> dict[int, Reason]:
    hits: dict[int, Reason] = {}
    for s in _latest_scores(ctx):
        if s.grade in params["to"]:
            hits.setdefault(s.account_id, {"grade": s.grade, "score": _round(s.score),
                                           "scorecard": s.scorecard.name, "on": s.day.isoformat()})
    return hits


def _explain_grade(r: Reason) -> str:
    return _("Health grade is %(grade)s (score %(score)s, %(scorecard)s)") % {
        "grade": _grade_label(r.get("grade", "")), "score": r.get("score"), "scorecard": r.get("scorecard", "")}


def _grade_label(grade: str) -> str:
    from csops.health.models import Grade

    return str(Grade(grade).label) if grade in Grade.values else grade


def _round(value: float | None) -> float | None:
    return None if value is None else round(float(value), 1)


def _health_drop(params: dict[str, Any], ctx: TriggerContext) -> dict[int, Reason]:
    column = "trend_7" if params.get("days", 7) == 7 else "trend_30"
    hits: dict[int, Reason] = {}
    for s in _latest_scores(ctx):
        change = getattr(s, column)
        if change is not None and change <= -float(params["points"]):
            best = hits.get(s.account_id)
            if best is None or change < -best["drop"]:
                hits[s.account_id] = {"drop": _round(-change), "days": params.get("days", 7),
                                      "score": _round(s.score), "scorecard": s.scorecard.name}
    return hits


def _explain_drop(r: Reason) -> str:
    return _("Health score fell %(drop)s points in %(days)s days, to %(score)s (%(scorecard)s)") % r


def _validate_days_7_30(params: dict[str, Any]) -> list[str]:
    return [] if params.get("days", 7) in (7, 30) else ["days must be 7 or 30 (the trends a snapshot keeps)"]


_OPS: dict[str, Callable[[float, float], bool]] = {
    "<": lambda a, b: a < b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b,
}


def _measure_threshold(params: dict[str, Any], ctx: TriggerContext) -> dict[int, Reason]:
    part, op = params.get("on", "score"), _OPS[params["op"]]
    hits: dict[int, Reason] = {}
    for s in _latest_scores(ctx):
        entry = (s.breakdown or {}).get(params["measure"])
        value = entry.get(part) if isinstance(entry, dict) else None
        if isinstance(value, int | float) and op(float(value), float(params["value"])):
            hits.setdefault(s.account_id, {"measure": params["measure"], "on": part, "value": _round(value),
                                           "op": params["op"], "threshold": params["value"]})
    return hits


def _explain_measure(r: Reason) -> str:
    return _("Measure %(measure)s (%(on)s) is %(value)s, %(op)s %(threshold)s") % r


def _validate_measure(params: dict[str, Any]) -> list[str]:
    errors = [] if params["op"] in _OPS else [f"op must be one of {', '.join(_OPS)}"]
    if params.get("on", "score") not in ("score", "raw"):
        errors.append("on must be score or raw")
    known = _known_measures()
    if known is not None and params["measure"] not in known:
        errors.append(f"unknown measure {params['measure']!r}; known: {', '.join(sorted(known)) or 'none yet'}")
    return errors


def _known_measures() -> set[str] | None:
    """Measure keys of the scorecards, or None when no scorecard exists yet (nothing to check against)."""
    from csops.health.models import Scorecard

    keys: set[str] = set()
    found = False
    for definition in Scorecard.objects.values_list("definition", flat=True):
        found = True
        for group in (definition or {}).get("groups", []) or []:
            for measure in (group or {}).get("measures", []) or []:
                if isinstance(measure, dict) and measure.get("key"):
                    keys.add(measure["key"])
        for measure in (definition or {}).get("measures", []) or []:
            if isinstance(measure, dict) and measure.get("key"):
                keys.add(measure["key"])
    return keys if found and keys else None


# --- usage (one lake query for every account) ---------------------------------------------------


def _usage_drop(params: dict[str, Any], ctx: TriggerContext) -> dict[int, Reason]:
    import ibis

    from csops.customers.models import Account
    from csops.usage import query

    window = int(params.get("window_days", 30))
    first = ctx.day - dt.timedelta(days=2 * window - 1)
    split = ctx.day - dt.timedelta(days=window - 1)
    key = ("usage_windows", ctx.day, window)
    if key not in ctx.cache:
        t = query.events(start=first, end=ctx.day + dt.timedelta(days=1))
        t = t.filter(t.type.isin(query.USAGE_TYPES) & t.account_id.notnull())
        boundary = ibis.literal(_local_start(split).astimezone(dt.UTC), "timestamp('UTC')")
        recent = (t.timestamp >= boundary).ifelse(1, 0)
        expr = t.group_by(t.account_id).aggregate(recent=recent.sum(), previous=(1 - recent).sum())
        ctx.cache[key] = {r["account_id"]: (int(r["recent"] or 0), int(r["previous"] or 0))
                          for r in query.run(expr, tag="playbooks.usage_drop")}
    counts = ctx.cache[key]
    external = dict(Account.objects.filter(pk__in=ctx.account_ids).values_list("pk", "external_id"))
    hits: dict[int, Reason] = {}
    for pk, ext in external.items():
        recent, previous = counts.get(ext, (0, 0))
        if previous < int(params.get("min_events", 20)):
            continue  # too little to compare: a drop from 3 events to 1 says nothing
        drop = 100.0 * (previous - recent) / previous
        if drop >= float(params["percent"]):
            hits[pk] = {"drop": round(drop), "recent": recent, "previous": previous, "window_days": window}
    return hits


def _explain_usage(r: Reason) -> str:
    return _("Usage fell %(drop)s%% over the last %(window_days)s days (%(recent)s events, "
             "%(previous)s the %(window_days)s days before)") % r


def _utilisation(params: dict[str, Any], ctx: TriggerContext) -> dict[int, Reason]:
    from csops.customers.models import Account, Contract
    from csops.usage import query

    days = int(params.get("days", 30))
    key = ("active_users", ctx.day, days)
    if key not in ctx.cache:
        t = query.events(start=ctx.day - dt.timedelta(days=days - 1), end=ctx.day + dt.timedelta(days=1))
        t = t.filter(t.type.isin(query.USAGE_TYPES) & t.account_id.notnull() & t.user_id.notnull())
        expr = t.group_by(t.account_id).aggregate(users=t.user_id.nunique())
        ctx.cache[key] = {r["account_id"]: int(r["users"] or 0)
                          for r in query.run(expr, tag="playbooks.active_users")}
    users = ctx.cache[key]
    seats: dict[int, int] = {}
    for account_id, n in (Contract.objects.filter(account_id__in=ctx.account_ids, status__in=Contract.LIVE_STATUSES,
                                                  start_date__lte=ctx.day)
                          .values_list("account_id", "seats")):
        seats[account_id] = seats.get(account_id, 0) + n
    external = dict(Account.objects.filter(pk__in=seats).values_list("pk", "external_id"))
    threshold = float(params.get("utilisation", 0.9))
    hits: dict[int, Reason] = {}
    for pk, total in seats.items():
        active = users.get(external.get(pk), 0)
        if total > 0 and active / total >= threshold:
            hits[pk] = {"active": active, "seats": total, "percent": round(100 * active / total), "days": days}
    return hits


def _explain_utilisation(r: Reason) -> str:
    return _("%(active)s active users on %(seats)s seats (%(percent)s%%) over %(days)s days") % r


def _new_department(params: dict[str, Any], ctx: TriggerContext) -> dict[int, Reason]:
    """A department of the customer whose people used the product lately, and none of them in the months before.

    One lake query (per account and user: used it lately? used it before?); departments come from
    the contacts (``Contact.department``) that the users are.
    """
    import ibis

    from csops.customers.models import Account, Contact
    from csops.usage import query

    days, before = int(params.get("days", 30)), int(params.get("before_days", 90))
    split = ctx.day - dt.timedelta(days=days - 1)
    key = ("departments", ctx.day, days, before)
    if key not in ctx.cache:
        t = query.events(start=split - dt.timedelta(days=before), end=ctx.day + dt.timedelta(days=1))
        t = t.filter(t.type.isin(query.USAGE_TYPES) & t.account_id.notnull() & t.user_id.notnull())
        recent = (t.timestamp >= ibis.literal(_local_start(split).astimezone(dt.UTC), "timestamp('UTC')"))
        expr = t.group_by([t.account_id, t.user_id]).aggregate(recent=recent.ifelse(1, 0).max(),
                                                               earlier=(~recent).ifelse(1, 0).max())
        ctx.cache[key] = query.run(expr, tag="playbooks.new_department")
    rows = ctx.cache[key]
    external = dict(Account.objects.filter(pk__in=ctx.account_ids).values_list("external_id", "pk"))
    people = {ext: dept for ext, dept in Contact.objects.filter(account_id__in=ctx.account_ids).exclude(
        department="").exclude(external_id=None).values_list("external_id", "department")}
    seen: dict[tuple[int, str], list[int]] = {}
    for row in rows:
        pk, dept = external.get(row["account_id"]), people.get(row["user_id"])
        if pk is None or dept is None:
            continue
        flags = seen.setdefault((pk, dept), [0, 0, 0])
        flags[0] |= int(row["recent"] or 0)
        flags[1] |= int(row["earlier"] or 0)
        flags[2] += int(row["recent"] or 0)
    hits: dict[int, Reason] = {}
    for (pk, dept), (lately, earlier, users) in sorted(seen.items()):
        if lately and not earlier:
            hits.setdefault(pk, {"department": dept, "users": users, "days": days})
    return hits


def _explain_department(r: Reason) -> str:
    return _("A new department is using the product: %(department)s (active users: %(users)s, last %(days)s days)") % r


# --- contracts, activities, contacts ------------------------------------------------------------


def _renewal(params: dict[str, Any], ctx: TriggerContext) -> dict[int, Reason]:
    from csops.customers.models import Account

    last = ctx.day + dt.timedelta(days=int(params["days"]))
    rows = Account.objects.filter(pk__in=ctx.account_ids, next_renewal_date__gte=ctx.day,
                                  next_renewal_date__lte=last).values_list("pk", "next_renewal_date", "arr",
                                                                           "currency")
    return {pk: {"renewal": d.isoformat(), "days_left": (d - ctx.day).days, "arr": str(_whole(arr)),
                 "currency": cur} for pk, d, arr, cur in rows}


def _whole(value: Decimal) -> Decimal:
    return value.quantize(Decimal("1")) if value is not None else Decimal("0")


def _explain_renewal(r: Reason) -> str:
    return _("Renewal on %(renewal)s, in %(days_left)s days (ARR %(arr)s %(currency)s)") % r


def _nps_detractor(params: dict[str, Any], ctx: TriggerContext) -> dict[int, Reason]:
    """Accounts where someone's latest NPS answer in the window is a detractor's (0-6 by default)."""
    from csops.customers.models import Activity

    since = _local_start(ctx.day - dt.timedelta(days=int(params.get("days", 30)) - 1))
    until = _local_start(ctx.day + dt.timedelta(days=1))
    latest: dict[tuple[int, Any], tuple[float, dt.datetime]] = {}
    rows = (Activity.objects.filter(kind="survey", account_id__in=ctx.account_ids, occurred_at__gte=since,
                                    occurred_at__lt=until).order_by("-occurred_at", "-pk")
            .values_list("account_id", "contacts", "pk", "data", "occurred_at"))
    for account_id, contact_id, pk, data, at in rows:
        if isinstance(data, dict) and isinstance(data.get("nps"), int | float):
            latest.setdefault((account_id, contact_id or f"a{pk}"), (data["nps"], at, pk))
    top = int(params.get("max_score", 6))
    hits: dict[int, Reason] = {}
    # The newest detractor answer of the account: a new one starts its own episode (and CTA).
    for (account_id, _who), (nps, at, pk) in sorted(latest.items(), key=lambda kv: (kv[1][1], kv[1][2]),
                                                     reverse=True):
        if nps <= top:
            hits.setdefault(account_id, {"nps": nps, "on": _local_day(at).isoformat(), "event_key": f"activity:{pk}"})
    return hits


def _explain_nps(r: Reason) -> str:
    return _("NPS answer of %(nps)s, a detractor (%(on)s)") % r


def _local_start(day: dt.date) -> dt.datetime:
    from django.utils import timezone

    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


def _local_day(at: dt.datetime) -> dt.date:
    from django.utils import timezone

    return timezone.localtime(at).date()


def _escalation(params: dict[str, Any], ctx: TriggerContext) -> dict[int, Reason]:
    from csops.customers.models import Activity

    since = _local_start(ctx.day - dt.timedelta(days=int(params.get("days", 7)) - 1))
    until = _local_start(ctx.day + dt.timedelta(days=1))
    severities = params.get("severities", ["high", "urgent"])
    hits: dict[int, Reason] = {}
    rows = (Activity.objects.filter(kind="ticket", account_id__in=ctx.account_ids, occurred_at__gte=since,
                                    occurred_at__lt=until).order_by("-occurred_at", "-pk")
            .values_list("account_id", "pk", "data", "summary", "occurred_at"))
    for account_id, pk, data, summary, at in rows:  # the newest ticket: a new one starts its own episode
        data = data if isinstance(data, dict) else {}
        if data.get("severity") in severities and (params.get("include_closed") or data.get("status") != "closed"):
            hits.setdefault(account_id, {"severity": data["severity"], "ticket": summary[:120],
                                         "on": _local_day(at).isoformat(), "event_key": f"activity:{pk}"})
    return hits


def _explain_escalation(r: Reason) -> str:
    return _("New %(severity)s support ticket on %(on)s: %(ticket)s") % r


def _key_contact_left(params: dict[str, Any], ctx: TriggerContext) -> dict[int, Reason]:
    from csops.playbooks.models import Departure

    roles = params.get("roles", ["promoter", "decision_maker"])
    since = ctx.day - dt.timedelta(days=int(params.get("days", 30)) - 1)
    hits: dict[int, Reason] = {}
    # Departures noticed in this very run are not stored yet in a dry run: the run passes them along.
    pending = [d for d in ctx.cache.get("pending_departures", []) if d.account_id in ctx.account_ids]
    stored = Departure.objects.filter(account_id__in=ctx.account_ids, day__gte=since, day__lte=ctx.day)
    for d in sorted([*pending, *stored], key=lambda d: d.day, reverse=True):
        if d.role not in roles:
            continue
        hits.setdefault(d.account_id, {"name": d.name, "role": d.role, "how": d.how, "on": d.day.isoformat()})
    return hits


def _explain_left(r: Reason) -> str:
    from csops.customers.models import ContactRole

    role = str(ContactRole(r["role"]).label) if r.get("role") in ContactRole.values else r.get("role", "")
    return _("%(name)s (%(role)s) is no longer a contact (%(on)s)") % {"name": r.get("name"), "role": role,
                                                                        "on": r.get("on")}


def _stage(params: dict[str, Any], ctx: TriggerContext) -> dict[int, Reason]:
    from csops.customers.models import Account

    rows = Account.objects.filter(pk__in=ctx.account_ids, lifecycle_stage__in=params["to"])
    return {pk: {"stage": stage} for pk, stage in rows.values_list("pk", "lifecycle_stage")}


def _explain_stage(r: Reason) -> str:
    from csops.customers.models import LifecycleStage

    stage = r.get("stage", "")
    return _("Entered the %(stage)s stage") % {
        "stage": str(LifecycleStage(stage).label) if stage in LifecycleStage.values else stage}


def _touch_model(params: dict[str, Any], ctx: TriggerContext) -> dict[int, Reason]:
    from csops.playbooks.models import AccountTouch

    models = ctx.cache.get("touch_models")
    if models is None:
        models = dict(AccountTouch.objects.filter(account_id__in=ctx.account_ids)
                      .values_list("account_id", "touch_model"))
    return {pk: {"touch_model": tm} for pk, tm in models.items() if pk in ctx.account_ids and tm in params["to"]}


def _touch_model_left(params: dict[str, Any], ctx: TriggerContext) -> dict[int, Reason]:
    """Accounts that left one of ``from`` within ``days`` (as the last segmentation stored it)."""
    from csops.playbooks.models import AccountTouch

    since = ctx.day - dt.timedelta(days=int(params.get("days", 30)) - 1)
    rows = AccountTouch.objects.filter(account_id__in=ctx.account_ids, previous__in=params["from"],
                                       since__gte=since, since__lte=ctx.day)
    models = ctx.cache.get("touch_models") or {}
    return {pk: {"from": prev, "touch_model": models.get(pk, now), "since": day.isoformat()}
            for pk, prev, now, day in rows.values_list("account_id", "previous", "touch_model", "since")
            if models.get(pk, now) != prev}


def _explain_touch_left(r: Reason) -> str:
    from csops.playbooks.models import TouchModel

    def label(v: str) -> str:
        return str(TouchModel(v).label) if v in TouchModel.values else v
    return _("Moved from %(old)s to %(new)s on %(since)s") % {"old": label(r.get("from", "")),
                                                              "new": label(r.get("touch_model", "")),
                                                              "since": r.get("since", "")}


def _explain_touch(r: Reason) -> str:
    from csops.playbooks.models import TouchModel

    tm = r.get("touch_model", "")
    return _("Now served with %(model)s") % {"model": str(TouchModel(tm).label) if tm in TouchModel.values else tm}


# --- journey ------------------------------------------------------------------------------------


def _maturity_stalled(params: dict[str, Any], ctx: TriggerContext) -> dict[int, Reason]:
    from django.db.models import Max

    from csops.journey.models import MaturityLevel, MaturityState

    top = dict(MaturityLevel.objects.values("model__product_id").annotate(top=Max("number"))
               .values_list("model__product_id", "top"))
    cutoff = ctx.day - dt.timedelta(days=int(params["days"]))
    below = params.get("below_level")
    hits: dict[int, Reason] = {}
    rows = (MaturityState.objects.filter(account_id__in=ctx.account_ids, since__isnull=False, since__lte=cutoff)
            .select_related("product"))
    for state in rows:
        limit = below if below is not None else top.get(state.product_id)
        if limit is not None and state.level < limit:
            hits.setdefault(state.account_id, {"level": state.level, "since": state.since.isoformat(),
                                               "days": (ctx.day - state.since).days, "product": state.product.name})
    return hits


def _explain_maturity(r: Reason) -> str:
    return _("Maturity level %(level)s on %(product)s unchanged for %(days)s days (since %(since)s)") % r


def _onboarding_overdue(params: dict[str, Any], ctx: TriggerContext) -> dict[int, Reason]:
    from csops.journey.models import OnboardingStep

    cutoff = ctx.day - dt.timedelta(days=int(params.get("grace_days", 0)))
    hits: dict[int, Reason] = {}
    rows = (OnboardingStep.objects.filter(plan__account_id__in=ctx.account_ids, plan__completed_on__isnull=True,
                                          done_on__isnull=True, due_on__lt=cutoff)
            .select_related("plan").order_by("due_on", "position"))
    for step in rows:
        hits.setdefault(step.plan.account_id, {"step": step.title, "due": step.due_on.isoformat(),
                                               "days_late": (ctx.day - step.due_on).days})
    return hits


def _explain_onboarding(r: Reason) -> str:
    return _("Onboarding step “%(step)s” is %(days_late)s days overdue (due %(due)s)") % r


# --- registration -------------------------------------------------------------------------------


def _stages() -> list[str]:
    from csops.customers.models import LifecycleStage

    return list(LifecycleStage.values)


def _roles() -> list[str]:
    from csops.customers.models import ContactRole

    return list(ContactRole.values)


def _touch_models() -> list[str]:
    from csops.playbooks.models import TouchModel

    return list(TouchModel.values)


def register_builtin_triggers() -> None:

    days = Param("days", int, minimum=1)
    register_trigger_type(TriggerType(
        "health_grade", gettext_lazy("Health grade is (grade change)"), "customer.health_grade_changed",
        (Param("to", list, required=True, choices=_grades),), _health_grade, _explain_grade))
    register_trigger_type(TriggerType(
        "health_score_dropped", gettext_lazy("Health score dropped N points"), "customer.health_score_dropped",
        (Param("points", (int, float), required=True, minimum=0), Param("days", int)), _health_drop, _explain_drop,
        validate=_validate_days_7_30))
    register_trigger_type(TriggerType(
        "measure_threshold", gettext_lazy("Health measure crossed a threshold"), "customer.health_measure_crossed",
        (Param("measure", str, required=True), Param("op", str, required=True),
         Param("value", (int, float), required=True), Param("on", str)),
        _measure_threshold, _explain_measure, validate=_validate_measure))
    register_trigger_type(TriggerType(
        "usage_drop", gettext_lazy("Usage dropped by a share of the previous window"), "customer.usage_dropped",
        (Param("percent", (int, float), required=True, minimum=1, maximum=100), Param("window_days", int, minimum=1),
         Param("min_events", int, minimum=1)), _usage_drop, _explain_usage))
    register_trigger_type(TriggerType(
        "expansion_signal", gettext_lazy("Expansion signal: seat utilisation"), "customer.expansion_signal",
        (Param("utilisation", (int, float), minimum=0), days), _utilisation, _explain_utilisation))
    register_trigger_type(TriggerType(
        "new_department_active", gettext_lazy("Expansion signal: a new department is active"),
        "customer.new_department_active", (days, Param("before_days", int, minimum=1)),
        _new_department, _explain_department))
    register_trigger_type(TriggerType(
        "renewal_in_days", gettext_lazy("Renewal within N days"), "customer.renewal_approaching",
        (Param("days", int, required=True, minimum=1),), _renewal, _explain_renewal))
    register_trigger_type(TriggerType(
        "nps_detractor", gettext_lazy("NPS detractor"), "customer.nps_detractor",
        (Param("max_score", int, minimum=0), days), _nps_detractor, _explain_nps))
    register_trigger_type(TriggerType(
        "support_escalation", gettext_lazy("New support escalation"), "customer.support_escalated",
        (Param("severities", list), days, Param("include_closed", bool)), _escalation, _explain_escalation))
    register_trigger_type(TriggerType(
        "key_contact_left", gettext_lazy("A promoter or decision maker left"), "customer.key_contact_left",
        (Param("roles", list, choices=_roles), days), _key_contact_left, _explain_left))
    register_trigger_type(TriggerType(
        "stage_entered", gettext_lazy("Lifecycle stage entered"), "customer.stage_changed",
        (Param("to", list, required=True, choices=_stages),), _stage, _explain_stage,
        watches=lambda p: {f"stage:{s}" for s in p.get("to", [])}))
    register_trigger_type(TriggerType(
        "touch_model_entered", gettext_lazy("Account entered a touch model"), "customer.segment_changed",
        (Param("to", list, required=True, choices=_touch_models),), _touch_model, _explain_touch))
    register_trigger_type(TriggerType(
        "touch_model_left", gettext_lazy("Account left a touch model"), "customer.segment_left",
        (Param("from", list, required=True, choices=_touch_models), days), _touch_model_left, _explain_touch_left))
    register_trigger_type(TriggerType(
        "maturity_stalled", gettext_lazy("Maturity level stalled for N days"), "customer.maturity_stalled",
        (Param("days", int, required=True, minimum=1), Param("below_level", int, minimum=1)),
        _maturity_stalled, _explain_maturity))
    register_trigger_type(TriggerType(
        "onboarding_step_overdue", gettext_lazy("Onboarding step overdue"), "customer.onboarding_step_overdue",
        (Param("grace_days", int, minimum=0),), _onboarding_overdue, _explain_onboarding))
