"""Templates and campaigns as data: validation, and YAML export/import (all or nothing).

The YAML shape (docs/outreach.md)::

    version: 1
    templates:
      - key: welcome
        name: Welcome
        subject: {ja: "...", en: "..."}
        text: {ja: "...", en: "..."}
        html: {ja: "...", en: "..."}
    campaigns:
      - key: onboarding
        name: Onboarding
        active: true
        roles: [decision_maker, promoter, operator]
        entry: [{type: lifecycle_stage, in: [onboarding]}]
        exit: [{type: lifecycle_stage, not_in: [onboarding]}]
        steps:
          - {day: 0, template: welcome, roles: [decision_maker, promoter]}
          - {day: 7, template: how-to, when: [{type: event_not_done, event: document_sent}]}
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from django.db import transaction

from csops.customers.models import ContactRole
from csops.outreach.conditions import validate_conditions
from csops.outreach.models import Campaign, Template
from csops.outreach.rendering import template_errors
from csops.outreach.services import campaign_state, do_save_campaign, do_save_template, template_state

_KEY = re.compile(r"^[-a-zA-Z0-9_]{1,80}$")


class ConfigInvalid(ValueError):
    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


def template_field_errors(fields: dict[str, str]) -> dict[str, list[str]]:
    """Per field (subject_ja, html_en...), why its text is not a valid template."""
    errors: dict[str, list[str]] = {}
    for name in Template.FIELDS:
        found = template_errors(fields.get(name, "") or "", html=name.startswith("html"))
        if found:
            errors[name] = found
    if not (fields.get("subject_ja") or fields.get("subject_en")):
        errors.setdefault("subject_ja", []).append("a subject in at least one language is required")
    if not (fields.get("text_ja") or fields.get("text_en")):
        errors.setdefault("text_ja", []).append("a text body in at least one language is required")
    return errors


def role_errors(roles: Any, where: str) -> list[str]:
    if not isinstance(roles, list):
        return [f"{where}: roles must be a list"]
    bad = [r for r in roles if r not in ContactRole.values]
    if not bad:
        return []
    return [f"{where}: unknown role(s) {', '.join(map(str, bad))}; known: {', '.join(ContactRole.values)}"]


def step_errors(steps: Any, template_keys: set[str]) -> list[str]:
    if not isinstance(steps, list) or not steps:
        return ["steps: give at least one step"]
    errors: list[str] = []
    for i, step in enumerate(steps, 1):
        where = f"step {i}"
        if not isinstance(step, dict):
            errors.append(f"{where}: must be a mapping with day and template")
            continue
        unknown = set(step) - {"day", "template", "roles", "when"}
        if unknown:
            errors.append(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
        if not isinstance(step.get("day"), int) or isinstance(step.get("day"), bool) or step["day"] < 0:
            errors.append(f"{where}: day must be a whole number >= 0")
        if step.get("template") not in template_keys:
            errors.append(f"{where}: unknown template {step.get('template')!r}")
        errors += role_errors(step.get("roles", []), where)
        errors += [f"{where}: {e}" for e in validate_conditions(step.get("when", []))]
    return errors


def campaign_errors(spec: dict[str, Any], template_keys: set[str]) -> list[str]:
    errors = []
    if not _KEY.match(str(spec.get("key", ""))):
        errors.append("key: letters, digits, - and _ only (1 to 80)")
    if not spec.get("name"):
        errors.append("name is required")
    errors += role_errors(spec.get("roles", []), "roles")
    errors += [f"entry: {e}" for e in validate_conditions(spec.get("entry", []))]
    errors += [f"exit: {e}" for e in validate_conditions(spec.get("exit", []))]
    errors += step_errors(spec.get("steps"), template_keys)
    return errors


# --- YAML ---------------------------------------------------------------------------------------


def export_config() -> dict[str, Any]:
    templates = []
    for t in Template.objects.order_by("key"):
        entry: dict[str, Any] = {"key": t.key, "name": t.name}
        if t.description:
            entry["description"] = t.description
        for part in ("subject", "text", "html"):
            values = {lang: getattr(t, f"{part}_{lang}") for lang in ("ja", "en") if getattr(t, f"{part}_{lang}")}
            if values:
                entry[part] = values
        templates.append(entry)
    campaigns = []
    for c in Campaign.objects.order_by("key"):
        state = campaign_state(c)
        entry = {"key": c.key, "name": c.name, "active": c.is_active}
        if c.description:
            entry["description"] = c.description
        entry.update({"roles": c.roles, "entry": c.entry_conditions, "exit": c.exit_conditions})
        entry["steps"] = [{k: v for k, v in s.items() if v or k == "day"} for s in state["steps"]]
        campaigns.append(entry)
    return {"version": 1, "templates": templates, "campaigns": campaigns}


def dump_yaml(data: dict[str, Any]) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)


def _template_fields(spec: dict[str, Any]) -> dict[str, str]:
    fields = {}
    for part in ("subject", "text", "html"):
        values = spec.get(part) or {}
        for lang in ("ja", "en"):
            fields[f"{part}_{lang}"] = str(values.get(lang, "")) if isinstance(values, dict) else ""
    return fields


def validate_config(data: Any) -> list[str]:
    if not isinstance(data, dict) or data.get("version") != 1:
        return ["the file must be a mapping with version: 1"]
    errors: list[str] = []
    templates, campaigns = data.get("templates") or [], data.get("campaigns") or []
    if not isinstance(templates, list) or not isinstance(campaigns, list):
        return ["templates and campaigns must be lists"]
    keys: set[str] = set(Template.objects.values_list("key", flat=True))
    seen: set[str] = set()
    for i, spec in enumerate(templates, 1):
        where = f"templates[{i}]"
        if not isinstance(spec, dict) or not _KEY.match(str(spec.get("key", ""))) or not spec.get("name"):
            errors.append(f"{where}: needs a key (letters, digits, - and _) and a name")
            continue
        where = f"template {spec['key']}"
        if spec["key"] in seen:
            errors.append(f"{where}: appears twice")
        seen.add(spec["key"])
        for field, found in template_field_errors(_template_fields(spec)).items():
            errors += [f"{where}: {field}: {e}" for e in found]
        keys.add(spec["key"])
    seen = set()
    for i, spec in enumerate(campaigns, 1):
        if not isinstance(spec, dict):
            errors.append(f"campaigns[{i}]: must be a mapping")
            continue
        where = f"campaign {spec.get('key', i)}"
        if spec.get("key") in seen:
            errors.append(f"{where}: appears twice")
        seen.add(spec.get("key"))
        errors += [f"{where}: {e}" for e in campaign_errors(spec, keys)]
    return errors


def import_config(data: Any, *, actor: Any, dry_run: bool = False) -> str:
    """Create or update templates and campaigns by key, all or nothing; raises ConfigInvalid."""
    errors = validate_config(data)
    if errors:
        raise ConfigInvalid(errors)
    counts = {"templates": 0, "campaigns": 0}
    with transaction.atomic():
        for spec in data.get("templates") or []:
            template = Template.objects.filter(key=spec["key"]).first() or Template(key=spec["key"])
            before = template_state(template) if template.pk else {}
            template.name, template.description = spec["name"], spec.get("description", "")
            for field, value in _template_fields(spec).items():
                setattr(template, field, value)
            if not template.pk or template_state(template) != before:
                do_save_template(template, actor=actor, before=before)
                counts["templates"] += 1
        for spec in data.get("campaigns") or []:
            campaign = Campaign.objects.filter(key=spec["key"]).first() or Campaign(key=spec["key"])
            before = campaign_state(campaign) if campaign.pk else {}
            campaign.name, campaign.description = spec["name"], spec.get("description", "")
            campaign.is_active = bool(spec.get("active", False))
            campaign.roles = spec.get("roles") or []
            campaign.entry_conditions, campaign.exit_conditions = spec.get("entry") or [], spec.get("exit") or []
            steps = [{"day": s["day"], "template": Template.objects.get(key=s["template"]),
                      "roles": s.get("roles") or [], "when": s.get("when") or []} for s in spec["steps"]]
            do_save_campaign(campaign, steps, actor=actor, before=before)
            if campaign_state(campaign) != before:
                counts["campaigns"] += 1
        if dry_run:
            transaction.set_rollback(True)
    verb = "would change" if dry_run else "changed"
    return f"outreach import: {verb} {counts['templates']} templates, {counts['campaigns']} campaigns"


def load_yaml(text: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigInvalid([f"not valid YAML: {exc}"]) from None
