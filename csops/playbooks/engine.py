"""The two pipeline steps of playbooks, and their dry runs (the same code, with the writes left out).

"rules" (for a day D): assign touch models, notice key contacts who left, count "unreachable
after over-contact" episodes, then evaluate every active rule over its segment. An account for
which a rule holds and that has no open episode of it starts one: the playbook's actions are put
down as action runs, each due ``after_days`` later. An open episode whose rule stopped holding ends.

"ctas" (for D): wake snoozed CTAs, then carry out the action runs due by D, once each. An action
over a contact cap is deferred and retried on the next days, and given up (skipped, logged)
after ``defer_days``.

Both first *plan* from reads only; a real run then applies the plan. A dry run returns the same
plan without applying it, so what the preview shows is what the day does.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from csops.customers.models import Account, Activity, Contact, Contract, LifecycleStage
from csops.outreach.models import Click, Touch
from csops.playbooks import segments
from csops.playbooks.actions import RunContext, get_action_type, variables_for
from csops.playbooks.models import (
    ActionRun,
    ActionStatus,
    Departure,
    Episode,
    KeyContact,
    Playbook,
    PlaybookSettings,
    Rule,
    Unreachable,
)
from csops.playbooks.triggers import TriggerContext, get_trigger_type

logger = logging.getLogger("csops.playbooks")
KEY_ROLES = ("decision_maker", "promoter")
# Timeline entries that mean the person answered. Surveys and tickets come from the customer whoever
# wrote them down; meetings, calls and emails count only when a person logged them (an exchange with
# the contact), never the "Email sent" entries that outreach sending writes for its own outbound mail.
INBOUND_KINDS = ("survey", "ticket")
HUMAN_KINDS = ("meeting", "call", "email")
# Touches older than this no longer count towards "unreachable": half a year of silence is another story.
UNREACHABLE_LOOKBACK_DAYS = 180


# --- segment filter -----------------------------------------------------------------------------

SEGMENT_KEYS = {"touch_models", "segments", "stages", "products", "where"}


def segment_filter_errors(spec: Any) -> list[str]:
    from csops.customers.models import Product, Segment
    from csops.playbooks.models import TouchModel

    if spec in (None, {}):
        return []
    if not isinstance(spec, dict):
        return ["segment: must be a mapping"]
    errors = [f"segment: unknown field {k!r}; known: {', '.join(sorted(SEGMENT_KEYS))}" for k in spec
              if k not in SEGMENT_KEYS]
    choices = {"touch_models": list(TouchModel.values), "segments": list(Segment.values),
               "stages": list(LifecycleStage.values),
               "products": list(Product.objects.values_list("code", flat=True))}
    for name, allowed in choices.items():
        if name in spec:
            if not isinstance(spec[name], list):
                errors.append(f"segment: {name} must be a list")
                continue
            bad = [v for v in spec[name] if v not in allowed]
            if bad:
                errors.append(f"segment: {name}: unknown value(s) {', '.join(map(str, bad))}; "
                              f"known: {', '.join(allowed)}")
    if "where" in spec:
        errors += segments.condition_errors(spec["where"], "segment: where")
    return errors


def candidates(spec: dict[str, Any], touch_models: dict[int, str], facts: dict[int, segments.Facts] | None = None
               ) -> set[int]:
    """Accounts a rule looks at: its segment filter over the live (not churned, unless asked) accounts."""
    qs = Account.objects.all()
    stages = spec.get("stages")
    qs = qs.filter(lifecycle_stage__in=stages) if stages else qs.exclude(lifecycle_stage=LifecycleStage.CHURNED)
    if spec.get("segments"):
        qs = qs.filter(segment__in=spec["segments"])
    if spec.get("products"):
        qs = qs.filter(contracts__product__code__in=spec["products"], contracts__status__in=Contract.LIVE_STATUSES)
    ids = set(qs.values_list("pk", flat=True).distinct())
    if spec.get("touch_models"):
        ids = {pk for pk in ids if touch_models.get(pk, segments.DEFAULT_TOUCH) in spec["touch_models"]}
    if spec.get("where"):
        facts = facts if facts is not None else segments.gather_facts(list(ids))
        ids = {pk for pk in ids if pk in facts and all(segments._holds(c, facts[pk]) for c in spec["where"])}
    return ids


# --- evaluating rules ---------------------------------------------------------------------------


@dataclass
class Hit:
    rule: str
    account_id: int
    account: str
    reason: dict[str, Any]
    text: str
    new: bool  # False: an episode of this rule is already open for the account (it does not fire again)

    @property
    def event_key(self) -> str:
        return event_key_of(self.reason)


def event_key_of(reason: dict[str, Any]) -> str:
    """The event an episode is about ("activity:12", a ticket or an answer), "" for a state of the account."""
    return str(reason.get("event_key") or "")


@dataclass
class RulesPlan:
    day: dt.date
    dry_run: bool
    hits: list[Hit] = field(default_factory=list)
    ending: list[tuple[str, int, str]] = field(default_factory=list)  # (rule, account, event key)
    touch_models: dict[int, tuple[str, str]] = field(default_factory=dict)
    departures: list[Departure] = field(default_factory=list)
    unreachable_open: list[Unreachable] = field(default_factory=list)
    unreachable_close: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def fired(self) -> list[tuple[str, int]]:
        return sorted((h.rule, h.account_id) for h in self.hits if h.new)

    def summary(self) -> str:
        verb = "would fire" if self.dry_run else "fired"
        text = (f"rules {self.day.isoformat()}: {len(self.fired)} {verb}, "
                f"{sum(1 for h in self.hits if not h.new)} still holding, {len(self.ending)} ended, "
                f"{len(self.departures)} key contacts left, {len(self.unreachable_open)} unreachable")
        return text + (f", {len(self.errors)} rule errors" if self.errors else "")


def explain(trigger_type: str, reason: dict[str, Any]) -> str:
    kind = get_trigger_type(trigger_type)
    if kind is None:
        return str(reason.get("text", ""))
    try:
        return kind.explain(reason)
    except (KeyError, TypeError, ValueError):
        return str(reason)


def evaluate(trigger: dict[str, Any], segment: dict[str, Any], day: dt.date, *, cache: dict[Any, Any],
             touch_models: dict[int, str]) -> dict[int, dict[str, Any]]:
    """account id -> reason (with ``trigger`` set to the type) for every account the trigger holds for."""
    kind = get_trigger_type(trigger["type"])
    if kind is None:
        raise ValueError(f"unknown trigger type {trigger['type']!r}")
    ids = candidates(segment or {}, touch_models)
    params = {k: v for k, v in trigger.items() if k != "type"}
    hits = kind.evaluate(params, TriggerContext(day=day, account_ids=ids, cache=cache))
    return {pk: {"trigger": kind.name, **reason} for pk, reason in hits.items() if pk in ids}


def preview(trigger: dict[str, Any], segment: dict[str, Any], day: dt.date, *, rule: Rule | None = None
            ) -> list[Hit]:
    """The accounts a (possibly unsaved) rule would hit on ``day``, marking those with an open episode."""
    models = {pk: m for pk, (m, _k) in segments.compute_touch_models().items()}
    cache: dict[Any, Any] = {"touch_models": models, "pending_departures": _departures(day)}
    hits = evaluate(trigger, segment, day, cache=cache, touch_models=models)
    open_eps = set(Episode.objects.filter(rule=rule, ended_on__isnull=True).values_list("account_id", "event_key")
                   ) if rule and rule.pk else set()
    names = dict(Account.objects.filter(pk__in=hits).values_list("pk", "name"))
    return sorted((Hit(rule.key if rule else "", pk, names.get(pk, ""), reason, explain(trigger["type"], reason),
                       (pk, event_key_of(reason)) not in open_eps and (pk, "") not in open_eps)
                   for pk, reason in hits.items()),
                  key=lambda h: h.account)


def _departures(day: dt.date) -> list[Departure]:
    """Key contacts in the snapshot who are no longer active key contacts (pure: nothing is stored)."""
    now = {c.pk: c for c in Contact.objects.filter(role__in=KEY_ROLES, is_active=True)}
    gone = []
    for snap in KeyContact.objects.exclude(contact_id__in=now):
        still = Contact.objects.filter(pk=snap.contact_id).first()
        how = "removed" if still is None else ("deactivated" if not still.is_active else "role_changed")
        gone.append(Departure(account_id=snap.account_id, contact_id=snap.contact_id, name=snap.name,
                              role=snap.role, day=day, how=how))
    return gone


def _store_departures(day: dt.date, gone: list[Departure]) -> None:
    Departure.objects.bulk_create(gone, ignore_conflicts=True)
    now = {c.pk: c for c in Contact.objects.filter(role__in=KEY_ROLES, is_active=True)}
    KeyContact.objects.exclude(contact_id__in=now).delete()
    snapshot = {k.contact_id: k for k in KeyContact.objects.all()}
    KeyContact.objects.bulk_create([KeyContact(contact_id=c.pk, account_id=c.account_id, name=c.name, role=c.role)
                                    for pk, c in now.items() if pk not in snapshot], ignore_conflicts=True)
    # A promoter who became the decision maker is still key: keep the snapshot's role and name current.
    changed = []
    for pk, row in snapshot.items():
        c = now[pk]
        if (row.role, row.name, row.account_id) != (c.role, c.name, c.account_id):
            row.role, row.name, row.account_id = c.role, c.name, c.account_id
            changed.append(row)
    KeyContact.objects.bulk_update(changed, ["role", "name", "account_id"], batch_size=500)


def answer_activities() -> QuerySet[Activity]:
    """Timeline entries that count as the contact answering (see INBOUND_KINDS and HUMAN_KINDS); clicks count too."""
    return (Activity.objects.filter(Q(kind__in=INBOUND_KINDS) | Q(kind__in=HUMAN_KINDS, author__isnull=False))
            .exclude(data__has_key="message"))  # written by outreach sending: our own outbound email


def _unreachable(day: dt.date, n: int) -> tuple[list[Unreachable], list[int]]:
    """Contacts touched ``n`` times without an answer since (opens), and open episodes answered since (closes)."""
    end = timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time()))
    open_rows = {u.contact_id: u for u in Unreachable.objects.filter(ended_on__isnull=True)}
    if n <= 0:
        return [], list(open_rows)
    answered: dict[int, dt.datetime] = {}
    for cid, at in (answer_activities().filter(occurred_at__lt=end, contacts__isnull=False)
                    .values("contacts").annotate(last=Max("occurred_at")).values_list("contacts", "last")):
        answered[cid] = at
    for cid, at in (Click.objects.filter(clicked_at__lt=end, message__contact__isnull=False)
                    .values("message__contact").annotate(last=Max("clicked_at"))
                    .values_list("message__contact", "last")):
        answered[cid] = max(at, answered.get(cid, at))
    counts: dict[int, int] = {}
    accounts: dict[int, int] = {}
    since = end - dt.timedelta(days=UNREACHABLE_LOOKBACK_DAYS)
    for cid, aid, at in Touch.objects.filter(occurred_at__lt=end, occurred_at__gte=since).values_list(
            "contact_id", "account_id", "occurred_at"):
        if at > answered.get(cid, dt.datetime.min.replace(tzinfo=dt.UTC)):
            counts[cid] = counts.get(cid, 0) + 1
            accounts[cid] = aid
    owners = dict(Account.objects.filter(pk__in=set(accounts.values())).values_list("pk", "owner_id"))
    opens = [Unreachable(contact_id=cid, account_id=accounts[cid], csm_id=owners.get(accounts[cid]), started_on=day,
                         touches=k) for cid, k in counts.items() if k >= n and cid not in open_rows]
    closes = [cid for cid in open_rows if counts.get(cid, 0) < n]
    return opens, closes


def plan_rules(day: dt.date, *, dry_run: bool, rules: list[Rule] | None = None) -> RulesPlan:
    plan = RulesPlan(day=day, dry_run=dry_run)
    plan.touch_models = segments.compute_touch_models()
    models = {pk: m for pk, (m, _k) in plan.touch_models.items()}
    plan.departures = _departures(day)
    plan.unreachable_open, plan.unreachable_close = _unreachable(day, PlaybookSettings.get().unreachable_after)
    cache: dict[Any, Any] = {"touch_models": models, "pending_departures": plan.departures}
    if rules is None:
        rules = list(Rule.objects.filter(is_active=True).select_related("playbook").order_by("key"))
    names = dict(Account.objects.values_list("pk", "name"))
    for rule in rules:
        try:
            hits = evaluate(rule.trigger, rule.segment, day, cache=cache, touch_models=models)
        except Exception as exc:  # noqa: BLE001 - one broken rule must not stop the others
            logger.exception("rule %s failed on %s", rule.key, day)
            plan.errors.append(f"{rule.key}: {exc}")
            continue
        # Episodes are per account, and per event for triggers about events (a ticket, an answer: each
        # new one starts its own episode, and ends the one of the event before).
        open_eps = set(Episode.objects.filter(rule=rule, ended_on__isnull=True).values_list("account_id", "event_key"))
        started_today = set(Episode.objects.filter(rule=rule, started_on=day).values_list("account_id", "event_key"))
        holding = set()
        for pk, reason in sorted(hits.items()):
            key = event_key_of(reason)
            if key and (pk, key) not in open_eps and (pk, "") in open_eps:
                key = ""  # an episode opened before episodes had event keys: it takes this event's key
            holding.add((pk, key))
            new = (pk, key) not in open_eps and (pk, key) not in started_today
            plan.hits.append(Hit(rule.key, pk, names.get(pk, ""), reason, explain(rule.trigger["type"], reason), new))
        plan.ending += [(rule.key, pk, key) for pk, key in sorted(open_eps) if (pk, key) not in holding]
    return plan


def end_rule_episodes(rule: Rule, day: dt.date) -> dict[str, int]:
    """A rule turned off: end its open episodes and skip their actions not carried out yet (CTAs stay)."""
    episodes = list(Episode.objects.filter(rule=rule, ended_on__isnull=True))
    for episode in episodes:  # never before it started (a pipeline day may be ahead of the calendar)
        episode.ended_on = max(day, episode.started_on)
        episode.save(update_fields=["ended_on"])
    skipped = ActionRun.objects.filter(
        episode__in=episodes, status__in=[ActionStatus.PENDING, ActionStatus.DEFERRED],
    ).update(status=ActionStatus.SKIPPED, done_on=day, detail=f"the rule was turned off on {day.isoformat()}")
    return {"episodes": len(episodes), "actions": skipped}


def start_playbook(playbook: Playbook, account: Account, *, day: dt.date, episode: Episode | None = None,
                   start_key: str = "") -> list[ActionRun]:
    """Put the playbook's actions down as action runs for this start (an episode, or by hand)."""
    key = start_key or (f"episode:{episode.pk}" if episode else f"manual:{uuid.uuid4().hex}")
    runs = [ActionRun(episode=episode, account=account, playbook=playbook, start_key=key, position=i,
                      action=action, due_on=day + dt.timedelta(days=int(action.get("after_days", 0))))
            for i, action in enumerate(playbook.actions, 1)]
    ActionRun.objects.bulk_create(runs, ignore_conflicts=True)
    return runs


