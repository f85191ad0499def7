"""Japanese ships complete: every string in the source has a reviewed Japanese translation,
and the compiled catalog (which a machine without gettext tools uses as is) matches the .po.

When one of these fails after you added a string: from csops/, run
    CSOPS_DEBUG=1 csops makemessages -l ja --ignore=.venv --ignore=var
translate the new entries in csops/locale/ja/LC_MESSAGES/django.po (no "fuzzy" left), then
    csops compilemessages -l ja
and commit both django.po and django.mo.
"""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import pytest
from django.utils import translation

import csops
from tests.web.pofile import Entry, parse_po

CSOPS_DIR = Path(csops.__file__).resolve().parent
PO = CSOPS_DIR / "locale" / "ja" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdrifxX0-9.]*|%[sdrifxX]")


@pytest.fixture(scope="module")
def entries() -> list[Entry]:
    return [e for e in parse_po(PO.read_text(encoding="utf-8")) if not e.obsolete]


def _label(e: Entry) -> str:
    where = e.references[0] if e.references else "?"
    return f"{where}: {e.msgid!r}"


def test_every_msgid_in_the_japanese_catalog_is_translated(entries):
    untranslated = [_label(e) for e in entries if e.msgid and e.untranslated]
    assert not untranslated, "untranslated in django.po:\n" + "\n".join(untranslated)


def test_no_entry_in_the_japanese_catalog_is_fuzzy(entries):
    fuzzy = [_label(e) if e.msgid else "the header" for e in entries if e.fuzzy]
    assert not fuzzy, "fuzzy in django.po (review, then remove the flag):\n" + "\n".join(fuzzy)


def test_the_catalog_declares_japanese_plural_forms(entries):
    header = next(e for e in entries if not e.msgid).msgstr[0]
    assert "Language: ja\n" in header
    assert "Plural-Forms: nplurals=1; plural=0;" in header
    assert "charset=UTF-8" in header


def test_translations_keep_the_placeholders(entries):
    broken = []
    for e in entries:
        if not e.msgid or e.untranslated:
            continue
        wanted = set(PLACEHOLDER.findall(e.msgid_plural or e.msgid)) | set(PLACEHOLDER.findall(e.msgid))
        for s in e.msgstr.values():
            if set(PLACEHOLDER.findall(s)) != wanted:
                broken.append(f"{_label(e)} -> {s!r}")
    assert not broken, "placeholders differ:\n" + "\n".join(broken)


def test_every_translatable_string_in_the_source_is_in_the_japanese_catalog(entries):
    from tests.web.pofile import source_msgids

    known = {e.key for e in entries if e.msgid}
    found = source_msgids(CSOPS_DIR, skip=("locale", "static"))
    missing = sorted(f"{where}: {key[1]!r}" for key, where in found.items() if key not in known)
    assert not missing, "not in django.po yet (run makemessages and translate):\n" + "\n".join(missing)


def test_the_compiled_catalog_matches_the_po_file(entries):
    with MO.open("rb") as fp:
        catalog = gettext.GNUTranslations(fp)._catalog  # type: ignore[attr-defined]
    expected: dict[object, str] = {}
    for e in entries:
        if not e.msgid or e.fuzzy or e.untranslated:
            continue
        msgid = f"{e.msgctxt}\x04{e.msgid}" if e.msgctxt is not None else e.msgid
        if e.msgid_plural is not None:
            for i, s in e.msgstr.items():
                expected[(msgid, i)] = s
        else:
            expected[msgid] = e.msgstr[0]
    compiled = {k: v for k, v in catalog.items() if k != ""}
    stale = sorted(str(k) for k in expected if compiled.get(k) != expected[k])
    extra = sorted(str(k) for k in compiled if k not in expected)
    assert not stale and not extra, (
        "django.mo is out of date with django.po; run `csops compilemessages -l ja`.\n"
        f"differs: {stale[:10]}\nonly in .mo: {extra[:10]}"
    )


@pytest.mark.parametrize(
    ("english", "japanese"),
    [
        ("Accounts", "アカウント"),
        ("Contracts", "契約"),
        ("Next renewal", "次回更新日"),
        ("Health score", "ヘルススコア"),
        ("Promoter", "推進者"),
        ("Operator", "運用担当者"),
        ("Decision maker", "決裁者"),
        ("Onboarding", "オンボーディング"),
        ("Churned", "解約"),
        ("Log out", "ログアウト"),
    ],
)
def test_key_strings_read_in_japanese(english, japanese):
    with translation.override("ja"):
        assert translation.gettext(english) == japanese
    with translation.override("en"):
        assert translation.gettext(english) == english
