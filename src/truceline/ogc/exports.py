"""Streamed exports of stored records as GeoJSON or CSV, in bounded memory.

Rows are read by keyset pages of :data:`PAGE_ROWS` (ordered by time then id, each page a
short read of its own, so an export neither holds a transaction open for its whole length
nor materialises the result), turned into features or CSV rows, and yielded as bytes: memory
stays at one page however many rows the export has. Filters are the API list endpoints'
(``from`` inclusive, ``to`` exclusive, ``bbox``) and access control is the same SQL clause
(``truceline.store.visibility.visible``). Adding a kind is one :class:`ExportKind`.

CSV cells that a spreadsheet would run as a formula (text starting with ``=``, ``+``, ``-``,
``@``, tab or carriage return) are prefixed with ``'`` (OWASP, "CSV injection"): allegations
and open-source text come from outside the mission.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import ColumnElement, Connection, Table, select

from truceline.ogc.acled import (
    ACLED_COLUMNS,
    Placer,
    SideName,
    acled_row,
    finding_event,
    incident_event,
)
from truceline.ogc.collections import keyset_after, point_in_bbox
from truceline.ogc.features import (
    derived_record,
    event_feature,
    finding_feature,
    incident_feature,
    input_feature,
    input_record,
)
from truceline.services.queries import BBox
from truceline.store import tables
from truceline.timefmt import to_micros

PAGE_ROWS = 2_000
Row = Mapping[Any, Any]
Feature = dict[str, Any]
_FORMULA_START = frozenset("=+-@\t\r")


@dataclass(frozen=True, slots=True)
class Helpers:
    """Look-ups some CSV mappings need (place names for ACLED, side names)."""

    place: Placer
    side_name: SideName


def cell(value: Any) -> str | int | float:
    """A CSV cell: lists joined by spaces, objects as JSON, formula-like text defused."""
    kind = type(value)
    if kind is str:
        text: str = value
        return "'" + text if text[:1] in _FORMULA_START else text
    if kind is float or kind is int:
        number: int | float = value
        return number
    if value is None:
        return ""
    if kind is bool:
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return cell(" ".join(str(v) for v in value))
    if isinstance(value, dict):
        return cell(orjson.dumps(value).decode())
    return cell(str(value))


def pick(record: Mapping[Any, Any], path: str) -> Any:
    """``record`` at a dotted path (``error_ellipse.semi_major_m``), None when absent."""
    return _picker(tuple(path.split(".")))(record)


def _picker(parts: tuple[str, ...]) -> Callable[[Mapping[Any, Any]], Any]:
    if len(parts) == 1:
        key = parts[0]
        return lambda record: record.get(key)

    def walk(record: Mapping[Any, Any]) -> Any:
        value: Any = record
        for part in parts:
            if type(value) is not dict:
                return None
            value = value.get(part)
        return value

    return walk


def by_paths(paths: Sequence[str]) -> Callable[[Mapping[Any, Any]], dict[str, Any]]:
    """A function from a record to its values at ``paths`` (dotted), keyed by path."""
    pickers = [(p, _picker(tuple(p.split(".")))) for p in paths]

    def row(record: Mapping[Any, Any]) -> dict[str, Any]:
        return {p: get(record) for p, get in pickers}

    return row


MARKING_PATHS = ("markings.releasable_to", "markings.tlp", "markings.originator_controlled")
DETECTION_PATHS = (
    "id",
    "sensor",
    "time",
    "lat",
    "lon",
    "phase",
    "weapon",
    "bearing_deg",
    "bearing_sigma_deg",
    "snr_db",
    *MARKING_PATHS,
    "ingested_at",
)
OBSERVATION_PATHS = (
    "id",
    "type",
    "originator",
    "time_from",
    "time_to",
    "reported_at",
    "lat",
    "lon",
    "location.uncertainty_m",
    "place",
    "category",
    "subtype",
    "count",
    "count_qualifier",
    "means",
    "weapon_class",
    "side",
    "accused_side",
    "casualties.killed",
    "casualties.injured",
    "casualties.group",
    "text",
    "language",
    "source_url",
    *MARKING_PATHS,
    "ingested_at",
)
EVENT_PATHS = (
    "id",
    "time",
    "lat",
    "lon",
    "phase",
    "weapon",
    "n_sensors",
    "error_ellipse.semi_major_m",
    "error_ellipse.semi_minor_m",
    "error_ellipse.azimuth_deg",
    "side",
    "paired_with",
    "salvo",
    "rms_residual_ms",
    "detections",
    *MARKING_PATHS,
    "created_at",
)
FINDING_EXTRA = (
    "id",
    "rule",
    "subjects",
    "responsible_side",
    "affected_side",
    "grave",
    "agreement.id",
    "agreement.version",
    "instrument",
    *MARKING_PATHS,
    "created_at",
)


def _with_position(record: dict[str, Any], row: Row) -> dict[str, Any]:
    record["lat"], record["lon"] = row["lat"], row["lon"]
    return record


INCIDENT_EXTRA = (
    "id",
    "state",
    "version",
    "title",
    "category",
    "time_from",
    "time_to",
    "sector",
    "grade",
    "grade_reason",
    "grave",
    "responsible_side",
    "affected_side",
    "duplicate_of",
    "sources",
    *MARKING_PATHS,
    "updated_at",
)
_DETECTION_ROW = by_paths(DETECTION_PATHS)
_INCIDENT_ROW = by_paths(INCIDENT_EXTRA)
_OBSERVATION_ROW = by_paths(OBSERVATION_PATHS)
_EVENT_ROW = by_paths(EVENT_PATHS)
_FINDING_ROW = by_paths(FINDING_EXTRA)


def detection_csv(row: Row, _h: Helpers) -> dict[str, Any]:
    return _DETECTION_ROW(_with_position(input_record(row), row))


def observation_csv(row: Row, _h: Helpers) -> dict[str, Any]:
    return _OBSERVATION_ROW(_with_position(input_record(row), row))


def event_csv(row: Row, _h: Helpers) -> dict[str, Any]:
    props = event_feature(row)["properties"]
    return _EVENT_ROW(_with_position(props, row))


def finding_csv(row: Row, helpers: Helpers) -> dict[str, Any]:
    """ACLED's columns first, then the finding's own."""
    record = derived_record(row)
    out = acled_row(finding_event(record, helpers.side_name), helpers.place)
    out.update(_FINDING_ROW(record))
    return out


def incident_csv(row: Row, helpers: Helpers) -> dict[str, Any]:
    """ACLED's columns first (by the findings' function), then the incident's own."""
    incident = incident_feature(row)["properties"]
    out = acled_row(incident_event(incident, helpers.side_name), helpers.place)
    out.update(_INCIDENT_ROW(incident))
    return out