def apply_rules(plan: RulesPlan) -> None:
    day = plan.day
    with transaction.atomic():
        segments.store_touch_models(plan.touch_models, day)
        _store_departures(day, plan.departures)
        Unreachable.objects.bulk_create(plan.unreachable_open, ignore_conflicts=True)
        Unreachable.objects.filter(contact_id__in=plan.unreachable_close, ended_on__isnull=True).update(ended_on=day)
    rules = {r.key: r for r in Rule.objects.select_related("playbook")}
    for rule in Rule.objects.filter(is_active=False, episodes__ended_on__isnull=True).distinct():
        end_rule_episodes(rule, day)  # rules turned off by an older version left theirs open
    for rule_key, account_id, key in plan.ending:
        Episode.objects.filter(rule=rules[rule_key], account_id=account_id, event_key=key,
                               ended_on__isnull=True).update(ended_on=day)
    for hit in plan.hits:
        rule = rules[hit.rule]
        if not hit.new:
            still = Episode.objects.filter(rule=rule, account_id=hit.account_id, ended_on__isnull=True)
            if not still.filter(event_key=hit.event_key).update(last_held_on=day):
                still.filter(event_key="").update(last_held_on=day, event_key=hit.event_key)
            continue
        try:
            with transaction.atomic():
                episode = Episode.objects.create(rule=rule, account_id=hit.account_id, started_on=day,
                                                 event_key=hit.event_key, last_held_on=day,
                                                 reason={**hit.reason, "text": hit.text})
                start_playbook(rule.playbook, episode.account, day=day, episode=episode)
        except IntegrityError:  # started by a concurrent run of the same day
            continue


