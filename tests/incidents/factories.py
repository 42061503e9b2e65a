"""Small builders for incident tests: sources at known places and times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pyproj import Geod

from truceline.incidents.location import PointLocation
from truceline.incidents.sources import Claims, Source, SourceKind, Stance

GEOD = Geod(ellps="WGS84")
T0 = datetime(2026, 3, 1, 2, 10, tzinfo=UTC)
LAT0, LON0 = 48.15, 37.81


def offset(bearing_deg: float, distance_m: float) -> tuple[float, float]:
    """(lat, lon) of the point at ``distance_m`` along ``bearing_deg`` from the origin."""
    lon, lat, _ = GEOD.fwd(LON0, LAT0, bearing_deg, distance_m)
    return lat, lon


def source(
    sid: str,
    kind: SourceKind = "event",
    *,
    at: datetime = T0,
    minutes: float = 0.0,
    duration_min: float = 0.0,
    east_m: float = 0.0,
    north_m: float = 0.0,
    radius_m: float = 100.0,
    category: str = "explosion",
    originator: str | None = None,
    key: set[str] | None = None,
    blamed: str | None = None,
    stance: Stance = "asserts",
    links: set[str] | None = None,
    located: bool = True,
) -> Source:
    """A point source ``east_m``/``north_m`` from the origin, ``minutes`` after T0."""
    lon, lat = LON0, LAT0
    if east_m:
        lon, lat, _ = GEOD.fwd(lon, lat, 90.0, east_m)
    if north_m:
        lon, lat, _ = GEOD.fwd(lon, lat, 0.0, north_m)
    start = at + timedelta(minutes=minutes)
    origin = originator or {"allegation": "A", "open_source": "NEWS"}.get(kind, "MISSION")
    default_key = {
        "event": f"sensor_owner:{origin}",
        "finding": f"record:{sid}",
        "monitor_report": f"monitor:{origin}",
        "allegation": f"party:{origin}",
        "open_source": f"outlet:{origin}",
    }[kind]
    technical = kind in ("finding", "event")
    claims = Claims(responsible_side=blamed) if technical else Claims(accused_side=blamed)
    return Source(
        kind=kind,
        id=sid,
        time_from=start,
        time_to=start + timedelta(minutes=duration_min),
        location=PointLocation(lat, lon, radius_m) if located else None,
        category=category,
        originator=origin,
        independence_key=frozenset({f"record:{sid}"} | (key or {default_key})),
        claims=claims,
        stance=stance,
        links=frozenset(links or ()),
    )
