"""Choosing a settlement's English, Ukrainian and Russian names from GeoNames (pure).

GeoNames' ``cities500`` gives a primary Latin name and untagged alternate names, which the
shared data split by script: Cyrillic with a Ukrainian-only letter (і ї є ґ), Cyrillic with
a Russian-only letter (ы э ъ ё), other Cyrillic, and Latin. Each list mixes current names,
spellings in other languages (Belarusian, Serbian, Tatar), former names (Сталіно, Artemivsk)
and inflected forms (Киеву). The heuristics, used by ``scripts/build_gazetteer.py``:

Ukrainian (:func:`choose_uk`)
    1. The candidate (Ukrainian-marked or unmarked Cyrillic) most similar to GeoNames'
       primary Latin name (:func:`~.names.similarity`), +0.15 if Ukrainian-marked, -0.3 if
       it has a Russian shape (-ая, -ое, -ый, -ск, -ово ...) ...
    2. ... unless OCHA's register has the place (matched by name and location) under a
       *similar* name (≥ 0.6): then OCHA's official spelling (Чорнопілля, not Чернополье;
       Марʼїнка, not Марʼінка). A dissimilar OCHA name is a former one:
       OCHA's register predates the renamings of 2016-2024 that GeoNames follows
       (Новомосковськ → Самар, Молодогвардійськ → Отаманівка), so GeoNames wins.
Russian (:func:`choose_ru`)
    Candidates: Russian-marked and unmarked names that Russian spelling can produce (no
    і ї є ґ or apostrophe, no -ськ/-цьк, кы/гы/хы, э inside a word, Ukrainian endings such
    as consonant + е), at least 0.6 similar to the Ukrainian name (so former names drop
    out), not inflected forms of another (Киеву, Херсонскую). Score:
    exact-spelling similarity to the Ukrainian name written in Russian letters (і, ї → и,
    є → е) plus similarity to its regular Russian form (:func:`~.translit.russianize`);
    -0.35 if it *is* the Ukrainian name in Russian letters (GeoNames files unmarked
    Ukrainian names here too: Ясинувата beside Ясиноватая); -0.3 if it drops a soft sign
    the Ukrainian keeps (Bulgarian Мариупол); +0.2 for a Russian ending (-ая, -ое, -ый,
    -ск, -ово, ...). Tuned on 128 cities and towns whose Russian names are well known:
    119 right (the build script corrects the 9 others by a table). Without a candidate
    the caller falls back to a homonym's Russian name, then to
    :func:`~.translit.russianize`.
English (:func:`choose_en`)
    The GeoNames Latin name equal to the KMU 2010 romanization of the Ukrainian name (the
    official form, used by OCHA, the UN and the OSCE); else OCHA's English name; else the
    KMU romanization when the GeoNames primary name carries apostrophes (Mar'yinka,
    Slov`yanoserbsk); else the GeoNames primary name.

Ukrainian apostrophes are written as U+02BC (ʼ), the character Unicode recommends for it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

from truceline.gazetteer.names import levenshtein, similarity, strict_key
from truceline.gazetteer.translit import APOSTROPHES, kmu_latin, russianize

UK_APOSTROPHE = "\u02bc"
_CYR_LETTERS = set("абвгґдеєжзиіїйклмнопрстуфхцчшщьюяыэъё")
_APOS_RE = re.compile(f"[{re.escape(APOSTROPHES)}]")
_NOT_RUSSIAN = re.compile(
    r"[іїєґ'’ʼ]|[сцз]ьк|(?<!л)ьск|[кгхжшчщ]ы|\bы|\Bэ|ъ\b|ьо|ця\b"  # letters, clusters
    r"|[бвдзкмнпстф]е\b|(?<![пм]о)[лр]е\b|(ов|ев|от|ат|ар|ол|од|ав)ий\b|ив\b"  # endings
    r"|\b(велика|мала|стара|нова|добра|червона|зелена|чорна|широка|глибока|висока)\b",
    re.IGNORECASE,
)
_RUSSIAN_SHAPE = re.compile(r"(ая|ое|ый|ой|ые|[^ь]ск|цк|ово|ево|ино|ца)$")


def canonical_uk(name: str) -> str:
    """``name`` with every apostrophe form written as U+02BC."""
    return _APOS_RE.sub(UK_APOSTROPHE, name)


def clean_cyrillic(names: Iterable[str]) -> list[str]:
    """The Cyrillic names that can be Ukrainian or Russian, stress marks removed.

    Drops names with letters outside the Ukrainian and Russian alphabets (Belarusian ў,
    Serbian ј, Tatar ә, Church Slavonic ꙑ ...), with Latin letters or digits, that do not
    start with a capital, or that end in a short lower-case word ("Донецк ош").
    """
    out: list[str] = []
    for raw in names:
        name = unicodedata.normalize("NFC", unicodedata.normalize("NFD", raw).replace("\u0301", ""))
        name = name.strip()
        letters = [c.lower() for c in name if c.isalpha()]
        if not letters or not name[0].isupper() or any(c not in _CYR_LETTERS for c in letters):
            continue
        if any(not (c.isalpha() or c in " -" or c in APOSTROPHES) for c in name):
            continue
        last = name.split()[-1]
        if len(name.split()) > 1 and last.islower() and len(last) <= 3:
            continue
        if name not in out:
            out.append(name)
    return out


def clean_latin(names: Iterable[str]) -> list[str]:
    """Latin names usable as spellings: capitalised, not codes (DOK), no other scripts."""
    out: list[str] = []
    for name in (n.strip() for n in names):
        letters = [c for c in name if c.isalpha()]
        if not letters or not name[0].isupper() or name.isupper():
            continue
        if any("LATIN" not in unicodedata.name(c, "") for c in letters):
            continue
        if name not in out:
            out.append(name)
    return out


def is_russian_spelling(name: str) -> bool:
    """False for names that Russian spelling cannot produce: Ukrainian letters and clusters
    (Донецьк, Кыив), or Ukrainian word endings (Золоте, Лозовий, Канив, Велика ...)."""
    return _NOT_RUSSIAN.search(name) is None


def _last_word(name: str) -> str:
    return re.split(r"[\s-]+", name.lower())[-1]


def choose_uk(
    main: str, uk_marked: Sequence[str], unmarked: Sequence[str], ocha_uk: str | None
) -> tuple[str, str] | None:
    """(Ukrainian name, source letter) or None when there is no candidate at all."""
    candidates = clean_cyrillic([*uk_marked, *unmarked])
    if not candidates:
        return (canonical_uk(ocha_uk), "o") if ocha_uk else None
    marked = set(uk_marked)

    def score(c: str) -> float:
        shape = _RUSSIAN_SHAPE.search(_last_word(c)) is not None
        return similarity(c, main) + 0.15 * (c in marked) - 0.3 * shape

    best = max(candidates, key=score)
    if not ocha_uk or similarity(best, ocha_uk) < 0.6:
        return canonical_uk(best), "g"
    for c in candidates:
        if strict_key(c) == strict_key(ocha_uk):
            return canonical_uk(c), "g"
    return canonical_uk(ocha_uk), "o"


_UK_TO_RU_LETTERS = str.maketrans({"і": "и", "ї": "и", "є": "е", "ґ": "г"})
_CASE_ENDINGS = ("у", "ом", "ем", "ую", "ою", "ского", "скую", "ском")
_RUSSIAN_ENDING = re.compile(r"(ая|ое|ый|ий|ой|ые|ие|ск|цк|ово|ево|ино|ье)$")
_SOFT_SIGNS = re.compile(r"[сцз]ьк")


def _inflected(name: str, others: Iterable[str]) -> bool:
    """True if ``name`` is another name plus a case ending (Киеву, Херсонскую)."""
    key = strict_key(name)
    return any(
        key.startswith(base) and key[len(base) :] in _CASE_ENDINGS
        for base in (strict_key(o) for o in others)
        if base and base != key
    )


def _strict_similarity(a: str, b: str) -> float:
    ka, kb = strict_key(a), strict_key(b)
    return 1.0 - levenshtein(ka, kb) / max(len(ka), len(kb), 1)


def choose_ru(uk: str, ru_marked: Sequence[str], unmarked: Sequence[str]) -> str | None:
    """The Russian name among GeoNames' candidates, or None if none is convincing."""
    pool = clean_cyrillic([*ru_marked, *unmarked])
    candidates = [c for c in pool if is_russian_spelling(c) and not _inflected(c, [uk, *pool])]
    uk_as_ru = uk.translate(_UK_TO_RU_LETTERS)
    regular = russianize(uk)
    soft = _SOFT_SIGNS.sub("", uk.lower()).count("ь")

    def score(c: str) -> float:
        same = strict_key(c) == strict_key(uk_as_ru)
        lost_soft = c.lower().count("ь") < soft
        ending = _RUSSIAN_ENDING.search(_last_word(c)) is not None
        return (
            _strict_similarity(c, uk_as_ru)
            + _strict_similarity(c, regular)
            - 0.35 * same
            - 0.3 * lost_soft
            + 0.2 * ending
        )

    scored = [(score(c), c) for c in candidates if similarity(c, uk) >= 0.6]
    if not scored:
        return None
    return max(scored, key=lambda sc: sc[0])[1]


def choose_en(
    uk: str | None, main: str, latin: Sequence[str], ocha_en: str | None
) -> tuple[str, str]:
    """(English name, source letter): see the module docstring for the order."""
    if uk:
        official = kmu_latin(uk)
        if any(strict_key(n) == strict_key(official) for n in clean_latin([main, *latin])):
            return official, "g"  # attested in GeoNames; spelled as KMU writes it
    if ocha_en:
        return ocha_en, "o"
    if uk and _APOS_RE.search(main):
        return kmu_latin(uk), "t"
    return main, "g"


def split_alternates(
    current: Sequence[str], alternates: Iterable[str], threshold: float = 0.7
) -> tuple[list[str], list[str]]:
    """(variants, aliases): alternates similar to a current name, and the others.

    Alternates equal to a current name under :func:`~.names.strict_key` are dropped.
    """
    taken = {strict_key(c) for c in current}
    variants: list[str] = []
    aliases: list[str] = []
    for name in alternates:
        key = strict_key(name)
        if not key or key in taken:
            continue
        taken.add(key)
        close = max((similarity(name, c) for c in current if c), default=0.0)
        (variants if close >= threshold else aliases).append(name)
    return variants, aliases
