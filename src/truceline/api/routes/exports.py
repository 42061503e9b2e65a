"""Streamed exports: ``/exports/{kind}.geojson`` and ``/exports/{kind}.csv`` (docs/ogc.md).

The response is streamed page by page (``truceline.ogc.exports``), so a million-row export
runs in the memory of one page. The filters are those of the list endpoints and the rows
those the caller may see; one audit entry per export records how many restricted records
left, and the first ids, as the list endpoints do per page.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse
from sqlalchemy import select

from truceline.access.policy import Principal
from truceline.api.audit import MAX_IDS, record_restricted
from truceline.api.auth import require
from truceline.api.deps import get_store, time_param
from truceline.ogc.exports import (
    ACLED_KINDS,
    EXPORTS,
    Helpers,
    Row,
    csv_chunks,
    filters,
    geojson_chunks,
    iter_pages,
)
from truceline.services.queries import BBox
from truceline.store import tables
from truceline.store.engine import Store
from truceline.store.visibility import visible

Kind = Literal["detections", "observations", "events", "findings", "incidents"]
MEDIA = {"geojson": "application/geo+json", "csv": "text/csv; charset=utf-8"}


def _side_names(store: Store) -> dict[str, str]:
    """Side code -> name, from every stored agreement version."""
    names: dict[str, str] = {}
    with store.read() as conn:
        for (doc,) in conn.execute(select(tables.agreements.c.document)):
            for side in (orjson.loads(doc).get("agreement") or {}).get("sides") or []:
                names[side["code"]] = side["name"]
    return names


def _placer() -> Any:
    from truceline.gazetteer import default_gazetteer

    gazetteer = default_gazetteer()

    @lru_cache(maxsize=65_536)
    def place(lat: float, lon: float) -> tuple[str, str]:
        try:
            rel = gazetteer.describe(lat, lon, "en")
        except ValueError:
            return "", ""
        oblast = gazetteer.oblast_name(rel.settlement.oblast, "en").removesuffix(" oblast")
        return oblast, rel.settlement.name_en

    return place


def _helpers(store: Store, kind: str) -> Helpers:
    """Place and side names, loaded only for the kinds whose CSV uses them (ACLED's)."""
    if kind not in ACLED_KINDS:
        return Helpers(place=lambda _lat, _lon: ("", ""), side_name=str)
    names = _side_names(store)
    return Helpers(place=_placer(), side_name=lambda code: names.get(code, code))


def _audited(
    pages: Iterator[list[Row]], request: Request, principal: Principal, kind: str
) -> Iterator[list[Row]]:
    restricted, ids = 0, list[str]()
    try:
        for rows in pages:
            for r in rows:
                if " PUBLIC " not in r["audience"]:
                    restricted += 1
                    if len(ids) < MAX_IDS:
                        ids.append(str(r["id"]))
            yield rows
    finally:
        if restricted:
            record_restricted(request, principal, kind, ids, count=restricted, action="export")


def build_router() -> APIRouter:
    router = APIRouter(tags=["exports"])
    reader = require("read")

    def export(
        request: Request,
        kind: str,
        fmt: str,
        start: str | None,
        end: str | None,
        bbox: str | None,
        principal: Principal,
    ) -> StreamingResponse:
        spec = EXPORTS[kind]
        store = get_store(request)
        where = filters(
            spec,
            visible(spec.table, principal),
            time_param(start, "from"),
            time_param(end, "to"),
            BBox.parse(bbox) if bbox else None,
        )
        pages = _audited(iter_pages(store.read, spec, where), request, principal, kind)
        if fmt == "geojson":
            body = geojson_chunks(pages, spec.to_feature)
        else:
            helpers = _helpers(store, kind)
            body = csv_chunks(pages, spec.columns, lambda r: spec.to_csv(r, helpers))
        return StreamingResponse(
            body,
            media_type=MEDIA[fmt],
            headers={"Content-Disposition": f'attachment; filename="truceline-{kind}.{fmt}"'},
        )

    for fmt in ("geojson", "csv"):
        add_format_route(router, fmt, export, reader)
    return router


def add_format_route(router: APIRouter, fmt: str, export: Any, reader: Any) -> None:
    @router.get(
        f"/exports/{{kind}}.{fmt}",
        summary=f"Export {fmt.upper()} (streamed)",
        description=f"Every record of the kind that the caller may see and the filters select, "
        f"as {'a GeoJSON FeatureCollection' if fmt == 'geojson' else 'CSV'}, streamed. "
        "The CSV of findings and incidents starts with the ACLED column set (docs/ogc.md).",
        response_class=StreamingResponse,
        responses={200: {"content": {MEDIA[fmt]: {}}}},
        name=f"export_{fmt}",
    )
    def _export(
        request: Request,
        kind: Kind,
        start: Annotated[str | None, Query(alias="from", description="RFC 3339, inclusive")] = None,
        end: Annotated[str | None, Query(alias="to", description="RFC 3339, exclusive")] = None,
        bbox: Annotated[str | None, Query(description="minLon,minLat,maxLon,maxLat")] = None,
        principal: Principal = Depends(reader),
    ) -> StreamingResponse:
        response: StreamingResponse = export(request, kind, fmt, start, end, bbox, principal)
        return response
