"""Where a subject is: a point with an uncertainty radius, or an area (pure).

Events are points with their 95 % error ellipse; observations give a ``location`` (a point
with ``uncertainty_m``), or an observer, bearing and distance band (an area, see
:mod:`truceline.rules.area`), or only a ``place`` name, which the gazetteer resolves later
(such observations have no :class:`Place` and geometry rules pass over them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely

from truceline.formats.records import Observation
from truceline.rules.area import SectorArea, bearing_area
from truceline.rules.geodesic import point_distances


@dataclass(frozen=True)
class Place:
    """``lat``/``lon``: the point, or the area's centroid. ``radius_m``: how far the subject
    may be from the point (the 95 % ellipse's semi-major axis, or ``uncertainty_m``); 0 for
    an area, whose extent is its uncertainty."""

    lat: float
    lon: float
    radius_m: float = 0.0
    area: SectorArea | None = None

    @property
    def is_area(self) -> bool:
        return self.area is not None

    def distance_m(self, lat: float, lon: float) -> float:
        """Geodesic distance from the point (or the nearest point of the area) to a point."""
        if self.area is None:
            return float(point_distances(self.lat, self.lon, [lat], [lon])[0])
        if shapely.contains_xy(self.area.polygon, lon, lat):
            return 0.0
        return float(self.area.boundary.distance([lat], [lon]).distance_m[0])

    def facts(self) -> dict[str, Any]:
        if self.area is not None:
            return self.area.facts()
        return {
            "kind": "point",
            "lat": round(self.lat, 7),
            "lon": round(self.lon, 7),
            "uncertainty_m": round(self.radius_m, 1),
        }


def observation_place(obs: Observation, half_width_deg: float) -> Place | None:
    """The observation's :class:`Place`, or None when it gives only a place name."""
    if obs.location is not None:
        return Place(obs.location.lat, obs.location.lon, float(obs.location.uncertainty_m or 0))
    if obs.observer is not None and obs.direction_deg is not None and obs.distance_m is not None:
        area = bearing_area(
            obs.observer.lat,
            obs.observer.lon,
            float(obs.direction_deg),
            float(obs.distance_m[0]),
            float(obs.distance_m[1]),
            half_width_deg,
        )
        return Place(area.centroid_lat, area.centroid_lon, 0.0, area)
    return None


def densified_vertices(geometry: Any, step_deg: float = 0.0005) -> np.ndarray:
    """(lat, lon) of a polygon's boundary vertices, densified (about 50 m apart)."""
    coords = shapely.get_coordinates(shapely.segmentize(shapely.boundary(geometry), step_deg))
    return np.column_stack([coords[:, 1], coords[:, 0]])
