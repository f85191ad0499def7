"""A tiny reader of gettext .po files and a source scanner, for the translation tests.

Only what the tests need: entries with context, singular and plural ids, their
translations, flags, and whether they are obsolete. No dependency beyond the stdlib.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)  # index 0 for a singular entry
    flags: set[str] = field(default_factory=set)
    references: list[str] = field(default_factory=list)
    obsolete: bool = False

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.msgctxt, self.msgid)

    @property
    def fuzzy(self) -> bool:
        return "fuzzy" in self.flags

    @property
    def untranslated(self) -> bool:
        return not self.msgstr or any(not s for s in self.msgstr.values())


def _unquote(token: str) -> str:
    return ast.literal_eval(token)


def parse_po(text: str) -> list[Entry]:
    entries: list[Entry] = []
    entry = Entry()
    last: tuple[str, int] | None = None
    started = False

    def flush() -> None:
        nonlocal entry, last, started
        if started:
            entries.append(entry)
        entry, last, started = Entry(), None, False

    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            flush()
            continue
        if line.startswith("#~"):
            entry.obsolete = True
            line = line[2:].strip()
            if not line or line.startswith("#"):
                continue
        elif line.startswith("#,"):
            entry.flags.update(f.strip() for f in line[2:].split(",") if f.strip())
            continue
        elif line.startswith("#:"):
            entry.references.extend(line[2:].split())
            continue
        elif line.startswith("#"):
            continue
        if line.startswith('"'):
            if last is None:
                raise ValueError(f"continuation line without a keyword: {raw!r}")
            kind, index = last
            value = _unquote(line)
            if kind == "msgstr":
                entry.msgstr[index] += value
            else:
                setattr(entry, kind, (getattr(entry, kind) or "") + value)
            continue
        keyword, _, rest = line.partition(" ")
        started = True
        m = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
        if m:
            last = ("msgstr", int(m.group(1)))
            entry.msgstr[last[1]] = _unquote(rest)
        elif keyword == "msgstr":
            last = ("msgstr", 0)
            entry.msgstr[0] = _unquote(rest)
        elif keyword in ("msgid", "msgid_plural", "msgctxt"):
            if keyword == "msgid" and (entry.msgid or last is not None and last[0] == "msgstr"):
                # A new entry without a blank line between.
                flush()
                started = True
            last = (keyword, 0)
            setattr(entry, keyword, _unquote(rest))
        else:
            raise ValueError(f"unknown .po line: {raw!r}")
    flush()
    return entries


# ---- what the source asks to translate (a pure-Python stand-in for xgettext) ----

_PY_FUNCS = {
    # name: (index of msgid, index of plural or None, index of context or None)
    "_": (0, None, None), "gettext": (0, None, None), "gettext_lazy": (0, None, None),
    "gettext_noop": (0, None, None),
    "ngettext": (0, 1, None), "ngettext_lazy": (0, 1, None),
    "pgettext": (1, None, 0), "pgettext_lazy": (1, None, 0),
    "npgettext": (1, 2, 0), "npgettext_lazy": (1, 2, 0),
}


def python_msgids(source: str) -> set[tuple[str | None, str]]:
    found: set[tuple[str | None, str]] = set()
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
        if name not in _PY_FUNCS:
            continue
        msg_i, _plural_i, ctx_i = _PY_FUNCS[name]
        args = node.args
        if len(args) <= msg_i or not (isinstance(args[msg_i], ast.Constant) and isinstance(args[msg_i].value, str)):
            continue
        ctx = None
        if ctx_i is not None:
            if not (isinstance(args[ctx_i], ast.Constant) and isinstance(args[ctx_i].value, str)):
                continue
            ctx = args[ctx_i].value
        if args[msg_i].value:
            found.add((ctx, args[msg_i].value))
    return found


_TEMPLATE_CALL = re.compile(
    r"""\b(?P<func>n?p?gettext|_)\((?P<args>(?:\s*(?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[\w.]+)\s*,?)+)\)""",
)


def template_msgids(source: str) -> set[tuple[str | None, str]]:
    """Django's own templatize() turns a template into the pseudo-Python that makemessages feeds xgettext."""
    from django.utils.translation.template import templatize

    found: set[tuple[str | None, str]] = set()
    code = templatize(source)
    for m in _TEMPLATE_CALL.finditer(code):
        try:
            call = ast.parse(m.group(0), mode="eval").body
        except SyntaxError:
            continue
        found |= python_msgids(ast.unparse(call))
    return found


def source_msgids(root: Path, *, skip: tuple[str, ...] = ()) -> dict[tuple[str | None, str], str]:
    """Every translatable string under ``root`` (Python and HTML/TXT templates), with one file that uses it."""
    out: dict[tuple[str | None, str], str] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if not path.is_file() or any(part in rel.split("/") for part in skip) or "/migrations/" in f"/{rel}":
            continue
        if path.suffix == ".py":
            ids = python_msgids(path.read_text(encoding="utf-8"))
        elif path.suffix in (".html", ".txt") and "/templates/" in f"/{rel}":
            ids = template_msgids(path.read_text(encoding="utf-8"))
        else:
            continue
        for key in ids:
            out.setdefault(key, rel)
    return out
