"""Transliteration and spelling rules for Ukrainian place names (pure: no I/O).

Two rule sets, both used only where the data give nothing better:

* :func:`kmu_latin` is Ukraine's national romanization, Cabinet of Ministers Resolution
  No. 55 of 27 January 2010 ("KMU 2010"), the system of Ukrainian passports, road signs,
  OCHA's P-code tables and UN/OSCE documents: Горлівка → Horlivka, Стаханов → Stakhanov.
  The gazetteer uses it to *select* the English name among GeoNames' Latin names and to
  fold spelling variants, and to generate an English name only as a last resort.
* :func:`russianize` turns an official Ukrainian settlement name into its probable Russian
  spelling by regular correspondences (-ське → -ское, -івка → -овка, -ове → -ово, ...). It
  is a last resort for settlements for which no source gives a Russian name; its accuracy,
  measured against the GeoNames names that have both, is reported in ``docs/gazetteer.md``.
"""

from __future__ import annotations

import re

APOSTROPHES = "'’ʼ`´‘′\"”ʹ"
"""Characters used for the Ukrainian apostrophe (and the soft sign in romanizations)."""

_KMU = {
    "а": "a", "б": "b", "в": "v", "г": "h", "ґ": "g", "д": "d", "е": "e", "є": "ie",
    "ж": "zh", "з": "z", "и": "y", "і": "i", "ї": "i", "й": "i", "к": "k", "л": "l",
    "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u",
    "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ь": "", "ю": "iu",
    "я": "ia",
}  # fmt: skip
_KMU_INITIAL = {"є": "ye", "ї": "yi", "й": "y", "ю": "yu", "я": "ya"}


def kmu_latin(name: str) -> str:
    """Romanize Ukrainian ``name`` by KMU 2010 (Resolution No. 55, 27 Jan 2010).

    Є, Ї, Й, Ю, Я are written Ye, Yi, Y, Yu, Ya at the start of a word and ie, i, i, iu, ia
    elsewhere; "зг" is "zgh" (Згорани → Zghorany); the soft sign and the apostrophe are
    dropped. Characters that are not Ukrainian letters pass through unchanged.
    """
    out: list[str] = []
    word_start = True
    prev = ""
    for ch in name:
        low = ch.lower()
        if low in APOSTROPHES:
            continue  # the apostrophe is not transliterated (and keeps word_start as is)
        if low in _KMU:
            latin = _KMU_INITIAL[low] if word_start and low in _KMU_INITIAL else _KMU[low]
            if low == "г" and prev == "з":
                latin = "gh"
            if ch != low and latin:
                latin = latin[0].upper() + latin[1:]
            out.append(latin)
            word_start = False
            prev = low
        else:
            out.append(ch)
            word_start = not ch.isalpha()
            prev = ""
    return "".join(out)


# Whole words, mostly adjectives of compound names (Нова Каховка → Новая Каховка).
_RU_WORDS = {
    "нова": "новая", "нове": "новое", "новий": "новый", "нові": "новые",
    "велика": "великая", "велике": "великое", "великий": "великий", "великі": "великие",
    "мала": "малая", "мале": "малое", "малий": "малый", "малі": "малые",
    "стара": "старая", "старе": "старое", "старий": "старый", "старі": "старые",
    "верхня": "верхняя", "верхнє": "верхнее", "верхній": "верхний", "верхні": "верхние",
    "нижня": "нижняя", "нижнє": "нижнее", "нижній": "нижний", "нижні": "нижние",
    "середня": "средняя", "середнє": "среднее", "середній": "средний",
    "перша": "первая", "перше": "первое", "перший": "первый",
    "друга": "вторая", "друге": "второе", "другий": "второй",
    "кам'яне": "каменное", "поле": "поле", "море": "море", "село": "село",
}  # fmt: skip
# Regular correspondences inside a word, applied in order (regex, replacement).
_RU_RULES = tuple(
    (re.compile(pattern), repl)
    for pattern, repl in (
        (r"олександр", "александр"), (r"олексі", "алексе"), (r"микола", "никола"),
        (r"володимир", "владимир"), (r"костянтин", "константин"), (r"кам'ян", "камен"),
        (r"дніпр", "днепр"), (r"^під", "под"), (r"піщ", "песч"), (r"річ", "реч"),
        (r"^біл", "бел"), (r"ліс", "лес"), (r"сільц", "сельц"),
        # the alternation і ~ о/е in closed syllables: -івка, -ів, -івськ-, -івці
        (r"іїв", "еев"), (r"'їв", "'ев"), (r"([аоеу])їв", r"\1ев"),
        (r"([чшщжц])ів(?=к|ськ|ц|$)", r"\1ев"), (r"ів(?=к|ськ|ц|$)", "ов"),
        (r"іль$", "оль"), (r"інь$", "ень"),
        # adjectival and possessive endings
        (r"([сцз])ьк$", r"\1к"), (r"([сцз])ька$", r"\1кая"), (r"([сцз])ьке$", r"\1кое"),
        (r"([сцз])ький$", r"\1кий"), (r"([сцз])ькі$", r"\1кие"),
        (r"([ієє]|[ое])ве$", r"\1во"), (r"[иі]не$", "ино"),
        (r"ій$", "ий"), (r"([^н])ий$", r"\1ый"), (r"ці$", "цы"), (r"иця$", "ица"), (r"ця$", "ца"),
        (r"([бвдзлмпрстф])и$", r"\1ы"), (r"ець$", "ец"), (r"лля$", "лье"),
        (r"([бвдзклмнпрстф])е$", r"\1ое"),
        # the apostrophe: a soft sign except after labials (Лукʼянівка → Лукьяновка)
        (r"(?<=[бпвмф])'", ""), (r"'", "ь"),
    )
)  # fmt: skip
_RU_LETTERS = str.maketrans({"і": "и", "ї": "и", "є": "е", "ґ": "г"})
_VELAR_YI = re.compile(r"([кгхжшчщ])ый$")


