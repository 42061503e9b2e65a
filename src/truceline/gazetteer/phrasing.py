"""Location phrases in English, Ukrainian and Russian (pure: no I/O).

A point is described by distance and 8-point compass direction from a named settlement,
as OSCE SMM reports did ("3 km south-east of Zolote"). Ukrainian and Russian put the
settlement after a preposition that governs the genitive ("від", "от"); the gazetteer holds
names in the nominative only, and inflecting toponyms by rule is unreliable (Золоте →
Золотого, but Гнутове → Гнутового and Станиця Луганська → Станиці Луганської), so the name
follows the generic noun "населений пункт" / "населённый пункт" (abbreviated "н. п.") as an
apposition, which stays in the nominative in both languages' official and military style:
"від н. п. Золоте", "от н. п. Золотое".

Every phrase is a complete adverbial of place, so it can follow a verb directly in its
language: "recorded 3.2 km south-east of Zolote (Luhansk oblast)", "зафіксовано за 3,2 км на
південний схід від н. п. Золоте (Луганська область)", "зафиксирован в 3,2 км к юго-востоку
от н. п. Золотое (Луганская область)".
"""

from __future__ import annotations

import math

from truceline.gazetteer.model import Lang, check_lang

AT_M = 100.0
"""Below this distance a point is described as *at* the settlement."""

_COMPASS: dict[Lang, tuple[str, ...]] = {
    "en": (
        "north", "north-east", "east", "south-east",
        "south", "south-west", "west", "north-west",
    ),
    "uk": (
        "північ", "північний схід", "схід", "південний схід",
        "південь", "південний захід", "захід", "північний захід",
    ),
    "ru": (
        "север", "северо-восток", "восток", "юго-восток",
        "юг", "юго-запад", "запад", "северо-запад",
    ),
}  # fmt: skip
# Russian "к" + dative; Ukrainian "на" + accusative (= nominative for these nouns).
_RU_DATIVE = (
    "северу", "северо-востоку", "востоку", "юго-востоку",
    "югу", "юго-западу", "западу", "северо-западу",
)  # fmt: skip
_TEMPLATES: dict[Lang, tuple[str, str]] = {
    "en": ("{dist} km {direction} of {name} ({oblast})", "in {name} ({oblast})"),
    "uk": ("за {dist} км на {direction} від н. п. {name} ({oblast})", "у н. п. {name} ({oblast})"),
    "ru": ("в {dist} км к {direction} от н. п. {name} ({oblast})", "в н. п. {name} ({oblast})"),
}


def compass_index(bearing_deg: float) -> int:
    """0..7 for N, NE, E, SE, S, SW, W, NW: each sector is 45 degrees wide, centred."""
    if not math.isfinite(bearing_deg):
        raise ValueError(f"bearing must be finite, got {bearing_deg!r}")
    return int(((bearing_deg % 360.0) + 22.5) // 45.0) % 8


def compass_point(bearing_deg: float, lang: Lang) -> str:
    """The 8-point compass direction of ``bearing_deg`` in ``lang`` (nominative)."""
    return _COMPASS[check_lang(lang)][compass_index(bearing_deg)]


def format_km(distance_m: float, lang: Lang) -> str:
    """Kilometres with one decimal below 10 km, whole above; decimal comma in uk and ru."""
    km = distance_m / 1000.0
    text = f"{km:.1f}" if km < 9.95 else f"{km:.0f}"
    return text if check_lang(lang) == "en" else text.replace(".", ",")


def location_phrase(
    distance_m: float, bearing_deg: float, name: str, oblast: str, lang: Lang
) -> str:
    """The phrase placing a point ``distance_m`` from settlement ``name`` on ``bearing_deg``."""
    away, at = _TEMPLATES[check_lang(lang)]
    if distance_m < AT_M:
        return at.format(name=name, oblast=oblast)
    index = compass_index(bearing_deg)
    direction = _RU_DATIVE[index] if lang == "ru" else _COMPASS[lang][index]
    dist = format_km(distance_m, lang)
    return away.format(dist=dist, direction=direction, name=name, oblast=oblast)
