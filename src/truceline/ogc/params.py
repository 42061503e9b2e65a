"""Query parameters of OGC API – Features requests, checked strictly (pure).

OGC API – Features Part 1 (OGC 17-069r4) §7.15: ``bbox`` is 4 or 6 numbers in CRS84
(longitude first; a west edge greater than the east edge crosses the antimeridian), or in the
CRS named by ``bbox-crs`` (Part 2, OGC 18-058r1); ``datetime`` is an RFC 3339 instant or an
interval ``start/end`` with ``..`` (or nothing) for an open end; ``limit`` is the page size.
A parameter the API does not define, a repeated one or a malformed value is answered 400
(/req/core/query-param-unknown, /req/core/query-param-invalid), never silently ignored, so
that a client's typo does not come back as an unfiltered layer. A ``limit`` above the maximum
is served at the maximum, as the standard's text asks (a client asking for 50 000 gets 10 000
and a ``next`` link), while a limit below 1 is an error.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from truceline.errors import BadRequestError
from truceline.services.queries import BBox
from truceline.timefmt import parse_time

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG4326 = "http://www.opengis.net/def/crs/EPSG/0/4326"
# CRS the API serves, and whether its axis order is latitude first (EPSG:4326 is).
SUPPORTED_CRS: dict[str, bool] = {CRS84: False, EPSG4326: True}
DEFAULT_LIMIT = 10
MAX_LIMIT = 10_000
FORMATS = ("json", "geojson")

PLAIN_PARAMS = frozenset({"f"})
FEATURE_PARAMS = frozenset({"f", "crs"})
ITEMS_PARAMS = frozenset({"f", "crs", "bbox", "bbox-crs", "datetime", "limit", "cursor"})

_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


@dataclass(frozen=True, slots=True)
class TimeInterval:
    """A closed interval; ``None`` at either end leaves it open (``..``)."""

    start: datetime | None
    end: datetime | None


@dataclass(frozen=True, slots=True)
class ItemQuery:
    """What an items request asks for, validated."""

    bbox: BBox | None = None
    interval: TimeInterval | None = None
    limit: int = DEFAULT_LIMIT
    cursor: str | None = None
    crs: str = CRS84


def single_values(pairs: Iterable[tuple[str, str]], allowed: frozenset[str]) -> dict[str, str]:
    """The parameters as a dict; 400 for one not in ``allowed`` or given twice."""
    out: dict[str, str] = {}
    for name, value in pairs:
        if name not in allowed:
            known = ", ".join(sorted(allowed))
            raise BadRequestError(f"unknown query parameter {name!r}; this resource takes {known}")
        if name in out:
            raise BadRequestError(f"query parameter {name!r} is given more than once")
        out[name] = value
    if "f" in out and out["f"] not in FORMATS:
        raise BadRequestError(f"f={out['f']!r}: only f=json (GeoJSON for features) is served")
    return out


def parse_crs(value: str | None, name: str) -> str:
    """A CRS URI the API supports (CRS84 when absent)."""
    if value is None:
        return CRS84
    crs = value.strip().strip("<>")
    if crs not in SUPPORTED_CRS:
        raise BadRequestError(f"{name}={value!r}: supported are {', '.join(SUPPORTED_CRS)}")
    return crs


def parse_bbox(text: str, crs: str = CRS84) -> BBox:
    """``minx,miny,maxx,maxy`` or ``minx,miny,minz,maxx,maxy,maxz`` (heights ignored).

    Axis order follows ``crs``: longitude first for CRS84, latitude first for EPSG:4326.
    """
    try:
        values = [float(p) for p in text.split(",")]
    except ValueError:
        raise BadRequestError(f"bbox={text!r}: 4 or 6 comma-separated numbers expected") from None
    if len(values) not in (4, 6):
        raise BadRequestError(f"bbox={text!r}: 4 or 6 comma-separated numbers expected")
    if not all(math.isfinite(v) for v in values):
        raise BadRequestError(f"bbox={text!r}: numbers must be finite")
    lo1, lo2, hi1, hi2 = values if len(values) == 4 else (*values[0:2], *values[3:5])
    if SUPPORTED_CRS[crs]:
        box = BBox(min_lon=lo2, min_lat=lo1, max_lon=hi2, max_lat=hi1)
    else:
        box = BBox(min_lon=lo1, min_lat=lo2, max_lon=hi1, max_lat=hi2)
    if not -90 <= box.min_lat <= box.max_lat <= 90:
        raise BadRequestError(f"bbox={text!r}: latitudes must satisfy -90 <= south <= north <= 90")
    if not (-180 <= box.min_lon <= 180 and -180 <= box.max_lon <= 180):
        raise BadRequestError(f"bbox={text!r}: longitudes must lie in [-180, 180]")
    return box


def _instant(text: str, *, end_of_day: bool) -> datetime:
    """An RFC 3339 date-time, or a full date standing for its whole (UTC) day."""
    try:
        m = _DATE.match(text)
        if m is None:
            return parse_time(text)
        day = datetime(int(m[1]), int(m[2]), int(m[3]), tzinfo=UTC)
        return day + timedelta(days=1, microseconds=-1) if end_of_day else day
    except (ValueError, OverflowError) as exc:
        raise BadRequestError(f"datetime: {text!r} is not a date or time ({exc})") from None


def parse_datetime(text: str) -> TimeInterval:
    """An instant (``t``), a closed interval (``a/b``) or a half-open one (``../b``, ``a/..``)."""
    parts = text.split("/")
    if len(parts) == 1:
        if parts[0] in ("", ".."):
            raise BadRequestError(f"datetime={text!r}: an instant or an interval is expected")
        return TimeInterval(
            _instant(parts[0], end_of_day=False), _instant(parts[0], end_of_day=True)
        )
    if len(parts) != 2:
        raise BadRequestError(f"datetime={text!r}: at most one '/' separates start and end")
    start_text, end_text = parts
    start = None if start_text in ("", "..") else _instant(start_text, end_of_day=False)
    end = None if end_text in ("", "..") else _instant(end_text, end_of_day=True)
    if start is not None and end is not None and start > end:
        raise BadRequestError(f"datetime={text!r}: the interval ends before it starts")
    return TimeInterval(start, end)


def parse_limit(text: str | None) -> int:
    if text is None:
        return DEFAULT_LIMIT
    try:
        limit = int(text)
    except ValueError:
        raise BadRequestError(
            f"limit={text!r}: an integer from 1 to {MAX_LIMIT} expected"
        ) from None
    if limit < 1:
        raise BadRequestError(f"limit={text!r}: an integer from 1 to {MAX_LIMIT} expected")
    return min(limit, MAX_LIMIT)


def parse_items_query(pairs: Iterable[tuple[str, str]]) -> ItemQuery:
    """Validate the query string of ``/collections/{id}/items``."""
    values = single_values(pairs, ITEMS_PARAMS)
    bbox_crs = parse_crs(values.get("bbox-crs"), "bbox-crs")
    if "bbox-crs" in values and "bbox" not in values:
        raise BadRequestError("bbox-crs is given without bbox")
    return ItemQuery(
        bbox=parse_bbox(values["bbox"], bbox_crs) if "bbox" in values else None,
        interval=parse_datetime(values["datetime"]) if "datetime" in values else None,
        limit=parse_limit(values.get("limit")),
        cursor=values.get("cursor") or None,
        crs=parse_crs(values.get("crs"), "crs"),
    )
