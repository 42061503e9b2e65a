"""Agreements over HTTP: load a version, list, show, and ask where a point stands."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from truceline.access.policy import Principal
from truceline.agreement.spatial import AgreementIndex
from truceline.api.audit import record
from truceline.api.auth import require
from truceline.api.deps import get_store, read_body, time_param
from truceline.clock import now_us
from truceline.errors import BadRequestError
from truceline.services import agreements as svc
from truceline.services.where import describe_point

MAX_VERSION = 2**31 - 1  # the version column is a 32-bit integer (SQLite and PostgreSQL)

_GEOJSON_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/geo+json": {"schema": {"type": "object"}},
            "application/json": {"schema": {"type": "object"}},
        },
    }
}


def build_router() -> APIRouter:
    router = APIRouter(tags=["agreements"])

    @router.post(
        "/agreements",
        status_code=201,
        openapi_extra=_GEOJSON_BODY,
        summary="Load an agreement version (agreement.geojson)",
        name="load_agreement",
    )
    async def load(
        request: Request,
        principal: Annotated[Principal, Depends(require("admin:agreements"))],
    ) -> JSONResponse:
        data = await read_body(request)
        try:
            doc = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            raise BadRequestError(f"request body: not valid JSON ({exc.msg})") from None
        result = svc.load_agreement(
            get_store(request), doc, source=f"POST {request.url.path}", now_us=now_us()
        )
        body = {"id": result.id, "version": result.version, "created": result.created}
        if result.created:
            record(request, principal, "agreement.load", f"{result.id} v{result.version}", {})
        return JSONResponse(body, status_code=201 if result.created else 200)

    @router.get("/agreements", summary="List agreement versions", name="list_agreements")
    def list_all(request: Request) -> dict[str, Any]:
        with get_store(request).read() as conn:
            return {"items": svc.list_versions(conn)}

    @router.get("/agreements/{agreement_id}", summary="One agreement version", name="get_agreement")
    def show(
        request: Request,
        agreement_id: str,
        version: Annotated[int | None, Query(ge=1, le=MAX_VERSION)] = None,
        at: Annotated[str | None, Query(description="the version in force at this time")] = None,
        format: Annotated[str, Query(pattern="^(summary|geojson)$")] = "summary",
    ) -> Any:
        with get_store(request).read() as conn:
            agreement = svc.get_agreement(
                conn, agreement_id, version=version, at=time_param(at, "at")
            )
        if format == "geojson":
            return JSONResponse(agreement.document, media_type="application/geo+json")
        return svc.summary(agreement)

    @router.get(
        "/agreements/{agreement_id}/where", summary="Where a point stands", name="agreement_where"
    )
    def where(
        request: Request,
        agreement_id: str,
        lat: Annotated[float, Query(ge=-90, le=90)],
        lon: Annotated[float, Query(ge=-180, le=180)],
        at: Annotated[
            str | None, Query(description="judge against the version in force then")
        ] = None,
    ) -> dict[str, Any]:
        when = time_param(at, "at")
        with get_store(request).read() as conn:
            agreement = svc.get_agreement(conn, agreement_id, at=when)
        return describe_point(AgreementIndex(agreement, when), lat, lon)

    return router
