"""Sanitised releases (tearlines) over HTTP."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from truceline.access.policy import Principal
from truceline.api.auth import client_address, require
from truceline.api.deps import get_store
from truceline.clock import now_us
from truceline.services import releases as svc


class ReleaseIn(BaseModel):
    kind: str = Field(pattern="^(finding|event|incident)$")
    record_id: str = Field(min_length=1, max_length=160)
    releasable_to: list[str] = Field(min_length=1, max_length=50)
    withheld: list[str] = Field(default_factory=list, max_length=100)
    reason: str = Field(min_length=1, max_length=5000)


def build_router() -> APIRouter:
    router = APIRouter(tags=["access"])

    @router.post(
        "/releases",
        status_code=201,
        name="create_release",
        summary="Release a sanitised version of a derived record (a tearline)",
    )
    def create(
        request: Request,
        body: ReleaseIn,
        principal: Annotated[Principal, Depends(require("release:sanitise"))],
    ) -> dict[str, Any]:
        with get_store(request).write() as conn:
            return svc.release(
                conn,
                principal,
                kind=body.kind,
                record_id=body.record_id,
                releasable_to=body.releasable_to,
                withheld=body.withheld,
                reason=body.reason,
                now_us=now_us(),
                client=client_address(request),
            )

    @router.get("/releases", name="list_releases", summary="Sanitised releases you may see")
    def list_all(
        request: Request,
        principal: Annotated[Principal, Depends(require("read"))],
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> dict[str, Any]:
        with get_store(request).read() as conn:
            return {"items": svc.list_releases(conn, principal, limit)}

    @router.get("/releases/{release_id}", name="get_release", summary="One sanitised release")
    def get(
        request: Request,
        release_id: str,
        principal: Annotated[Principal, Depends(require("read"))],
    ) -> dict[str, Any]:
        with get_store(request).read() as conn:
            return svc.get_release(conn, release_id, principal)

    return router
