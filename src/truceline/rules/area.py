"""Where a bearing report places its subject: a geodesic annular sector (pure).

A patrol that reports "an explosion 3-5 km south-east of our position" gives an observer
position, a bearing and a distance band (docs/formats/observations.md). The subject lies in
the set of points whose geodesic distance from the observer is within the band and whose
forward azimuth from the observer is within the bearing plus or minus an angular
uncertainty. The default uncertainty, 22.5 degrees, is half a point of the eight-point
compass ("south-east") in which patrols report directions; a caller may narrow it.

The set is exact in :meth:`SectorArea.contains` (Karney inverse geodesics). For tests
against the agreement's zones, whose edges are straight in longitude/latitude, it is also a
polygon in longitude/latitude that is guaranteed to contain the exact set: the outer arc's
vertices are pushed out so that each chord circumscribes the arc (by 1/cos of half the
vertex spacing, plus a metre), the inner arc's chords lie inside the inner circle (so they
only add area), the radial edges are densified every ``_RADIAL_STEP_M``, and the whole is
padded by a hair (1e-4 degree sideways, a centimetre inwards, a metre behind the apex) so
that points on the exact set's edges stay inside despite floating-point rounding. The centroid is
computed in the exact local east-north-up frame at the observer (:mod:`truceline.geo`) and
the area in square metres on the ellipsoid (``pyproj.Geod``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
from shapely.geometry import Polygon

from truceline.agreement.spatial import aeqd
from truceline.geo import ecef_to_enu, ecef_to_geodetic, enu_to_ecef, geodetic_to_ecef
from truceline.rules.geodesic import GEOD, LineMeasure

DEFAULT_HALF_WIDTH_DEG = 22.5
_ARC_STEP_DEG = 1.0
_RADIAL_STEP_M = 250.0  # chords of the radial geodesics stay within 0.2 mm of them
_OUTER_PAD_M = 1.0
_APEX_M = 1.0
_SIDE_PAD_DEG = 1e-4  # 5 cm at 30 km: keeps points on the exact sector's edges inside
_INNER_PAD_M = 0.01


def _norm180(deg: float) -> float:
    return (deg + 180.0) % 360.0 - 180.0


@dataclass(frozen=True)
class SectorArea:
    """Points between ``min_m`` and ``max_m`` from the observer within ``half_width_deg`` of
    ``bearing_deg``; ``polygon`` (lon/lat) contains them all."""

    observer_lat: float
    observer_lon: float
    bearing_deg: float
    half_width_deg: float
    min_m: float
    max_m: float
    polygon: Polygon = field(repr=False, compare=False)
    centroid_lat: float = 0.0
    centroid_lon: float = 0.0
    area_m2: float = 0.0

    def contains(self, lat: float, lon: float) -> bool:
        """Exact membership of a point (geodesic distance and azimuth from the observer)."""
        az, _, dist = GEOD.inv(self.observer_lon, self.observer_lat, lon, lat)
        off = abs(_norm180(float(az) - self.bearing_deg))
        tol = 1e-3  # a millimetre: the round trip through Geod.fwd/inv is not bit-exact
        if float(dist) <= tol:  # the observer: no azimuth, inside when the band starts there
            return self.min_m <= tol
        inside_band = self.min_m - tol <= float(dist) <= self.max_m + tol
        # the same millimetre across the bearing: an angle that grows near the observer
        # (centimetres away, the round trip's azimuth is off by more than 1e-7 degrees)
        return inside_band and off <= self.half_width_deg + 1e-7 + math.degrees(tol / float(dist))

    @cached_property
    def boundary(self) -> LineMeasure:
        """Exact distances to the polygon's boundary (for areas tested against points)."""
        centre = aeqd(round(self.observer_lat, 1), round(self.observer_lon, 1))
        return LineMeasure(self.polygon.exterior, centre)

    def facts(self) -> dict[str, Any]:
        """The area's extent, for a finding's facts."""
        return {
            "kind": "bearing_sector",
            "observer": {"lat": self.observer_lat, "lon": self.observer_lon},
            "bearing_deg": self.bearing_deg,
            "bearing_uncertainty_deg": self.half_width_deg,
            "distance_m": [self.min_m, self.max_m],
            "centroid": {"lat": round(self.centroid_lat, 6), "lon": round(self.centroid_lon, 6)},
            "area_km2": round(self.area_m2 / 1e6, 3),
        }


