"""Playbook configuration as data: validation (clear messages, all or nothing), saving, YAML export/import.

The YAML shape (docs/playbooks.md)::

    version: 1
    settings: {account_cap: 6, unreachable_after: 4, capacity_target: 40, defer_days: 14}
    routing:
      - {responsibility: onboarding, queue: sales}
      - {responsibility: renewal, owner: true}
      - {responsibility: technical, user: support-lead@example.com}
    touch_models:
      - {key: strategic, name: Strategic, touch_model: high, conditions: [{field: arr, op: ">=", value: 10000000}]}
    playbooks:
      - key: renewal-prep
        name: Renewal preparation
        responsibility: renewal
        actions:
          - {type: create_cta, title: "Prepare the renewal of {{ account }}", priority: high, due_days: 14}
    rules:
      - {key: renewal-120, name: Renewal in 120 days, active: true, playbook: renewal-prep,
         trigger: {type: renewal_in_days, days: 120}, segment: {touch_models: [high, low]}}
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from django.db import transaction
from django.utils import timezone

from csops.audit.services import record
from csops.playbooks.actions import get_action_type, validate_actions
from csops.playbooks.engine import end_rule_episodes, segment_filter_errors
from csops.playbooks.models import Playbook, PlaybookSettings, Responsibility, Route, Rule, SegmentRule, TouchModel
from csops.playbooks.segments import condition_errors
from csops.playbooks.services import do_save_settings, do_set_route
from csops.playbooks.triggers import get_trigger_type, validate_trigger

_KEY = re.compile(r"^[-a-zA-Z0-9_]{1,64}$")
SETTINGS = ("account_cap", "unreachable_after", "capacity_target", "defer_days")


class ConfigInvalid(ValueError):
    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


def _unknown(spec: dict[str, Any], known: set[str], where: str) -> list[str]:
    extra = sorted(set(spec) - known)
    return [f"{where}: unknown field(s) {', '.join(extra)}; known: {', '.join(sorted(known))}"] if extra else []


def playbook_errors(spec: dict[str, Any], where: str = "playbook") -> list[str]:
    errors = _unknown(spec, {"key", "name", "description", "responsibility", "actions"}, where)
    if not _KEY.match(str(spec.get("key", ""))):
        errors.append(f"{where}: key: letters, digits, - and _ only (1 to 64)")
    if not spec.get("name"):
        errors.append(f"{where}: name is required")
    if spec.get("responsibility", "adoption") not in Responsibility.values:
        errors.append(f"{where}: responsibility must be one of {', '.join(Responsibility.values)}")
    errors += [f"{where}: {e}" for e in validate_actions(spec.get("actions"))]
    return errors


def rule_errors(spec: dict[str, Any], playbook_keys: set[str], where: str = "rule") -> list[str]:
    errors = _unknown(spec, {"key", "name", "description", "active", "trigger", "segment", "playbook"}, where)
    if not _KEY.match(str(spec.get("key", ""))):
        errors.append(f"{where}: key: letters, digits, - and _ only (1 to 64)")
    if not spec.get("name"):
        errors.append(f"{where}: name is required")
    if not isinstance(spec.get("active", False), bool):
        errors.append(f"{where}: active must be true or false")
    errors += [f"{where}: {e}" for e in validate_trigger(spec.get("trigger"))]
    errors += [f"{where}: {e}" for e in segment_filter_errors(spec.get("segment") or {})]
    if spec.get("playbook") not in playbook_keys:
        errors.append(f"{where}: unknown playbook {spec.get('playbook')!r}")
    return errors


def _effects(actions: list[dict[str, Any]]) -> set[str]:
    found: set[str] = set()
    for a in actions or []:
        kind = get_action_type(a.get("type", "")) if isinstance(a, dict) else None
        if kind:
            found |= kind.effects(a)
    return found


def loop_errors(rules: list[dict[str, Any]], playbooks: dict[str, list[dict[str, Any]]]) -> list[str]:
    """Rules whose playbook would re-trigger themselves, directly or through other rules."""
    watches: dict[str, set[str]] = {}
    for r in rules:
        kind = get_trigger_type((r.get("trigger") or {}).get("type", ""))
        watches[r["key"]] = kind.watches(r["trigger"]) if kind else set()
    edges = {r["key"]: {other for other, w in watches.items() if w & _effects(playbooks.get(r.get("playbook"), []))}
             for r in rules}
    errors = []
    for start in edges:
        path, stack, seen = [start], [(start, iter(sorted(edges[start])))], {start}
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                path.pop()
                continue
            if child == start:
                chain = " → ".join([*path, start])
                errors.append(f"rule {start}: its playbook would trigger it again (a loop: {chain}); "
                              "change the action or the trigger")
                stack = []
                break
            if child not in seen:
                seen.add(child)
                path.append(child)
                stack.append((child, iter(sorted(edges.get(child, ())))))
    return errors


def _all_rules_with(spec: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    rules = {r.key: {"key": r.key, "trigger": r.trigger, "playbook": r.playbook.key, "active": r.is_active}
             for r in Rule.objects.select_related("playbook")}
    if spec is not None:
        rules[spec["key"]] = spec
    return list(rules.values())


def _all_playbooks_with(spec: dict[str, Any] | None = None) -> dict[str, list[dict[str, Any]]]:
    books = dict(Playbook.objects.values_list("key", "actions"))
    if spec is not None:
        books[spec["key"]] = spec.get("actions") or []
    return books


# --- saving one object (the app's editors) -----------------------------------------------------


def playbook_state(p: Playbook) -> dict[str, Any]:
    return {"key": p.key, "name": p.name, "description": p.description, "responsibility": p.responsibility,
            "actions": p.actions}


def rule_state(r: Rule) -> dict[str, Any]:
    return {"key": r.key, "name": r.name, "description": r.description, "active": r.is_active,
            "trigger": r.trigger, "segment": r.segment, "playbook": r.playbook.key if r.playbook_id else None}


def segment_state(s: SegmentRule) -> dict[str, Any]:
    return {"key": s.key, "name": s.name, "touch_model": s.touch_model, "conditions": s.conditions}


def _diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}


def do_save_playbook(spec: dict[str, Any], *, actor: Any, instance: Playbook | None = None) -> Playbook:
    """Create or update a playbook from its spec; raises ConfigInvalid with every problem found."""
    errors = playbook_errors(spec)
    if instance is not None and spec.get("key") != instance.key and Playbook.objects.filter(key=spec.get("key")
                                                                                             ).exists():
        errors.append(f"playbook: key {spec.get('key')!r} is taken")
    if not errors:
        rules = [r for r in _all_rules_with() if r["active"] or r["playbook"] == spec["key"]]
        books = _all_playbooks_with(spec)
        if instance is not None and instance.key != spec["key"]:
            rules = [{**r, "playbook": spec["key"] if r["playbook"] == instance.key else r["playbook"]}
                     for r in rules]
        errors += loop_errors(rules, books)
    if errors:
        raise ConfigInvalid(errors)
    with transaction.atomic():
        playbook = instance or Playbook.objects.filter(key=spec["key"]).first() or Playbook(key=spec["key"])
        before = playbook_state(playbook) if playbook.pk else {}
        playbook.key, playbook.name = spec["key"], spec["name"]
        playbook.description = spec.get("description", "")
        playbook.responsibility = spec.get("responsibility", Responsibility.ADOPTION)
        playbook.actions = spec["actions"]
        changes = _diff(before, playbook_state(playbook))
        if changes or not playbook.pk:
            created = not playbook.pk
            playbook.save()
            record(actor, "playbooks.playbook_created" if created else "playbooks.playbook_changed", playbook, changes)
    return playbook


def do_save_rule(spec: dict[str, Any], *, actor: Any, instance: Rule | None = None) -> Rule:
    keys = set(Playbook.objects.values_list("key", flat=True))
    errors = rule_errors(spec, keys)
    if instance is not None and spec.get("key") != instance.key and Rule.objects.filter(key=spec.get("key")).exists():
        errors.append(f"rule: key {spec.get('key')!r} is taken")
    if not errors:
        others = [r for r in _all_rules_with() if r["key"] != (instance.key if instance else spec["key"])]
        errors += loop_errors([*[r for r in others if r["active"]], spec], _all_playbooks_with())
    if errors:
        raise ConfigInvalid(errors)
    with transaction.atomic():
        rule = instance or Rule.objects.filter(key=spec["key"]).first() or Rule(key=spec["key"])
        before = rule_state(rule) if rule.pk else {}
        rule.key, rule.name, rule.description = spec["key"], spec["name"], spec.get("description", "")
        rule.is_active, rule.trigger = bool(spec.get("active", False)), spec["trigger"]
        rule.segment, rule.playbook = spec.get("segment") or {}, Playbook.objects.get(key=spec["playbook"])
        changes = _diff(before, rule_state(rule))
        if changes or not rule.pk:
            created = not rule.pk
            rule.save()
            if before.get("active") and not rule.is_active:
                changes["stopped"] = end_rule_episodes(rule, timezone.localdate())
            record(actor, "playbooks.rule_created" if created else "playbooks.rule_changed", rule, changes)
    return rule


def do_set_rule_active(rule: Rule, active: bool, *, actor: Any) -> Rule:
    return do_save_rule({**rule_state(rule), "active": active}, actor=actor, instance=rule)


def segment_rule_errors(spec: dict[str, Any], where: str = "touch model") -> list[str]:
    errors = _unknown(spec, {"key", "name", "touch_model", "conditions"}, where)
    if not _KEY.match(str(spec.get("key", ""))):
        errors.append(f"{where}: key: letters, digits, - and _ only (1 to 64)")
    if not spec.get("name"):
        errors.append(f"{where}: name is required")
    if spec.get("touch_model") not in TouchModel.values:
        errors.append(f"{where}: touch_model must be one of {', '.join(TouchModel.values)}")
    errors += condition_errors(spec.get("conditions", []), f"{where}: conditions")
    return errors


def do_save_touch_models(specs: list[dict[str, Any]], *, actor: Any) -> list[SegmentRule]:
    """Replace the touch-model rules with ``specs`` (their order is their priority), audited."""
    if not isinstance(specs, list):
        raise ConfigInvalid(["touch_models: must be a list"])
    errors: list[str] = []
    seen: set[str] = set()
    for i, spec in enumerate(specs, 1):
        if not isinstance(spec, dict):
            errors.append(f"touch_models[{i}]: must be a mapping")
            continue
        errors += segment_rule_errors(spec, f"touch model {spec.get('key', i)}")
        if spec.get("key") in seen:
            errors.append(f"touch model {spec.get('key')}: appears twice")
        seen.add(spec.get("key"))
    if errors:
        raise ConfigInvalid(errors)
    with transaction.atomic():
        before = [segment_state(s) for s in SegmentRule.objects.order_by("position", "key")]
        SegmentRule.objects.exclude(key__in=seen).delete()
        saved = []
        for position, spec in enumerate(specs, 1):
            row = SegmentRule.objects.filter(key=spec["key"]).first() or SegmentRule(key=spec["key"])
            row.name, row.touch_model, row.position = spec["name"], spec["touch_model"], position
            row.conditions = spec.get("conditions") or []
            row.save()
            saved.append(row)
        after = [segment_state(s) for s in saved]
        if after != before:
            record(actor, "playbooks.touch_models_changed", None, {"touch_models": [before, after]})
    return saved


# --- YAML ----------------------------------------------------------------------------------------


def export_config() -> dict[str, Any]:
    settings = PlaybookSettings.get()
    routing = []
    for row in Route.objects.select_related("user").order_by("responsibility"):
        entry: dict[str, Any] = {"responsibility": row.responsibility}
        if row.to_owner:
            entry["owner"] = True
        elif row.user:
            entry["user"] = row.user.email
        else:
            entry["queue"] = row.queue
        routing.append(entry)
    return {
        "version": 1,
        "settings": {name: getattr(settings, name) for name in SETTINGS},
        "routing": routing,
        "touch_models": [segment_state(s) for s in SegmentRule.objects.order_by("position", "key")],
        "playbooks": [playbook_state(p) for p in Playbook.objects.order_by("key")],
        "rules": [rule_state(r) for r in Rule.objects.select_related("playbook").order_by("key")],
    }


def dump_yaml(data: dict[str, Any]) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=110)


def load_yaml(text: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigInvalid([f"not valid YAML: {exc}"]) from None


def validate_config(data: Any) -> list[str]:
    from csops.users.models import User

    if not isinstance(data, dict) or data.get("version") != 1:
        return ["the file must be a mapping with version: 1"]
    errors = _unknown(data, {"version", "settings", "routing", "touch_models", "playbooks", "rules"}, "file")
    settings = data.get("settings") or {}
    if not isinstance(settings, dict):
        errors.append("settings: must be a mapping")
    else:
        errors += _unknown(settings, set(SETTINGS), "settings")
        errors += [f"settings: {k} must be a whole number >= 0" for k, v in settings.items()
                   if k in SETTINGS and (not isinstance(v, int) or isinstance(v, bool) or v < 0)]
    for i, entry in enumerate(data.get("routing") or [], 1):
        where = f"routing[{i}]"
        if not isinstance(entry, dict):
            errors.append(f"{where}: must be a mapping")
            continue
        errors += _unknown(entry, {"responsibility", "owner", "user", "queue"}, where)
        if entry.get("responsibility") not in Responsibility.values:
            errors.append(f"{where}: responsibility must be one of {', '.join(Responsibility.values)}")
        targets = [k for k in ("owner", "user", "queue") if entry.get(k)]
        if len(targets) != 1:
            errors.append(f"{where}: give exactly one of owner: true, user: EMAIL or queue: NAME")
        elif "user" in targets and not User.objects.filter(email=entry["user"], is_active=True).exists():
            errors.append(f"{where}: no active user {entry['user']!r}")
    touch = data.get("touch_models") or []
    if not isinstance(touch, list):
        errors.append("touch_models: must be a list")
    else:
        for i, spec in enumerate(touch, 1):
            errors += (segment_rule_errors(spec, f"touch model {spec.get('key', i)}") if isinstance(spec, dict)
                       else [f"touch_models[{i}]: must be a mapping"])
    playbooks = data.get("playbooks") or []
    rules = data.get("rules") or []
    if not isinstance(playbooks, list) or not isinstance(rules, list):
        return [*errors, "playbooks and rules must be lists"]
    keys = set(Playbook.objects.values_list("key", flat=True))
    books = _all_playbooks_with()
    seen: set[str] = set()
    for i, spec in enumerate(playbooks, 1):
        if not isinstance(spec, dict):
            errors.append(f"playbooks[{i}]: must be a mapping")
            continue
        where = f"playbook {spec.get('key', i)}"
        if spec.get("key") in seen:
            errors.append(f"{where}: appears twice")
        seen.add(spec.get("key"))
        errors += playbook_errors(spec, where)
        keys.add(spec.get("key"))
        books[spec.get("key")] = spec.get("actions") or []
    seen = set()
    merged = {r["key"]: r for r in _all_rules_with()}
    for i, spec in enumerate(rules, 1):
        if not isinstance(spec, dict):
            errors.append(f"rules[{i}]: must be a mapping")
            continue
        where = f"rule {spec.get('key', i)}"
        if spec.get("key") in seen:
            errors.append(f"{where}: appears twice")
        seen.add(spec.get("key"))
        errors += rule_errors(spec, keys, where)
        merged[spec.get("key")] = spec
    if not errors:
        errors += loop_errors([r for r in merged.values() if r.get("active")], books)
    return errors


def import_config(data: Any, *, actor: Any, dry_run: bool = False) -> str:
    """Create or update everything by key, all or nothing; raises ConfigInvalid naming every problem."""
    from csops.users.models import User

    errors = validate_config(data)
    if errors:
        raise ConfigInvalid(errors)
    counts = {"playbooks": 0, "rules": 0}
    with transaction.atomic():
        if data.get("settings"):
            do_save_settings(actor=actor, **data["settings"])
        for entry in data.get("routing") or []:
            user = User.objects.get(email=entry["user"]) if entry.get("user") else None
            do_set_route(entry["responsibility"], to_owner=bool(entry.get("owner")), user=user,
                         queue=entry.get("queue", ""), actor=actor)
        if "touch_models" in data:
            do_save_touch_models(data.get("touch_models") or [], actor=actor)
        for spec in data.get("playbooks") or []:
            existing = Playbook.objects.filter(key=spec["key"]).first()
            before = playbook_state(existing) if existing else None
            saved = do_save_playbook(spec, actor=actor, instance=existing)
            counts["playbooks"] += before != playbook_state(saved)
        for spec in data.get("rules") or []:
            existing = Rule.objects.filter(key=spec["key"]).first()
            before = rule_state(existing) if existing else None
            saved = do_save_rule({**spec, "segment": spec.get("segment") or {}}, actor=actor, instance=existing)
            counts["rules"] += before != rule_state(saved)
        if dry_run:
            transaction.set_rollback(True)
    verb = "would change" if dry_run else "changed"
    return f"playbooks import: {verb} {counts['playbooks']} playbooks, {counts['rules']} rules"
