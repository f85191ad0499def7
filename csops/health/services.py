"""State changes of the health app (``do_*``: atomic, audited) and the reads other parts share."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils.translation import gettext as _

from csops.audit.services import record
from csops.customers.models import Product
from csops.health.definition import (
    DefinitionError,
    ScorecardDef,
    dump_definition,
    load_definition,
    split_document,
)
from csops.health.models import HealthScore, Scorecard


def document_of(scorecard: Scorecard) -> dict[str, Any]:
    """The whole document of a stored scorecard (what YAML export writes), in canonical order."""
    data = dict(scorecard.definition or {})
    doc = {"key": scorecard.key, "name": scorecard.name, "product": scorecard.product.code,
           "segment": scorecard.segment, "active": scorecard.is_active, **data}
    try:
        return dump_definition(load_definition(doc))
    except DefinitionError:
        return doc  # a stored definition that no longer validates is shown as it is, to be fixed


def definition_of(scorecard: Scorecard) -> ScorecardDef:
    """The validated definition of a stored scorecard (raises DefinitionError if it no longer validates)."""
    return load_definition({"key": scorecard.key, "name": scorecard.name, "product": scorecard.product.code,
                            "segment": scorecard.segment, "active": scorecard.is_active,
                            **(scorecard.definition or {})})


def check_references(defn: ScorecardDef) -> list[tuple[str, str]]:
    """Problems with what the definition names in the database: the product and its features."""
    from csops.usage.models import Feature

    errors: list[tuple[str, str]] = []
    product = Product.objects.filter(code=defn.product).first()
    if product is None:
        errors.append(("product", _("unknown product %(code)r") % {"code": defn.product}))
        return errors
    features = set(Feature.objects.filter(product=product).values_list("key", flat=True))
    for gi, group in enumerate(defn.groups):
        for mi, m in enumerate(group.measures):
            path = f"groups[{gi}].measures[{mi}]"
            feature = m.params.get("feature")
            if feature and feature not in features:
                known = ", ".join(sorted(features)) or _("none registered")
                errors.append((f"{path}.params.feature",
                               _("unknown feature %(feature)r of product %(product)s (known: %(known)s)") % {
                                   "feature": feature, "product": defn.product, "known": known}))
            if m.type == "feature_breadth" and not features:
                errors.append((f"{path}.type", _("product %(product)s has no features in the registry to "
                                                 "measure breadth against") % {"product": defn.product}))
    return errors


def check_queries(defn: ScorecardDef) -> list[tuple[str, str]]:
    """Problems the custom SQL measures would hit at run time, found by a dry run on an empty ``events``."""
    from csops.health.sandbox import SqlRejected, dry_run

    errors: list[tuple[str, str]] = []
    for gi, group in enumerate(defn.groups):
        for mi, m in enumerate(group.measures):
            if m.type != "custom_sql":
                continue
            try:
                dry_run(m.params["sql"])
            except SqlRejected as exc:
                errors.append((f"groups[{gi}].measures[{mi}].params.sql", str(exc)))
    return errors


def validate_document(data: Mapping[str, Any]) -> ScorecardDef:
    """Validate a whole document, the database references and a dry run of custom SQL included;
    raise DefinitionError."""
    defn = load_definition(data)
    errors = check_references(defn) + check_queries(defn)
    if errors:
        raise DefinitionError(errors)
    return defn


@transaction.atomic
def do_save_scorecard(data: Mapping[str, Any], *, actor: Any, scorecard: Scorecard | None = None,
                      create: bool = False) -> Scorecard:
    """Create or change a scorecard from its whole document; all or nothing, audited, versioned.

    Without ``scorecard`` the document's key decides: a new key creates a scorecard, a known one
    changes it (what ``csops scorecard import`` does). With ``create`` (the "New scorecard" page)
    a known key is refused rather than changed. Saving an unchanged document changes nothing and
    writes no audit row, so that imports and the demo seeding are idempotent.
    """
    defn = validate_document(data)
    doc = dump_definition(defn)
    row, definition = split_document(doc)
    if create and scorecard is not None:
        raise ValueError("create=True makes a new scorecard; do not pass one")
    if scorecard is None:
        scorecard = Scorecard.objects.select_for_update().filter(key=defn.key).first()
        if create and scorecard is not None:
            raise DefinitionError([("key", _("another scorecard already has the key %(key)r") % {"key": defn.key})])
    elif Scorecard.objects.filter(key=defn.key).exclude(pk=scorecard.pk).exists():
        raise DefinitionError([("key", _("another scorecard already has the key %(key)r") % {"key": defn.key})])
    product = Product.objects.get(code=defn.product)
    if scorecard is None:
        scorecard = Scorecard.objects.create(
            key=defn.key, name=defn.name, product=product, segment=defn.segment, is_active=defn.active,
            version=1, definition=definition,
        )
        record(actor, "health.scorecard_created", scorecard, {"version": 1, "after": doc})
        return scorecard
    scorecard = Scorecard.objects.select_for_update().select_related("product").get(pk=scorecard.pk)
    before = document_of(scorecard)
    if before == doc:
        return scorecard
    scorecard.key, scorecard.name, scorecard.product = defn.key, defn.name, product
    scorecard.segment, scorecard.is_active, scorecard.definition = defn.segment, defn.active, definition
    scorecard.version += 1
    scorecard.save()
    record(actor, "health.scorecard_changed", scorecard, {
        "version": [scorecard.version - 1, scorecard.version], "before": before, "after": doc,
        "changed": sorted(k for k in set(before) | set(doc) if before.get(k) != doc.get(k)),
    })
    return scorecard


def rescore_latest_day(scorecard: Scorecard) -> Any:
    """Score the scorecard's latest scored day again with its current definition (after a save).

    So that the portfolio and the panels show the saved change at once rather than from the next
    scoring run. Returns the ``scoring.ScoringResult``, or None when there is nothing to re-score
    (never scored, or no longer active).
    """
    from csops.health.scoring import score

    if not scorecard.is_active:
        return None
    day = HealthScore.objects.filter(scorecard=scorecard).aggregate(last=Max("day"))["last"]
    if day is None:
        return None
    return score([day], scorecards=[scorecard])


def latest_scores(*, scorecard: Scorecard | None = None,
                  account_ids: Iterable[int] | None = None) -> QuerySet[HealthScore]:
    """Each account's most recent snapshot (per scorecard), in one query."""
    scores = HealthScore.objects.all()
    if scorecard is not None:
        scores = scores.filter(scorecard=scorecard)
    if account_ids is not None:
        scores = scores.filter(account_id__in=list(account_ids))
    latest = scores.values("account_id", "scorecard_id").annotate(last=Max("day"))
    days = {(r["account_id"], r["scorecard_id"]): r["last"] for r in latest}
    if not days:
        return HealthScore.objects.none()
    wanted = scores.filter(day__in={d for d in days.values()})
    ids = [pk for pk, a, s, d in wanted.values_list("pk", "account_id", "scorecard_id", "day")
           if days.get((a, s)) == d]
    return HealthScore.objects.filter(pk__in=ids).select_related("account", "scorecard")
