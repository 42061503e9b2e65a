"""Fused events as the rules read them: GeoJSON Features of docs/formats/events.md (pure).

The rules take the file contract, not the fusion engine's classes, so that events from any
producer (the engine, a replay, an independent checker) are judged alike. Only what the
rules use is required: the Point, ``id``, ``time`` and ``phase``; the rest (``side``,
``paired_with``, ``error_ellipse``, ``weapon``, ``n_sensors``, ``markings``) is read when
present. Problems name the feature index and the field.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from truceline.errors import InputError, Problem
from truceline.formats.records import ID_PATTERN, Markings
from truceline.timefmt import parse_time

PHASES = ("launch", "impact", "unknown")
_ID = re.compile(ID_PATTERN)


@dataclass(frozen=True, slots=True)
class FireEvent:
    """One located blast."""

    id: str
    time: datetime
    lat: float
    lon: float
    phase: str
    side: str | None = None
    paired_with: str | None = None
    salvo: str | None = None  # the first launch of its salvo (docs/fusion.md)
    pair_margin: float | None = None  # how sure its pair is, in nats (docs/fusion.md)
    weapon: str | None = None
    n_sensors: int | None = None
    semi_major_m: float = 0.0
    semi_minor_m: float = 0.0
    azimuth_deg: float = 0.0
    markings: Markings | None = None

    def ellipse(self) -> dict[str, float]:
        return {
            "semi_major_m": self.semi_major_m,
            "semi_minor_m": self.semi_minor_m,
            "azimuth_deg": self.azimuth_deg,
        }


class _Bad(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _number(value: Any, field: str, lo: float = -math.inf, hi: float = math.inf) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _Bad(field, "expected a finite number")
    if not lo <= value <= hi:
        raise _Bad(field, f"must be between {lo:g} and {hi:g}")
    return float(value)


def _optional_number(value: Any, field: str) -> float | None:
    return None if value is None else _number(value, field, 0.0)


def _optional_id(value: Any, field: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not _ID.match(value):
        raise _Bad(field, "expected an identifier or null")
    return value


def _event(feature: Any) -> FireEvent:
    if not isinstance(feature, Mapping):
        raise _Bad("", "expected a GeoJSON Feature object")
    geom = feature.get("geometry")
    if not isinstance(geom, Mapping) or geom.get("type") != "Point":
        raise _Bad("geometry", "expected a Point geometry")
    coords = geom.get("coordinates")
    if not isinstance(coords, list | tuple) or len(coords) < 2:
        raise _Bad("geometry.coordinates", "expected [lon, lat]")
    lon = _number(coords[0], "geometry.coordinates.0", -180, 180)
    lat = _number(coords[1], "geometry.coordinates.1", -90, 90)
    props = feature.get("properties")
    if not isinstance(props, Mapping):
        raise _Bad("properties", "expected an object")
    eid = props.get("id")
    if not isinstance(eid, str) or not _ID.match(eid):
        raise _Bad("properties.id", "required identifier is missing or malformed")
    try:
        time = parse_time(props.get("time"))  # type: ignore[arg-type]
    except ValueError as exc:
        raise _Bad("properties.time", str(exc)) from None
    phase = props.get("phase")
    if phase not in PHASES:
        raise _Bad("properties.phase", "must be launch, impact or unknown")
    side = props.get("side")
    if side is not None and not isinstance(side, str):
        raise _Bad("properties.side", "expected a side code or null")
    ellipse = props.get("error_ellipse") or {}
    if not isinstance(ellipse, Mapping):
        raise _Bad("properties.error_ellipse", "expected an object")
    e = {
        k: _number(ellipse.get(k, 0.0), f"properties.error_ellipse.{k}", *bounds)
        for k, bounds in (("semi_major_m", (0, 1e7)), ("semi_minor_m", (0, 1e7)))
    }
    azimuth = _number(ellipse.get("azimuth_deg", 0.0), "properties.error_ellipse.azimuth_deg")
    n_sensors = props.get("n_sensors")
    if n_sensors is not None and (isinstance(n_sensors, bool) or not isinstance(n_sensors, int)):
        raise _Bad("properties.n_sensors", "expected an integer")
    weapon = props.get("weapon")
    markings = None
    if props.get("markings") is not None:
        try:
            markings = Markings.model_validate(props["markings"])
        except ValidationError as exc:
            raise _Bad("properties.markings", exc.errors()[0]["msg"]) from None
    return FireEvent(
        id=eid,
        time=time,
        lat=lat,
        lon=lon,
        phase=str(phase),
        side=side,
        paired_with=_optional_id(props.get("paired_with"), "properties.paired_with"),
        salvo=_optional_id(props.get("salvo"), "properties.salvo"),
        pair_margin=_optional_number(props.get("pair_margin"), "properties.pair_margin"),
        weapon=weapon if isinstance(weapon, str) else None,
        n_sensors=n_sensors,
        semi_major_m=e["semi_major_m"],
        semi_minor_m=e["semi_minor_m"],
        azimuth_deg=azimuth,
        markings=markings,
    )


def parse_event(feature: Any, *, index: int, source: str = "events") -> FireEvent:
    """One Feature (``index`` is its 0-based position, as the agreement's features count)."""
    try:
        return _event(feature)
    except _Bad as exc:
        rid = None
        if isinstance(feature, Mapping) and isinstance(feature.get("properties"), Mapping):
            raw_id = feature["properties"].get("id")
            rid = raw_id if isinstance(raw_id, str) else None
        problem = Problem(source, index, exc.field or None, str(exc), rid, "feature")
        raise InputError(f"{source}: invalid event", problems=[problem]) from None


def parse_events(features: Sequence[Any], *, source: str = "events") -> list[FireEvent]:
    """Every Feature, or an :class:`InputError` listing every bad one (ids must be unique)."""
    out: list[FireEvent] = []
    problems: list[Problem] = []
    seen: set[str] = set()
    for i, feature in enumerate(features):
        try:
            ev = parse_event(feature, index=i, source=source)
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        if ev.id in seen:
            problems.append(Problem(source, i, "properties.id", "duplicate id", ev.id, "feature"))
            continue
        seen.add(ev.id)
        out.append(ev)
    if problems:
        raise InputError(f"{source}: invalid events", problems=problems)
    return out


def events_from_geojson(doc: Any, *, source: str = "events") -> list[FireEvent]:
    """A whole ``events.geojson`` FeatureCollection."""
    if not isinstance(doc, Mapping) or doc.get("type") != "FeatureCollection":
        raise InputError(f"{source}: expected a GeoJSON FeatureCollection")
    features = doc.get("features")
    if not isinstance(features, list):
        raise InputError(f"{source}: 'features' must be a list")
    return parse_events(features, source=source)
