"""Verification visits to declared holding areas, as reports carry them (pure).

observations.md has no fields for a holding-area inspection, so the project's convention
(unknown fields are kept, per the specs) is three optional extras on an observation of
category ``weapon_sighting`` or ``other``:

- ``holding_area``: the declared area's ``name``, as in the agreement (case-insensitive);
- ``expected_count``: how many weapons the side declared there;
- ``missing_count``: how many the visit did not find.

``count`` is the number found. ``missing_count`` wins when given, else ``expected_count``
minus ``count``. A report without ``holding_area`` is matched to a declared area by its
location (inside a Polygon, or within a Point's ``radius_m``, default
``RuleOptions.holding_point_radius_m``).
"""

from __future__ import annotations

from dataclasses import dataclass

import shapely
from shapely.geometry.base import BaseGeometry

from truceline.agreement.model import AgreementFeature
from truceline.formats.records import Observation
from truceline.rules.geodesic import point_distances
from truceline.rules.place import Place
from truceline.rules.terms import Terms

HOLDING_CATEGORIES = ("weapon_sighting", "other")
_FIELDS = ("holding_area", "expected_count", "missing_count")


@dataclass(frozen=True, slots=True)
class HoldingReport:
    name: str | None
    expected: int | None
    missing: int | None


def extra_problems(obs: Observation) -> list[tuple[str, str]]:
    """(field, message) for malformed holding-area extras; the CLI reports them by line."""
    extra = obs.model_extra or {}
    out = []
    name = extra.get("holding_area")
    if name is not None and (not isinstance(name, str) or not name.strip()):
        out.append(("holding_area", "expected the holding area's name"))
    for field in ("expected_count", "missing_count"):
        value = extra.get(field)
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or value < 0
        ):
            out.append((field, "expected a non-negative integer"))
    return out


def holding_report(obs: Observation) -> HoldingReport | None:
    """The visit's holding-area extras, or None when it carries none (or bad ones)."""
    extra = obs.model_extra or {}
    if obs.category not in HOLDING_CATEGORIES or not any(extra.get(f) is not None for f in _FIELDS):
        return None
    if extra_problems(obs):
        return None
    return HoldingReport(
        extra.get("holding_area"), extra.get("expected_count"), extra.get("missing_count")
    )


def match_holding_area(
    terms: Terms, name: str | None, place: Place | None, point_radius_m: float
) -> AgreementFeature | None:
    """The declared holding area named, else the one holding the report's location."""
    areas = terms.with_role("holding_area")
    if name:
        wanted = name.strip().casefold()
        for f in areas:
            if f.name and f.name.strip().casefold() == wanted:
                return f
        return None
    if place is None:
        return None
    for f in areas:
        geom = f.geometry
        if geom.geom_type == "Point":
            limit = (f.radius_m or point_radius_m) + place.radius_m
            if point_distances(place.lat, place.lon, [geom.y], [geom.x])[0] <= limit:
                return f
        elif _meets(geom, place):
            return f
    return None


def _meets(geom: BaseGeometry, place: Place) -> bool:
    if place.area is None:
        return bool(shapely.intersects_xy(geom, place.lon, place.lat))
    return bool(geom.intersects(place.area.polygon))
