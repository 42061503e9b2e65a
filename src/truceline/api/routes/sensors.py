"""The sensor registry and status spans over HTTP."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy import select

from truceline.access.ingest import sensor_data_authorizer
from truceline.access.policy import Principal
from truceline.api.auth import require
from truceline.api.deps import get_store, required_time, time_param
from truceline.api.routes.inputs import add_ingest_route
from truceline.clock import now_us
from truceline.errors import ForbiddenError, NotFoundError
from truceline.services import sensors as svc
from truceline.services.queries import BBox
from truceline.store import tables
from truceline.store.visibility import visible

Reader = Annotated[Principal, Depends(require("read"))]


def _visible_sensor(conn: Any, sensor_id: str, principal: Principal) -> dict[str, Any]:
    t = tables.sensors
    row = conn.execute(select(t.c.raw).where(t.c.id == sensor_id, visible(t, principal))).first()
    if row is None:
        raise NotFoundError(f"sensor {sensor_id!r} not found")
    return dict(orjson.loads(row.raw))


class StatusIn(BaseModel):
    status: svc.Status
    start: str = Field(alias="from", description="RFC 3339")
    end: str | None = Field(None, alias="to", description="RFC 3339; open when absent")
    reason: str | None = Field(None, max_length=2000)


def build_router() -> APIRouter:
    router = APIRouter(tags=["sensors"])
    add_ingest_route(router, "sensors", csv=True)

    @router.get("/sensors", summary="List sensors", name="list_sensors")
    def list_sensors(
        request: Request,
        principal: Reader,
        bbox: Annotated[str | None, Query(description="minLon,minLat,maxLon,maxLat")] = None,
        owner: str | None = None,
        kind: str | None = None,
        at: Annotated[
            str | None, Query(description="report each sensor's status at this time")
        ] = None,
    ) -> dict[str, Any]:
        t = tables.sensors
        query = select(t.c.id, t.c.raw, t.c.lat, t.c.lon).where(visible(t, principal))
        query = query.order_by(t.c.id)
        if owner:
            query = query.where(t.c.owner == owner)
        if kind:
            query = query.where(t.c.kind == kind)
        box = BBox.parse(bbox) if bbox else None
        when = time_param(at, "at")
        items = []
        with get_store(request).read() as conn:
            for row in conn.execute(query):
                if box and not _in_box(box, row.lat, row.lon):
                    continue
                item = orjson.loads(row.raw)
                if when is not None:
                    item["status"] = svc.status_at(conn, row.id, when)
                items.append(item)
        return {"items": items, "next": None}

    @router.get("/sensors/{sensor_id}", summary="One sensor", name="get_sensor")
    def get_sensor(request: Request, sensor_id: str, principal: Reader) -> dict[str, Any]:
        with get_store(request).read() as conn:
            return _visible_sensor(conn, sensor_id, principal)

    @router.get(
        "/sensors/{sensor_id}/status", summary="A sensor's status spans", name="get_sensor_status"
    )
    def get_status(request: Request, sensor_id: str, principal: Reader) -> dict[str, Any]:
        with get_store(request).read() as conn:
            _visible_sensor(conn, sensor_id, principal)
            return {"items": [s.as_dict() for s in svc.status_spans(conn, sensor=sensor_id)]}

    @router.post(
        "/sensors/{sensor_id}/status",
        status_code=201,
        summary="Record a status span",
        name="post_sensor_status",
    )
    def post_status(
        request: Request,
        sensor_id: str,
        body: StatusIn,
        principal: Annotated[Principal, Depends(require("sensors:status"))],
    ) -> dict[str, Any]:
        span = svc.StatusSpan(
            sensor_id,
            body.status,
            required_time(body.start, "from"),
            time_param(body.end, "to"),
            body.reason,
        )
        with get_store(request).read() as conn:
            owner = _visible_sensor(conn, sensor_id, principal)["owner"]
        check = sensor_data_authorizer(principal)  # who may file data for it reports its status
        refused = check({"originator": owner}) if check is not None else None
        if refused is not None:
            raise ForbiddenError(refused)
        created = svc.record_status(
            get_store(request), [span], source=f"POST {request.url.path}", now_us=now_us()
        )
        return {"created": created, "span": span.as_dict()}

    return router


def _in_box(box: BBox, lat: float, lon: float) -> bool:
    if not box.min_lat <= lat <= box.max_lat:
        return False
    if box.min_lon <= box.max_lon:
        return box.min_lon <= lon <= box.max_lon
    return lon >= box.min_lon or lon <= box.max_lon
