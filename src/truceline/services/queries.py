"""List stored inputs with time, bbox and id filters and stable cursor paging.

Pages are ordered by (time, id) and the cursor encodes the last (time, id) returned, so a
page never repeats or skips a record even while new records arrive (keyset pagination).
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import ColumnElement, Connection, Table, and_, or_, select, true

from truceline.errors import BadRequestError
from truceline.store import tables
from truceline.timefmt import format_time, from_micros, to_micros


@dataclass(frozen=True, slots=True)
class ListSpec:
    """How to list one kind: its table, ordering time column, and spatial columns."""

    table: Table
    time_col: str
    end_col: str | None
    id_col: str | None
    lat_cols: tuple[str, str] | None
    lon_cols: tuple[str, str] | None


SPECS: dict[str, ListSpec] = {
    "detections": ListSpec(
        tables.detections, "time_us", None, "id", ("lat", "lat"), ("lon", "lon")
    ),
    "observations": ListSpec(
        tables.observations, "time_from_us", "time_to_us", "id", ("lat", "lat"), ("lon", "lon")
    ),
    "tracks": ListSpec(
        tables.tracks, "start_us", "end_us", "id", ("min_lat", "max_lat"), ("min_lon", "max_lon")
    ),
    "weather": ListSpec(tables.weather, "time_us", None, None, None, None),
    "events": ListSpec(tables.events, "time_us", None, "id", ("lat", "lat"), ("lon", "lon")),
    "provisional-events": ListSpec(
        tables.provisional_events, "time_us", None, "id", ("lat", "lat"), ("lon", "lon")
    ),
    "findings": ListSpec(tables.findings, "time_us", None, "id", ("lat", "lat"), ("lon", "lon")),
}


@dataclass(frozen=True, slots=True)
class BBox:
    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float

    @classmethod
    def parse(cls, text: str) -> BBox:
        """``minLon,minLat,maxLon,maxLat``; minLon > maxLon crosses the antimeridian."""
        try:
            parts = [float(p) for p in text.split(",")]
        except ValueError:
            raise BadRequestError(f"bbox {text!r}: four comma-separated numbers expected") from None
        if len(parts) != 4:
            raise BadRequestError(f"bbox {text!r}: four comma-separated numbers expected")
        box = cls(*parts)
        if not (-90 <= box.min_lat <= box.max_lat <= 90):
            raise BadRequestError(f"bbox {text!r}: latitudes must satisfy -90 <= min <= max <= 90")
        if not (-180 <= box.min_lon <= 180 and -180 <= box.max_lon <= 180):
            raise BadRequestError(f"bbox {text!r}: longitudes must lie in [-180, 180]")
        return box


@dataclass(frozen=True, slots=True)
class Page:
    items: list[dict[str, Any]]
    next_cursor: str | None


def encode_cursor(time_us: int, key: str) -> str:
    return base64.urlsafe_b64encode(orjson.dumps([time_us, key])).decode().rstrip("=")


def decode_cursor(text: str) -> tuple[int, str]:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        time_us, key = orjson.loads(raw)
        if not isinstance(time_us, int) or not isinstance(key, str):
            raise ValueError
    except (ValueError, TypeError, orjson.JSONDecodeError):
        raise BadRequestError("cursor: not a cursor this server issued") from None
    return time_us, key


def _bbox_clause(spec: ListSpec, box: BBox) -> ColumnElement[bool]:
    assert spec.lat_cols and spec.lon_cols
    c = spec.table.c
    lat_lo, lat_hi = c[spec.lat_cols[0]], c[spec.lat_cols[1]]
    lon_lo, lon_hi = c[spec.lon_cols[0]], c[spec.lon_cols[1]]
    lat_ok = and_(lat_hi >= box.min_lat, lat_lo <= box.max_lat)
    if box.min_lon <= box.max_lon:
        return and_(lat_ok, lon_hi >= box.min_lon, lon_lo <= box.max_lon)
    return and_(lat_ok, or_(lon_hi >= box.min_lon, lon_lo <= box.max_lon))


def list_records(
    conn: Connection,
    kind: str,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    bbox: BBox | None = None,
    ids: Sequence[str] = (),
    sensor: str | None = None,
    limit: int = 100,
    cursor: str | None = None,
    visible: ColumnElement[bool] | None = None,
) -> Page:
    """One page of ``kind`` records matching the filters, oldest first."""
    spec = SPECS[kind]
    c = spec.table.c
    t_col = c[spec.time_col]
    key_col = c[spec.id_col] if spec.id_col else t_col
    where: list[ColumnElement[bool]] = [visible if visible is not None else true()]
    if start is not None:
        where.append(c[spec.end_col or spec.time_col] >= to_micros(start))
    if end is not None:
        where.append(t_col < to_micros(end))
    if bbox is not None:
        if spec.lat_cols is None:
            raise BadRequestError(f"bbox: {kind} have no location")
        where.append(_bbox_clause(spec, bbox))
    if ids:
        if spec.id_col is None:
            raise BadRequestError(f"id: {kind} have no id")
        where.append(key_col.in_(list(ids)))
    if sensor is not None:
        if "sensor_id" not in c:
            raise BadRequestError(f"sensor: {kind} do not come from one sensor")
        where.append(c.sensor_id == sensor)
    if cursor is not None:
        after_t, after_k = decode_cursor(cursor)
        if spec.id_col is None:
            where.append(t_col > after_t)
        else:
            where.append(or_(t_col > after_t, and_(t_col == after_t, key_col > after_k)))
    order = [t_col, key_col] if spec.id_col else [t_col]
    rows = conn.execute(select(spec.table).where(*where).order_by(*order).limit(limit + 1)).all()
    items = [_item(kind, spec, r._mapping) for r in rows[:limit]]
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]._mapping
        next_cursor = encode_cursor(last[spec.time_col], last[spec.id_col] if spec.id_col else "")
    return Page(items, next_cursor)


def _item(kind: str, spec: ListSpec, row: Any) -> dict[str, Any]:
    """An input as it arrived, or a derived record as made, with its markings in force."""
    if "raw" in row:
        item: dict[str, Any] = dict(orjson.loads(row["raw"]))
        item["ingested_at"] = format_time(from_micros(row["ingested_us"]))
    else:
        item = dict(orjson.loads(row["record"]))
        item["created_at"] = format_time(from_micros(row["created_us"]))
    if "markings" in row:
        record_fields(item)["markings"] = orjson.loads(row["markings"])
    return item


def record_fields(record: dict[str, Any]) -> dict[str, Any]:
    """Where a record's own fields are: a GeoJSON Feature's properties, else the record."""
    fields: dict[str, Any] = record["properties"] if record.get("type") == "Feature" else record
    return fields
