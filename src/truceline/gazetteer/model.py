"""Records of the gazetteer: settlements, admin units and query results (pure: no I/O)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, get_args

Lang = Literal["en", "uk", "ru"]
LANGS: tuple[Lang, ...] = get_args(Lang)

Precision = Literal["point", "hromada", "raion"]
"""Where a settlement's coordinates come from: ``point`` = GeoNames (the place itself);
``hromada`` or ``raion`` = the centroid of the OCHA admin unit it belongs to (5-30 km off)."""

Level = Literal["oblast", "raion"]


def check_lang(lang: str) -> Lang:
    """``lang`` if it is one of the gazetteer's languages, else ValueError."""
    if lang not in LANGS:
        raise ValueError(f"unsupported language {lang!r}: expected one of {', '.join(LANGS)}")
    return lang


@dataclass(frozen=True, slots=True)
class AdminUnit:
    """An OCHA admin unit (oblast or raion) with display names in the three languages.

    Names are for display: "Donetsk oblast", "Донецька область", "Донецкая область";
    "Alchevskyi raion", "Алчевський район", "Алчевский район". ``aliases`` are other
    forms that name it in text: the adjective alone (Donetska, Донецька, Донецкая), the
    centre's name in each language, former English spellings (Lugansk, Kharkov).
    """

    pcode: str
    level: Level
    parent: str | None
    name_en: str
    name_uk: str
    name_ru: str
    aliases: tuple[str, ...] = field(default=(), compare=False, repr=False)

    def name(self, lang: Lang) -> str:
        """The unit's display name in ``lang``."""
        return {"en": self.name_en, "uk": self.name_uk, "ru": self.name_ru}[check_lang(lang)]


@dataclass(frozen=True, slots=True)
class Settlement:
    """One populated place.

    ``id`` is ``geonames:<geonameid>`` for GeoNames places (exact coordinates) and
    ``ocha:<pcode>`` for OCHA settlements that GeoNames' ``cities500`` lacks (coordinates of
    their hromada's centroid, see :data:`Precision`). ``sources`` has one letter per name
    (en, uk, ru): ``g`` GeoNames, ``o`` OCHA, ``h`` a GeoNames homonym's name, ``c`` the
    build script's table of corrections, ``t`` transliteration rules (see
    ``docs/gazetteer.md``). ``variants`` are other spellings of the current names
    (Gorlovka, Sloviansk, Avdeyevka); ``aliases`` former or other names (Stalino,
    Artemivsk), which ``resolve`` ranks below current names.
    """

    id: str
    name_en: str
    name_uk: str
    name_ru: str
    lat: float
    lon: float
    precision: Precision
    population: int | None
    oblast: str
    raion: str | None = None
    hromada: str | None = None
    geonameid: int | None = None
    pcode: str | None = None
    sources: str = "ggg"
    variants: tuple[str, ...] = field(default=(), compare=False, repr=False)
    aliases: tuple[str, ...] = field(default=(), compare=False, repr=False)

    def name(self, lang: Lang) -> str:
        """The settlement's name in ``lang``."""
        return {"en": self.name_en, "uk": self.name_uk, "ru": self.name_ru}[check_lang(lang)]

    @property
    def exact(self) -> bool:
        """True when the coordinates are the place's own (GeoNames), not a unit centroid."""
        return self.precision == "point"


@dataclass(frozen=True, slots=True)
class Neighbour:
    """A settlement near a point: geodesic distance and the bearing *from* the settlement
    to the point (degrees clockwise from true north, in [0, 360))."""

    settlement: Settlement
    distance_m: float
    bearing_deg: float


@dataclass(frozen=True, slots=True)
class Relative:
    """A point described relative to its nearest settlement, in one language.

    ``compass`` is the 8-point direction from the settlement to the point in ``lang``
    ("south-east", "південний схід", "юго-восток"); ``text`` the full phrase ready to
    follow a verb: "3.2 km south-east of Zolote (Luhansk oblast)".
    """

    settlement: Settlement
    distance_m: float
    bearing_deg: float
    compass: str
    text: str
    lang: Lang


@dataclass(frozen=True, slots=True)
class Match:
    """A settlement whose name matches a query, as ranked by ``Gazetteer.resolve``.

    ``matched`` is the stored name that matched; ``exact`` says whether it matched
    :func:`~truceline.gazetteer.names.strict_key` (else only the transliteration-folding
    ``loose_key``); ``alias`` whether that name is a former or other alternate name rather
    than a current name or a spelling of one. ``score`` orders matches of the same hint
    class (1.0 exact current name, 0.8 folded current name, 0.5 exact alias, 0.4 folded
    alias). ``distance_m`` is the geodesic distance from the ``near`` hint, if one was given.
    """

    settlement: Settlement
    score: float
    matched: str
    exact: bool
    alias: bool
    in_oblast: bool | None = None
    distance_m: float | None = None
