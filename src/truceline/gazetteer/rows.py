"""The shipped table format: CSV rows to and from records (pure: no I/O).

``settlements.csv.gz`` has one row per settlement with :data:`SETTLEMENT_COLUMNS`;
``variants`` and ``aliases`` are ``|``-separated: variants are other spellings of the
current names (Gorlovka, Sloviansk, Avdeyevka), aliases are former or unrelated alternate
names (Stalino, Artemivsk). ``admin_units.csv.gz`` has :data:`ADMIN_COLUMNS`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast

from truceline.gazetteer.model import AdminUnit, Level, Precision, Settlement

SETTLEMENT_COLUMNS = (
    "id", "geonameid", "pcode", "lat", "lon", "precision", "population", "oblast", "raion",
    "hromada", "name_en", "name_uk", "name_ru", "sources", "variants", "aliases",
)  # fmt: skip
ADMIN_COLUMNS = ("pcode", "level", "parent", "name_en", "name_uk", "name_ru", "aliases")
_PRECISIONS = ("point", "hromada", "raion")
_LEVELS = ("oblast", "raion")


def _opt(value: str | None) -> str | None:
    return value or None


def _split(value: str | None) -> tuple[str, ...]:
    return tuple(v for v in (value or "").split("|") if v)


def settlement_from_row(row: Mapping[str, str]) -> Settlement:
    """A :class:`Settlement` from a table row.

    Raises ValueError (naming the column) on a malformed row.
    """
    precision = row.get("precision") or "point"
    if precision not in _PRECISIONS:
        raise ValueError(f"precision: {precision!r} is not one of {_PRECISIONS}")
    try:
        lat, lon = float(row["lat"]), float(row["lon"])
    except (KeyError, ValueError) as exc:
        raise ValueError(f"lat/lon: {exc}") from exc
    population = row.get("population") or ""
    geonameid = row.get("geonameid") or ""
    return Settlement(
        id=row["id"],
        name_en=row["name_en"],
        name_uk=row["name_uk"],
        name_ru=row["name_ru"],
        lat=lat,
        lon=lon,
        precision=cast(Precision, precision),
        population=int(population) if population else None,
        oblast=row["oblast"],
        raion=_opt(row.get("raion")),
        hromada=_opt(row.get("hromada")),
        geonameid=int(geonameid) if geonameid else None,
        pcode=_opt(row.get("pcode")),
        sources=row.get("sources") or "ggg",
        variants=_split(row.get("variants")),
        aliases=_split(row.get("aliases")),
    )


def settlement_to_row(s: Settlement) -> dict[str, str]:
    """The table row of a :class:`Settlement` (inverse of :func:`settlement_from_row`)."""
    return {
        "id": s.id,
        "geonameid": "" if s.geonameid is None else str(s.geonameid),
        "pcode": s.pcode or "",
        "lat": repr(s.lat),
        "lon": repr(s.lon),
        "precision": s.precision,
        "population": "" if s.population is None else str(s.population),
        "oblast": s.oblast,
        "raion": s.raion or "",
        "hromada": s.hromada or "",
        "name_en": s.name_en,
        "name_uk": s.name_uk,
        "name_ru": s.name_ru,
        "sources": s.sources,
        "variants": "|".join(s.variants),
        "aliases": "|".join(s.aliases),
    }


def admin_from_row(row: Mapping[str, str]) -> AdminUnit:
    """An :class:`AdminUnit` from a table row; ValueError on an unknown level."""
    level = row["level"]
    if level not in _LEVELS:
        raise ValueError(f"level: {level!r} is not one of {_LEVELS}")
    return AdminUnit(
        pcode=row["pcode"],
        level=cast(Level, level),
        parent=_opt(row.get("parent")),
        name_en=row["name_en"],
        name_uk=row["name_uk"],
        name_ru=row["name_ru"],
        aliases=_split(row.get("aliases")),
    )


def admin_to_row(unit: AdminUnit) -> dict[str, str]:
    """The table row of an :class:`AdminUnit`."""
    return {
        "pcode": unit.pcode,
        "level": unit.level,
        "parent": unit.parent or "",
        "name_en": unit.name_en,
        "name_uk": unit.name_uk,
        "name_ru": unit.name_ru,
        "aliases": "|".join(unit.aliases),
    }
