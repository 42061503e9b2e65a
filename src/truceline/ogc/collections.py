"""The feature collections the OGC API serves: a base class and a registry (pygeoapi-style).

A collection answers three questions for one principal: its extent, a page of items matching
a query, and one item by id. :class:`TableCollection` answers them for any stored record kind
with a point location (events, findings, observations, sensors): the same access-control
clause as the API's lists (``truceline.store.visibility.visible``) is part of every query,
extents included, so neither a page nor an extent betrays a record the caller may not see.
:class:`AgreementLayer` serves one role of the latest agreement (public, like the agreement
endpoints). Adding a kind is one :meth:`Registry.add` call with its table, sort key, time and
point columns, and a function from a row to a feature.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from shapely.geometry import box as shapely_box
from shapely.geometry.base import BaseGeometry
from sqlalchemy import ColumnElement, Connection, Table, and_, case, func, or_, select

from truceline.access.policy import Principal
from truceline.agreement import Agreement, AgreementFeature
from truceline.agreement.model import ROLES
from truceline.errors import BadRequestError, NotFoundError
from truceline.ogc import features as feat
from truceline.ogc.paging import Key, PageToken, page_window
from truceline.ogc.params import CRS84, ItemQuery, TimeInterval
from truceline.services.agreements import latest_agreement
from truceline.services.queries import BBox
from truceline.services.sensors import status_at
from truceline.store import tables
from truceline.store.visibility import visible
from truceline.timefmt import format_time, from_micros, to_micros

Feature = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Context:
    """What a collection needs to answer one request."""

    conn: Connection
    principal: Principal
    now: datetime


@dataclass(frozen=True, slots=True)
class Extent:
    """Spatial (CRS84 west, south, east, north) and temporal (open ends as None) extent."""

    bbox: tuple[float, float, float, float] | None
    interval: tuple[datetime | None, datetime | None] | None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.bbox is not None:
            out["spatial"] = {"bbox": [list(self.bbox)], "crs": CRS84}
        if self.interval is not None:
            start, end = self.interval
            out["temporal"] = {
                "interval": [
                    [format_time(start) if start else None, format_time(end) if end else None]
                ],
                "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian",
            }
        return out


@dataclass(slots=True)
class ItemsPage:
    features: list[Feature]
    next: PageToken | None
    prev: PageToken | None
    number_matched: int | None = None


class Collection(ABC):
    """One OGC feature collection."""

    id: str
    title: str
    description: str
    keywords: tuple[str, ...] = ()
    audit_kind: str | None = None  # reads are audited like the API's lists of this kind

    @abstractmethod
    def extent(self, ctx: Context) -> Extent: ...

    @abstractmethod
    def items(self, ctx: Context, query: ItemQuery, token: PageToken | None) -> ItemsPage: ...

    @abstractmethod
    def item(self, ctx: Context, feature_id: str) -> Feature | None: ...


# --- stored records -------------------------------------------------------------------------


def keyset_after(cols: Sequence[Any], key: Key, *, descending: bool) -> ColumnElement[bool]:
    """Rows strictly after ``key`` in the lexicographic order of ``cols`` (or before).

    The redundant bound on the leading column lets SQLite and PostgreSQL seek the
    (time, id) index instead of scanning for the disjunction, so a deep page costs what
    the first one does.
    """
    clauses = []
    for i, col in enumerate(cols):
        equal = [cols[j] == key[j] for j in range(i)]
        clauses.append(and_(*equal, col < key[i] if descending else col > key[i]))
    lead = cols[0] <= key[0] if descending else cols[0] >= key[0]
    return and_(lead, or_(*clauses))


def point_in_bbox(lat: Any, lon: Any, box: BBox) -> ColumnElement[bool]:
    """A point column pair inside ``box``; west > east crosses the antimeridian."""
    lat_ok = and_(lat >= box.min_lat, lat <= box.max_lat)
    if box.min_lon <= box.max_lon:
        return and_(lat_ok, lon >= box.min_lon, lon <= box.max_lon)
    return and_(lat_ok, or_(lon >= box.min_lon, lon <= box.max_lon))


@dataclass
class TableCollection(Collection):
    """A stored record kind with a point location, paged by a keyset over ``key`` columns.

    ``time`` names the columns (start, end; end None for instants) of each record's time,
    microseconds since the epoch; ``located`` restricts to rows with a location.
    """

    id: str
    title: str
    description: str
    table: Table
    to_feature: Callable[[Mapping[Any, Any], Context], Feature]
    key: tuple[str, ...] = ("time_us", "id")
    time: tuple[str, str | None] | None = ("time_us", None)
    point: tuple[str, str] = ("lat", "lon")
    keywords: tuple[str, ...] = ()
    audit_kind: str | None = None
    where: Callable[[Table], ColumnElement[bool]] | None = field(default=None)

    def _base(self, ctx: Context) -> list[ColumnElement[bool]]:
        c = self.table.c
        lat, lon = c[self.point[0]], c[self.point[1]]
        clauses = [visible(self.table, ctx.principal), lat.is_not(None), lon.is_not(None)]
        if self.where is not None:
            clauses.append(self.where(self.table))
        return clauses

    def _time_cols(self) -> tuple[Any, Any]:
        assert self.time is not None
        start = self.table.c[self.time[0]]
        return start, self.table.c[self.time[1]] if self.time[1] else start

    def _time_clause(self, interval: TimeInterval) -> list[ColumnElement[bool]]:
        """Records whose time (instant or span) meets the closed interval."""
        if self.time is None:
            return []
        start, end = self._time_cols()
        out: list[ColumnElement[bool]] = []
        if interval.end is not None:
            cond = start <= to_micros(interval.end)
            out.append(or_(start.is_(None), cond) if start.nullable else cond)
        if interval.start is not None:
            cond = end >= to_micros(interval.start)
            out.append(or_(end.is_(None), cond) if end.nullable else cond)
        return out

    def extent(self, ctx: Context) -> Extent:
        c = self.table.c
        lat, lon = c[self.point[0]], c[self.point[1]]
        cols: list[Any] = [func.min(lon), func.min(lat), func.max(lon), func.max(lat)]
        if self.time is not None:
            start, end = self._time_cols()
            cols += [
                func.min(start),
                func.max(end),
                func.max(case((start.is_(None), 1), else_=0)),
                func.max(case((end.is_(None), 1), else_=0)),
            ]
        row = ctx.conn.execute(select(*cols).where(*self._base(ctx))).one()
        if row[0] is None:
            return Extent(None, None)
        bbox = (float(row[0]), float(row[1]), float(row[2]), float(row[3]))
        if self.time is None:
            return Extent(bbox, None)
        first = None if row[6] else from_micros(row[4]) if row[4] is not None else None
        last = None if row[7] else from_micros(row[5]) if row[5] is not None else None
        return Extent(bbox, (first, last))

    def items(self, ctx: Context, query: ItemQuery, token: PageToken | None) -> ItemsPage:
        c = self.table.c
        key_cols = [c[k] for k in self.key]
        where = self._base(ctx)
        if query.bbox is not None:
            where.append(point_in_bbox(c[self.point[0]], c[self.point[1]], query.bbox))
        if query.interval is not None:
            where += self._time_clause(query.interval)
        descending = token is not None and token.direction == "before"
        if token is not None:
            if len(token.key) != len(key_cols):
                raise BadRequestError("cursor: not a cursor of this collection")
            where.append(keyset_after(key_cols, token.key, descending=descending))
        order = [k.desc() for k in key_cols] if descending else key_cols
        stmt = select(self.table).where(*where).order_by(*order).limit(query.limit + 1)
        rows = [r._mapping for r in ctx.conn.execute(stmt)]
        window, nxt, prev = page_window(
            [tuple(r[k] for k in self.key) for r in rows], query.limit, token
        )
        return ItemsPage([self.to_feature(r, ctx) for r in rows[window]], nxt, prev)

    def item(self, ctx: Context, feature_id: str) -> Feature | None:
        id_col = self.table.c[self.key[-1]]
        stmt = select(self.table).where(*self._base(ctx), id_col == feature_id)
        row = ctx.conn.execute(stmt).first()
        return None if row is None else self.to_feature(row._mapping, ctx)


# --- the agreement's layers ----------------------------------------------------------------

LAYER_TITLES = {
    "contact_line": "Contact line",
    "control_area": "Control areas",
    "reference_line": "Reference lines",
    "disengagement_area": "Disengagement areas",
    "protected_site": "Protected sites",
    "holding_area": "Holding areas",
    "no_fly_zone": "No-fly zones",
    "crossing_point": "Crossing points",
    "sector": "Monitoring sectors",
}


def _boxes(box: BBox) -> list[BaseGeometry]:
    """The query box as shapely boxes, split in two when it crosses the antimeridian."""
    if box.min_lon <= box.max_lon:
        return [shapely_box(box.min_lon, box.min_lat, box.max_lon, box.max_lat)]
    return [
        shapely_box(box.min_lon, box.min_lat, 180.0, box.max_lat),
        shapely_box(-180.0, box.min_lat, box.max_lon, box.max_lat),
    ]


class AgreementLayer(Collection):
    """The features of one role (contact line, control areas, ...) of one agreement version."""

    keywords = ("agreement",)

    def __init__(self, agreement: Agreement, role: str) -> None:
        self.agreement = agreement
        self.role = role
        self.id = f"agreement-{role}"
        self.title = f"{LAYER_TITLES.get(role, role)} ({agreement.title})"
        self.description = (
            f"{LAYER_TITLES.get(role, role)} of agreement {agreement.id} version "
            f"{agreement.version}, as loaded (docs/formats/agreement.md)."
        )
        self.members = [f for f in agreement.features if f.role == role]

    def _span(self, f: AgreementFeature) -> tuple[datetime | None, datetime | None]:
        return (
            f.valid_from or self.agreement.effective_from,
            f.valid_to or self.agreement.effective_to,
        )

    def _feature_id(self, f: AgreementFeature) -> str:
        return f"{self.agreement.id}-v{self.agreement.version}-{f.index}"

    def _feature(self, f: AgreementFeature) -> Feature:
        source = self.agreement.document["features"][f.index]
        props = dict(source.get("properties") or {})
        props.update(agreement_id=self.agreement.id, agreement_version=self.agreement.version)
        return {
            "type": "Feature",
            "id": self._feature_id(f),
            "geometry": source["geometry"],
            "properties": props,
        }

    def extent(self, ctx: Context) -> Extent:
        if not self.members:
            return Extent(None, None)
        bounds = [f.geometry.bounds for f in self.members]
        bbox = (
            min(b[0] for b in bounds),
            min(b[1] for b in bounds),
            max(b[2] for b in bounds),
            max(b[3] for b in bounds),
        )
        spans = [self._span(f) for f in self.members]
        starts = [s for s, _ in spans]
        ends = [e for _, e in spans]
        first = None if None in starts else min(s for s in starts if s is not None)
        last = None if None in ends else max(e for e in ends if e is not None)
        return Extent(bbox, (first, last))

    def _matches(self, f: AgreementFeature, query: ItemQuery) -> bool:
        if query.bbox is not None and not any(f.geometry.intersects(b) for b in _boxes(query.bbox)):
            return False
        if query.interval is not None:
            start, end = self._span(f)
            if query.interval.end is not None and start is not None and start > query.interval.end:
                return False
            if query.interval.start is not None and end is not None and end < query.interval.start:
                return False
        return True

    def items(self, ctx: Context, query: ItemQuery, token: PageToken | None) -> ItemsPage:
        matches = [f for f in self.members if self._matches(f, query)]
        ordered = sorted(matches, key=lambda f: f.index)
        if token is not None:
            k = token.key[0]
            if not isinstance(k, int):
                raise BadRequestError("cursor: not a cursor of this collection")
            if token.direction == "after":
                ordered = [f for f in ordered if f.index > k]
            else:
                ordered = [f for f in reversed(ordered) if f.index < k]
        picked = ordered[: query.limit + 1]
        window, nxt, prev = page_window([(f.index,) for f in picked], query.limit, token)
        return ItemsPage([self._feature(f) for f in picked[window]], nxt, prev, len(matches))

    def item(self, ctx: Context, feature_id: str) -> Feature | None:
        found = next((f for f in self.members if self._feature_id(f) == feature_id), None)
        return None if found is None else self._feature(found)


def agreement_layers(conn: Connection) -> list[Collection]:
    """One collection per role present in the latest agreement, in the format's role order."""
    agreement = latest_agreement(conn)
    if agreement is None:
        return []
    present = {f.role for f in agreement.features}
    return [AgreementLayer(agreement, role) for role in ROLES if role in present]


