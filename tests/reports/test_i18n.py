"""The catalogues: complete, consistent with the code and with their compiled form, with
the right plural forms; and rendered Ukrainian and Russian reports hold no English sentence
from the catalogue."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from truceline.reports.i18n import Locale, catalogue_path

PACKAGE = Path(catalogue_path("uk")).parents[3]
_PLACEHOLDER = re.compile(r"%\((\w+)\)s|%%")


def _po(lang: str) -> Catalog:
    with open(catalogue_path(lang, "po"), "rb") as fh:  # type: ignore[arg-type]
        return read_po(fh, locale=lang)


def _ids(catalogue: Catalog) -> set[tuple[str | None, str]]:
    out = set()
    for m in catalogue:
        if m.id:
            out.add((m.context, m.id[0] if isinstance(m.id, tuple) else m.id))
    return out


def test_every_message_in_the_code_is_in_the_catalogues() -> None:
    extracted = {
        (ctx, msg[0] if isinstance(msg, tuple) else msg)
        for _f, _l, msg, _c, ctx in extract_from_dir(str(PACKAGE), method_map=[("**.py", "python")])
    }
    assert extracted
    for lang in ("uk", "ru", "en"):
        assert extracted <= _ids(_po(lang)), (lang, sorted(extracted - _ids(_po(lang)), key=str))


@pytest.mark.parametrize("lang", ["uk", "ru"])
def test_every_message_is_translated_with_its_placeholders(lang: str) -> None:
    catalogue = _po(lang)
    assert catalogue.num_plurals == 3
    for m in catalogue:
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        assert all(s.strip() for s in strings), (lang, m.id)
        assert "fuzzy" not in m.flags, (lang, m.id)
        want = set(_PLACEHOLDER.findall(ids[-1]))
        for s in strings:
            assert set(_PLACEHOLDER.findall(s)) == want, (lang, m.id, s)


@pytest.mark.parametrize("lang", ["uk", "ru", "en"])
def test_compiled_catalogues_match_their_sources(lang: str) -> None:
    with open(catalogue_path(lang, "mo"), "rb") as fh:  # type: ignore[arg-type]
        compiled = read_mo(fh)
    source = _po(lang)
    for m in source:
        if not m.id or not any(m.string if isinstance(m.string, tuple) else (m.string,)):
            continue
        got = compiled.get(m.id, context=m.context)
        assert got is not None, (lang, m.id)
        if isinstance(m.string, tuple):
            assert tuple(got.string) == m.string, (lang, m.id)
        else:
            assert got.string == m.string, (lang, m.id)


# Ukrainian and Russian: 1, 21, 111? -> "one" form only where n % 10 == 1 and n % 100 != 11
PLURALS = {
    "uk": {1: "вибух.", 2: "вибухи.", 5: "вибухів.", 21: "вибух.", 22: "вибухи.",
           25: "вибухів.", 111: "вибухів."},
    "ru": {1: "взрыв.", 2: "взрыва.", 5: "взрывов.", 21: "взрыв.", 22: "взрыва.",
           25: "взрывов.", 111: "взрывов."},
    "en": {1: "explosion was", 2: "explosions were", 5: "explosions were", 21: "explosions were",
           22: "explosions were", 25: "explosions were", 111: "explosions were"},
}  # fmt: skip


@pytest.mark.parametrize("lang", ["uk", "ru", "en"])
def test_plural_forms(lang: str) -> None:
    t = Locale(lang).t
    for n, ending in PLURALS[lang].items():
        text = t.ngettext(
            "%(n)s explosion was heard or located that day.",
            "%(n)s explosions were heard or located that day.",
            n,
        ) % {"n": n}
        assert f"{n} {ending}" in text, (lang, n, text)


def test_violations_plural_in_ukrainian_and_russian() -> None:
    forms = {
        "uk": ("порушення", "порушення", "порушень"),
        "ru": ("нарушение", "нарушения", "нарушений"),
    }
    for lang, (one, few, many) in forms.items():
        t = Locale(lang).t
        for n, word in ((1, one), (3, few), (11, many), (21, one), (44, few), (111, many)):
            text = t.ngettext(
                "On %(date)s (UTC) the mechanism recorded %(n)s ceasefire violation.",
                "On %(date)s (UTC) the mechanism recorded %(n)s ceasefire violations.",
                n,
            ) % {"date": "D", "n": n}
            assert f" {n} {word} " in text, (lang, n, text)


def test_numbers_and_dates_follow_the_locale() -> None:
    day = date(2026, 3, 2)

    def plain(text: str) -> str:  # CLDR puts (narrow) no-break spaces before р. / г.
        return text.replace("\u202f", " ").replace("\u00a0", " ")

    assert Locale("en").date(day) == "March 2, 2026"
    assert plain(Locale("uk").date(day)) == "2 березня 2026 р."
    assert plain(Locale("ru").date(day)) == "2 марта 2026 г."
    assert Locale("en").number(1234.5) == "1,234.5"
    assert Locale("uk").number(1234.5).replace("\u00a0", " ") == "1 234,5"
    assert Locale("ru").number(0.25, digits=2) == "0,25"
