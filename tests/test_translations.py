"""The English catalogue is the source of truth for English (no generator rewrites it): every
entry is translated and none is left fuzzy, which gettext would silently skip."""

import re
from pathlib import Path

import dangke

CATALOGUE = Path(dangke.__file__).parent / "locale" / "en" / "LC_MESSAGES" / "django.po"


def entries():
    for chunk in CATALOGUE.read_text().split("\n\n"):
        msgid = re.search(r'^msgid ((?:"(?:[^"\\]|\\.)*"\n?)+)', chunk, re.M)
        if msgid and msgid.group(1).strip() != '""':
            yield chunk


def joined(strings: str) -> str:
    return "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', strings))


def test_every_english_entry_is_translated_and_not_fuzzy():
    untranslated, fuzzy = [], []
    for chunk in entries():
        source = joined(re.search(r'^msgid ((?:".*"\n?)+)', chunk, re.M).group(1))
        if re.search(r"^#,.*\bfuzzy\b", chunk, re.M):
            fuzzy.append(source)
        for msgstr in re.finditer(r'^msgstr(?:\[\d\])? ((?:".*"\n?)+)', chunk, re.M):
            if not joined(msgstr.group(1)):
                untranslated.append(source)
    assert not fuzzy, f"fuzzy entries: {fuzzy[:10]}"
    assert not untranslated, f"untranslated entries: {untranslated[:10]}"


def test_catalogue_has_entries():
    assert sum(1 for _ in entries()) > 1000
