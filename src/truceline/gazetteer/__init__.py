"""Truceline's gazetteer of Ukrainian settlements, in English, Ukrainian and Russian.

Built from GeoNames ``cities500`` (CC BY 4.0) and OCHA's P-coded admin units and
settlements (CC BY-IGO); see ``data/ATTRIBUTION.md`` and ``docs/gazetteer.md``. The
module-level functions use the shipped data (:func:`default_gazetteer`, loaded once, on
first use); build a :class:`Gazetteer` from records or rows for anything else.
"""

from __future__ import annotations

from truceline.gazetteer.core import Gazetteer
from truceline.gazetteer.data import default_gazetteer
from truceline.gazetteer.model import (
    LANGS,
    AdminUnit,
    Lang,
    Match,
    Neighbour,
    Relative,
    Settlement,
)

__all__ = [
    "LANGS",
    "AdminUnit",
    "Gazetteer",
    "Lang",
    "Match",
    "Neighbour",
    "Relative",
    "Settlement",
    "default_gazetteer",
    "describe",
    "name_in",
    "nearest",
    "resolve",
]


def nearest(
    lat: float, lon: float, *, min_population: int = 0, k: int = 1, registered_only: bool = True
) -> list[Neighbour]:
    """:meth:`Gazetteer.nearest` on the shipped data."""
    return default_gazetteer().nearest(
        lat, lon, min_population=min_population, k=k, registered_only=registered_only
    )


def describe(lat: float, lon: float, lang: Lang, *, min_population: int = 0) -> Relative:
    """:meth:`Gazetteer.describe` on the shipped data."""
    return default_gazetteer().describe(lat, lon, lang, min_population=min_population)


def resolve(
    name: str, *, near: tuple[float, float] | None = None, oblast: str | None = None
) -> list[Match]:
    """:meth:`Gazetteer.resolve` on the shipped data."""
    return default_gazetteer().resolve(name, near=near, oblast=oblast)


def name_in(settlement: Settlement, lang: Lang) -> str:
    """The settlement's name in ``lang`` ("en", "uk" or "ru")."""
    return settlement.name(lang)