def run_rules_day(day: dt.date, *, dry_run: bool = False, progress: Any = None) -> RulesPlan:
    plan = plan_rules(day, dry_run=dry_run)
    if not dry_run:
        apply_rules(plan)
    return plan


def rules_step(day: dt.date, *, progress: Any = None) -> str:
    with translation.override(settings.LANGUAGE_CODE):  # what it writes reads in the company's language
        return run_rules_day(day, progress=progress).summary()


# --- carrying out actions -----------------------------------------------------------------------


@dataclass
class CtasPlan:
    day: dt.date
    dry_run: bool
    due: list[tuple[ActionRun, str]] = field(default_factory=list)  # (run, what it does)
    outcomes: dict[str, int] = field(default_factory=dict)
    woken: int = 0

    def summary(self) -> str:
        if self.dry_run:
            return f"ctas {self.day.isoformat()}: {len(self.due)} actions due"
        parts = ", ".join(f"{n} {k}" for k, n in sorted(self.outcomes.items())) or "nothing due"
        return f"ctas {self.day.isoformat()}: {parts}, {self.woken} snoozed CTAs reopened"


def _due_runs(day: dt.date) -> list[ActionRun]:
    return list(ActionRun.objects.filter(status__in=[ActionStatus.PENDING, ActionStatus.DEFERRED], due_on__lte=day)
                .select_related("account", "account__owner", "playbook", "episode", "episode__rule")
                .order_by("due_on", "pk"))


