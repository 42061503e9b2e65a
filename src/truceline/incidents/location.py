"""Where a source says something happened, and how far apart two such places are (pure).

A place is either a point with a 95 % horizontal uncertainty radius, or an area (a lon/lat
polygon, e.g. the sector a patrol heard explosions in) with an optional margin. Distances
are exact on the WGS84 ellipsoid: two points by Karney's geodesic inverse (``pyproj.Geod``);
when an area is involved, the nearest pair of points is found in an azimuthal equidistant
projection centred on the point (or on the middle of the two areas) after densifying the
polygon edges, which are straight in lon/lat (RFC 7946 s3.1.1), and the distance between
that pair is then the geodesic one. Nothing here is flat-earth or spherical.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

import numpy as np
import shapely
from numpy.typing import NDArray
from pyproj import Geod
from shapely.geometry import MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points

from truceline.agreement.spatial import aeqd
from truceline.rules.area import DEFAULT_HALF_WIDTH_DEG, bearing_area

GEOD: Final = Geod(ellps="WGS84")
# Radius holding 95 % of a circular bivariate normal with per-axis sigma: sqrt(-2 ln 0.05).
SIGMA_TO_R95: Final = math.sqrt(-2.0 * math.log(0.05))
# Densification step for polygon edges before projecting them (degrees; ~110 m or less).
_DENSIFY_DEG: Final = 0.001


@dataclass(frozen=True, slots=True)
class PointLocation:
    """A point (WGS84 degrees) with the radius holding it with 95 % probability, in metres."""

    lat: float
    lon: float
    radius_m: float

    def __post_init__(self) -> None:
        if not (-90.0 <= self.lat <= 90.0 and -180.0 <= self.lon <= 180.0):
            raise ValueError(f"location: ({self.lat}, {self.lon}) is not a WGS84 position")
        if not (math.isfinite(self.radius_m) and self.radius_m >= 0.0):
            raise ValueError(f"location: radius {self.radius_m} m must be finite and >= 0")

    @classmethod
    def from_sigma(cls, lat: float, lon: float, sigma_m: float) -> PointLocation:
        """From a 1-sigma (per axis) uncertainty: the 95 % radius is 2.448 sigma."""
        return cls(lat, lon, sigma_m * SIGMA_TO_R95)

    @property
    def margin_m(self) -> float:
        return self.radius_m


@dataclass(frozen=True, slots=True)
class AreaLocation:
    """An area (lon/lat Polygon or MultiPolygon) the happening lies in, widened by a margin."""

    area: Polygon | MultiPolygon
    margin_m: float = 0.0

    def __post_init__(self) -> None:
        if not isinstance(self.area, Polygon | MultiPolygon):
            raise ValueError("location: an area must be a Polygon or MultiPolygon")
        if self.area.is_empty or not self.area.is_valid:
            raise ValueError("location: the area is empty or not a valid polygon")
        minx, miny, maxx, maxy = self.area.bounds
        if not (-180.0 <= minx <= maxx <= 180.0 and -90.0 <= miny <= maxy <= 90.0):
            raise ValueError("location: the area is not in WGS84 lon/lat degrees")
        if not (math.isfinite(self.margin_m) and self.margin_m >= 0.0):
            raise ValueError(f"location: margin {self.margin_m} m must be finite and >= 0")


Location = PointLocation | AreaLocation


def _geometry(loc: Location) -> BaseGeometry:
    return Point(loc.lon, loc.lat) if isinstance(loc, PointLocation) else loc.area


def _centre(a: Location, b: Location) -> tuple[float, float]:
    """Projection centre (lat, lon): the point if there is one, else the middle of both."""
    for loc in (a, b):
        if isinstance(loc, PointLocation):
            return loc.lat, loc.lon
    minx, miny, maxx, maxy = shapely.total_bounds([_geometry(a), _geometry(b)]).tolist()
    return (miny + maxy) / 2.0, (minx + maxx) / 2.0


def separation_m(a: Location, b: Location) -> float:
    """Geodesic gap in metres between two places; 0 when they touch or overlap.

    Uncertainty radii and margins are not subtracted: the correlation gate adds them.
    """
    if isinstance(a, PointLocation) and isinstance(b, PointLocation):
        _, _, dist = GEOD.inv(a.lon, a.lat, b.lon, b.lat)
        return float(dist)
    ga, gb = _geometry(a), _geometry(b)
    if ga.intersects(gb):
        return 0.0
    lat0, lon0 = _centre(a, b)
    fwd = aeqd(lat0, lon0)

    def project(coords: NDArray[np.float64]) -> NDArray[np.float64]:
        x, y = fwd.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    pa = shapely.transform(shapely.segmentize(ga, _DENSIFY_DEG), project)
    pb = shapely.transform(shapely.segmentize(gb, _DENSIFY_DEG), project)
    na, nb = nearest_points(pa, pb)
    lon1, lat1 = fwd.transform(na.x, na.y, direction="INVERSE")
    lon2, lat2 = fwd.transform(nb.x, nb.y, direction="INVERSE")
    _, _, dist = GEOD.inv(lon1, lat1, lon2, lat2)
    return float(dist)


def sector(
    lat: float,
    lon: float,
    direction_deg: float,
    distance_m: tuple[float, float],
    half_width_deg: float = DEFAULT_HALF_WIDTH_DEG,
) -> Polygon:
    """The annular sector seen from an observer: bearing ± half width, distance band.

    The rules engine's polygon (:func:`truceline.rules.area.bearing_area`), which holds every
    point of the exact geodesic sector, so correlation and the rules place a report alike.
    """
    near, far = distance_m
    if not (0.0 <= near <= far) or far <= 0.0:
        raise ValueError(f"distance_m: [{near}, {far}] is not a band beyond the observer")
    return bearing_area(lat, lon, direction_deg, near, far, half_width_deg).polygon
