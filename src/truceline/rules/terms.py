"""One agreement version's terms at one time, ready for spatial tests (pure).

Holds the features valid then (``valid_from``/``valid_to``), the sides' ground, and exact
distance measures for the contact line, each side's reference line and zone boundaries
(:mod:`truceline.rules.geodesic`). Cheap tests decide first: containment in longitude/
latitude (RFC 7946 straight edges, as :mod:`truceline.agreement.spatial`), then a
conservative bound in degrees, and only what can still be near is measured exactly.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

import numpy as np
import shapely
from numpy.typing import ArrayLike
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from truceline.agreement.model import Agreement, AgreementFeature
from truceline.agreement.spatial import AgreementIndex, aeqd
from truceline.rules.geodesic import Distances, LineMeasure, point_distances
from truceline.rules.place import Place, densified_vertices

_MIN_M_PER_DEG = 110_000.0  # metres per degree of latitude, a little under the true 110.57 km


def degree_bound(metres: float, lat: float) -> float:
    """A distance in degrees (lon/lat Euclidean) that ``metres`` on the ground cannot exceed
    near ``lat`` (a degree of longitude is shortest at the pole-ward edge, 1 degree on)."""
    cos = math.cos(math.radians(min(89.0, abs(lat) + 1.0)))
    return metres / (_MIN_M_PER_DEG * cos) + 1e-9


class Terms:
    """Spatial tests against one agreement version, with the features valid at ``when``."""

    def __init__(self, agreement: Agreement, when: datetime | None) -> None:
        self.agreement = agreement
        self.index = AgreementIndex(agreement, when)
        self.features = [f for f in agreement.features if f.valid_at(when)]
        bounds = shapely.total_bounds([f.geometry for f in agreement.features])
        lat0, lon0 = (bounds[1] + bounds[3]) / 2, (bounds[0] + bounds[2]) / 2
        if not (math.isfinite(lat0) and math.isfinite(lon0)):
            lat0, lon0 = 0.0, 0.0  # no geometry at all: nothing will be measured
        self.working = aeqd(float(lat0), float(lon0))
        self.ground = {
            side: shapely.union_all(
                [f.geometry for f in self.with_role("control_area") if f.side == side]
            )
            for side in agreement.side_codes
        }
        for geom in self.ground.values():
            shapely.prepare(geom)
        contact = self.with_role("contact_line")
        self.contact_feature = contact[0] if contact else None
        self.contact = self._measure([f.geometry for f in contact])
        self.contact_geometry = (
            shapely.union_all([f.geometry for f in contact]) if contact else None
        )
        self._reference: dict[str, tuple[LineMeasure | None, AgreementFeature | None]] = {}
        for side in agreement.side_codes:
            refs = [f for f in self.with_role("reference_line") if f.side == side]
            if refs:
                self._reference[side] = (self._measure([f.geometry for f in refs]), refs[0])
            else:
                self._reference[side] = (self.contact, None)
        self._boundaries: dict[int, LineMeasure] = {}

    def with_role(self, role: str) -> list[AgreementFeature]:
        return [f for f in self.features if f.role == role]

    def _measure(self, geoms: list[BaseGeometry]) -> LineMeasure | None:
        if not geoms:
            return None
        merged = shapely.union_all(geoms) if len(geoms) > 1 else geoms[0]
        return LineMeasure(merged, self.working)

    # ------------------------------------------------------------------ sides

    def sides(self, lats: ArrayLike, lons: ArrayLike) -> list[str | None]:
        """The side whose ground holds each point (vectorised containment)."""
        la = [float(v) for v in np.atleast_1d(np.asarray(lats, dtype=np.float64))]
        lo = [float(v) for v in np.atleast_1d(np.asarray(lons, dtype=np.float64))]
        return self.index.side_at_many(np.array(la), np.array(lo))

    def sides_touching(self, place: Place) -> list[str]:
        """Sides whose ground holds the point, or meets the area."""
        if place.area is None:
            side = self.sides([place.lat], [place.lon])[0]
            return [side] if side is not None else []
        poly = place.area.polygon
        return [s for s, g in self.ground.items() if not g.is_empty and g.intersects(poly)]

    def side_of(self, place: Place) -> str | None:
        """The one side whose ground holds the point or the whole area, else None."""
        if place.area is None:
            return self.sides([place.lat], [place.lon])[0]
        touching = self.sides_touching(place)
        if len(touching) == 1 and self.ground[touching[0]].covers(place.area.polygon):
            return touching[0]
        return None

    # ------------------------------------------------------------------ lines

    def contact_distances(self, lats: ArrayLike, lons: ArrayLike) -> Distances | None:
        return None if self.contact is None else self.contact.distance(lats, lons)

    def reference(self, side: str) -> tuple[LineMeasure | None, AgreementFeature | None]:
        """The measure of ``side``'s reference line (the contact line by default), and the
        reference_line feature when there is one."""
        return self._reference.get(side, (None, None))

    # ------------------------------------------------------------------ zones

    def boundary(self, feature: AgreementFeature) -> LineMeasure:
        found = self._boundaries.get(feature.index)
        if found is None:
            found = LineMeasure(feature.geometry.boundary, self.working)
            self._boundaries[feature.index] = found
        return found

    def containing(self, role: str, place: Place) -> list[AgreementFeature]:
        """Polygon zones of ``role`` that hold the point, or that the area meets."""
        out = []
        for f in self.with_role(role):
            if place.area is None:
                if shapely.intersects_xy(f.geometry, place.lon, place.lat):
                    out.append(f)
            elif f.geometry.intersects(place.area.polygon):
                out.append(f)
        return out

    def near(self, role: str, place: Place, extra_m: float) -> list[tuple[AgreementFeature, float]]:
        """Zones of ``role`` within their ``radius_m`` (Points) plus ``extra_m`` of the place;
        each with the geodesic distance from the place to the zone (0 inside)."""
        out = []
        for f in self.with_role(role):
            limit = (f.radius_m or 0.0) + extra_m
            d = self._distance(f, place, limit)
            if d is not None and d <= limit:
                out.append((f, d))
        return out

    def _distance(self, f: AgreementFeature, place: Place, limit: float) -> float | None:
        """Distance from place to zone, or None when it is surely beyond ``limit``."""
        geom = f.geometry
        if place.area is None:
            if geom.geom_type == "Point":
                return float(point_distances(place.lat, place.lon, [geom.y], [geom.x])[0])
            if shapely.intersects_xy(geom, place.lon, place.lat):
                return 0.0
            if geom.distance(Point(place.lon, place.lat)) > degree_bound(limit, place.lat):
                return None
            return float(self.boundary(f).distance([place.lat], [place.lon]).distance_m[0])
        poly = place.area.polygon
        if geom.intersects(poly):
            return 0.0
        if geom.distance(poly) > degree_bound(limit, place.lat):
            return None
        if geom.geom_type == "Point":
            return place.distance_m(geom.y, geom.x)
        verts = densified_vertices(poly)
        return float(self.boundary(f).distance(verts[:, 0], verts[:, 1]).distance_m.min())

    # ------------------------------------------------------------------ citations

    def instrument(self, feature: AgreementFeature | None = None) -> str | None:
        """The clause to cite: the feature's ``instrument``, else the contact line's, else
        the agreement's title."""
        if feature is not None and feature.instrument:
            return feature.instrument
        if self.contact_feature is not None and self.contact_feature.instrument:
            return self.contact_feature.instrument
        return self.agreement.title

    def withdrawal_instrument(self, weapon_class: str, reference: AgreementFeature | None) -> str:
        """A withdrawal entry may carry its own ``instrument``; else the reference line's."""
        terms: Any = self.agreement.document.get("agreement", {})
        for entry in terms.get("withdrawal") or []:
            if entry.get("weapon_class") == weapon_class and entry.get("instrument"):
                return str(entry["instrument"])
        return self.instrument(reference) or self.agreement.title


class TermsCache:
    """One :class:`Terms` per agreement version and set of features valid at a time."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, int, tuple[int, ...]], Terms] = {}
        self._timed: dict[tuple[str, int], list[AgreementFeature]] = {}

    def get(self, agreement: Agreement, when: datetime) -> Terms:
        vkey = (agreement.id, agreement.version)
        timed = self._timed.get(vkey)
        if timed is None:
            timed = [f for f in agreement.features if f.valid_from or f.valid_to]
            self._timed[vkey] = timed
        key = (*vkey, tuple(f.index for f in timed if f.valid_at(when)))
        found = self._cache.get(key)
        if found is None:
            found = Terms(agreement, when)
            self._cache[key] = found
        return found
