"""Scorecards as YAML files, so that they can live in git: export, import, the shipped defaults."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from csops.health.definition import DefinitionError
from csops.health.models import Scorecard

DEFAULTS_DIR = Path(__file__).resolve().parent / "defaults"


class _Dumper(yaml.SafeDumper):
    pass


def _str_representer(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    # Multi-line SQL and notes as blocks, so that the file diffs well.
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _dict_representer(dumper: yaml.SafeDumper, value: dict) -> yaml.Node:
    # Names ({en, ja}), params and normalisation on one line each: the file reads like the docs.
    flat = len(value) <= 4 and all(isinstance(v, str | int | float | bool) and not (isinstance(v, str) and "\n" in v)
                                   for v in value.values())
    return dumper.represent_mapping("tag:yaml.org,2002:map", value.items(), flow_style=flat and bool(value))


_Dumper.add_representer(str, _str_representer)
_Dumper.add_representer(dict, _dict_representer)


def to_yaml(document: Mapping[str, Any]) -> str:
    return yaml.dump(dict(document), Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=120)


def parse_yaml(text: str, *, source: str = "yaml") -> dict[str, Any]:
    """The document in ``text``, or DefinitionError naming the line of a syntax error."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}: line {mark.line + 1}, column {mark.column + 1}" if mark is not None else source
        raise DefinitionError([(where, str(getattr(exc, "problem", None) or exc))]) from None
    if not isinstance(data, dict):
        raise DefinitionError([(source, "a scorecard file is a mapping of the scorecard's fields")])
    return data


def export_scorecard(scorecard: Scorecard) -> str:
    from csops.health.services import document_of

    return to_yaml(document_of(scorecard))


def import_scorecard(text: str, *, actor: Any, source: str = "yaml") -> Scorecard:
    """Create or change the scorecard the file describes (matched by key); all or nothing, audited."""
    from csops.health.services import do_save_scorecard

    return do_save_scorecard(parse_yaml(text, source=source), actor=actor)


def default_files() -> list[Path]:
    return sorted(DEFAULTS_DIR.glob("*.yaml"))


def default_document(product_code: str) -> dict[str, Any] | None:
    """The shipped default scorecard of the product (the file in ``defaults/`` naming it), or None."""
    for path in default_files():
        try:
            data = parse_yaml(path.read_text(encoding="utf-8"), source=path.name)
        except DefinitionError:
            continue
        if data.get("product") == product_code:
            return data
    return None