def describe(run: ActionRun) -> str:
    kind = get_action_type(run.action.get("type", ""))
    return kind.describe(run.action) if kind else str(run.action.get("type"))


def _carry_out(run: ActionRun, day: dt.date, defer_days: int) -> str:
    action = run.action
    kind = get_action_type(action.get("type", ""))
    episode = run.episode
    if kind is None:
        status, detail = ActionStatus.FAILED, f"unknown action type {action.get('type')!r}"
    elif episode is not None and episode.ended_on is not None and episode.ended_on <= day and \
            action.get("only_while_open", True) and run.due_on > episode.started_on:
        status, detail = ActionStatus.SKIPPED, f"the rule stopped holding on {episode.ended_on.isoformat()}"
    elif run.status == ActionStatus.DEFERRED and (day - run.due_on).days > defer_days:
        status, detail = ActionStatus.SKIPPED, f"gave up after {defer_days} days over a contact cap ({run.detail})"
    else:
        reason = dict(episode.reason) if episode else {}
        reason_text = explain(reason.get("trigger", ""), reason) if episode else _("Started by hand")
        trigger = get_trigger_type(reason.get("trigger", "")) if episode else None
        ctx = RunContext(run=run, account=run.account, day=day, reason=reason, reason_text=reason_text,
                         event=trigger.event if trigger else "",
                         variables=variables_for(run.account, day=day, rule=episode.rule if episode else None,
                                                 playbook=run.playbook, reason_text=reason_text))
        try:
            with transaction.atomic():
                outcome = kind.execute(action, ctx)
                _finish(run, outcome.status, outcome.detail, day)
            if outcome.status == ActionStatus.DEFERRED:
                logger.info("playbooks: %s#%s deferred (%s)", run.start_key, run.position, outcome.detail)
            return outcome.status
        except Exception as exc:  # noqa: BLE001 - recorded on the run; the next actions still go
            logger.exception("playbook action %s failed", run)
            status, detail = ActionStatus.FAILED, f"{type(exc).__name__}: {exc}"
    _finish(run, status, detail, day)
    return status


