"""A compact agreement and record factories for the rules tests.

Sides A (west) and B (east) meet along the meridian 37.5 E between 47.5 and 48.5 N, so
the side of a point and its distance from the line are easy to reason about (a degree of
longitude is about 74.6 km here); the tests still compare against independent geodesic
computations, not against these round numbers.
"""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

from shapely.geometry import Point

from truceline.agreement import Agreement, parse_agreement
from truceline.formats.records import Observation, Track
from truceline.rules.geodesic import GEOD
from truceline.timefmt import parse_time

LINE_LON = 37.5
T0 = "2026-03-01T00:00:00Z"


def _box(lon0: float, lat0: float, lon1: float, lat1: float) -> dict[str, Any]:
    ring = [[lon0, lat0], [lon1, lat0], [lon1, lat1], [lon0, lat1], [lon0, lat0]]
    return {"type": "Polygon", "coordinates": [ring]}


def _circle(lat: float, lon: float, radius_m: float, n: int = 48) -> dict[str, Any]:
    ring = []
    for i in range(n):
        x, y, _ = GEOD.fwd(lon, lat, 360.0 * i / n, radius_m)
        ring.append([x, y])
    ring.append(ring[0])
    return {"type": "Polygon", "coordinates": [ring]}


def feature(role: str, geometry: dict[str, Any], **props: Any) -> dict[str, Any]:
    return {"type": "Feature", "properties": {"role": role, **props}, "geometry": geometry}


BASE: dict[str, Any] = {
    "type": "FeatureCollection",
    "agreement": {
        "id": "test-2026",
        "title": "Test ceasefire",
        "version": 1,
        "effective_from": T0,
        "sides": [{"code": "A", "name": "Side A"}, {"code": "B", "name": "Side B"}],
        "withdrawal": [
            {"weapon_class": "tank", "distance_km": 15},
            {"weapon_class": "artillery_100mm_plus", "distance_km": 25, "instrument": "Art. 2"},
        ],
        "prohibited": ["fire", "uav_overflight"],
    },
    "features": [
        feature(
            "contact_line",
            {"type": "LineString", "coordinates": [[LINE_LON, 47.5], [LINE_LON, 48.5]]},
            instrument="Art. 1",
        ),
        feature("control_area", _box(36.5, 47.5, LINE_LON, 48.5), side="A"),
        feature("control_area", _box(LINE_LON, 47.5, 38.5, 48.5), side="B"),
        feature(
            "disengagement_area",
            _box(37.48, 47.98, 37.52, 48.02),
            name="Test disengagement area",
            instrument="DA clause",
        ),
        feature(
            "protected_site",
            {"type": "Point", "coordinates": [37.55, 48.2]},
            name="Water station",
            radius_m=500,
            instrument="Art. 7",
        ),
        feature("holding_area", _box(38.19, 47.69, 38.21, 47.71), side="B", name="East depot"),
        feature(
            "holding_area", {"type": "Point", "coordinates": [36.8, 47.7]}, side="A", name="West"
        ),
        feature("no_fly_zone", _circle(48.35, 37.56, 2000.0), name="Test NFZ", instrument="Art. 9"),
    ],
}


def agreement_doc(**terms: Any) -> dict[str, Any]:
    doc = copy.deepcopy(BASE)
    doc["agreement"].update(terms)
    return doc


def agreement(**terms: Any) -> Agreement:
    return parse_agreement(agreement_doc(**terms))


def east_of_line(lat: float, metres: float) -> tuple[float, float]:
    """The point ``metres`` due east (B's side) of the line at ``lat`` (negative: west)."""
    az = 90.0 if metres >= 0 else 270.0
    lon, lat2, _ = GEOD.fwd(LINE_LON, lat, az, abs(metres))
    return float(lat2), float(lon)


def at(text: str) -> datetime:
    return parse_time(text)


def event(
    eid: str,
    lat: float,
    lon: float,
    phase: str = "impact",
    *,
    time: str = "2026-03-02T04:00:00Z",
    side: str | None = None,
    paired_with: str | None = None,
    semi_major_m: float = 40.0,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {
            "id": eid,
            "time": time,
            "phase": phase,
            "weapon": "artillery",
            "detections": [],
            "n_sensors": 4,
            "error_ellipse": {
                "semi_major_m": semi_major_m,
                "semi_minor_m": semi_major_m / 2,
                "azimuth_deg": 10.0,
            },
            "side": side,
            "paired_with": paired_with,
            "rms_residual_ms": 1.5,
            **extra,
        },
    }


def observation(oid: str, category: str, **fields: Any) -> Observation:
    raw: dict[str, Any] = {
        "id": oid,
        "type": "monitor_report",
        "originator": "MISSION",
        "time_from": "2026-03-02T10:00:00Z",
        "time_to": "2026-03-02T10:00:00Z",
        "category": category,
        **fields,
    }
    return Observation.model_validate(raw)


def located(lat: float, lon: float, uncertainty_m: float = 50.0) -> dict[str, Any]:
    return {"location": {"lat": lat, "lon": lon, "uncertainty_m": uncertainty_m}}


def track(tid: str, obj: str, points: list[tuple[str, float, float]], **fields: Any) -> Track:
    pts = [{"time": t, "lat": la, "lon": lo} for t, la, lo in points]
    return Track.model_validate(
        {"id": tid, "sensor": "RD-1", "object": obj, "points": pts, **fields}
    )


def inside(geometry: Any, lat: float, lon: float) -> bool:
    return bool(geometry.covers(Point(lon, lat)))
