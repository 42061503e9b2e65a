"""Batch ingest and listing of detections, weather, observations and tracks."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from truceline.access.ingest import observation_authorizer, sensor_data_authorizer
from truceline.access.policy import Principal
from truceline.api.audit import audit_reads
from truceline.api.auth import require
from truceline.api.deps import get_settings, get_store, read_body, time_param
from truceline.api.schemas import EventPageOut, IngestResult, PageOut, batch_body
from truceline.clock import now_us
from truceline.errors import NotFoundError
from truceline.formats.readers import iter_body, iter_sensor_csv
from truceline.services.events import fusion_complete
from truceline.services.ingest import KINDS, ingest
from truceline.services.queries import SPECS, BBox, list_records
from truceline.store.visibility import mission_only, visible

Mode = Literal["all_or_nothing", "skip"]
INGEST_PERMISSION = {
    "sensors": "admin:sensors",
    "detections": "ingest:sensor_data",
    "tracks": "ingest:sensor_data",
    "weather": "ingest:sensor_data",
    "observations": "ingest:observations",
}


def _authorizer(kind_name: str, principal: Principal) -> Any:
    if kind_name in ("detections", "tracks"):
        return sensor_data_authorizer(principal)
    if kind_name == "observations":
        return observation_authorizer(principal)
    return None


def add_ingest_route(router: APIRouter, kind_name: str, *, csv: bool = False) -> None:
    kind = KINDS[kind_name]
    permission = require(INGEST_PERMISSION[kind_name])

    @router.post(
        f"/{kind_name}",
        response_model=IngestResult,
        status_code=201,
        summary=f"Ingest a batch of {kind_name}",
        description=(
            "Body: a JSON array or JSON Lines (gzip accepted with Content-Encoding: gzip). "
            "All or nothing by default; `mode=skip` stores the good records and reports the "
            "bad ones. The same id with the same content is a no-op."
        ),
        openapi_extra=batch_body(kind.model, csv=csv),
        responses={
            409: {"description": "an id is stored with different content"},
            422: {"description": "bad records; nothing was written"},
        },
        name=f"ingest_{kind_name}",
    )
    async def _ingest(
        request: Request,
        mode: Mode = "all_or_nothing",
        principal: Principal = Depends(permission),
    ) -> JSONResponse:
        data = await read_body(request)
        source = f"POST {request.url.path}"
        if csv and "csv" in request.headers.get("content-type", ""):
            text = data.decode("utf-8", "replace").splitlines(keepends=True)
            results: Any = iter_sensor_csv(text, source=source)
        else:
            results = iter_body(data, kind.model, source=source)
        report = ingest(
            get_store(request),
            kind,
            results,
            source=source,
            skip_bad=(mode == "skip"),
            now_us=now_us(),
            authorize=_authorizer(kind_name, principal),
        )
        return JSONResponse(report.as_dict(), status_code=201 if report.inserted else 200)


def _visibility(kind_name: str, principal: Principal) -> Any:
    if kind_name == "weather":
        return mission_only(principal)
    return visible(SPECS[kind_name].table, principal)


def add_list_routes(router: APIRouter, kind_name: str, *, by_id: bool = True) -> None:
    reader = require("read")

    @router.get(
        f"/{kind_name}",
        response_model=EventPageOut if kind_name == "events" else PageOut,
        summary=f"List {kind_name}",
        name=f"list_{kind_name}",
    )
    def _list(
        request: Request,
        start: Annotated[str | None, Query(alias="from", description="RFC 3339, inclusive")] = None,
        end: Annotated[str | None, Query(alias="to", description="RFC 3339, exclusive")] = None,
        bbox: Annotated[str | None, Query(description="minLon,minLat,maxLon,maxLat")] = None,
        id: Annotated[list[str] | None, Query(description="one or more ids")] = None,
        sensor: Annotated[str | None, Query(description="only from this sensor")] = None,
        limit: Annotated[int, Query(ge=1, le=100_000)] = 100,
        cursor: Annotated[str | None, Query(description="the `next` of the previous page")] = None,
        principal: Principal = Depends(reader),
    ) -> dict[str, Any]:
        limit = min(limit, get_settings(request).page_limit)
        with get_store(request).read() as conn:
            page = list_records(
                conn,
                kind_name,
                start=time_param(start, "from"),
                end=time_param(end, "to"),
                bbox=BBox.parse(bbox) if bbox else None,
                ids=id or (),
                sensor=sensor,
                limit=limit,
                cursor=cursor,
                visible=_visibility(kind_name, principal),
            )
            extra = {"complete_to": fusion_complete(conn)} if kind_name == "events" else {}
        audit_reads(request, principal, kind_name, page.items)
        return {"items": page.items, "next": page.next_cursor, **extra}

    if not by_id:
        return

    @router.get(
        f"/{kind_name}/{{record_id}}", summary=f"One of the {kind_name}", name=f"get_{kind_name}"
    )
    def _get(
        request: Request, record_id: str, principal: Principal = Depends(reader)
    ) -> dict[str, Any]:
        with get_store(request).read() as conn:
            page = list_records(
                conn, kind_name, ids=[record_id], limit=1, visible=_visibility(kind_name, principal)
            )
        if not page.items:
            raise NotFoundError(f"{kind_name[:-1]} {record_id!r} not found")
        audit_reads(request, principal, kind_name, page.items)
        return page.items[0]


def build_router() -> APIRouter:
    router = APIRouter(tags=["inputs"])
    for name in ("detections", "observations", "tracks"):
        add_ingest_route(router, name)
        add_list_routes(router, name)
    add_ingest_route(router, "weather")
    add_list_routes(router, "weather", by_id=False)
    return router