@dataclass(frozen=True, slots=True)
class ExportKind:
    """How one record kind is exported: table, keyset order, filters, and the two formats."""

    name: str
    table: Table
    key: tuple[str, str]  # (time column, id column): the keyset order
    end_col: str | None
    to_feature: Callable[[Row], Feature]
    columns: tuple[str, ...]
    to_csv: Callable[[Row, Helpers], Mapping[Any, Any]]
    lat_lon: tuple[str, str] = ("lat", "lon")
    extra: Callable[[Table], ColumnElement[bool]] | None = field(default=None)


EXPORTS: dict[str, ExportKind] = {
    "detections": ExportKind(
        "detections",
        tables.detections,
        ("time_us", "id"),
        None,
        input_feature,
        DETECTION_PATHS,
        detection_csv,
    ),
    "observations": ExportKind(
        "observations",
        tables.observations,
        ("time_from_us", "id"),
        "time_to_us",
        input_feature,
        OBSERVATION_PATHS,
        observation_csv,
    ),
    "events": ExportKind(
        "events", tables.events, ("time_us", "id"), None, event_feature, EVENT_PATHS, event_csv
    ),
    "findings": ExportKind(
        "findings",
        tables.findings,
        ("time_us", "id"),
        None,
        finding_feature,
        (*ACLED_COLUMNS, *FINDING_EXTRA),
        finding_csv,
    ),
    "incidents": ExportKind(
        "incidents",
        tables.incidents,
        ("time_from_us", "id"),
        "time_to_us",
        incident_feature,
        (*ACLED_COLUMNS, *INCIDENT_EXTRA),
        incident_csv,
    ),
}
ACLED_KINDS = frozenset({"findings", "incidents"})  # whose CSV needs place and side names


def filters(
    kind: ExportKind,
    visible: ColumnElement[bool],
    start: datetime | None,
    end: datetime | None,
    bbox: BBox | None,
) -> list[ColumnElement[bool]]:
    """The list endpoints' filters: overlaps [start, end), inside bbox, visible."""
    c = kind.table.c
    where = [visible]
    if start is not None:
        where.append(c[kind.end_col or kind.key[0]] >= to_micros(start))
    if end is not None:
        where.append(c[kind.key[0]] < to_micros(end))
    if bbox is not None:
        where.append(point_in_bbox(c[kind.lat_lon[0]], c[kind.lat_lon[1]], bbox))
    if kind.extra is not None:
        where.append(kind.extra(kind.table))
    return where


def iter_pages(
    read: Callable[[], Any],
    kind: ExportKind,
    where: Sequence[ColumnElement[bool]],
    page_rows: int = PAGE_ROWS,
) -> Iterator[list[Row]]:
    """Pages of matching rows in keyset order, each read in a short transaction of its own.

    ``read`` opens a read connection (``Store.read``) as a context manager.
    """
    c = kind.table.c
    cols = [c[kind.key[0]], c[kind.key[1]]]
    last: tuple[Any, ...] | None = None
    while True:
        clauses = list(where)
        if last is not None:
            clauses.append(keyset_after(cols, last, descending=False))
        stmt = select(kind.table).where(*clauses).order_by(*cols).limit(page_rows)
        conn: Connection
        with read() as conn:
            rows: list[Row] = [r._mapping for r in conn.execute(stmt)]
        if not rows:
            return
        yield rows
        if len(rows) < page_rows:
            return
        last = (rows[-1][kind.key[0]], rows[-1][kind.key[1]])


def geojson_chunks(
    pages: Iterable[list[Row]], to_feature: Callable[[Row], Feature]
) -> Iterator[bytes]:
    """A GeoJSON FeatureCollection, one chunk per page."""
    yield b'{"type":"FeatureCollection","features":[\n'
    first = True
    for rows in pages:
        parts = [orjson.dumps(to_feature(r)) for r in rows]
        if parts:
            yield (b"" if first else b",\n") + b",\n".join(parts)
            first = False
    yield b"\n]}\n"


def csv_chunks(
    pages: Iterable[list[Row]], columns: Sequence[str], to_row: Callable[[Row], Mapping[Any, Any]]
) -> Iterator[bytes]:
    """CSV (RFC 4180, UTF-8, CRLF line ends) with a header row, one chunk per page."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(columns)
    yield buf.getvalue().encode()
    for rows in pages:
        buf = io.StringIO()
        writer = csv.writer(buf)
        for r in rows:
            values = to_row(r)
            writer.writerow([cell(values.get(col)) for col in columns])
        yield buf.getvalue().encode()
