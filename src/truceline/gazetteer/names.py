"""Name keys for matching place names across scripts and spellings (pure: no I/O).

Two keys, both computed from a single name:

* :func:`strict_key` forgives only what never distinguishes two places: case, stress
  accents, Latin diacritics (Avdiïvka = Avdiivka), every apostrophe form (Слов'янськ =
  Словʼянськ = Слов’янськ), ё = е, and hyphens, dashes or underscores against spaces.
* :func:`loose_key` also folds the usual transliteration variants of Ukrainian and Russian
  names onto one skeleton, so that English, Ukrainian and Russian spellings written by
  different systems meet: KMU 2010, BGN/PCGN, scholarly (j), German (sch, w) and Polish
  (sz, cz) romanizations, Cyrillic itself (г/h/g, х/kh/h, ц/ts/c, ж/zh/z, ш/sh/s, щ/shch,
  я/ya/ia/ja, ю/yu/iu, є/ye/ie, ї/yi/i, и/y/i, ы, soft and hard signs), doubled letters,
  and endings (-oye/-oe/-ое/-е, -yi/-iy/-ый/-ой, -aya/-ая/-а, -ovo/-ove, -evo/-eve,
  -ino/-ine: Russian and Ukrainian forms of the same name). Stanytsia
  Luhanska, Stanytsya Luhans'ka, Станиця Луганська and Станица Луганская all give
  ``stanica luhanska``. It is deliberately lossy: matches on it rank below exact ones.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from truceline.gazetteer.translit import APOSTROPHES

_APOS_RE = re.compile(f"[{re.escape(APOSTROPHES)}]")
_SEP_RE = re.compile(r"[\s\-‐‑‒–—_/.,;:()\[\]]+")
_LATIN_SPECIAL = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "ı": "i", "ß": "ss", "æ": "ae"})
_STRESS_RE = re.compile("[\u0300\u0301]")  # combining grave and acute: stress marks
_NEEDS_FOLD = re.compile("[\u0080-\u03ff\u0500-\U0010ffff]")

_CYR_FOLD = str.maketrans({
    "а": "a", "б": "b", "в": "v", "г": "h", "ґ": "h", "д": "d", "е": "e", "є": "e",
    "ж": "z", "з": "z", "и": "i", "і": "i", "ї": "i", "й": "i", "к": "k", "л": "l",
    "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u",
    "ф": "f", "х": "h", "ц": "c", "ч": "c", "ш": "s", "щ": "s", "ъ": "", "ы": "i",
    "ь": "", "э": "e", "ю": "u", "я": "a",
})  # fmt: skip
_LATIN_DIGRAPHS = (
    ("shch", "s"), ("szcz", "s"), ("tsch", "c"), ("sch", "s"), ("sh", "s"), ("sz", "s"),
    ("zh", "z"), ("kh", "h"), ("ch", "c"), ("cz", "c"), ("ts", "c"), ("tz", "c"),
    ("g", "h"), ("w", "v"), ("x", "ks"), ("q", "k"),
)  # fmt: skip
_CLUSTERS = (("ia", "a"), ("iu", "u"), ("ie", "e"), ("io", "o"))
_DOUBLE_RE = re.compile(r"(.)\1+")
_FINAL_RE = (
    (re.compile(r"oe\b"), "e"),
    (re.compile(r"oi\b"), "i"),
    (re.compile(r"(ov|ev|in)o\b"), r"\1e"),
)


def _fold_char(ch: str) -> str:
    """Drop diacritics from a Latin letter; keep Cyrillic й, ї, ё-as-е intact."""
    if ch.isascii() or "\u0400" <= ch <= "\u04ff":
        return ch
    if "LATIN" in unicodedata.name(ch, ""):
        base = unicodedata.normalize("NFD", ch.translate(_LATIN_SPECIAL))
        return "".join(c for c in base if not unicodedata.combining(c))
    return ch


@lru_cache(maxsize=1 << 16)
def strict_key(name: str) -> str:
    """Case-, accent-, apostrophe- and separator-insensitive key of ``name``.

    Cyrillic letters keep their identity (й ≠ и, ї ≠ і) except ё = е, which Russian
    writing treats as optional.
    """
    text = name
    if not text.isascii():
        text = unicodedata.normalize("NFC", _STRESS_RE.sub("", text))
    text = _APOS_RE.sub("", text.casefold().replace("ё", "е"))
    if _NEEDS_FOLD.search(text):
        text = "".join(_fold_char(c) for c in text)
    return _SEP_RE.sub(" ", text).strip()


def loose_key(name: str) -> str:
    """The transliteration-insensitive skeleton of ``name`` (see the module docstring)."""
    return loose_from_strict(strict_key(name))


@lru_cache(maxsize=1 << 16)
def loose_from_strict(text: str) -> str:
    """:func:`loose_key` of a name already passed through :func:`strict_key`."""
    if any("\u0400" <= c <= "\u04ff" for c in text):
        # Cyrillic folds letter by letter; of the digraphs only "тс" can meet a Latin one.
        text = text.translate(_CYR_FOLD).replace("ts", "c")
    else:
        for src, dst in _LATIN_DIGRAPHS:
            text = text.replace(src, dst)
    text = text.replace("y", "i").replace("j", "i")
    for src, dst in _CLUSTERS:
        text = text.replace(src, dst)
    text = re.sub(r"[^a-z0-9 ]", "", text)
    text = _DOUBLE_RE.sub(r"\1", text)
    for pattern, dst in _FINAL_RE:
        text = pattern.sub(dst, text)
    return text.strip()


def levenshtein(a: str, b: str) -> int:
    """Edit distance (insertions, deletions, substitutions) between two short strings."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def deletions(key: str) -> set[str]:
    """``key`` and every string made from it by deleting one character: two keys one edit
    apart (substitution, transposition, insertion or deletion) share one of these."""
    return {key} | {key[:i] + key[i + 1 :] for i in range(len(key))}


def similarity(a: str, b: str) -> float:
    """1 - normalised edit distance between the loose keys of two names (0..1)."""
    ka, kb = loose_key(a), loose_key(b)
    if not ka or not kb:
        return 0.0
    return 1.0 - levenshtein(ka, kb) / max(len(ka), len(kb))


# Generic words around a name in free text: "м. Авдіївка", "Marinka town", "н. п. Золотое".
_GENERIC_PREFIXES = (
    "н п", "нп", "населений пункт", "населенный пункт", "місто", "город", "село", "селище",
    "поселок", "смт", "пгт", "сел", "пос", "м", "г", "с", "п", "the city of", "the town of",
    "the village of", "city of", "town of", "village of", "settlement of",
)  # fmt: skip
_GENERIC_SUFFIXES = (
    "urban type settlement",
    "settlement",
    "village",
    "town",
    "city",
    "smt",
    "pgt",
)


def strip_generic(key: str) -> str:
    """Remove one generic settlement word before or after a :func:`strict_key`-ed name."""
    for prefix in _GENERIC_PREFIXES:
        if key.startswith(prefix + " ") and len(key) > len(prefix) + 1:
            key = key[len(prefix) + 1 :]
            break
    for suffix in _GENERIC_SUFFIXES:
        if key.endswith(" " + suffix) and len(key) > len(suffix) + 1:
            key = key[: -len(suffix) - 1]
            break
    return key