def _finish(run: ActionRun, status: str, detail: str, day: dt.date) -> None:
    run.status, run.detail, run.attempts = status, detail[:500], run.attempts + 1
    run.done_on = day if status != ActionStatus.DEFERRED else None
    run.save(update_fields=["status", "detail", "attempts", "done_on"])


def run_ctas_day(day: dt.date, *, dry_run: bool = False, progress: Any = None) -> CtasPlan:
    from csops.playbooks.services import wake_snoozed

    plan = CtasPlan(day=day, dry_run=dry_run)
    runs = _due_runs(day)
    plan.due = [(r, describe(r)) for r in runs]
    if dry_run:
        return plan
    plan.woken = wake_snoozed(day)
    defer_days = PlaybookSettings.get().defer_days
    for index, run in enumerate(runs):
        status = _carry_out(run, day, defer_days)
        plan.outcomes[status] = plan.outcomes.get(status, 0) + 1
        if progress:
            progress(index + 1, len(runs))
    return plan


def ctas_step(day: dt.date, *, progress: Any = None) -> str:
    # CTA reasons and timeline entries written by the pipeline read in the company's language.
    with translation.override(settings.LANGUAGE_CODE):
        return run_ctas_day(day, progress=progress).summary()


def do_start_by_hand(playbook: Playbook, account: Account, *, actor: Any, day: dt.date | None = None) -> str:
    """Start a playbook for one account by hand; its actions due today are carried out now."""
    from csops.audit.services import record

    day = day or timezone.localdate()
    with transaction.atomic():
        runs = start_playbook(playbook, account, day=day)
        record(actor, "playbooks.started_by_hand", account, {"playbook": playbook.key})
    defer_days = PlaybookSettings.get().defer_days
    done = 0
    for run in ActionRun.objects.filter(start_key=runs[0].start_key, due_on__lte=day).select_related(
            "account", "playbook", "episode"):
        done += _carry_out(run, day, defer_days) == ActionStatus.DONE
    return f"{done} action(s) done now, {len(runs) - done} later or deferred"


def unreachable_per_csm() -> dict[int | None, int]:
    """"Unreachable after over-contact" episodes per CSM (open and ended), as the seed's team counted them."""
    from django.db.models import Count

    return {row["csm_id"]: row["n"] for row in Unreachable.objects.values("csm_id").annotate(n=Count("pk"))}