def _arc(lat: float, lon: float, az: np.ndarray, dist: float) -> np.ndarray:
    lons, lats, _ = GEOD.fwd(
        np.full(az.size, lon), np.full(az.size, lat), az, np.full(az.size, dist)
    )
    return np.column_stack([lons, lats])


def _radial(lat: float, lon: float, az: float, d0: float, d1: float) -> np.ndarray:
    """Points every ``_RADIAL_STEP_M`` along the geodesic ray ``az`` from ``d0`` to ``d1``."""
    n = max(2, math.ceil(abs(d1 - d0) / _RADIAL_STEP_M) + 1)
    lons, lats, _ = GEOD.fwd(
        np.full(n, lon), np.full(n, lat), np.full(n, az), np.linspace(d0, d1, n)
    )
    return np.column_stack([lons, lats])


def bearing_area(
    observer_lat: float,
    observer_lon: float,
    bearing_deg: float,
    min_m: float,
    max_m: float,
    half_width_deg: float = DEFAULT_HALF_WIDTH_DEG,
) -> SectorArea:
    """The annular sector a bearing report describes (see the module docstring)."""
    if not 0.0 < half_width_deg < 180.0:
        raise ValueError("half_width_deg must be in (0, 180)")
    min_m = 0.0 if min_m < _APEX_M else min_m  # a band starting within a metre: the apex
    max_m = max(max_m, min_m + 1.0)  # a zero-width band still has to be an area
    half = half_width_deg + _SIDE_PAD_DEG
    n = max(3, math.ceil(2 * half / _ARC_STEP_DEG) + 1)
    az = bearing_deg + np.linspace(-half, half, n)
    spacing = 2 * half / (n - 1)
    pad = max_m / math.cos(math.radians(spacing / 2)) - max_m + _OUTER_PAD_M
    outer = _arc(observer_lat, observer_lon, az, max_m + pad)
    right = _radial(observer_lat, observer_lon, float(az[-1]), max_m + pad, min_m)[1:-1]
    if min_m > 0:
        inner = _arc(observer_lat, observer_lon, az[::-1], max(0.0, min_m - _INNER_PAD_M))
    else:  # the apex, a metre behind the observer so the observer is strictly inside
        inner = _arc(observer_lat, observer_lon, np.array([bearing_deg + 180.0]), _OUTER_PAD_M)
    left = _radial(observer_lat, observer_lon, float(az[0]), min_m, max_m + pad)[1:-1]
    ring = np.vstack([outer, right, inner, left, outer[:1]])
    polygon = Polygon(ring).buffer(0)
    c_lat, c_lon = _centroid(observer_lat, observer_lon, ring)
    area, _ = GEOD.polygon_area_perimeter(ring[:, 0], ring[:, 1])
    return SectorArea(
        observer_lat=observer_lat,
        observer_lon=observer_lon,
        bearing_deg=float(bearing_deg) % 360.0,
        half_width_deg=half_width_deg,
        min_m=float(min_m),
        max_m=float(max_m),
        polygon=polygon,
        centroid_lat=c_lat,
        centroid_lon=c_lon,
        area_m2=abs(float(area)),
    )


def _centroid(lat0: float, lon0: float, ring: np.ndarray) -> tuple[float, float]:
    """Centroid of the ring in the exact ENU frame at the observer, back to lat/lon."""
    enu = ecef_to_enu(geodetic_to_ecef(ring[:, 1], ring[:, 0], 0.0), lat0, lon0)
    c = Polygon(enu[:, :2]).centroid
    back = enu_to_ecef(np.array([c.x, c.y, 0.0]), lat0, lon0)
    lat, lon, _ = ecef_to_geodetic(back)
    return float(lat), float(lon)
