"""The feature registry: CS Ops name what raw events mean ("invoice sent" = ``document_sent`` with
``document_type: invoice``), so that pages and measures speak of features used.

State changes are ``do_*`` functions: atomic, validated, audited (``feature.create``,
``feature.update``, ``feature.delete``, ``feature.import``). The registry is configuration, so
it also travels as YAML (docs/usage-queries.md)::

    version: 1
    features:
    - product: delivery
      key: send-invoice
      name: Send an invoice
      description: ''
      event_name: document_sent
      property_filter:
        document_type: invoice

``export_yaml`` writes exactly that shape (features by product and key, keys in that order), so
export -> import -> export gives the same bytes. ``import_yaml`` is all or nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from csops.audit.services import record
from csops.customers.importers.base import RowError
from csops.customers.models import Product
from csops.usage.models import Feature
from csops.usage.query import FeatureDef

YAML_VERSION = 1
FIELDS = ("product", "key", "name", "description", "event_name", "property_filter")
_EDITABLE = ("key", "name", "description", "event_name", "property_filter")
_KEY = re.compile(r"^[-a-zA-Z0-9_]+$")
# Property keys become a JSON path in the engines' own syntax (``$['key']`` on Spark): quotes,
# brackets and backslashes cannot be written there safely, so they are refused.
_BAD_PROPERTY_KEY = re.compile(r"['\"\[\]\\\x00-\x1f]")
MAX_FILTER_KEYS = 20


def validate_property_filter(value: Any) -> dict[str, str | int | float | bool]:
    """A flat JSON object: string keys, scalar values (text, number, true/false). Raises ValidationError."""
    if value is None or value == "":
        return {}
    if not isinstance(value, dict):
        raise ValidationError(_("The property filter must be a JSON object such as {\"document_type\": \"invoice\"}."))
    if len(value) > MAX_FILTER_KEYS:
        raise ValidationError(_("A property filter has at most %(max)d properties.") % {"max": MAX_FILTER_KEYS})
    for key, item in value.items():
        if not isinstance(key, str) or not key.strip():
            raise ValidationError(_("Property names must be non-empty text."))
        if _BAD_PROPERTY_KEY.search(key) or len(key) > 100:
            raise ValidationError(_("The property name %(key)r cannot be used: no quotes, brackets or backslashes, "
                                    "at most 100 characters.") % {"key": key})
        if not isinstance(item, str | int | float | bool):
            raise ValidationError(_("The value of %(key)r must be text, a number or true/false (the filter is flat).")
                                  % {"key": key})
        if isinstance(item, float) and item != item:
            raise ValidationError(_("The value of %(key)r is not a number.") % {"key": key})
    return dict(value)


def _clean(product: Product | None, values: dict[str, Any], *, instance: Feature | None = None) -> dict[str, str]:
    """Field -> message for every problem of one feature; empty when it is valid."""
    errors: dict[str, str] = {}
    key = str(values.get("key") or "").strip()
    if not key:
        errors["key"] = _("A key is required.")
    elif not _KEY.match(key) or len(key) > 64:
        errors["key"] = _("Use letters, digits, hyphens and underscores (at most 64).")
    if not str(values.get("name") or "").strip():
        errors["name"] = _("A name is required.")
    elif len(str(values["name"]).strip()) > 200:
        errors["name"] = _("At most 200 characters.")
    event_name = str(values.get("event_name") or "").strip()
    if not event_name:
        errors["event_name"] = _("An event name is required.")
    elif len(event_name) > 200:
        errors["event_name"] = _("At most 200 characters.")
    try:
        validate_property_filter(values.get("property_filter"))
    except ValidationError as exc:
        errors["property_filter"] = exc.messages[0]
    if product is None:
        errors["product"] = _("A product is required.")
    elif key and "key" not in errors:
        clash = Feature.objects.filter(product=product, key=key)
        if instance is not None:
            clash = clash.exclude(pk=instance.pk)
        if clash.exists():
            errors["key"] = _("%(product)s already has a feature with the key %(key)s.") % {
                "product": product.code, "key": key}
    return errors


class FeatureInvalid(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def _normalised(values: dict[str, Any]) -> dict[str, Any]:
    return {
        "key": str(values.get("key") or "").strip(),
        "name": str(values.get("name") or "").strip(),
        "description": str(values.get("description") or ""),
        "event_name": str(values.get("event_name") or "").strip(),
        "property_filter": dict(values.get("property_filter") or {}),
    }


def snapshot(feature: Feature) -> dict[str, Any]:
    """The feature as plain values (the audit log and the YAML file use this shape)."""
    return {
        "product": feature.product.code,
        "key": feature.key,
        "name": feature.name,
        "description": feature.description,
        "event_name": feature.event_name,
        # Sorted: PostgreSQL's jsonb keeps keys in its own order, and the YAML must not depend on it.
        "property_filter": dict(sorted((feature.property_filter or {}).items())),
    }


def do_create_feature(product: Product, *, actor: Any, **values: Any) -> Feature:
    errors = _clean(product, values)
    if errors:
        raise FeatureInvalid(errors)
    with transaction.atomic():
        feature = Feature.objects.create(product=product, **_normalised(values))
        record(actor, "feature.create", feature, snapshot(feature))
    return feature


def do_update_feature(feature: Feature, *, actor: Any, product: Product | None = None, **values: Any) -> Feature:
    """Change a feature; only the values given change. Audits before/after of what changed."""
    target_product = product or feature.product
    merged = {name: getattr(feature, name) for name in _EDITABLE}
    merged.update({k: v for k, v in values.items() if k in _EDITABLE})
    errors = _clean(target_product, merged, instance=feature)
    if errors:
        raise FeatureInvalid(errors)
    before = snapshot(feature)
    with transaction.atomic():
        feature.product = target_product
        for name, value in _normalised(merged).items():
            setattr(feature, name, value)
        feature.save()
        after = snapshot(feature)
        changes = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
        if changes:
            record(actor, "feature.update", feature, changes)
    return feature


def do_delete_feature(feature: Feature, *, actor: Any) -> None:
    with transaction.atomic():
        record(actor, "feature.delete", feature, snapshot(feature))
        feature.delete()


# --------------------------------------------------------------------------------------------
# For the query layer


def definitions(product_codes: Iterable[str] | None = None) -> list[FeatureDef]:
    features = Feature.objects.select_related("product").order_by("product__code", "key")
    if product_codes is not None:
        features = features.filter(product__code__in=list(product_codes))
    return [
        FeatureDef(product=f.product.code, key=f.key, name=f.name, event_name=f.event_name,
                   property_filter=dict(sorted((f.property_filter or {}).items())))
        for f in features
    ]


def definitions_for_account(account_external_id: str) -> list[FeatureDef]:
    """The features of the products the account has a contract for; every feature when it has none."""
    codes = list(
        Product.objects.filter(contracts__account__external_id=account_external_id).values_list("code", flat=True)
        .distinct()
    )
    return definitions(codes) if codes else definitions()


# --------------------------------------------------------------------------------------------
# YAML


class _Dumper(yaml.SafeDumper):
    pass


def _str_representer(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    # Multi-line descriptions as blocks, so that the file diffs well in git.
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str_representer)


def export_yaml(product_codes: Iterable[str] | None = None) -> str:
    features = Feature.objects.select_related("product").order_by("product__code", "key")
    if product_codes is not None:
        features = features.filter(product__code__in=list(product_codes))
    document = {"version": YAML_VERSION, "features": [snapshot(f) for f in features]}
    return yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, default_flow_style=False,
                     width=1000)


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    dry_run: bool = False
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _entry_error(number: int, field_name: str, message: str) -> RowError:
    return {"row": number, "field": field_name, "message": message}


def parse_yaml(text: str) -> tuple[list[dict[str, Any]], list[RowError]]:
    """The feature entries of a registry file, or the errors that make it unusable.

    ``row`` in an error is the feature's position in the list (1-based), 0 for the whole file.
    """
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = _(" (line %(line)d, column %(column)d)") % {"line": mark.line + 1, "column": mark.column + 1} \
            if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        return [], [_entry_error(0, "", _("not valid YAML%(where)s: %(problem)s") % {"where": where,
                                                                                        "problem": problem})]
    if not isinstance(document, dict) or not isinstance(document.get("features"), list):
        return [], [_entry_error(0, "features", _("the file must be a mapping with a \"features\" list"))]
    version = document.get("version", YAML_VERSION)
    if version != YAML_VERSION:
        return [], [_entry_error(0, "version", _("unsupported version %(version)r (this csops reads version "
                                                 "%(expected)d)") % {"version": version, "expected": YAML_VERSION})]
    entries, errors = [], []
    for number, entry in enumerate(document["features"], start=1):
        if not isinstance(entry, dict):
            errors.append(_entry_error(number, "", _("each feature must be a mapping of fields")))
            continue
        unknown = sorted(set(map(str, entry)) - set(FIELDS))
        for name in unknown:
            errors.append(_entry_error(number, name, _("unknown field (expected: %(fields)s)")
                                       % {"fields": ", ".join(FIELDS)}))
        for name in ("product", "key", "name", "event_name", "description"):
            if entry.get(name) is not None and not isinstance(entry[name], str | int | float):
                errors.append(_entry_error(number, name, _("must be text")))
        entries.append(entry)
    return entries, errors


def import_yaml(text: str, *, actor: Any, dry_run: bool = False, prune: bool = False) -> ImportResult:
    """Create or update the features in a registry file, all or nothing.

    Features are matched by (product, key). With ``prune``, features of the file's products that
    the file does not list are deleted (the file is the whole truth for those products).
    """
    result = ImportResult(dry_run=dry_run)
    entries, result.errors = parse_yaml(text)
    if any(e["row"] == 0 for e in result.errors):
        return result
    products = {p.code: p for p in Product.objects.all()}
    existing = {(f.product.code, f.key): f for f in Feature.objects.select_related("product")}
    seen: dict[tuple[str, str], int] = {}
    plans: list[tuple[Product, dict[str, Any], Feature | None]] = []
    for number, entry in enumerate(entries, start=1):
        code = str(entry.get("product") or "").strip()
        product = products.get(code)
        values = {name: entry.get(name) for name in _EDITABLE}
        values["description"] = values["description"] if values["description"] is not None else ""
        values["key"] = str(values["key"]).strip() if values["key"] is not None else ""
        if product is None:
            message = _("no product has the code %(code)r") % {"code": code} if code else _("a product is required")
            result.errors.append(_entry_error(number, "product", message))
        ident = (code, values["key"])
        if ident in seen:
            result.errors.append(_entry_error(number, "key", _("%(product)s:%(key)s is already feature %(first)d "
                                                               "of the file") % {"product": code,
                                                                                 "key": values["key"],
                                                                                 "first": seen[ident]}))
            continue
        seen[ident] = number
        current = existing.get(ident)
        problems = _clean(product, values, instance=current) if product is not None else {}
        problems.pop("product", None)
        for name in _EDITABLE:
            if name in problems:
                result.errors.append(_entry_error(number, name, problems[name]))
        if product is not None and not problems:
            plans.append((product, values, current))
    if result.errors:
        result.errors.sort(key=lambda e: e["row"])  # stable: a feature's errors stay in the order found
        return result
    listed_products = {p.code for p, _, _ in plans}
    doomed = [f for ident, f in existing.items() if prune and ident[0] in listed_products and ident not in seen]
    with transaction.atomic():
        for product, values, current in plans:
            if current is None:
                result.created += 1
                if not dry_run:
                    do_create_feature(product, actor=actor, **values)
            elif {k: snapshot(current)[k] for k in _EDITABLE} == _normalised(values):
                result.unchanged += 1
            else:
                result.updated += 1
                if not dry_run:
                    do_update_feature(current, actor=actor, **values)
        result.deleted = len(doomed)
        if not dry_run:
            for feature in doomed:
                do_delete_feature(feature, actor=actor)
            record(actor, "feature.import", None, {"created": result.created, "updated": result.updated,
                                                   "deleted": result.deleted, "unchanged": result.unchanged})
    return result
