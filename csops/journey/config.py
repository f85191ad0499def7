"""Journey configuration as one YAML document: maturity models, stage rules, onboarding templates.

``export_config`` -> ``dump_yaml`` writes it; ``import_config`` validates everything first and
changes nothing when anything is wrong (each error names its place). Importing upserts maturity
models by product and templates by key, and replaces the stage rules when a ``stages`` section is
given. Every import is one audit row holding the imported document, so the audit log is the
configuration's version history.
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from django.db import transaction

from csops.audit.services import record
from csops.customers.models import Product, Segment
from csops.journey import conditions as C
from csops.journey.maturity import request_rebuild
from csops.journey.models import (
    Completion,
    MaturityLevel,
    MaturityModel,
    OnboardingTemplate,
    OwnerSide,
    StageRule,
)
from csops.journey.stages import settings_row, validate_rules

YAML_VERSION = 1
MAX_LEVELS = 10
MAX_DUE_DAYS = 3650
_KEY = re.compile(r"^[-a-zA-Z0-9_]{1,64}$")


class ConfigInvalid(ValueError):
    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


def load_yaml(text: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigInvalid([f"not valid YAML: {exc}"]) from None


def dump_yaml(doc: dict[str, Any]) -> str:
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=120)


def export_config() -> dict[str, Any]:
    conf = settings_row()
    models = []
    for model in MaturityModel.objects.select_related("product").order_by("product__code"):
        models.append({
            "product": model.product.code, "name": model.name, "description": model.description,
            "first_value_label": model.first_value_label, "first_value": model.first_value or None,
            "levels": [{"name": lv.name, "description": lv.description, "conditions": lv.conditions}
                       for lv in model.levels.order_by("number")],
        })
    rules = [{"key": r.key, "from": r.from_stage, "to": r.to_stage, "match": r.match, "conditions": r.conditions}
             for r in StageRule.objects.order_by("position", "key")]
    templates = [{"key": t.key, "name": t.name, "product": t.product.code, "segment": t.segment,
                  "stall_days": t.stall_days, "steps": t.steps}
                 for t in OnboardingTemplate.objects.select_related("product").order_by("key")]
    return {"version": YAML_VERSION, "maturity_models": models,
            "stages": {"renewal_window_days": conf.renewal_window_days, "override_days": conf.override_days,
                       "rules": rules},
            "onboarding_templates": templates}


def _whole(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def validate_config(doc: Any) -> list[str]:
    """Every problem of a configuration document; empty when it can be imported."""
    if not isinstance(doc, dict):
        return ["the document must be a mapping with version, maturity_models, stages, onboarding_templates"]
    errors: list[str] = []
    if doc.get("version") != YAML_VERSION:
        errors.append(f"version: must be {YAML_VERSION}")
    unknown = set(doc) - {"version", "maturity_models", "stages", "onboarding_templates"}
    errors += [f"{k}: unknown section" for k in sorted(unknown)]
    products = set(Product.objects.values_list("code", flat=True))
    features = C.known_features()

    seen_products: set[str] = set()
    for k, model in enumerate(doc.get("maturity_models") or []):
        path = f"maturity_models[{k}]"
        if not isinstance(model, dict):
            errors.append(f"{path}: must be a mapping")
            continue
        errors += [f"{path}.{u}: unknown field" for u in sorted(set(model) - {
            "product", "name", "description", "first_value_label", "first_value", "levels"})]
        product = model.get("product")
        if product not in products:
            errors.append(f"{path}.product: unknown product {product!r}")
        elif product in seen_products:
            errors.append(f"{path}.product: {product!r} has two maturity models")
        seen_products.add(product)
        if not isinstance(model.get("name"), str) or not model["name"].strip():
            errors.append(f"{path}.name: required")
        measures = C.known_measures(product if isinstance(product, str) else None)
        if model.get("first_value"):
            fv = model["first_value"]
            errors += C.validate_condition(fv, f"{path}.first_value", product=product, features=features,
                                           measures=measures, allowed_types=C.LAKE_TYPES)
            if isinstance(fv, dict) and fv.get("window_days") is not None:
                errors.append(f"{path}.first_value.window_days: first value counts since the contract start; "
                              f"leave the window out")
        levels = model.get("levels")
        if not isinstance(levels, list) or not levels:
            errors.append(f"{path}.levels: at least one level is required")
            continue
        if len(levels) > MAX_LEVELS:
            errors.append(f"{path}.levels: at most {MAX_LEVELS} levels")
        for j, level in enumerate(levels):
            lpath = f"{path}.levels[{j}]"
            if not isinstance(level, dict):
                errors.append(f"{lpath}: must be a mapping")
                continue
            errors += [f"{lpath}.{u}: unknown field" for u in sorted(set(level) - {"name", "description",
                                                                                   "conditions"})]
            if not isinstance(level.get("name"), str) or not level["name"].strip():
                errors.append(f"{lpath}.name: required")
            conds = level.get("conditions")
            if not isinstance(conds, list) or not conds:
                errors.append(f"{lpath}.conditions: at least one condition is required")
                continue
            for m, cond in enumerate(conds):
                errors += C.validate_condition(cond, f"{lpath}.conditions[{m}]", product=product,
                                               features=features, measures=measures)

    stages = doc.get("stages")
    if stages is not None:
        if not isinstance(stages, dict):
            errors.append("stages: must be a mapping")
        else:
            errors += [f"stages.{u}: unknown field" for u in sorted(set(stages) - {
                "renewal_window_days", "override_days", "rules"})]
            for name in ("renewal_window_days", "override_days"):
                if name in stages and not _whole(stages[name], 0, 730):
                    errors.append(f"stages.{name}: must be a whole number of days from 0 to 730")
            errors += validate_rules(stages.get("rules") or [], products=products)

    keys: set[str] = set()
    scopes: set[tuple[str, str]] = set()
    for k, template in enumerate(doc.get("onboarding_templates") or []):
        path = f"onboarding_templates[{k}]"
        if not isinstance(template, dict):
            errors.append(f"{path}: must be a mapping")
            continue
        errors += [f"{path}.{u}: unknown field" for u in sorted(set(template) - {
            "key", "name", "product", "segment", "stall_days", "steps"})]
        key = template.get("key")
        if not isinstance(key, str) or not _KEY.match(key):
            errors.append(f"{path}.key: letters, digits, hyphens and underscores (1 to 64)")
        elif key in keys:
            errors.append(f"{path}.key: {key!r} is used twice")
        keys.add(str(key))
        product = template.get("product")
        if product not in products:
            errors.append(f"{path}.product: unknown product {product!r}")
        segment = template.get("segment") or ""
        if segment and segment not in Segment.values:
            errors.append(f"{path}.segment: must be empty or one of {', '.join(Segment.values)}")
        if (product, segment) in scopes:
            errors.append(f"{path}: a second template for product {product!r} and segment {segment or '(all)'!r}")
        scopes.add((product, segment))
        if not isinstance(template.get("name"), str) or not template["name"].strip():
            errors.append(f"{path}.name: required")
        if "stall_days" in template and not _whole(template["stall_days"], 1, 365):
            errors.append(f"{path}.stall_days: must be a whole number of days from 1 to 365")
        steps = template.get("steps")
        if not isinstance(steps, list) or not steps:
            errors.append(f"{path}.steps: at least one step is required")
            continue
        step_keys: set[str] = set()
        measures = C.known_measures(product if isinstance(product, str) else None)
        for j, step in enumerate(steps):
            spath = f"{path}.steps[{j}]"
            if not isinstance(step, dict):
                errors.append(f"{spath}: must be a mapping")
                continue
            errors += [f"{spath}.{u}: unknown field" for u in sorted(set(step) - {
                "key", "title", "description", "owner", "due_days", "completion", "condition"})]
            skey = step.get("key")
            if not isinstance(skey, str) or not _KEY.match(skey):
                errors.append(f"{spath}.key: letters, digits, hyphens and underscores (1 to 64)")
            elif skey in step_keys:
                errors.append(f"{spath}.key: {skey!r} is used twice in this template")
            step_keys.add(str(skey))
            if not isinstance(step.get("title"), str) or not step["title"].strip():
                errors.append(f"{spath}.title: required")
            if step.get("owner") not in OwnerSide.values:
                errors.append(f"{spath}.owner: must be one of {', '.join(OwnerSide.values)}, got {step.get('owner')!r}")
            due = step.get("due_days")
            if isinstance(due, int) and not isinstance(due, bool) and due < 0:
                errors.append(f"{spath}.due_days: a step cannot be due before the contract starts ({due} days)")
            elif not _whole(due, 0, MAX_DUE_DAYS):
                errors.append(f"{spath}.due_days: must be a whole number of days from 0 to {MAX_DUE_DAYS}")
            completion = step.get("completion", Completion.MANUAL)
            if completion not in Completion.values:
                errors.append(f"{spath}.completion: must be manual or auto")
            elif completion == Completion.AUTO:
                if not step.get("condition"):
                    errors.append(f"{spath}.condition: an automatic step needs a condition")
                else:
                    errors += C.validate_condition(step["condition"], f"{spath}.condition", product=product,
                                                   features=features, measures=measures,
                                                   allowed_types=(*C.LAKE_TYPES, "measure"))
            elif step.get("condition"):
                errors.append(f"{spath}.condition: only automatic steps have a condition")
    return errors


def import_config(doc: Any, *, actor: Any, dry_run: bool = False) -> str:
    """Validate, then apply ``doc`` all at once; returns a one-line summary. Raises ConfigInvalid."""
    errors = validate_config(doc)
    if errors:
        raise ConfigInvalid(errors)
    models = doc.get("maturity_models") or []
    templates = doc.get("onboarding_templates") or []
    stages = doc.get("stages")
    summary = (f"journey import: {len(models)} maturity model(s), {len(templates)} onboarding template(s)"
               + (f", {len(stages.get('rules') or [])} stage rule(s)" if stages is not None else ""))
    if dry_run:
        return summary + " (dry run, nothing changed)"
    before = export_config()
    try:
        rebuild = _apply(doc, models, templates, stages, actor=actor, summary=summary, before=before)
    except _Unchanged:
        return summary + " (already up to date, nothing changed)"
    if rebuild:
        summary += (f"; maturity levels changed for {', '.join(rebuild)}: their history is recomputed in the "
                    f"background (or now with `csops journey evaluate --rebuild`)")
    return summary


class _Unchanged(Exception):
    """The import would leave the configuration as it is: roll back the version bumps, write no audit row."""


def _apply(doc: dict[str, Any], models: list[Any], templates: list[Any], stages: Any, *, actor: Any, summary: str,
           before: dict[str, Any]) -> list[str]:
    """Apply the document; the product codes whose maturity history must be recomputed."""
    rebuild = []
    old_levels = {m["product"]: [lv["conditions"] for lv in m["levels"]] for m in before["maturity_models"]}
    with transaction.atomic():
        for entry in models:
            product = Product.objects.get(code=entry["product"])
            model, created = MaturityModel.objects.get_or_create(product=product, defaults={"name": entry["name"]})
            model.name = entry["name"]
            model.description = entry.get("description") or ""
            model.first_value = entry.get("first_value") or {}
            model.first_value_label = entry.get("first_value_label") or ""
            if not created:
                model.version += 1
            model.save()
            model.levels.all().delete()
            MaturityLevel.objects.bulk_create([
                MaturityLevel(model=model, number=k + 1, name=lv["name"], description=lv.get("description") or "",
                              conditions=lv["conditions"]) for k, lv in enumerate(entry["levels"])])
            if old_levels.get(product.code) != [lv["conditions"] for lv in entry["levels"]]:
                # New levels: the recorded history followed the old ones; recompute it (maturity.py).
                request_rebuild(model)
                rebuild.append(product.code)
        if stages is not None:
            conf = settings_row()
            conf.renewal_window_days = stages.get("renewal_window_days", conf.renewal_window_days)
            conf.override_days = stages.get("override_days", conf.override_days)
            conf.save()
            StageRule.objects.all().delete()
            StageRule.objects.bulk_create([
                StageRule(key=r["key"], from_stage=r["from"], to_stage=r["to"], match=r.get("match", "all"),
                          conditions=r["conditions"], position=k) for k, r in enumerate(stages.get("rules") or [])])
        for entry in templates:
            OnboardingTemplate.objects.update_or_create(key=entry["key"], defaults={
                "name": entry["name"], "product": Product.objects.get(code=entry["product"]),
                "segment": entry.get("segment") or "", "stall_days": entry.get("stall_days", 14),
                "steps": entry["steps"]})
        if export_config() == before:
            raise _Unchanged
        record(actor, "journey.config_imported", None, {"summary": summary, "document": doc})
    return rebuild