# --- the registry -------------------------------------------------------------------------


class Registry:
    """Collections by id: fixed ones, and providers that list some from the store."""

    def __init__(self) -> None:
        self._fixed: dict[str, Collection] = {}
        self._providers: list[Callable[[Connection], list[Collection]]] = []

    def add(self, collection: Collection) -> None:
        if collection.id in self._fixed:
            raise ValueError(f"collection {collection.id!r} is registered twice")
        self._fixed[collection.id] = collection

    def add_provider(self, provider: Callable[[Connection], list[Collection]]) -> None:
        self._providers.append(provider)

    def all(self, conn: Connection) -> list[Collection]:
        out = list(self._fixed.values())
        for provider in self._providers:
            out += provider(conn)
        return out

    def get(self, conn: Connection, collection_id: str) -> Collection:
        if collection_id in self._fixed:
            return self._fixed[collection_id]
        for c in self.all(conn):
            if c.id == collection_id:
                return c
        raise NotFoundError(f"collection {collection_id!r} not found")


def _sensor(row: Mapping[Any, Any], ctx: Context) -> Feature:
    return feat.sensor_feature(row, status_at(ctx.conn, row["id"], ctx.now))


def default_registry() -> Registry:
    """Events (released and provisional), findings, observations, sensors, incidents and
    the agreement's layers."""
    reg = Registry()
    reg.add(
        TableCollection(
            "events",
            "Fused events",
            "Blasts located by fusing acoustic and seismic detections (docs/formats/events.md), "
            "with their 95 % error ellipse, phase, weapon and side.",
            tables.events,
            lambda r, _c: feat.event_feature(r),
            keywords=("fusion",),
            audit_kind="events",
        )
    )
    reg.add(
        TableCollection(
            "provisional-events",
            "Provisional events",
            'Blasts live fusion has located and not released yet (docs/fusion.md, "Engine '
            "API\"): no pair, the labels' phase; each goes once its event, with the same id, "
            "is released to the events collection, some 7–10 minutes later, or is withdrawn.",
            tables.provisional_events,
            lambda r, _c: feat.event_feature(r),
            keywords=("fusion", "provisional"),
            audit_kind="provisional-events",
        )
    )
    reg.add(
        TableCollection(
            "findings",
            "Findings",
            "Terms of the agreement that events, observations or tracks appear to break "
            "(docs/formats/findings.md); machine work that humans verify. Located findings only.",
            tables.findings,
            lambda r, _c: feat.finding_feature(r),
            keywords=("rules",),
            audit_kind="findings",
        )
    )
    reg.add(
        TableCollection(
            "observations",
            "Observations",
            "Monitor reports, allegations and open-source reports (docs/formats/observations.md) "
            "that carry a location.",
            tables.observations,
            lambda r, _c: feat.input_feature(r),
            key=("time_from_us", "id"),
            time=("time_from_us", "time_to_us"),
            audit_kind="observations",
        )
    )
    reg.add(
        TableCollection(
            "sensors",
            "Sensors",
            "The sensor registry (docs/formats/sensors.md) with each sensor's status now, or at "
            "the instant asked with datetime.",
            tables.sensors,
            _sensor,
            key=("id",),
            time=("active_from_us", "active_to_us"),
        )
    )
    reg.add(
        TableCollection(
            "incidents",
            "Incidents",
            "Incidents under verification, with their state, grade and attribution "
            "(docs/incidents.md). Located incidents only.",
            tables.incidents,
            lambda r, _c: feat.incident_feature(r),
            key=("time_from_us", "id"),
            time=("time_from_us", "time_to_us"),
            keywords=("verification",),
            audit_kind="incidents",
        )
    )
    reg.add_provider(agreement_layers)
    return reg
