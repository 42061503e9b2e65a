"""Turn validated input records into table rows (pure: the caller passes registry and clock).

Each builder returns either a row dict or a Problem, because some checks need the sensor
registry: an unknown sensor id, or a time outside the sensor's active span, is a problem of
that record, named with its line and field like any format error.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from pyproj import Geod

from truceline.errors import Problem
from truceline.formats.readers import Parsed
from truceline.formats.records import (
    DEFAULT_MARKINGS,
    Detection,
    Markings,
    Observation,
    Sensor,
    Track,
    Weather,
    to_json_dict,
)
from truceline.timefmt import to_micros

_GEOD = Geod(ellps="WGS84")
Row = dict[str, Any]


def content_hash(record: Any) -> str:
    """SHA-256 of the normalised record (sorted keys): equal content, equal hash."""
    return hashlib.sha256(
        orjson.dumps(to_json_dict(record), option=orjson.OPT_SORT_KEYS)
    ).hexdigest()


def markings_json(markings: Markings) -> str:
    return orjson.dumps(markings.model_dump(mode="json", exclude_none=True)).decode()


def audience(markings: Markings) -> str:
    """The release tokens as the store's ``audience`` column holds them."""
    return " " + " ".join(sorted(set(markings.releasable_to))) + " "


def sensor_markings(owner: str) -> Markings:
    """Default for sensor data (docs/formats/detections.md): the owner and the mission."""
    return Markings(releasable_to=sorted({owner, "MISSION"}), originator=owner)


@dataclass(frozen=True, slots=True)
class RowContext:
    """What builders may consult: the sensor registry and the time of ingest."""

    source: str
    sensors: Mapping[str, Sensor]
    now_us: int


def _common(parsed: Parsed[Any], ctx: RowContext, originator: str, markings: Markings) -> Row:
    return {
        "originator": originator,
        "markings": markings_json(markings),
        "audience": audience(markings),
        "raw": orjson.dumps(parsed.raw).decode(),
        "content_hash": content_hash(parsed.record),
        "ingested_us": ctx.now_us,
    }


def _sensor_for(
    parsed: Parsed[Any], sensor_id: str, when: Any, ctx: RowContext, time_field: str
) -> Sensor | Problem:
    sensor = ctx.sensors.get(sensor_id)
    rid = parsed.raw.get("id")
    if sensor is None:
        return Problem(ctx.source, parsed.line, "sensor", f"unknown sensor {sensor_id!r}", rid)
    if not sensor.active_at(when):
        return Problem(
            ctx.source, parsed.line, time_field, f"outside sensor {sensor_id}'s active span", rid
        )
    return sensor


def detection_row(parsed: Parsed[Detection], ctx: RowContext) -> Row | Problem:
    d = parsed.record
    sensor = _sensor_for(parsed, d.sensor, d.time, ctx, "time")
    if isinstance(sensor, Problem):
        return sensor
    if d.bearing_deg is not None and sensor.kind != "acoustic_array":
        return Problem(
            ctx.source,
            parsed.line,
            "bearing_deg",
            f"sensor {sensor.id} ({sensor.kind}) gives no bearings; only acoustic_array sensors do",
            d.id,
        )
    markings = d.markings or sensor_markings(sensor.owner)
    return {
        "id": d.id,
        "sensor_id": d.sensor,
        "time_us": to_micros(d.time),
        "lat": sensor.lat,
        "lon": sensor.lon,
        "phase": d.phase,
        "weapon": d.weapon,
        "bearing_deg": d.bearing_deg,
        "snr_db": d.snr_db,
        **_common(parsed, ctx, sensor.owner, markings),
    }


def track_row(parsed: Parsed[Track], ctx: RowContext) -> Row | Problem:
    t = parsed.record
    sensor = _sensor_for(parsed, t.sensor, t.points[0].time, ctx, "points.0.time")
    if isinstance(sensor, Problem):
        return sensor
    lats = [p.lat for p in t.points]
    lons = [p.lon for p in t.points]
    return {
        "id": t.id,
        "sensor_id": t.sensor,
        "object": t.object,
        "start_us": to_micros(t.points[0].time),
        "end_us": to_micros(t.points[-1].time),
        "min_lat": min(lats),
        "min_lon": min(lons),
        "max_lat": max(lats),
        "max_lon": max(lons),
        **_common(parsed, ctx, sensor.owner, t.markings or sensor_markings(sensor.owner)),
    }


def observation_point(o: Observation) -> tuple[float, float] | None:
    """Best single point for an observation, for map and bbox queries.

    A bearing report is placed at the middle of its distance band along the bearing
    (geodesic forward problem); the rules engine places it as an area, not this point.
    """
    if o.location is not None:
        return o.location.lat, o.location.lon
    if o.observer is not None and o.direction_deg is not None and o.distance_m is not None:
        mid = (o.distance_m[0] + o.distance_m[1]) / 2
        lon, lat, _ = _GEOD.fwd(o.observer.lon, o.observer.lat, o.direction_deg, mid)
        return float(lat), float(lon)
    return None


def observation_row(parsed: Parsed[Observation], ctx: RowContext) -> Row | Problem:
    o = parsed.record
    point = observation_point(o)
    return {
        "id": o.id,
        "type": o.type,
        "category": o.category,
        "time_from_us": to_micros(o.time_from),
        "time_to_us": to_micros(o.time_to),
        "lat": point[0] if point else None,
        "lon": point[1] if point else None,
        **_common(parsed, ctx, o.originator, o.markings or DEFAULT_MARKINGS),
    }


def weather_row(parsed: Parsed[Weather], ctx: RowContext) -> Row | Problem:
    w = parsed.record
    return {
        "time_us": to_micros(w.time),
        "temperature_c": w.temperature_c,
        "wind_u_ms": w.wind_u_ms,
        "wind_v_ms": w.wind_v_ms,
        "raw": orjson.dumps(parsed.raw).decode(),
        "content_hash": content_hash(w),
        "ingested_us": ctx.now_us,
    }


def sensor_row(parsed: Parsed[Sensor], ctx: RowContext) -> Row | Problem:
    s = parsed.record
    return {
        "id": s.id,
        "kind": s.kind,
        "lat": s.lat,
        "lon": s.lon,
        "alt_m": s.alt_m,
        "owner": s.owner,
        "timing_sigma_ms": s.timing_sigma_ms,
        "bearing_sigma_deg": s.bearing_sigma_deg,
        "active_from_us": to_micros(s.active_from) if s.active_from else None,
        "active_to_us": to_micros(s.active_to) if s.active_to else None,
        **_common(parsed, ctx, s.owner, sensor_markings(s.owner)),
        # A CSV row has no JSON form of its own: keep the validated record, typed.
        "raw": orjson.dumps(to_json_dict(s)).decode(),
    }


RowBuilder = Callable[[Parsed[Any], RowContext], "Row | Problem"]
