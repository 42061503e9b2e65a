"""Tracks as the rules read them: the points under one agreement version (pure).

A track may outlive a version, so the engine cuts it into spans of consecutive points
that the same version (and set of valid features) governs. Between two points the object
is taken to move along the straight line in longitude/latitude (points are seconds apart,
so this differs from the geodesic by millimetres), and the time of a crossing is
interpolated by geodesic distance along that segment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from truceline.formats.records import Track
from truceline.rules.geodesic import GEOD


@dataclass(frozen=True)
class TrackSpan:
    """Points ``start`` .. ``stop - 1`` of ``track``, judged under one version."""

    track: Track
    start: int
    stop: int

    @property
    def lats(self) -> NDArray[np.float64]:
        return np.array([p.lat for p in self.track.points[self.start : self.stop]])

    @property
    def lons(self) -> NDArray[np.float64]:
        return np.array([p.lon for p in self.track.points[self.start : self.stop]])

    @property
    def side_hint(self) -> str | None:
        """A ``side`` the producer added to the track (an extra field), if any."""
        value = (self.track.model_extra or {}).get("side")
        return value if isinstance(value, str) else None


@dataclass(frozen=True)
class SegmentHit:
    """Where segment ``k`` -> ``k + 1`` (indices into the track) first meets a geometry."""

    k: int
    lat: float
    lon: float
    time: datetime
    fraction: float
    alt_m: float | None


def segment_hits(span: TrackSpan, geometry: BaseGeometry) -> list[SegmentHit]:
    """For every segment of the span that meets ``geometry``, its first meeting point."""
    pts = span.track.points
    if span.stop - span.start < 2:
        return []
    coords = np.array([[p.lon, p.lat] for p in pts[span.start : span.stop]])
    segs = shapely.linestrings(np.stack([coords[:-1], coords[1:]], axis=1))
    shapely.prepare(geometry)
    out = []
    for j in np.flatnonzero(shapely.intersects(segs, geometry)):
        k = span.start + int(j)
        hit = shapely.get_coordinates(shapely.intersection(segs[j], geometry))
        if hit.size == 0:
            continue
        a, b = pts[k], pts[k + 1]
        _, _, total = GEOD.inv(a.lon, a.lat, b.lon, b.lat)
        _, _, along = GEOD.inv(
            np.full(len(hit), a.lon), np.full(len(hit), a.lat), hit[:, 0], hit[:, 1]
        )
        along = np.atleast_1d(np.asarray(along))
        first = int(np.argmin(along))
        frac = float(along[first] / total) if total > 0 else 0.0
        out.append(_hit(k, float(hit[first, 1]), float(hit[first, 0]), frac, a, b))
    return out


def _hit(k: int, lat: float, lon: float, frac: float, a: Any, b: Any) -> SegmentHit:
    frac = min(max(frac, 0.0), 1.0)
    dt = (b.time - a.time).total_seconds()
    alt = None
    if a.alt_m is not None and b.alt_m is not None:
        alt = round(a.alt_m + (b.alt_m - a.alt_m) * frac, 1)
    t = a.time + timedelta(seconds=round(dt * frac, 3))
    return SegmentHit(k, lat, lon, t, frac, alt)


def point_hit(span: TrackSpan, k: int) -> SegmentHit:
    p = span.track.points[k]
    return SegmentHit(k, p.lat, p.lon, p.time, 0.0, p.alt_m)
