"""Stored records as GeoJSON features for OGC API – Features (pure).

Each feature carries its id at the top level (``/req/geojson/content``: a feature's ``id``
is what ``/items/{featureId}`` takes) and the record's fields, markings included, as
properties, so what a GIS user sees is what the API's own lists release. Geometries are
written in CRS84 (longitude, latitude); :func:`to_crs` swaps the axes for EPSG:4326, whose
axis order is latitude first (OGC 18-058r1, Part 2: CRS by reference).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from truceline.ogc.params import SUPPORTED_CRS
from truceline.timefmt import format_time, from_micros

Feature = dict[str, Any]


def point(lon: float, lat: float) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [lon, lat]}


def _marked(row: Mapping[Any, Any], record: dict[str, Any], stamp: str, col: str) -> dict[str, Any]:
    record["markings"] = orjson.loads(row["markings"])
    record[stamp] = format_time(from_micros(row[col]))
    return record


def input_record(row: Mapping[Any, Any]) -> dict[str, Any]:
    """An input record as filed, with its markings and when it was ingested."""
    return _marked(row, dict(orjson.loads(row["raw"])), "ingested_at", "ingested_us")


def derived_record(row: Mapping[Any, Any]) -> dict[str, Any]:
    """A derived record (finding), with its markings and when it was made."""
    return _marked(row, dict(orjson.loads(row["record"])), "created_at", "created_us")


def located(row: Mapping[Any, Any]) -> dict[str, Any] | None:
    """The row's stored point, or None when it has no location."""
    if row["lat"] is None or row["lon"] is None:
        return None
    return point(row["lon"], row["lat"])


def event_feature(row: Mapping[Any, Any]) -> Feature:
    """A fused event: its stored feature (events.md) with markings and creation time."""
    record = orjson.loads(row["record"])
    props = _marked(row, dict(record.get("properties") or {}), "created_at", "created_us")
    return {"type": "Feature", "id": row["id"], "geometry": record["geometry"], "properties": props}


def finding_feature(row: Mapping[Any, Any]) -> Feature:
    """A rule finding (findings.md) at its location."""
    return {
        "type": "Feature",
        "id": row["id"],
        "geometry": located(row),
        "properties": derived_record(row),
    }


def input_feature(row: Mapping[Any, Any]) -> Feature:
    """An input record (observation, detection) as filed, at its stored point."""
    return {
        "type": "Feature",
        "id": row["id"],
        "geometry": located(row),
        "properties": input_record(row),
    }


def sensor_feature(row: Mapping[Any, Any], status: str | None) -> Feature:
    """A registered sensor with its status (operational, degraded, non_operational)."""
    feature = input_feature(row)
    feature["properties"]["status"] = status
    return feature


def _swap(coords: Any) -> Any:
    if coords and isinstance(coords[0], int | float):
        return [coords[1], coords[0], *coords[2:]]
    return [_swap(c) for c in coords]


def geometry_to_crs(geometry: dict[str, Any] | None, crs: str) -> dict[str, Any] | None:
    """``geometry`` (CRS84) in ``crs``: the same numbers, latitude first where ``crs`` says so."""
    if geometry is None or not SUPPORTED_CRS[crs]:
        return geometry
    if geometry["type"] == "GeometryCollection":
        parts = [geometry_to_crs(g, crs) for g in geometry["geometries"]]
        return {"type": "GeometryCollection", "geometries": parts}
    return {**geometry, "coordinates": _swap(geometry["coordinates"])}


def to_crs(feature: Feature, crs: str) -> Feature:
    if not SUPPORTED_CRS[crs]:
        return feature
    return {**feature, "geometry": geometry_to_crs(feature.get("geometry"), crs)}


class _Attributes:
    """A row mapping read by attribute, for services that take SQLAlchemy rows."""

    __slots__ = ("_row",)

    def __init__(self, row: Mapping[Any, Any]) -> None:
        self._row = row

    def __getattr__(self, name: str) -> Any:
        try:
            return self._row[name]
        except KeyError:
            raise AttributeError(name) from None


def incident_feature(row: Mapping[Any, Any]) -> Feature:
    """An incident in the API's list form (docs/incidents.md), at its location if it has one."""
    from truceline.services.incidents import incident_summary

    props = incident_summary(_Attributes(row))
    return {"type": "Feature", "id": row["id"], "geometry": located(row), "properties": props}