def _russianize_word(word: str) -> str:
    low = re.sub(f"[{re.escape(APOSTROPHES)}]", "'", word.lower())
    if low in _RU_WORDS:
        return _RU_WORDS[low]
    for pattern, repl in _RU_RULES:
        low = pattern.sub(repl, low)
    low = low.replace("ьо", "е").translate(_RU_LETTERS)
    return _VELAR_YI.sub(r"\1ий", low)


def russianize(name_uk: str) -> str:
    """The probable Russian spelling of a Ukrainian settlement name (a last resort).

    Applies the regular Ukrainian-Russian toponymic correspondences word by word:
    adjectival endings (-ське → -ское, -ська → -ская, neuter -е → -ое), the possessive
    -ове/-еве/-ине → -ово/-ево/-ино, the alternation і ~ о/е in closed syllables (-івка →
    -овка, -іївка → -еевка, -іль → -оль), -ськ → -ск, -лля → -лье, a few stems (Олександр-,
    Микола-, Під-), the letters і/ї → и, є → е, ґ → г, and the apostrophe as a soft sign
    except after labials (Мар'їнка → Марьинка, Кам'янка → Каменка).
    Irregular correspondences (Харків → Харьков, Слов'янськ → Славянск) are not guessed.
    """
    parts = re.split(r"([\s-]+)", name_uk.strip())
    out = []
    for part in parts:
        if not part or not part[0].isalpha():
            out.append(part)
            continue
        ru = _russianize_word(part)
        out.append(ru[:1].upper() + ru[1:] if part[0].isupper() else ru)
    return "".join(out)


_FROM_LATIN = (
    ("shch", "щ"), ("zgh", "зг"), ("kh", "х"), ("zh", "ж"), ("ts", "ц"), ("ch", "ч"),
    ("sh", "ш"), ("yu", "ю"), ("ya", "я"), ("ye", "є"), ("yi", "ї"), ("iu", "ю"),
    ("ia", "я"), ("ie", "є"), ("a", "а"), ("b", "б"), ("v", "в"), ("h", "г"), ("g", "ґ"),
    ("d", "д"), ("e", "е"), ("z", "з"), ("y", "и"), ("i", "і"), ("k", "к"), ("l", "л"),
    ("m", "м"), ("n", "н"), ("o", "о"), ("p", "п"), ("r", "р"), ("s", "с"), ("t", "т"),
    ("u", "у"), ("f", "ф"), ("'", "ь"), ("’", "ь"),
)  # fmt: skip


def cyrillic_from_latin(name: str) -> str:
    """Ukrainian Cyrillic guessed from a KMU- or BGN-style romanization (last resort).

    Longest match first (shch → щ, kh → х, ya → я, ...); an apostrophe is read as the
    soft sign, as BGN/PCGN writes it; y after a vowel is й (Zelenyy Hay → Зелений Гай).
    Only for the few GeoNames places that have no Cyrillic name at all.
    """
    out: list[str] = []
    low = name.lower()
    i = 0
    while i < len(name):
        prev, nxt = low[i - 1 : i], low[i + 1 : i + 2]
        if low[i] == "y" and prev and prev in "aeiouy" and nxt not in ("a", "e", "i", "u"):
            out.append("Й" if name[i].isupper() else "й")  # Hay → Гай, Zelenyy → Зелений
            i += 1
            continue
        for latin, cyr in _FROM_LATIN:
            if low.startswith(latin, i):
                out.append(cyr.upper() if name[i].isupper() else cyr)
                i += len(latin)
                break
        else:
            out.append(name[i])
            i += 1
    return "".join(out)
