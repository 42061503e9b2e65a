"""Administration of principals and tokens, and the audit log, over HTTP."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from truceline.access.policy import Principal
from truceline.api.auth import client_address, require
from truceline.api.deps import get_store
from truceline.clock import now_us
from truceline.services import principals as svc

Admin = Annotated[Principal, Depends(require("admin:principals"))]


class PrincipalIn(BaseModel):
    name: str = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:@-]+$")
    nation: str = Field(min_length=2, max_length=32, pattern=r"^[A-Z0-9_]+$")
    roles: list[str] = Field(min_length=1, max_length=10)
    side: str | None = Field(None, max_length=32, pattern=r"^[A-Za-z0-9_+-]+$")
    kind: str = Field("user", pattern="^(user|service)$")
    expires_in_days: int | None = Field(None, ge=1, le=3650)


def build_router() -> APIRouter:
    router = APIRouter(tags=["access"])

    @router.post(
        "/principals",
        status_code=201,
        summary="Add a principal; its token is returned once",
        name="add_principal",
    )
    def add(request: Request, body: PrincipalIn, admin: Admin) -> dict[str, Any]:
        now = now_us()
        expires = now + body.expires_in_days * 86_400_000_000 if body.expires_in_days else None
        created = svc.add_principal(
            get_store(request),
            name=body.name,
            nation=body.nation,
            roles=body.roles,
            side=body.side,
            kind=body.kind,
            expires_us=expires,
            now_us=now,
            actor=admin.name,
            client=client_address(request),
        )
        p = created.principal
        return {
            "name": p.name,
            "nation": p.nation,
            "roles": sorted(p.roles),
            "side": p.side,
            "token": created.token,
        }

    @router.get("/principals", summary="List principals", name="list_principals")
    def list_all(request: Request, admin: Admin) -> dict[str, Any]:
        with get_store(request).read() as conn:
            return {"items": svc.list_principals(conn)}

    @router.delete(
        "/principals/{name}", summary="Revoke a principal and its tokens", name="revoke_principal"
    )
    def revoke(request: Request, name: str, admin: Admin) -> dict[str, Any]:
        svc.revoke_principal(
            get_store(request),
            name,
            now_us=now_us(),
            actor=admin.name,
            client=client_address(request),
        )
        return {"revoked": name}

    @router.get("/audit", summary="Query the audit log", name="query_audit")
    def audit(
        request: Request,
        who: Annotated[Principal, Depends(require("audit:read"))],
        principal: str | None = None,
        action: str | None = None,
        limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
    ) -> dict[str, Any]:
        with get_store(request).read() as conn:
            return {"items": svc.query_audit(conn, principal=principal, action=action, limit=limit)}

    @router.get("/whoami", summary="The caller as the service sees it", name="whoami")
    def whoami(principal: Annotated[Principal, Depends(require("read"))]) -> dict[str, Any]:
        from truceline.access.policy import release_tokens

        return {
            "name": principal.name,
            "nation": principal.nation,
            "roles": sorted(principal.roles),
            "side": principal.side,
            "releasable_tokens": sorted(release_tokens(principal)),
        }

    return router
