"""Message templates: a sandboxed Django template engine, the variables it offers, and validation.

Templates are written by CS Ops and rendered for customers, so the engine is not the site's: it
has no loaders and a small set of tags and filters (``template_library``), and the context holds
plain dicts of strings and numbers, never model instances, so no method of ours can be reached.
HTML bodies autoescape; subjects and text bodies do not (they are not HTML).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.template import Context, Engine, Node, NodeList, TemplateSyntaxError
from django.template.base import FilterExpression, Variable, VariableNode
from django.template.defaulttags import FirstOfNode, ForNode, IfNode, TemplateLiteral, WithNode


class SandboxEngine(Engine):
    default_builtins = ["csops.outreach.template_library"]


HTML_ENGINE = SandboxEngine(loaders=[], autoescape=True, libraries={})
TEXT_ENGINE = SandboxEngine(loaders=[], autoescape=False, libraries={})

# namespace -> (fields, provider). A provider returns the namespace's values for an account and
# contact; health and journey register theirs (``register_variables``) when they land.
VariableProvider = Callable[..., dict[str, Any]]


@dataclass(frozen=True)
class VariableGroup:
    name: str
    fields: tuple[str, ...]  # empty: the name is a single value ({{ next_step }})
    provider: VariableProvider
    help: str = ""


_groups: dict[str, VariableGroup] = {}


def register_variables(name: str, fields: tuple[str, ...], provider: VariableProvider, *, help: str = "") -> None:
    """Offer ``{{ name.field }}`` (or ``{{ name }}`` without fields) to templates.

    ``provider(account=..., contact=..., day=...)`` returns a dict of the fields (or ``{name: value}``).
    """
    _groups[name] = VariableGroup(name=name, fields=fields, provider=provider, help=help)


def variable_groups() -> list[VariableGroup]:
    return sorted(_groups.values(), key=lambda g: g.name)


def known_variables() -> list[str]:
    names: list[str] = []
    for group in variable_groups():
        names.extend(f"{group.name}.{f}" for f in group.fields) if group.fields else names.append(group.name)
    return names


def build_context(*, account: Any, contact: Any, day: dt.date, extra: dict[str, Any] | None = None
                  ) -> dict[str, Any]:
    context: dict[str, Any] = {}
    for group in variable_groups():
        values = group.provider(account=account, contact=contact, day=day)
        context[group.name] = values.get(group.name, "") if not group.fields else {
            f: values.get(f, "") for f in group.fields
        }
    context.update(extra or {})
    return context


def render(source: str, context: dict[str, Any], *, html: bool) -> str:
    engine = HTML_ENGINE if html else TEXT_ENGINE
    return engine.from_string(source).render(Context(context, autoescape=html))


# --- validation ------------------------------------------------------------------------------


def _expressions(node: Node) -> Iterator[FilterExpression]:
    """The filter expressions a node evaluates (variables and the arguments of their filters)."""
    if isinstance(node, VariableNode):
        yield node.filter_expression
    elif isinstance(node, ForNode):
        yield node.sequence
    elif isinstance(node, IfNode):
        for condition, _nodelist in node.conditions_nodelists:
            yield from _condition_expressions(condition)
    elif isinstance(node, WithNode):
        yield from node.extra_context.values()
    elif isinstance(node, FirstOfNode):
        yield from node.vars


def _condition_expressions(condition: Any) -> Iterator[FilterExpression]:
    if condition is None:
        return
    if isinstance(condition, TemplateLiteral):
        yield condition.value
        return
    for part in (getattr(condition, "first", None), getattr(condition, "second", None)):
        if part is not None:
            yield from _condition_expressions(part)


def _variables(expression: FilterExpression) -> Iterator[str]:
    if isinstance(expression.var, Variable) and expression.var.lookups:
        yield ".".join(expression.var.lookups)
    for _func, args in expression.filters:
        for lookup, arg in args:
            if lookup and isinstance(arg, Variable) and arg.lookups:
                yield ".".join(arg.lookups)


def _walk(nodelist: NodeList, local: frozenset[str]) -> Iterator[tuple[str, frozenset[str]]]:
    for node in nodelist:
        for expression in _expressions(node):
            for name in _variables(expression):
                yield name, local
        inner = local
        if isinstance(node, ForNode):
            inner = local | set(node.loopvars) | {"forloop"}
        elif isinstance(node, WithNode):
            inner = local | set(node.extra_context)
        if isinstance(node, IfNode):
            for _condition, branch in node.conditions_nodelists:
                yield from _walk(branch, inner)
            continue
        for attr in node.child_nodelists:
            child = getattr(node, attr, None)
            if child:
                yield from _walk(child, inner)


def template_errors(source: str, *, html: bool, allowed: set[str] | None = None) -> list[str]:
    """Why ``source`` cannot be saved: syntax errors, forbidden tags, unknown variables. Empty when fine.

    ``allowed`` replaces the registered variables (playbook texts offer their own set).
    """
    engine = HTML_ENGINE if html else TEXT_ENGINE
    try:
        template = engine.from_string(source)
    except TemplateSyntaxError as exc:
        return [str(exc)]
    if allowed is None:
        allowed = set()
        for group in variable_groups():
            allowed.add(group.name)
            allowed.update(f"{group.name}.{f}" for f in group.fields)
    errors: list[str] = []
    for name, local in _walk(template.nodelist, frozenset()):
        head = name.split(".")[0]
        if head in local or name in allowed:
            continue
        if name not in errors:
            errors.append(name)
    return [f"unknown variable {{{{ {name} }}}}" for name in errors]
